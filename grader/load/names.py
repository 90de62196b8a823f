"""Find the name a student probably meant: `foward` for `forward`, `Softmax` for `softmax`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

CLASS, FUNCTION, VALUE = "class", "function", "value"


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def wanted_kind(name: str) -> str:
    """What a checked name stands for, read from Python's naming convention (PEP 8):
    `Relu` is a class, `relu` a function, `EPS` a value."""
    letters = name.strip("_")
    if letters.isupper():
        return VALUE
    return CLASS if letters[:1].isupper() else FUNCTION


def recased(wanted: str, available: Iterable[str]) -> list[str]:
    """Names in ``available`` that differ from ``wanted`` only in case and underscores."""
    return [name for name in available if name != wanted and _squash(name) == _squash(wanted)]


def near_names(wanted: str, available: Mapping[str, str] | Iterable[str], limit: int = 3,
               kind: str | None = None, cutoff: float = 0.75) -> list[str]:
    """Names in ``available`` that look like misspellings or re-casings of ``wanted``.

    ``available`` maps names to their kind ("class", "function", "value") or is a plain
    list of names; with ``kind``, only names of that kind are offered: a class is never
    suggested for a function, nor a counter variable for either.
    """
    if kind is not None and isinstance(available, Mapping):
        available = [name for name, of in available.items() if of == kind]
    by_squash: dict[str, str] = {}
    for name in available:
        if not name.startswith("__"):
            by_squash.setdefault(_squash(name), name)
    exact = by_squash.get(_squash(wanted))
    if exact is not None and exact != wanted:
        return [exact]
    close = difflib.get_close_matches(_squash(wanted), list(by_squash), n=limit, cutoff=cutoff)
    return [by_squash[c] for c in close if by_squash[c] != wanted]

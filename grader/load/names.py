"""Find the name a student probably meant: `foward` for `forward`, `Softmax` for `softmax`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def near_names(wanted: str, available: Iterable[str], limit: int = 3) -> list[str]:
    """Names in ``available`` that look like misspellings or re-casings of ``wanted``."""
    by_squash: dict[str, str] = {}
    for name in available:
        if not name.startswith("__"):
            by_squash.setdefault(_squash(name), name)
    exact = by_squash.get(_squash(wanted))
    if exact is not None and exact != wanted:
        return [exact]
    close = difflib.get_close_matches(_squash(wanted), list(by_squash), n=limit, cutoff=0.75)
    return [by_squash[c] for c in close if by_squash[c] != wanted]

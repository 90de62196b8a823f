"""Student-facing text in the student's language, read from TOML catalogues.

Engine messages live in ``grader/messages.toml``; exercise titles and hints live beside each
exercise. Every entry maps a language code to a format string.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_LANG = "en"
LANGUAGES = ("en", "ko")


def read_toml(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def choose_lang(lang: str | None = None) -> str:
    """The language asked for, else $GRADER_LANG, else English."""
    lang = (lang or os.environ.get("GRADER_LANG") or DEFAULT_LANG).split("_")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANG


def pick(entry: Any, lang: str) -> str:
    """The text of ``entry`` ({"en": ..., "ko": ...} or a plain string) in ``lang``."""
    if isinstance(entry, dict):
        return str(entry.get(lang) or entry.get(DEFAULT_LANG) or "")
    return "" if entry is None else str(entry)


@cache
def catalogue(path: Path) -> dict:
    """A TOML file of texts, read once."""
    return read_toml(path)


def render(catalog: dict, key: str, lang: str, **fields: Any) -> str:
    """The text ``key`` in ``lang``, formatted; on a formatting problem the raw template."""
    template = pick(catalog.get(key, key), lang)
    if not fields:
        return template
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template


def message(key: str, lang: str, **fields: Any) -> str:
    """An engine message (grader/messages.toml) in the student's language."""
    return render(catalogue(Path(__file__).with_name("messages.toml")), key, lang, **fields)

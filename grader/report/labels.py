"""UI words of the reports (headings, column names) in every language: labels.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.text import catalogue, render


def label(key: str, lang: str, **fields: Any) -> str:
    """A UI string of the reports in ``lang``, formatted with ``fields``."""
    return render(catalogue(Path(__file__).with_name("labels.toml")), key, lang, **fields)

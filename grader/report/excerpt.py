"""A line of the student's code with a caret under the column a syntax error points at."""

from __future__ import annotations

import unicodedata

TAB = 4


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def caret_line(code: str, column: int) -> str:
    """Spaces and a ``^`` under the 1-based ``column`` of ``code`` (tabs as TAB spaces), or ""
    when there is no column."""
    if column <= 0:
        return ""
    prefix = code[:column - 1].expandtabs(TAB)
    return " " * display_width(prefix) + "^"

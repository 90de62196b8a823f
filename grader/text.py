"""Student-facing text in the student's language, read from TOML catalogues.

Engine messages live in ``grader/messages.toml``; exercise titles and hints live beside each
exercise. Every entry maps a language code to a format string, and may add ``<lang>_one``, the
form used when the field ``count`` is 1 ("1 line" beside "{count} lines").

Korean particles depend on the word before them: 값이 but 결과가. A template writes the particle
as a field of its own, ``{이}``, ``{을}``, ``{은}``, ``{과}``, ``{으로}``, ``{이나}`` or ``{이라}``
(or their other form: ``{가}``, ``{를}``...), placed right after the text it attaches to; it
becomes the form that fits the sound the text ends with (see :func:`particle`), so that no
text ever shows a placeholder such as 이(가).

A field's value may itself be a text in several languages (``{"en": ..., "ko": ...}``): the
student's language is picked, so that checks can describe their values in both languages.
"""

from __future__ import annotations

import os
import re
import string
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

# Each particle: (form after a final consonant, form after a vowel). 으로 is also 로 after ㄹ.
PARTICLES = {"이": ("이", "가"), "을": ("을", "를"), "은": ("은", "는"), "과": ("과", "와"),
             "으로": ("으로", "로"), "이나": ("이나", "나"), "이라": ("이라", "라")}
PARTICLE_FIELDS = {form: base for base, forms in PARTICLES.items() for form in forms}
_MARK = "\x00"  # brackets a particle until the text before it is known
_PARTICLE_MARK = re.compile(f"{_MARK}({'|'.join(PARTICLE_FIELDS)}){_MARK}")
_CLOSING = "`'\"”’)]}»>*"  # skipped when looking for the sound a text ends with
_CELL = re.compile(r"cell (\d+)")  # how the loader names the cells of a notebook
# Sino-Korean readings of digits that end in a consonant (영 일 삼 육 칠 팔), and the ones in ㄹ
_DIGITS_WITH_FINAL, _DIGITS_WITH_RIEUL = "013678", "178"
_HANGUL_FIRST, _HANGUL_LAST, _RIEUL = 0xAC00, 0xD7A3, 8
# English endings read with a final vowel in Korean although they end in a consonant letter
_READ_WITH_VOWEL = ("nt", "st", "ct", "pt", "ft", "lt", "rt", "sk", "mp", "mb")


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


def is_localised(value: Any) -> bool:
    """Whether ``value`` is a text given in several languages, such as {"en": ..., "ko": ...}."""
    return isinstance(value, dict) and DEFAULT_LANG in value and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def final_sound(text: str) -> str:
    """How ``text`` ends when read aloud in Korean: "consonant", "rieul" (ㄹ), or "vowel".

    Closing quotes, brackets and backquotes are skipped (`f(x)` ends like x). Hangul is exact;
    digits are read the Sino-Korean way (3 삼, 10 십); a Latin word is read as English (relu 렐루,
    label 레이블, step 스텝, line 라인, gradient 그레이디언트), a single letter by its name (x 엑스,
    l 엘). Anything else counts as a vowel.
    """
    text = text.rstrip().rstrip(_CLOSING).rstrip()
    if not text:
        return "vowel"
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        final = (ord(last) - _HANGUL_FIRST) % 28
        return "vowel" if final == 0 else "rieul" if final == _RIEUL else "consonant"
    if last.isdigit():
        return ("rieul" if last in _DIGITS_WITH_RIEUL else "consonant"
                if last in _DIGITS_WITH_FINAL else "vowel")
    word = re.search(r"[A-Za-z]+$", text)
    if word is None:
        return "vowel"
    word = word.group(0).lower()
    if len(word) == 1:
        return "rieul" if word in "lr" else "consonant" if word in "mn" else "vowel"
    if word.endswith(("l", "le")):
        return "rieul"
    if word.endswith(_READ_WITH_VOWEL):  # gradient 그레이디언트, list 리스트, mask 마스크
        return "vowel"
    consonant_endings = ("m", "n", "ng", "me", "ne", "k", "p", "t", "b")
    return "consonant" if word.endswith(consonant_endings) else "vowel"


def particle(text: str, name: str) -> str:
    """The form of the particle ``name`` (이, 을, 은, 과, 으로, 이나, 이라 or another form of
    one) that follows ``text``."""
    base = PARTICLE_FIELDS[name]
    after_consonant, after_vowel = PARTICLES[base]
    sound = final_sound(text)
    if base == "으로" and sound == "rieul":
        return after_vowel
    return after_vowel if sound == "vowel" else after_consonant


class _Formatter(string.Formatter):
    """``str.format`` that picks each field's language and leaves particles to be attached.

    A field named ``label`` is a place in a submission as the loader names it ("cell 3" of a
    notebook, or a file name): a notebook cell is named in the reader's language.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def get_value(self, key: int | str, args: Any, kwargs: dict[str, Any]) -> Any:
        if key in PARTICLE_FIELDS and key not in kwargs:
            return f"{_MARK}{key}{_MARK}"
        value = super().get_value(key, args, kwargs)
        if key == "label" and isinstance(value, str) and (cell := _CELL.fullmatch(value)):
            return message("cell", self.lang, number=cell.group(1))
        return pick(value, self.lang) if is_localised(value) else value


def attach_particles(text: str) -> str:
    """Replace each particle mark by the form that fits the text before it."""
    parts = _PARTICLE_MARK.split(text)
    out = parts[0]
    for name, rest in zip(parts[1::2], parts[2::2], strict=True):
        out += particle(out, name) + rest
    return out


def fill(template: str, lang: str, **fields: Any) -> str:
    """``template`` formatted with ``fields``, particles attached: see the module's docstring."""
    return attach_particles(_Formatter(lang).format(template, **fields))


def say(en: str, ko: str, **fields: Any) -> dict[str, str]:
    """A text in every language of the course, each formatted with ``fields`` (which may be
    texts in several languages themselves): what checks pass as ``what=`` or to ``Mistake``.

    ``say("{what} is None", "{what}{이} None입니다", what=what)``
    """
    return {lang: fill(template, lang, **fields) for lang, template in (("en", en), ("ko", ko))}


@cache
def catalogue(path: Path) -> dict:
    """A TOML file of texts, read once."""
    return read_toml(path)


def render(catalog: dict, key: str, lang: str, **fields: Any) -> str:
    """The text ``key`` in ``lang``, formatted; on a formatting problem the raw template."""
    entry = catalog.get(key, key)
    if isinstance(entry, dict) and fields.get("count") == 1 and f"{lang}_one" in entry:
        entry = {lang: entry[f"{lang}_one"]}
    template = pick(entry, lang)
    try:
        return fill(template, lang, **fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


def message(key: str, lang: str, **fields: Any) -> str:
    """An engine message (grader/messages.toml) in the student's language."""
    return render(catalogue(Path(__file__).with_name("messages.toml")), key, lang, **fields)

"""Course CI: the reference earns full marks, the stub earns zero, every variant loses
exactly the points it should, with the hint it should get, and every text exists."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import Exercise
from grader.grading import grade
from grader.results import PASSED, CheckResult, SubmissionResult
from grader.text import LANGUAGES, read_toml


@dataclass
class Variant:
    name: str
    file: Path
    about: str
    base: str
    fails: dict[str, str] = field(default_factory=dict)


@dataclass
class Verdict:
    """One claim about the course, and whether it holds."""

    exercise: str
    subject: str
    ok: bool
    detail: str = ""
    result: SubmissionResult | None = None


def variants(exercise: Exercise) -> list[Variant]:
    path = exercise.solution_dir / "variants.toml" if exercise.solution_dir else None
    if path is None or not path.is_file():
        return []
    return [Variant(name, exercise.solution_dir / spec["file"], spec.get("about", ""),
                    spec.get("base", "reference"), dict(spec.get("fails", {})))
            for name, spec in read_toml(path).items()]


@contextmanager
def variant_source(exercise: Exercise, variant: Variant) -> Iterator[Path]:
    """The variant as a gradable file: its definitions after its base's, or as it is.

    The base is the reference, another variant (by name), or "none".
    """
    if variant.base == "none":
        yield variant.file
        return
    if variant.base == "reference":
        base = exercise.reference
    else:
        base = next(v.file for v in variants(exercise) if v.name == variant.base)
    folder = Path(tempfile.mkdtemp(prefix="grader-variant-"))
    try:
        path = folder / f"{variant.name}.py"
        path.write_text(base.read_text(encoding="utf-8") + "\n\n"
                        + variant.file.read_text(encoding="utf-8"), encoding="utf-8")
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_reference(exercise: Exercise, **options: object) -> Verdict:
    if exercise.reference is None:
        return Verdict(exercise.name, "reference", False, "no solutions/<ex>/solution.py")
    result = grade(exercise, exercise.reference, **options)
    wrong = [f"{c.id} ({c.status}): {failure(c)}" for c in result.checks if c.status != PASSED]
    ok = not wrong and result.score == result.max_score > 0
    return Verdict(exercise.name, "reference earns full marks", ok, "\n".join(wrong), result)


def check_stub(exercise: Exercise, **options: object) -> Verdict:
    if exercise.stub is None:
        return Verdict(exercise.name, "stub", False, "no stub notebook or module")
    result = grade(exercise, exercise.stub, **options)
    earned = [c.id for c in result.checks if c.points > 0]
    return Verdict(exercise.name, "stub earns zero", result.score == 0,
                   "earns points: " + ", ".join(earned) if earned else "", result)


def check_variant(exercise: Exercise, variant: Variant, **options: object) -> Verdict:
    with variant_source(exercise, variant) as path:
        result = grade(exercise, path, **options)
    got = {c.id: c.hint_key for c in result.checks if c.status != PASSED}
    problems = []
    for check_id, hint_key in variant.fails.items():
        if check_id not in got:
            problems.append(f"should fail {check_id}")
        elif got[check_id] != hint_key:  # "": no hint, the message names the cause
            problems.append(f"{check_id}: hint {got[check_id]!r}, expected {hint_key!r}")
    problems += [f"should pass {c.id} ({c.status}): {failure(c)}"
                 for c in result.checks if c.status != PASSED and c.id not in variant.fails]
    unknown = set(variant.fails) - {c.id for c in result.checks}
    problems += [f"no check named {name}" for name in sorted(unknown)]
    label = f"variant {variant.name}" + (f" ({variant.about})" if variant.about else "")
    return Verdict(exercise.name, label, not problems, "\n".join(problems), result)


def failure(check: CheckResult) -> str:
    """Everything known of a failed check, for the course author: the full message (a hidden
    check's too) or a grader error's traceback, from the instructor-only record."""
    text = check.instructor_detail or check.message
    if check.hint_key:
        text += f"{chr(10) if text else ''}(hint {check.hint_key})"
    return text or "(no message)"


def check_texts(exercise: Exercise, results: list[SubmissionResult]) -> Verdict:
    """Every check has a title, every hint a student can get exists in every language, and
    every name a check records is declared in [records] with a title in every language."""
    from grader.checks.listing import list_checks

    checks = list_checks(exercise)
    hint_keys = {c.hint_key for c in checks} | set(exercise.texts["hints"])
    hint_keys |= {c.hint_key for r in results for c in r.checks if c.hint_key}
    recorded = {name for r in results for c in r.checks for name in c.data}
    missing = [f"title of {c.id}" for c in checks
               if not _in_every_language(exercise.texts["checks"].get(c.id, {}).get("title"))]
    missing += [f"hint {key}" for key in sorted(hint_keys)
                if not _in_every_language(exercise.texts["hints"].get(key))]
    missing += [f"record {name}" for name in sorted(recorded) if not _in_every_language(
        exercise.texts.get("records", {}).get(name, {}).get("title"))]
    return Verdict(exercise.name, "titles and hints exist in " + "/".join(LANGUAGES),
                   not missing, ", ".join(missing))


def _in_every_language(entry: object) -> bool:
    return isinstance(entry, dict) and all(entry.get(lang) for lang in LANGUAGES)


def validate(exercise: Exercise, **options: object) -> Iterator[Verdict]:
    """All claims about one exercise, yielded as they are checked."""
    verdicts = [check_reference(exercise, **options), check_stub(exercise, **options)]
    yield from verdicts
    for variant in variants(exercise):
        verdict = check_variant(exercise, variant, **options)
        verdicts.append(verdict)
        yield verdict
    yield check_texts(exercise, [v.result for v in verdicts if v.result is not None])

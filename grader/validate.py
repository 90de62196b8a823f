"""Course CI: the rules every exercise must keep, in one place.

Each rule is a :class:`Claim` about one exercise: the reference earns full marks; the stub earns
zero, fails every public check and is what the reference makes; every variant loses exactly the
points it should, with the hint it should get; an exercise has mutants and correct variants,
keeps the do-nothing variants, and no check goes unfailed; every text exists in every language;
public checks never touch the reference. ``grader validate`` proves them all, and
tests/test_course.py runs each as a test.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from grader.authoring.source import SourceError
from grader.authoring.stub import drift
from grader.course import Exercise
from grader.grading import grade
from grader.results import FAILED, PASSED, CheckResult, SubmissionResult
from grader.text import LANGUAGES, read_toml

# Placeholders left in: each exercise keeps these, and they may earn only what their fixed
# answer happens to get right (nan never is).
DO_NOTHING = ("nothing_zeros", "nothing_input", "nothing_nan", "nothing_constant")
USES_REFERENCE = re.compile(r"def \w+\([^)]*\bref\b")


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


@dataclass(frozen=True)
class Claim:
    """A rule about one exercise, proved on demand; ``name`` is short (a test id)."""

    exercise: Exercise
    name: str
    check: Callable[..., Verdict]
    grades: bool = False  # grades code, so takes the grading options (launcher, limits)

    def prove(self, **options: object) -> Verdict:
        return self.check(**options) if self.grades else self.check()


def claims(exercise: Exercise) -> list[Claim]:
    """Every rule the exercise must keep, the cheap ones after the grading ones."""
    graded = [Claim(exercise, "reference", partial(check_reference, exercise), grades=True),
              Claim(exercise, "stub", partial(check_stub, exercise), grades=True)]
    graded += [Claim(exercise, f"variant-{v.name}", partial(check_variant, exercise, v),
                     grades=True) for v in variants(exercise)]
    return graded + [Claim(exercise, name, partial(check, exercise)) for name, check in (
        ("stub-source", check_stub_source), ("variant-kinds", check_variant_kinds),
        ("do-nothing", check_do_nothing), ("every-check-fails-somewhere", check_every_check_fails),
        ("texts", check_texts), ("public-checks", check_public_checks))]


def validate(exercise: Exercise, **options: object) -> Iterator[Verdict]:
    """All claims about one exercise, yielded as they are proved."""
    for claim in claims(exercise):
        yield claim.prove(**options)


def check_reference(exercise: Exercise, **options: object) -> Verdict:
    if exercise.reference is None:
        return Verdict(exercise.name, "reference", False, "no solutions/<ex>/solution.py")
    result = grade(exercise, exercise.reference, **options)
    wrong = [f"{c.id} ({c.status}): {failure(c)}" for c in result.checks if c.status != PASSED]
    wrong += undeclared_records(exercise, result)  # the reference runs every check's records
    ok = not wrong and result.score == result.max_score > 0
    return Verdict(exercise.name, "reference earns full marks", ok, "\n".join(wrong), result)


def check_stub(exercise: Exercise, **options: object) -> Verdict:
    """The stub earns nothing, and fails (not errs on) every public check."""
    subject = "stub earns zero and fails every public check"
    if exercise.stub is None:
        return Verdict(exercise.name, subject, False, "no stub notebook or module")
    result = grade(exercise, exercise.stub, **options)
    problems = [f"earns points on {c.id}" for c in result.checks if c.points > 0]
    problems += [f"{c.id}: {c.status}, not failed" for c in result.checks
                 if c.visibility == "public" and c.status != FAILED]
    return Verdict(exercise.name, subject, not problems, "; ".join(problems), result)


def check_stub_source(exercise: Exercise) -> Verdict:
    """Every stub file is what the annotated reference makes (``grader stub`` rewrites them)."""
    subject = "stub is what the reference makes"
    try:
        problems = drift(exercise)
    except SourceError as exc:
        return Verdict(exercise.name, subject, False, f"solution.py {exc}")
    if problems:
        problems.append(f"run `grader stub {exercise.name}` to write the stub from the reference")
    return Verdict(exercise.name, subject, not problems, "\n".join(problems))


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
    if variant.fails and result.score >= result.max_score:
        problems.append("loses no points")
    label = f"variant {variant.name}" + (f" ({variant.about})" if variant.about else "")
    return Verdict(exercise.name, label, not problems, "\n".join(problems), result)


def failure(check: CheckResult) -> str:
    """Everything known of a failed check, for the course author: the full message (a hidden
    check's too) or a grader error's traceback, from the instructor-only record."""
    text = check.instructor_detail or check.message
    if check.hint_key:
        text += f"{chr(10) if text else ''}(hint {check.hint_key})"
    return text or "(no message)"


def check_variant_kinds(exercise: Exercise) -> Verdict:
    """At least one mutant (a realistic wrong answer) and one correct variant in another style."""
    kinds = {bool(v.fails) for v in variants(exercise)}
    missing = [name for name, kind in (("a mutant (fails = {...})", True),
                                       ("a correct variant (fails = {})", False))
               if kind not in kinds]
    return Verdict(exercise.name, "has mutants and correct variants", not missing,
                   "variants.toml needs " + " and ".join(missing) if missing else "")


def check_do_nothing(exercise: Exercise) -> Verdict:
    """The do-nothing variants are kept, and the one answering nan fails every check."""
    from grader.checks.listing import list_checks

    found = {v.name: v for v in variants(exercise)}
    problems = [f"no variant {name}" for name in DO_NOTHING if name not in found]
    if "nothing_nan" in found:
        spared = sorted({c.id for c in list_checks(exercise)} - set(found["nothing_nan"].fails))
        problems += [f"nothing_nan must fail {check_id}" for check_id in spared]
    return Verdict(exercise.name, "keeps the do-nothing variants; nan earns nothing",
                   not problems, "; ".join(problems))


def check_every_check_fails(exercise: Exercise) -> Verdict:
    """A check that no variant fails has not been shown able to fail."""
    from grader.checks.listing import list_checks

    failed = {check_id for v in variants(exercise) for check_id in v.fails}
    unfailed = [c.id for c in list_checks(exercise) if c.id not in failed]
    return Verdict(exercise.name, "every check is failed by some variant", not unfailed,
                   "no variant fails " + ", ".join(unfailed) if unfailed else "")


def check_texts(exercise: Exercise) -> Verdict:
    """Every check has a title and every hint a student can get exists in every language."""
    from grader.checks.listing import list_checks

    checks = list_checks(exercise)
    hint_keys = {c.hint_key for c in checks} | set(exercise.texts["hints"])
    hint_keys |= {key for v in variants(exercise) for key in v.fails.values() if key}
    missing = [f"title of {c.id}" for c in checks
               if not _in_every_language(exercise.texts["checks"].get(c.id, {}).get("title"))]
    missing += [f"hint {key}" for key in sorted(hint_keys)
                if not _in_every_language(exercise.texts["hints"].get(key))]
    return Verdict(exercise.name, "titles and hints exist in " + "/".join(LANGUAGES),
                   not missing, ", ".join(missing))


def undeclared_records(exercise: Exercise, result: SubmissionResult) -> list[str]:
    """Names the checks recorded that exercise.toml's [records] does not declare with a title
    in every language: the reports show declared records only."""
    recorded = sorted({name for c in result.checks for name in c.data})
    return [f"record {name} is not declared in [records] with a title in every language"
            for name in recorded if not _in_every_language(
                exercise.texts.get("records", {}).get(name, {}).get("title"))]


def _in_every_language(entry: object) -> bool:
    return isinstance(entry, dict) and all(entry.get(lang) for lang in LANGUAGES)


def check_public_checks(exercise: Exercise) -> Verdict:
    """Public checks are released to students: they never take ``ref`` or name solutions/."""
    offending = [path.name for path in sorted(exercise.public_checks.glob("*.py"))
                 if USES_REFERENCE.search(text := path.read_text(encoding="utf-8"))
                 or "solutions" in text]
    return Verdict(exercise.name, "public checks never use the reference", not offending,
                   "uses ref or solutions/: " + ", ".join(offending) if offending else "")

"""The course content proves itself: the same claims as `grader validate`, one test each.

References earn full marks, stubs earn zero, every buggy variant (mutant) fails exactly the
checks listed in its solutions/exNN/variants.toml with the listed hint, and every correct
variant in another style earns full marks.
"""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from grader import validate
from grader.course import Course

COURSE = Course(REPO)
EXERCISES = COURSE.exercises()
VARIANTS = [(ex, v) for ex in EXERCISES for v in validate.variants(ex)]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_reference_earns_full_marks(exercise) -> None:
    verdict = validate.check_reference(exercise)
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_stub_earns_zero_and_says_not_implemented(exercise) -> None:
    verdict = validate.check_stub(exercise)
    assert verdict.ok, verdict.detail
    public = [c for c in verdict.result.checks if c.visibility == "public"]
    assert public and all(c.status == "failed" for c in public)


@pytest.mark.parametrize("exercise, variant", VARIANTS,
                         ids=[f"{e.name}-{v.name}" for e, v in VARIANTS])
def test_variant_loses_exactly_its_points(exercise, variant) -> None:
    verdict = validate.check_variant(exercise, variant)
    assert verdict.ok, verdict.detail
    if variant.fails:
        assert verdict.result.score < verdict.result.max_score
    else:
        assert verdict.result.score == verdict.result.max_score


def test_every_exercise_has_mutants_and_correct_variants() -> None:
    for exercise in EXERCISES:
        kinds = {bool(v.fails) for v in validate.variants(exercise)}
        assert kinds == {True, False}, exercise.name


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_every_check_is_failed_by_some_mutant(exercise) -> None:
    """A check that no realistic wrong answer fails is a check that cannot fail."""
    from grader.checks.listing import list_checks

    bitten = {check for v in validate.variants(exercise) for check in v.fails}
    unbitten = [c.id for c in list_checks(exercise) if c.id not in bitten]
    assert not unbitten, f"checks no variant fails: {unbitten}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_titles_and_hints_exist_in_every_language(exercise) -> None:
    verdict = validate.check_texts(exercise, [])
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_public_checks_never_use_the_reference(exercise) -> None:
    uses_ref = re.compile(r"def \w+\([^)]*\bref\b")
    for path in exercise.public_checks.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not uses_ref.search(text) and "solutions" not in text, path


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_do_nothing_variants_are_kept_and_nan_earns_nothing(exercise) -> None:
    """Zeros, the input, nan and a constant may earn only what their fixed answer gets
    right (validated above); nan is never right, so that variant must fail every check."""
    from grader.checks.listing import list_checks

    variants = {v.name: v for v in validate.variants(exercise)}
    kinds = {"nothing_zeros", "nothing_input", "nothing_nan", "nothing_constant"}
    assert kinds <= set(variants)
    assert set(variants["nothing_nan"].fails) == {c.id for c in list_checks(exercise)}

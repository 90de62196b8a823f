"""The course content proves itself: every claim of `grader validate`, one test each.

The rules live in grader/validate.py only: references earn full marks, stubs earn zero and are
what their references make, every variant loses exactly the points listed in its
solutions/exNN/variants.toml with the listed hint, and the rest (see ``validate.claims``).
"""

from __future__ import annotations

import pytest
from conftest import REPO

from grader import validate
from grader.course import Course

CLAIMS = [claim for exercise in Course(REPO).exercises() for claim in validate.claims(exercise)]


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.exercise.name}-{c.name}" for c in CLAIMS])
def test_claim_holds(claim: validate.Claim) -> None:
    verdict = claim.prove()
    assert verdict.ok, verdict.detail

"""The check API reads the same on student code (`sub`) and on the reference (`ref`), in-place
changes included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checks import call_and_see, keep, worker_function
from grader.checks.proxy import LocalObject
from grader.course import Course
from grader.grading import grade
from grader.worker.limits import Limits

REFERENCE = '''
import numpy as np


class Scaler:
    def __init__(self, w):
        self.w = w
        self.calls = 0

    def apply(self, params, *, shift=0.0):
        """Scales every array of params in place; returns their new total."""
        self.calls += 1
        for key in params:
            params[key] *= self.w
            params[key] += shift
        return float(sum(np.sum(v) for v in params.values()))


def double(x):
    return 2 * x
'''

# The same function observes student code and the reference: what a check can see of them.
HIDDEN = '''
import numpy as np
import pytest

from grader.checks import call_and_see, fetch, handle, keep


def observe(code):
    params = {"a": np.array([1.0, 2.0]), "b": np.array([[3.0]])}
    scaler = code.Scaler(2.0)
    plain = scaler.apply(params)                  # the check's own params stay as they were
    seen = call_and_see(scaler.apply, params, shift=1.0)
    weight = scaler.w
    kept = keep(code.double)(np.array([1.0, 5.0]))
    return {"plain": plain, "params": params, "seen": (seen.result, seen.args, seen.kwargs),
            "calls": scaler.calls, "weight": weight, "kept": fetch(kept),
            "located": fetch(handle(scaler, "w"))}


def same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b) and np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.points(1)
def test_sub_and_ref_alike(sub, ref):
    theirs, mine = observe(sub), observe(ref)
    assert same(theirs, mine), (theirs, mine)
    assert same(mine["params"], {"a": np.array([1.0, 2.0]), "b": np.array([[3.0]])})
    result, (params,), keywords = mine["seen"]
    assert same(params, {"a": np.array([3.0, 5.0]), "b": np.array([[7.0]])}) and result == 15.0
    assert keywords == {"shift": 1.0} and mine["calls"] == 2


@pytest.mark.points(1)
def test_changing_a_copy_changes_nothing(sub, ref):
    for code in (sub, ref):
        scaler = code.Scaler(np.array([2.0, 2.0]))
        weight = scaler.w
        weight[0] = 99.0
        assert scaler.w[0] == 2.0
'''


@pytest.fixture
def exercise(tmp_path: Path):
    root = tmp_path / "course"
    (root / "assignments/exA/checks").mkdir(parents=True)
    (root / "solutions/exA/checks").mkdir(parents=True)
    (root / "assignments/exA/checks/test_public.py").write_text("")
    (root / "solutions/exA/checks/test_hidden.py").write_text(HIDDEN)
    (root / "solutions/exA/solution.py").write_text(REFERENCE)
    return Course(root).exercise("exA")


def test_a_check_sees_the_same_through_sub_and_ref(exercise) -> None:
    result = grade(exercise, exercise.reference, limits=Limits(call_seconds=5, load_seconds=10))
    assert [(c.id, c.status, c.message) for c in result.checks] == [
        ("test_sub_and_ref_alike", "passed", ""), ("test_changing_a_copy_changes_nothing",
                                                   "passed", "")]


def test_call_and_see_on_the_reference_leaves_the_callers_arrays() -> None:
    """Locally, without a worker: ref's in-place changes come back as copies."""
    def scale(values, factor):
        values *= factor
        return values

    x = np.array([1.0, 2.0])
    seen = call_and_see(LocalObject(scale), x, 3.0)
    assert x.tolist() == [1.0, 2.0] and seen.args[0].tolist() == [3.0, 6.0]
    assert seen.result.tolist() == [3.0, 6.0] and seen.result is not seen.args[0]


def test_keep_refuses_a_worker_function_with_a_reason() -> None:
    with pytest.raises(TypeError, match=r"worker_function\(\.\.\.\) builds a function for "
                                        r"student code to call"):
        keep(worker_function("lambda x: 2 * x"))
    with pytest.raises(TypeError, match="not function"):
        call_and_see(lambda x: x, 1)

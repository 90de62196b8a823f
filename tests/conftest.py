"""Shared helpers for the project's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent

# Commands run by the tests never use or start a warm process (tests/test_warm.py does, on
# purpose): one started by a developer's own `grader check` must not answer for the tests.
os.environ["GRADER_SERVER"] = "0"


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """A notebook from (kind, source) pairs, kind being "code" or "markdown"."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) if kind == "code"
                else nbformat.v4.new_markdown_cell(src) for kind, src in cells]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def repo() -> Path:
    return REPO


TOY_PUBLIC = '''
import numpy as np
import pytest

from grader.checks import assert_close, assert_inputs_unchanged, handle, copy_into, fetch
from grader.checks import keep, seed_numpy, worker_function


@pytest.mark.points(2)
@pytest.mark.hint("overflow")
def test_softmax_large(sub):
    y = sub.softmax(np.array([1010.0, 1000.0, 990.0]))
    assert_close(y, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09])


@pytest.mark.points(1)
@pytest.mark.parametrize("n", [1, 3])
def test_softmax_rows(sub, n, rng):
    x = rng.normal(size=(n, 4))
    y = assert_inputs_unchanged(sub.softmax, x)
    assert_close(y.sum(axis=-1), np.ones(n))


@pytest.mark.points(1)
def test_layer(sub):
    layer = sub.Scale(np.array([2.0, 3.0]))
    assert_close(layer.forward(np.array([1.0, 1.0])), [2.0, 3.0])
    w = handle(layer, "params", "w")
    copy_into(w, np.array([5.0, 5.0]))
    assert_close(layer.forward(np.array([1.0, 1.0])), [5.0, 5.0])
    assert_close(fetch(w), [5.0, 5.0])


@pytest.mark.points(1)
@pytest.mark.timeout(2)
def test_apply(sub):
    f = worker_function("lambda x: np.sum(x ** 2)")
    assert_close(sub.apply(f, np.array([1.0, 2.0])), 5.0)


@pytest.mark.points(1)
def test_seeded_noise(sub):
    seed_numpy(sub, 3)
    first = sub.noise(3)
    seed_numpy(sub, 3)
    assert_close(sub.noise(3), first)
    big = keep(sub.noise)(1000)
    assert_close(sub.total(big), float(fetch(big).sum()))
'''

TOY_HIDDEN = '''
import numpy as np
import pytest

from grader.checks import assert_close

pytestmark = pytest.mark.timeout(1.5)


@pytest.mark.points(3)
@pytest.mark.hint("overflow")
def test_softmax_vs_reference(sub, ref, rng, record):
    x = rng.normal(size=(5, 3)) * 1000
    record("largest", float(np.abs(x).max()))
    assert_close(sub.softmax(x), ref.softmax(x))
'''

TOY_TOML = '''
title = { en = "Toy", ko = "장난감" }

[checks.test_softmax_large]
title = { en = "softmax: large inputs", ko = "softmax: 큰 입력" }

[hints]
overflow = { en = "Subtract the max.", ko = "최댓값을 빼세요." }

[records.largest]
title = { en = "Largest input", ko = "가장 큰 입력" }
'''

TOY_SOLUTION = '''
import numpy as np


def softmax(a):
    a = a - a.max(axis=-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


class Scale:
    def __init__(self, w):
        self.params = {"w": w}

    def forward(self, x):
        return x * self.params["w"]


def apply(f, x):
    return f(x)


def noise(n):
    return np.random.randn(n)


def total(x):
    return x.sum()
'''


def make_toy_course(root: Path) -> Path:
    """A small course with one exercise, exT, independent of the real course content."""
    (root / "assignments/exT/checks").mkdir(parents=True)
    (root / "solutions/exT/checks").mkdir(parents=True)
    (root / "assignments/exT/checks/test_public.py").write_text(TOY_PUBLIC)
    (root / "assignments/exT/exercise.toml").write_text(TOY_TOML)
    (root / "solutions/exT/checks/test_hidden.py").write_text(TOY_HIDDEN)
    (root / "solutions/exT/solution.py").write_text(TOY_SOLUTION)
    (root / "assignments/exT/exT.py").write_text(
        "def softmax(a):\n    raise NotImplementedError\n")
    return root


@pytest.fixture
def toy(tmp_path: Path):
    """The toy exercise and a helper to write a submission that overrides the reference."""
    from grader.course import Course

    course = Course(make_toy_course(tmp_path / "course"))
    exercise = course.exercise("exT")

    def submission(code: str, name: str = "student.py", base: bool = True) -> Path:
        path = tmp_path / name
        path.write_text((TOY_SOLUTION if base else "") + "\n" + code)
        return path

    return exercise, submission


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed ex03 class of tests/class_samples.py, graded in English: the --out folder."""
    from class_samples import grade_class

    return grade_class(tmp_path_factory.mktemp("class-en"), "en")[0]


@pytest.fixture(scope="session")
def graded_class_ko(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same class graded in Korean."""
    from class_samples import grade_class

    return grade_class(tmp_path_factory.mktemp("class-ko"), "ko")[0]

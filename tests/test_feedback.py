"""Hints by symptom, not by check: feedback names the real cause, once, and a pattern is
named only when it explains the data. Submissions are realistic student code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, write_notebook
from course_grading import COURSE, by_id, grade_code

from grader.grading import grade
from grader.load.names import near_names, wanted_kind
from grader.report.html import check_statistics

REFERENCE = {name: (REPO / "solutions" / name / "solution.py").read_text(encoding="utf-8")
             for name in ("ex01", "ex02", "ex03", "ex04", "ex05")}


# -- an upstream cause is said once, with no formula hint ------------------------------------

def test_a_misspelt_function_is_named_once_and_gets_no_formula_hint(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "losses.ipynb", [
        ("code", "import numpy as np\nimport matplotlib.pyplot as plt"),
        ("code", "def mean_squared_error(y, t):\n    return 0.5 * np.sum((y - t)**2)"),
        ("code", "def cross_entrophy_error(y, t):\n    delta = 1e-7\n"
                 "    if y.ndim == 1:\n        y, t = y.reshape(1, -1), t.reshape(1, -1)\n"
                 "    if t.size == y.size:\n        t = t.argmax(axis=1)\n"
                 "    n = y.shape[0]\n"
                 "    return -np.sum(np.log(y[np.arange(n), t] + delta)) / n"),
    ])
    result = grade(COURSE.exercise("ex03"), notebook)
    failed = [c for c in result.checks if c.status != "passed"]
    assert failed and all(c.id.startswith("test_cee") or c.id == "test_losses_do_not_modify_inputs"
                          for c in failed)
    assert all(c.hint == "" for c in failed)
    public = [c for c in failed if c.visibility == "public"]
    assert "`cross_entrophy_error`" in public[0].message
    assert all(c.message == f"Same cause as “{public[0].title}” above." for c in public[1:])


def test_a_missing_function_gets_no_formula_hint(tmp_path: Path) -> None:
    code = REFERENCE["ex02"].replace("def predict(network, x):", "def _unused(network, x):")
    result = grade_code("ex02", code, tmp_path)
    # accuracy calls predict: its checks fail on the same NameError, with no formula hint
    affected = [c for c in result.checks if "predict" in c.id or "accuracy" in c.id]
    assert len(affected) == 9
    assert all(c.status == "failed" and c.hint == "" for c in affected)
    assert "`predict` is not defined" in by_id(result)["test_predict_book_example"].message


def test_a_misspelt_numpy_name_is_not_called_removed(tmp_path: Path) -> None:
    code = REFERENCE["ex01"] + "\n\ndef relu(x):\n    return np.maximun(x, 0)\n"
    check = by_id(grade_code("ex01", code, tmp_path))["test_relu_values"]
    assert "`np.maximun`, which NumPy does not have: did you mean `np.maximum`?" in check.message
    assert "1.24" not in check.message and check.hint == ""


def test_a_removed_numpy_alias_gets_its_replacement_and_no_shape_hint(tmp_path: Path) -> None:
    code = REFERENCE["ex01"] + "\n\ndef sigmoid(x):\n    x = x.astype(np.float)\n" \
                               "    return 1 / (1 + np.exp(-x))\n"
    checks = by_id(grade_code("ex01", code, tmp_path))
    shapes = checks["test_sigmoid_shapes"]
    assert shapes.status == "failed" and shapes.hint == ""
    values = checks["test_sigmoid_values"]
    assert "`np.float`, which was removed in NumPy 1.24: write `float`" in values.message


# -- near names of the right kind -------------------------------------------------------------

def test_a_value_is_never_suggested_for_a_function(tmp_path: Path) -> None:
    code = REFERENCE["ex02"].replace("def predict(network, x):", "def _unused(network, x):")
    code += "\npredictions = 0\n"
    message = by_id(grade_code("ex02", code, tmp_path))["test_predict_book_example"].message
    assert message == "`predict` is not defined in your submission."


def test_a_function_is_not_offered_for_a_class(tmp_path: Path) -> None:
    code = REFERENCE["ex05"].replace("class Relu:", "class _Unused:")
    code += "\n\ndef relu(x):\n    return np.maximum(0, x)\n"
    message = by_id(grade_code("ex05", code, tmp_path))["test_relu_forward"].message
    assert message == ("`Relu` is not defined in your submission. There is a function `relu`, "
                       "but the grader needs a class named exactly `Relu`.")


def test_a_function_where_a_class_is_asked_is_said_plainly(tmp_path: Path) -> None:
    code = REFERENCE["ex05"].replace("class Sigmoid:", "class _Unused:")
    code += "\n\ndef Sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    check = by_id(grade_code("ex05", code, tmp_path))["test_sigmoid_forward"]
    assert check.status == "failed" and check.hint == ""
    assert check.message == ("In your submission `Sigmoid` is a function, but the grader needs "
                             "a class named exactly `Sigmoid`.")


def test_an_attribute_misspelt_by_the_student_is_not_blamed_on_the_grader(tmp_path: Path) -> None:
    code = REFERENCE["ex05"] + '''

class Affine:
    def __init__(self, W, b):
        self.w = W
        self.b = b

    def forward(self, x):
        self.x = x.reshape(len(x), -1)
        return self.x @ self.W + self.b
'''
    message = by_id(grade_code("ex05", code, tmp_path))["test_affine_forward"].message
    assert "your code reads the attribute `W`, which this `Affine` object does not have; " \
           "it has `w`" in message
    assert "the grader calls" not in message


def test_near_names_respect_the_kind_asked_for() -> None:
    names = {"accuracy_cnt": "value", "relu": "function", "ReLU": "class", "foward": "function"}
    assert wanted_kind("Relu") == "class" and wanted_kind("relu") == "function"
    assert wanted_kind("EPS") == "value"
    assert near_names("accuracy", names, kind="function") == []
    assert near_names("Relu", names, kind="class") == ["ReLU"]
    assert near_names("forward", names, kind="function") == ["foward"]


# -- a pattern is named only when it explains the data ----------------------------------------

def test_a_reciprocal_slip_is_not_called_a_wrong_axis(tmp_path: Path) -> None:
    code = REFERENCE["ex05"] + '''

class Sigmoid:
    def forward(self, x):
        self.out = 1 + np.exp(-x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out
'''
    message = by_id(grade_code("ex05", code, tmp_path))["test_sigmoid_forward"].message
    assert "axis" not in message and "factor" not in message


def test_a_relu_that_never_zeroes_is_not_about_one_times_off(tmp_path: Path) -> None:
    code = REFERENCE["ex05"] + '''

class Relu:
    def forward(self, x):
        self.mask = x <= 0
        return x.copy()

    def backward(self, dout):
        return np.where(self.mask, 0, dout)
'''
    message = by_id(grade_code("ex05", code, tmp_path))["test_relu_forward"].message
    assert "Only entries that should be 0 differ" in message and "times" not in message


def test_a_descent_on_a_wrong_gradient_blames_the_gradient(tmp_path: Path) -> None:
    code = REFERENCE["ex04"] + '''

def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i, row in enumerate(x):
        saved = row.copy()
        x[i] = saved + h
        plus = f(x)
        x[i] = saved - h
        minus = f(x)
        x[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad
'''
    check = by_id(grade_code("ex04", code, tmp_path))["test_gradient_descent_matches_reference"]
    assert check.status == "failed" and check.hint_key == "gd_gradient_first"


@pytest.mark.slow
def test_an_endless_gradient_loop_gets_no_restore_hint(tmp_path: Path) -> None:
    code = REFERENCE["ex04"] + '''

def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        a = f(x)
        x[i] = old - h
        b = f(x)
        x[i] = old
        grad[i] = (a - b) / (2 * h)
    return grad
'''
    check = by_id(grade_code("ex04", code, tmp_path, hidden=False))[
        "test_numerical_gradient_leaves_x_unchanged"]
    assert check.fault == "timeout" and check.hint == ""


# -- the class summary counts only diagnosed causes -------------------------------------------

def test_the_summary_counts_a_hint_only_where_it_was_diagnosed(tmp_path: Path) -> None:
    misspelt = REFERENCE["ex03"].replace("def cross_entropy_error", "def cross_entropy_eror")
    mutating = REFERENCE["ex03"] + "\n\ndef mean_squared_error(y, t):\n    y -= t\n" \
                                   "    return 0.5 * np.sum(y ** 2)\n"
    results = [grade_code("ex03", misspelt, tmp_path, name=f"s{i}.py") for i in range(3)]
    results.append(grade_code("ex03", mutating, tmp_path, name="m.py"))
    row = next(r for r in check_statistics(results)
               if r["id"] == "test_losses_do_not_modify_inputs")
    assert row["failures"] == 4 and row["hint_count"] == 1


# -- the student's faults are the student's ---------------------------------------------------

def test_a_value_in_place_of_a_function_is_the_students_fault(tmp_path: Path) -> None:
    code = REFERENCE["ex03"] + "\n\nmean_squared_error = 0.0975  # the book's first example\n"
    result = grade_code("ex03", code, tmp_path)
    check = by_id(result)["test_mse_book_example"]
    assert check.status == "failed" and not result.errored
    assert "`mean_squared_error` is a value of type float, not a function" in check.message


def test_a_huge_result_is_explained_not_a_grader_error(tmp_path: Path) -> None:
    code = REFERENCE["ex03"] + "\n\ndef mean_squared_error(y, t):\n    return 1e308\n"
    result = grade_code("ex03", code, tmp_path)
    assert not result.errored
    assert by_id(result)["test_mse_book_example"].status == "failed"


def test_korean_texts_pick_their_particles() -> None:
    """No placeholder particles such as 이(가) or 을(를): texts are rephrased instead."""
    from grader.text import read_toml

    catalogues = [REPO / "grader" / "messages.toml",
                  *REPO.glob("assignments/*/exercise.toml"),
                  *REPO.glob("solutions/*/exercise.toml")]
    texts = []
    for path in catalogues:
        stack = [read_toml(path)]
        while stack:
            entry = stack.pop()
            if isinstance(entry, dict):
                texts += [str(entry["ko"])] if "ko" in entry else []
                stack += [v for k, v in entry.items() if k != "ko"]
    assert len(texts) > 100
    placeholders = ("(가)", "(를)", "(는)", "(과)", "(으)", "(이)", "(을)")
    assert [t for t in texts if any(p in t for p in placeholders)] == []


def test_kinds_are_named_in_the_students_language(tmp_path: Path) -> None:
    code = REFERENCE["ex05"].replace("class Sigmoid:", "class _Unused:")
    code += "\n\ndef Sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    message = by_id(grade_code("ex05", code, tmp_path, lang="ko"))["test_sigmoid_forward"].message
    assert message == ("제출물에서 `Sigmoid` 이름은 함수로 정의되어 있지만, 채점기에는 이름이 "
                       "정확히 `Sigmoid`인 클래스 정의가 필요합니다.")

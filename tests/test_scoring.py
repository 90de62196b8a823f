"""Scores that only correct code can earn (issue: garbage earns points, correct code loses
them). Each submission is realistic student code, graded against the real course."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO
from course_grading import by_id, grade_code, passed

REFERENCE = {name: (REPO / "solutions" / name / "solution.py").read_text(encoding="utf-8")
             for name in ("ex01", "ex02", "ex03", "ex04", "ex05", "ex06")}

# -- garbage earns nothing -----------------------------------------------------------------

NAN_LAYERS = '''
import numpy as np


def _rows(shape, rows):
    """Fill the result one row at a time (to print progress while debugging)."""
    out = np.full(shape, np.nan)
    for i, row in enumerate(rows):
        target = out[i]
        target = row  # rebinds the name: out is never written
    return out


class Relu:
    def forward(self, x):
        self.x = x
        return _rows(x.shape, (np.maximum(r, 0) for r in x))

    def backward(self, dout):
        return _rows(dout.shape, (d * (r > 0) for d, r in zip(dout, self.x)))


class Sigmoid:
    def forward(self, x):
        self.out = _rows(x.shape, (1 / (1 + np.exp(-r)) for r in x))
        return self.out

    def backward(self, dout):
        return _rows(dout.shape, (d * o * (1 - o) for d, o in zip(dout, self.out)))


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(len(x), -1)
        return _rows((len(x), self.W.shape[1]), (r @ self.W + self.b for r in self.x))

    def backward(self, dout):
        self.dW = _rows(self.W.shape, (c @ dout for c in self.x.T))
        self.db = _rows(self.b.shape, dout.sum(axis=0))
        return _rows(self.x.shape, (d @ self.W.T for d in dout)).reshape(self.shape)


class SoftmaxWithLoss:
    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = _rows(x.shape, (r / r.sum() for r in e))
        self.t = np.eye(x.shape[1])[t] if t.ndim == 1 else t
        return -np.sum(self.t * np.log(self.y + 1e-7)) / len(x)

    def backward(self, dout=1):
        return (self.y - self.t) / len(self.t)
'''


def test_layers_that_compute_nothing_but_nan_earn_nothing(tmp_path: Path) -> None:
    result = grade_code("ex05", NAN_LAYERS, tmp_path)
    assert result.score == 0, passed(result)
    assert not [c for c in result.checks if c.status == "error"]


# Wrong code (not a mutation) in the function each property check watches: an untouched
# input, a numeric dtype or a finite loss earns nothing while the values are wrong.
PROPERTY_CASES = [
    ("ex01", "def relu(x):\n    return np.abs(x)\n",
     {"test_relu_does_not_modify_input": "relu_values"}),
    ("ex01", "def step_function(x):\n    return np.sign(x).astype(int)\n",
     {"test_step_function_returns_numbers": "step_values",
      "test_activations_do_not_modify_inputs": "step_values"}),
    ("ex02", "def softmax(a):\n    return a / np.sum(a, axis=-1, keepdims=True)\n",
     {"test_softmax_does_not_modify_input": "softmax_values"}),
    ("ex03", "def cross_entropy_error(y, t):\n"
             "    return -np.sum(np.log(y + 1e-7)) / (y.shape[0] if y.ndim == 2 else 1)\n",
     {"test_cee_log_guard_labels": "cee_labels", "test_losses_do_not_modify_inputs":
      "cee_formula"}),
    ("ex04", "def numerical_gradient(f, x):\n"
             "    return np.array([numerical_diff(f, xi) for xi in x.flat]).reshape(x.shape)\n",
     {"test_numerical_gradient_leaves_x_unchanged": "numerical_gradient"}),
    ("ex05", "class Relu:\n    def forward(self, x):\n        self.x = x\n"
             "        return np.where(x > 0, x, 0.01 * x)\n"
             "    def backward(self, dout):\n"
             "        return np.where(self.x > 0, dout, 0.01 * dout)\n",
     {"test_relu_forward_leaves_x_unchanged": "relu_forward"}),
]


@pytest.mark.parametrize("exercise, code, lost", PROPERTY_CASES,
                         ids=[f"{e}-{sorted(lost)[0]}" for e, _, lost in PROPERTY_CASES])
def test_property_checks_pay_only_with_right_values(tmp_path: Path, exercise: str, code: str,
                                                    lost: dict[str, str]) -> None:
    checks = by_id(grade_code(exercise, REFERENCE[exercise] + "\n\n" + code, tmp_path))
    for check_id, hint in lost.items():
        assert checks[check_id].status == "failed", check_id
        assert checks[check_id].hint_key == hint, (check_id, checks[check_id].message)


UNFINISHED_NET = '''

class TwoLayerNet(TwoLayerNet):
    """Forward pass done; loss and gradients still to write."""

    def loss(self, x, t):
        return 0.0  # TODO

    def numerical_gradient(self, x, t):
        return {key: np.zeros_like(value) for key, value in self.params.items()}  # TODO

    def gradient(self, x, t):
        return {key: np.zeros_like(value) for key, value in self.params.items()}  # TODO
'''


def test_gradients_are_judged_against_the_true_gradient_not_the_students_loss(
        tmp_path: Path) -> None:
    """A constant loss has a zero numerical gradient: zero gradients used to match it."""
    result = grade_code("ex06", REFERENCE["ex06"] + UNFINISHED_NET, tmp_path)
    checks = by_id(result)
    for check_id in ("test_gradient", "test_numerical_gradient_method",
                     "test_gradient_other_sizes"):
        assert checks[check_id].status == "failed", check_id
    assert checks["test_gradient"].hint_key == "gradient"


# -- correct code keeps its points ---------------------------------------------------------

SWL_PRINTS_LOSS = '''

class SoftmaxWithLoss:
    def forward(self, x, t):
        if t.ndim == 1:
            t = np.eye(x.shape[1])[t]
        self.t = t
        self.y = softmax(x)
        print("loss:", cross_entropy_error(self.y, t))  # shows the loss, never returns it

    def backward(self, dout=1):
        return (self.y - self.t) * dout / self.t.shape[0]
'''


def test_a_right_backward_earns_its_points_when_forward_returns_none(tmp_path: Path) -> None:
    checks = by_id(grade_code("ex05", REFERENCE["ex05"] + SWL_PRINTS_LOSS, tmp_path))
    for check_id in ("test_softmax_with_loss_backward_one_hot",
                     "test_softmax_with_loss_backward_labels",
                     "test_softmax_with_loss_backward_matches_reference",
                     "test_softmax_with_loss_backward_twice"):
        assert checks[check_id].status == "passed", (check_id, checks[check_id].message)
    assert checks["test_softmax_with_loss_forward"].status == "failed"
    assert "None" in checks["test_softmax_with_loss_forward"].message


EINSUM_AFFINE_DW = '''

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.in_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.einsum("nd,dm->nm", self.x, self.W) + self.b

    def backward(self, dout):
        self.dw = np.einsum("nd,nm->dm", self.x, dout)
        self.db = dout.sum(axis=0)
        return np.einsum("nm,dm->nd", dout, self.W).reshape(self.in_shape)
'''


def test_a_misnamed_dW_costs_only_the_dW_checks(tmp_path: Path) -> None:
    checks = by_id(grade_code("ex05", REFERENCE["ex05"] + EINSUM_AFFINE_DW, tmp_path))
    for check_id in ("test_affine_backward_dx", "test_affine_4d_input",
                     "test_affine_backward_db", "test_affine_dx_matches_reference"):
        assert checks[check_id].status == "passed", (check_id, checks[check_id].message)
    dW = checks["test_affine_backward_dW"]
    assert dW.status == "failed" and "`dw`" in dW.message and dW.hint == ""


SWL_ONE_HOT_ONLY = '''

class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        return cross_entropy_error(self.y, t)

    def backward(self, dout=1):
        grad = self.y.copy()
        grad -= self.t  # one-hot t only
        return grad / self.y.shape[0]
'''


def test_backward_twice_blames_the_labels_not_a_shared_array(tmp_path: Path) -> None:
    check = by_id(grade_code("ex05", REFERENCE["ex05"] + SWL_ONE_HOT_ONLY, tmp_path))[
        "test_softmax_with_loss_backward_twice"]
    assert check.status == "failed" and check.hint_key != "swl_copy"


DESCENT_WITH_PATH = '''

def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    path = []
    for _ in range(step_num):
        path.append(tuple(x.ravel()))
        x = x - lr * numerical_gradient(f, x)
    return x, np.array(path)  # the path is for plotting the descent
'''


def test_the_books_descent_that_returns_its_path_earns_full_marks_with_a_note(
        tmp_path: Path) -> None:
    result = grade_code("ex04", REFERENCE["ex04"] + DESCENT_WITH_PATH, tmp_path)
    assert result.score == result.max_score, [c.message for c in result.checks if c.message]
    assert any("x_history" in note and "first element" in note for note in result.notes)


ROWWISE_GRADIENT = '''

def _gradient_1d(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.size):
        keep = x[i]
        x[i] = keep + h
        up = f(x)
        x[i] = keep - h
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


def numerical_gradient(f, X):
    if X.ndim == 1:
        return _gradient_1d(f, X)
    return np.apply_along_axis(lambda row: _gradient_1d(f, row.copy()), 1, X)
'''


def test_a_gradient_that_treats_rows_as_points_is_told_about_gradient_2d(
        tmp_path: Path) -> None:
    checks = by_id(grade_code("ex04", REFERENCE["ex04"] + ROWWISE_GRADIENT, tmp_path))
    message = checks["test_numerical_gradient_2d"].message
    assert "gradient_2d.py" in message and "common/gradient.py" in message
    assert checks["test_numerical_gradient_2d"].hint_key == "gradient_any_shape"
    assert checks["test_gradient_descent_book_example"].status == "passed"


SINGLE_SAMPLE_DB = '''

class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.add.reduce(dout) if len(dout) > 1 else dout.copy()
        return np.dot(dout, self.W.T).reshape(*self.original_x_shape)
'''


def test_gradient_checks_include_a_batch_of_one(tmp_path: Path) -> None:
    checks = by_id(grade_code("ex05", REFERENCE["ex05"] + SINGLE_SAMPLE_DB, tmp_path))
    db = checks["test_affine_backward_db"]
    assert db.status == "failed" and "(1, 3)" in db.message and "(1, 5)" in db.message
    assert checks["test_affine_backward_dW"].status == "passed"


# -- module-level data cannot stand in for a check's inputs ---------------------------------

GLOBAL_LABELS = '''
import numpy as np

t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])


def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def cross_entropy_error(y, k):
    delta = 1e-7
    if y.ndim == 1:
        return -np.sum(t * np.log(y + delta))  # reads the demo t, not its k
    return -np.sum(t * np.log(y + delta)) / y.shape[0]
'''


def test_hidden_checks_use_inputs_no_demo_data_can_stand_in_for(tmp_path: Path) -> None:
    checks = by_id(grade_code("ex03", GLOBAL_LABELS, tmp_path))
    for check_id in ("test_cee_one_hot_matches_reference", "test_cee_labels_matches_reference",
                     "test_cee_single_sample_label", "test_losses_do_not_modify_inputs"):
        assert checks[check_id].status == "failed", check_id

"""Helpers the public and the hidden checks of exercise 4 share (imported by name: the
engine puts this folder on the import path while checks run).

Functions handed to student code are literals of the check files; the grader rebuilds its own
copy of each (``local``) to recompute the usual wrong answers and compare them with the
student's, so that a hint names a mistake only when it reproduces the student's values.
"""

import numpy as np

from grader.checks import Mistake, StudentFault, assert_close, say, worker_function

H = 1e-4  # the book's step


def local(source):
    """The grader's own copy of a function handed to student code (built from a literal)."""
    return eval(source, {"np": np})


def diagnose_diff(got, source, x):
    """Hint key for a wrong numerical_diff result, recognised by its symptom."""
    f = local(source)
    if not np.isfinite(got):
        return "numerical_diff"
    if got == 0.0:
        return "diff_h_too_small"  # x + h == x: h is below the resolution of x
    steps = 10.0 ** -np.arange(1, 21)
    for h in steps:
        if np.isclose(got, (f(x + h) - f(x - h)) / 2 * h, rtol=1e-6, atol=0):
            return "diff_precedence"
        if h < 1e-6 and np.isclose(got, (f(x + h) - f(x - h)) / (2 * h), rtol=1e-9, atol=0):
            return "diff_h_too_small"  # the right formula, drowned in rounding error
    for h in steps:
        for one_sided in ((f(x + h) - f(x)) / h, (f(x) - f(x - h)) / h):
            if np.isclose(got, one_sided, rtol=1e-9, atol=0):
                return "diff_forward"
    return "numerical_diff"


def grader_gradient(f, x, one_side=0):
    """The grader's numerical gradient of f at x: central (one_side=0) or one-sided (+1/-1)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += H if one_side >= 0 else 0.0
        minus[idx] -= H if one_side <= 0 else 0.0
        grad[idx] = (f(plus) - f(minus)) / (plus[idx] - minus[idx])
    return grad


def gradient_hint(got, source, x, default=None):
    """"diff_forward" when a wrong gradient is exactly a one-sided difference, else default."""
    f = local(source)
    if isinstance(got, np.ndarray) and got.shape == np.shape(x) and any(
            np.allclose(got, grader_gradient(f, x, side), rtol=1e-6, atol=1e-9)
            for side in (1, -1)):
        return "diff_forward"
    return default


def explain_rows(got, source, x, expected):
    """When a gradient on a 2-D x is wrong, recognise the two usual 1-D-only loops."""
    if not (isinstance(got, np.ndarray) and got.shape == x.shape and x.ndim == 2) or np.allclose(
            got, expected, rtol=1e-5, atol=1e-7):
        return
    f = local(source)
    whole_rows = np.zeros_like(x)
    for i in range(len(x)):
        plus, minus = x.copy(), x.copy()
        plus[i] += H
        minus[i] -= H
        whole_rows[i] = (f(plus) - f(minus)) / (2 * H)
    if np.allclose(got, whole_rows, rtol=1e-5, atol=1e-8):
        raise Mistake(say(
            "On a 2-D `x`, `numerical_gradient` gave every entry of a row the same value: it "
            "nudged a whole row at a time. For a 2-D array, `len(x)` is the number of rows and "
            "`x[i]` is a whole row, so a loop written for 1-D `x` does not visit single "
            "elements.",
            "2차원 `x`에서 `numerical_gradient`가 한 행의 모든 원소에 같은 값을 냈습니다. 한 "
            "번에 행 전체를 움직였기 때문입니다. 2차원 배열에서 `len(x)`는 행의 개수이고 "
            "`x[i]`는 행 하나 전체이므로, 1차원 `x`용으로 쓴 반복문은 원소 하나하나를 방문하지 "
            "않습니다."), hint="gradient_any_shape")
    per_row = np.array([grader_gradient(f, row) for row in x])
    if np.allclose(got, per_row, rtol=1e-5, atol=1e-8):
        raise Mistake(say(
            "On a 2-D `x`, `numerical_gradient` called `f` on each row separately, as if the "
            "rows were separate points. That is what the book's `ch04/gradient_2d.py` does (it "
            "draws the gradient at many points at once); here `f` is a function of the whole "
            "array. Follow `common/gradient.py` instead: nudge one element at a time "
            "(`np.nditer` with `multi_index`) and call `f` on all of `x`.",
            "2차원 `x`에서 `numerical_gradient`가 행마다 따로 `f`를 호출했습니다. 행을 서로 "
            "다른 점처럼 다룬 것입니다. 책의 `ch04/gradient_2d.py`가 그렇게 합니다(여러 점의 "
            "기울기를 한꺼번에 그리려고). 여기서 `f`는 배열 전체의 함수입니다. 대신 "
            "`common/gradient.py`처럼 원소를 하나씩 움직이고(`multi_index`를 쓴 `np.nditer`) "
            "`f`는 `x` 전체에 대해 호출하세요."), hint="gradient_any_shape")


def check_descent(sub, note, got, source, start, expected, rtol=1e-5, atol=1e-9):
    """Compare gradient_descent's final x with the expected one, naming the likely cause.

    The pair (x, x_history) that the book's ch04/gradient_method.py returns for its plot is
    accepted: its first element is the final x (and a note says so).
    """
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], np.ndarray) \
            and got[0].shape == start.shape:
        note("gd_pair")
        got = got[0]
    if isinstance(got, np.ndarray) and got.shape == start.shape and not np.allclose(
            got, expected, rtol=rtol, atol=atol):
        explain_descent(sub, got, source, start)
    assert_close(got, expected, rtol=rtol, atol=atol, what=say("the final `x`", "최종 `x`"))


def explain_descent(sub, got, source, start):
    """A descent that ends in the wrong place: a wrong gradient, or a step uphill."""
    f = local(source)
    try:
        grad = sub.numerical_gradient(worker_function(source), start.copy())
    except StudentFault:
        grad = None  # descent may not use it at all: judge the descent alone
    if isinstance(grad, np.ndarray) and grad.dtype.kind in "biuf" and not (
            grad.shape == start.shape
            and np.allclose(grad, grader_gradient(f, start), rtol=1e-6, atol=1e-7)):
        raise Mistake(say(
            "`gradient_descent` moves along your `numerical_gradient`, which gives a wrong "
            "gradient at the start point `{start}`: fix `numerical_gradient` first (see its "
            "checks).",
            "`gradient_descent`는 여러분의 `numerical_gradient`를 따라 움직이는데, 이 함수가 "
            "시작점 `{start}`에서 틀린 기울기를 냅니다. 먼저 `numerical_gradient`를 고치세요"
            "(그 검사들을 보세요).", start=start.tolist()), hint="gd_gradient_first")
    with np.errstate(all="ignore"):
        if not np.all(np.isfinite(got)) or f(got) > f(start):
            raise Mistake(say(
                "Starting from `{start}`, `gradient_descent` ended at `{end}`, where `f` is "
                "larger than at the start: it climbed instead of descending.",
                "`gradient_descent`가 `{start}`에서 출발해 `{end}`에서 끝났는데, 그곳의 `f` 값이 "
                "출발점보다 큽니다. 내려가지 않고 올라갔습니다.", start=start.tolist(),
                end=np.round(got, 6).tolist()), hint="gd_direction")

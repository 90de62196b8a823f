"""Public checks of exercise 4: numerical differentiation and gradient descent."""

import numpy as np
import pytest
from diff_helpers import check_descent, diagnose_diff, explain_rows, gradient_hint

from grader.checks import assert_close, assert_inputs_unchanged, say, worker_function

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)

BOOK_F = "lambda x: 0.01 * x**2 + 0.1 * x"  # the book's function_1
SQUARES = "lambda x: np.sum(x**2)"  # the book's function_2
# A separable function whose every element has its own weight, so positions matter.
WEIGHTED = "lambda x: np.sum(np.arange(1.0, x.size + 1.0).reshape(x.shape) * x**2)"


def check_diff(sub, cases, rtol=1e-6):
    """cases: (source, x, exact derivative). Fails on the first wrong case."""
    for source, x, exact in cases:
        got = sub.numerical_diff(worker_function(source), x)
        hint = None
        if isinstance(got, (float, int, np.floating, np.integer)) and not np.isclose(
                got, exact, rtol=rtol, atol=0):
            hint = diagnose_diff(float(got), source, x)
        assert_close(got, exact, rtol=rtol, atol=0, hint=hint,
                     what=f"`numerical_diff({source}, {x!r})`")


@pytest.mark.points(2)
@pytest.mark.hint("numerical_diff")
def test_numerical_diff_book_example(sub):
    """numerical_diff of 0.01x^2 + 0.1x at x = 5 and x = 10 (the book's example)."""
    check_diff(sub, [(BOOK_F, 5.0, 0.2), (BOOK_F, 10.0, 0.3)])


@pytest.mark.points(1)
@pytest.mark.hint("numerical_diff")
def test_numerical_diff_central(sub):
    """numerical_diff is accurate on curved functions (exp, sin, x^3)."""
    check_diff(sub, [
        ("lambda x: np.exp(x)", 1.0, float(np.e)),
        ("lambda x: np.sin(x)", 2.0, float(np.cos(2.0))),
        ("lambda x: x**3", 2.0, 12.0),
    ])


@pytest.mark.points(1)
@pytest.mark.hint("numerical_diff")
def test_numerical_diff_large_values(sub):
    """numerical_diff stays accurate when f(x) is large (rounding error)."""
    check_diff(sub, [
        ("lambda x: x**2 + 10000.0", 1.0, 2.0),
        ("lambda x: x**2", 100.0, 200.0),
    ])


@pytest.mark.points(1)
@pytest.mark.hint("numerical_gradient")
def test_numerical_gradient_book_example(sub):
    """numerical_gradient of x0^2 + x1^2 at (3, 4), (0, 2), (3, 0)."""
    f = worker_function(SQUARES)
    for point, expected in (([3.0, 4.0], [6.0, 8.0]), ([0.0, 2.0], [0.0, 4.0]),
                            ([3.0, 0.0], [6.0, 0.0])):
        got = sub.numerical_gradient(f, np.array(point))
        assert_close(got, expected, rtol=1e-6, atol=1e-8,
                     what=say("`numerical_gradient(f, x)` for `f(x) = x[0]**2 + x[1]**2` at "
                              "`x = {point}`", "`x = {point}`에서 `f(x) = x[0]**2 + x[1]**2`의 "
                              "`numerical_gradient(f, x)`", point=point))


@pytest.mark.points(2)
@pytest.mark.hint("gradient_any_shape")
def test_numerical_gradient_2d(sub):
    """numerical_gradient works on a 2-D x (every element, not just every row)."""
    x = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    got = sub.numerical_gradient(worker_function(WEIGHTED), x)
    expected = 2 * weights * x
    explain_rows(got, WEIGHTED, x, expected)
    assert_close(got, expected, rtol=1e-6, atol=1e-8,
                 what=say("`numerical_gradient(f, x)` for `f(x) = np.sum(w * x**2)` and a 2x3 `x`",
                          "2x3 `x`에서 `f(x) = np.sum(w * x**2)`의 `numerical_gradient(f, x)`"))


MIXED = "lambda x: np.sum(np.sin(x)) * np.sum(x)"


@pytest.mark.points(1)
@pytest.mark.hint("gradient_restore")
def test_numerical_gradient_leaves_x_unchanged(sub):
    """numerical_gradient puts every element of x back exactly as it was."""
    x = np.array([0.1, -2.3, 3.7, 1e-3, 0.3, 5.9])
    got = assert_inputs_unchanged(sub.numerical_gradient, worker_function(MIXED), x)
    # an untouched x earns the point only with the right gradient
    exact = np.cos(x) * np.sum(x) + np.sum(np.sin(x))
    assert_close(got, exact, rtol=1e-5, atol=1e-6, what=say("`numerical_gradient(f, x)` for "
                                                        "`f(x) = np.sum(np.sin(x)) * np.sum(x)`",
                                                        "`f(x) = np.sum(np.sin(x)) * np.sum(x)`"
                                                        "의 `numerical_gradient(f, x)`"),
                 hint=gradient_hint(got, MIXED, x, "numerical_gradient"))


@pytest.mark.points(2)
@pytest.mark.hint("gradient_descent")
def test_gradient_descent_book_example(sub, note):
    """gradient_descent finds the minimum of x0^2 + x1^2 from (-3, 4) (lr=0.1, 100 steps)."""
    start = np.array([-3.0, 4.0])
    got = sub.gradient_descent(worker_function(SQUARES), start.copy(), lr=0.1, step_num=100)
    check_descent(sub, note, got, SQUARES, start,
                  np.array([-6.11110793e-10, 8.14814391e-10]), rtol=1e-4, atol=1e-12)


@pytest.mark.points(1)
@pytest.mark.hint("gd_arguments")
def test_gradient_descent_defaults(sub, note):
    """gradient_descent uses lr=0.01 and step_num=100 by default."""
    start = np.array([-3.0, 4.0])
    got = sub.gradient_descent(worker_function(SQUARES), start.copy())
    check_descent(sub, note, got, SQUARES, start, start * 0.98**100, rtol=1e-4, atol=1e-12)

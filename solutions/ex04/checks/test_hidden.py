"""Hidden checks of exercise 4: numerical differentiation and gradient descent."""

import numpy as np
import pytest
from diff_helpers import diagnose_diff

from grader.checks import Mistake, assert_close, assert_inputs_unchanged, worker_function

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)

BOOK_H = 1e-4  # the book's step for numerical differentiation


def local(source):
    """The grader's own copy of a function handed to student code (built from a literal)."""
    return eval(source, {"np": np})


@pytest.mark.points(1)
@pytest.mark.hint("numerical_diff")
def test_numerical_diff_matches_reference(sub, ref, rng):
    """numerical_diff agrees with the reference on smooth functions at random points."""
    cases = [("lambda x: np.sin(3.0 * x)", rng.uniform(-2, 2)),
             ("lambda x: np.exp(0.5 * x) + x**2", rng.uniform(-3, 3)),
             ("lambda x: np.log(x) * 1000.0", rng.uniform(0.5, 4)),
             ("lambda x: np.tanh(x) + 50.0", rng.uniform(-1, 1))]
    for source, x in cases:
        x = float(x)
        expected = ref.numerical_diff(local(source), x)
        got = sub.numerical_diff(worker_function(source), x)
        hint = None
        if isinstance(got, (float, int, np.floating, np.integer)) and not np.isclose(
                got, expected, rtol=1e-6, atol=1e-9):
            hint = diagnose_diff(float(got), source, x)
        assert_close(got, expected, rtol=1e-6, atol=1e-9, hint=hint,
                     what=f"numerical_diff({source.removeprefix('lambda x: ')}, x={x:.4f})")


SIN_WEIGHTED = "lambda x: np.sum(np.sin(x) * np.arange(1.0, x.size + 1.0).reshape(x.shape))"


def sin_weighted_grad(x):
    return np.cos(x) * np.arange(1.0, x.size + 1.0).reshape(x.shape)


@pytest.mark.points(2)
@pytest.mark.hint("gradient_any_shape")
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_numerical_gradient_any_shape(sub, rng, shape):
    """numerical_gradient on 1-D, 2-D and 3-D x."""
    x = rng.uniform(-2, 2, size=shape)
    got = sub.numerical_gradient(worker_function(SIN_WEIGHTED), x)
    assert_close(got, sin_weighted_grad(x), rtol=1e-5, atol=1e-6,
                 what=f"numerical_gradient for x of shape {shape}")


@pytest.mark.points(1)
@pytest.mark.hint("gradient_any_shape")
def test_numerical_gradient_0d(sub):
    """numerical_gradient on a 0-d array (a scalar stored as an array)."""
    x = np.array(0.7)
    got = sub.numerical_gradient(worker_function(SIN_WEIGHTED), x)
    assert_close(got, sin_weighted_grad(x), rtol=1e-5, atol=1e-6,
                 what="numerical_gradient for a 0-d x")


@pytest.mark.points(1)
@pytest.mark.hint("gradient_restore")
def test_numerical_gradient_non_separable(sub, rng):
    """numerical_gradient of a function mixing all elements (sum(x)^2 + sum(x^3)), 1-D x."""
    # -2.3, 3.7, 5.9: values that x + h - 2h + h does not give back exactly
    x = np.concatenate([rng.uniform(-1, 1, size=3), [-2.3, 3.7, 5.9]])
    got = assert_inputs_unchanged(
        sub.numerical_gradient, worker_function("lambda x: np.sum(x)**2 + np.sum(x**3)"), x)
    exact = 2 * np.sum(x) + 3 * x**2
    # (f(x + h e_i) - f(x)) / h = exact + h (1 + 3 x_i) + h^2, and the other side alike
    one_sided = isinstance(got, np.ndarray) and got.shape == x.shape and any(
        np.allclose(got, exact + sign * BOOK_H * (1 + 3 * x) + BOOK_H**2, rtol=1e-6, atol=1e-7)
        for sign in (1, -1))
    assert_close(got, exact, rtol=1e-6, atol=1e-7,
                 what="numerical_gradient of sum(x)^2 + sum(x^3)",
                 hint="diff_forward" if one_sided else None)


@pytest.mark.points(1)
@pytest.mark.hint("gradient_any_shape")
def test_numerical_gradient_2d_non_separable(sub, rng):
    """numerical_gradient of a function of the whole 2-D x (0.5 sum(x)^2 + sum(cos x))."""
    x = rng.uniform(-1, 1, size=(3, 2))
    got = sub.numerical_gradient(
        worker_function("lambda x: 0.5 * np.sum(x)**2 + np.sum(np.cos(x))"), x)
    assert_close(got, np.sum(x) - np.sin(x), rtol=1e-6, atol=1e-7,
                 what="numerical_gradient of 0.5 sum(x)^2 + sum(cos x) for a 3x2 x")


@pytest.mark.points(1)
@pytest.mark.hint("gd_arguments")
def test_gradient_descent_uses_lr_and_step_num(sub):
    """gradient_descent takes exactly step_num steps of size lr (7 steps, lr=0.05)."""
    target = np.array([1.0, -2.0, 0.5])
    got = sub.gradient_descent(
        worker_function("lambda x: np.sum((x - np.array([1.0, -2.0, 0.5]))**2)"),
        np.zeros(3), lr=0.05, step_num=7)
    check_direction(got, lambda x: np.sum((x - target) ** 2), np.zeros(3))
    assert_close(got, target * (1 - 0.9**7), rtol=1e-5, atol=1e-9, what="the final x")


@pytest.mark.points(1)
@pytest.mark.hint("gradient_descent")
def test_gradient_descent_matches_reference(sub, ref, rng):
    """gradient_descent agrees with the reference on a 2-D start and a non-quadratic f."""
    source = "lambda x: np.sum(x**4) / 4 + np.sum(x**2) / 2 + np.sum(x)"
    init = rng.uniform(-2, 2, size=(2, 2))
    expected = ref.gradient_descent(local(source), init.copy(), lr=0.1, step_num=30)
    got = sub.gradient_descent(worker_function(source), init, lr=0.1, step_num=30)
    check_direction(got, local(source), init)
    assert_close(got, expected, rtol=1e-5, atol=1e-7, what="the final x")


def check_direction(got, f, start):
    """Fail with a precise hint when the result is a pair or went uphill."""
    if isinstance(got, tuple) and len(got) == 2:
        raise Mistake("gradient_descent returned a pair (like the book's version that also "
                      "returns the history); return only the final x.", hint="gd_arguments")
    if isinstance(got, np.ndarray) and got.shape == start.shape:
        with np.errstate(all="ignore"):
            if not np.all(np.isfinite(got)) or f(got) > f(start):
                raise Mistake("gradient_descent ended where f is larger than at the start: "
                              "it climbed instead of descending.", hint="gd_direction")

"""Hidden checks of exercise 4: numerical differentiation and gradient descent."""

import numpy as np
import pytest
from diff_helpers import check_descent, diagnose_diff, explain_rows, gradient_hint, local

from grader.checks import assert_close, assert_inputs_unchanged, say, worker_function

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)


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
                     what=f"`numerical_diff({source}, {x:.4f})`")


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
    explain_rows(got, SIN_WEIGHTED, x, sin_weighted_grad(x))
    assert_close(got, sin_weighted_grad(x), rtol=1e-5, atol=1e-6,
                 what=say("`numerical_gradient(f, x)` for `x` of shape {shape}",
                          "`x`의 형상이 {shape}일 때의 `numerical_gradient(f, x)`", shape=shape))


@pytest.mark.points(1)
@pytest.mark.hint("gradient_any_shape")
def test_numerical_gradient_0d(sub):
    """numerical_gradient on a 0-d array (a scalar stored as an array)."""
    x = np.array(0.7)
    got = sub.numerical_gradient(worker_function(SIN_WEIGHTED), x)
    assert_close(got, sin_weighted_grad(x), rtol=1e-5, atol=1e-6,
                 what=say("`numerical_gradient(f, x)` for a 0-d `x`",
                          "0차원 `x`에 대한 `numerical_gradient(f, x)`"))


@pytest.mark.points(1)
@pytest.mark.hint("gradient_restore")
def test_numerical_gradient_non_separable(sub, rng):
    """numerical_gradient of a function mixing all elements (sum(x)^2 + sum(x^3)), 1-D x."""
    # -2.3, 3.7, 5.9: values that x + h - 2h + h does not give back exactly
    x = np.concatenate([rng.uniform(-1, 1, size=3), [-2.3, 3.7, 5.9]])
    source = "lambda x: np.sum(x)**2 + np.sum(x**3)"
    got = assert_inputs_unchanged(sub.numerical_gradient, worker_function(source), x)
    assert_close(got, 2 * np.sum(x) + 3 * x**2, rtol=1e-6, atol=1e-7,
                 what=f"`numerical_gradient({source}, x)`",
                 hint=gradient_hint(got, source, x, "numerical_gradient"))


@pytest.mark.points(1)
@pytest.mark.hint("gradient_any_shape")
def test_numerical_gradient_2d_non_separable(sub, rng):
    """numerical_gradient of a function of the whole 2-D x (0.5 sum(x)^2 + sum(cos x))."""
    x = rng.uniform(-1, 1, size=(3, 2))
    source = "lambda x: 0.5 * np.sum(x)**2 + np.sum(np.cos(x))"
    got = sub.numerical_gradient(worker_function(source), x)
    explain_rows(got, source, x, np.sum(x) - np.sin(x))
    assert_close(got, np.sum(x) - np.sin(x), rtol=1e-6, atol=1e-7,
                 what=say("`numerical_gradient({source}, x)` for a 3x2 `x`",
                          "3x2 `x`에 대한 `numerical_gradient({source}, x)`", source=source))


TARGET = "lambda x: np.sum((x - np.array([1.0, -2.0, 0.5]))**2)"


@pytest.mark.points(1)
@pytest.mark.hint("gd_arguments")
def test_gradient_descent_uses_lr_and_step_num(sub, note):
    """gradient_descent takes exactly step_num steps of size lr (7 steps, lr=0.05)."""
    start = np.zeros(3)
    got = sub.gradient_descent(worker_function(TARGET), start.copy(), lr=0.05, step_num=7)
    check_descent(sub, note, got, TARGET, start, np.array([1.0, -2.0, 0.5]) * (1 - 0.9**7))


@pytest.mark.points(1)
@pytest.mark.hint("gradient_descent")
def test_gradient_descent_matches_reference(sub, ref, rng, note):
    """gradient_descent agrees with the reference on a 2-D start and a non-quadratic f."""
    source = "lambda x: np.sum(x**4) / 4 + np.sum(x**2) / 2 + np.sum(x)"
    start = rng.uniform(-2, 2, size=(2, 2))
    expected = ref.gradient_descent(local(source), start.copy(), lr=0.1, step_num=30)
    got = sub.gradient_descent(worker_function(source), start.copy(), lr=0.1, step_num=30)
    check_descent(sub, note, got, source, start, expected, rtol=1e-5, atol=1e-7)

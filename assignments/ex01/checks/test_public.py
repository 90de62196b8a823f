"""Public checks of ex01: activation functions.

Expected values are written out as numbers; these checks never run the reference code.
"""

import numpy as np
import pytest

from grader.checks import Mistake, assert_close, assert_inputs_unchanged, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)


def _numbers(got):
    """The student's result as an array when it is plain numeric data, else None."""
    if isinstance(got, (bool, int, float, np.generic, np.ndarray)):
        return np.asarray(got)
    return None


def _shaped(got, expected, what, values_hint):
    """assert_close, blaming the values (values_hint) when the shape is right."""
    values = _numbers(got)
    right_shape = values is not None and values.shape == np.shape(expected)
    assert_close(got, expected, what=what, hint=values_hint if right_shape else None)


# -- step_function --------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("step_values")
def test_step_function_values(sub):
    """step_function: 1 for positive, 0 for negative entries of a 1-D array."""
    x = np.array([-2.5, -1.0, -0.1, 0.1, 1.0, 2.5])
    assert_close(sub.step_function(x), [0, 0, 0, 1, 1, 1], what="`step_function(x)`")
    x = np.array([3.0, -0.001, 1e-6, -50.0, 7.5])
    assert_close(sub.step_function(x), [1, 0, 1, 0, 1], what="`step_function(x)`")


@pytest.mark.points(1)
@pytest.mark.hint("step_at_zero")
def test_step_function_at_zero(sub):
    """step_function: an input of exactly 0 gives 0."""
    assert_close(sub.step_function(np.array([-1.0, 0.0, 1.0])), [0, 0, 1],
                 what="`step_function([-1.0, 0.0, 1.0])`")
    assert_close(sub.step_function(np.array(0.0)), 0, what="`step_function(0.0)`")
    assert_close(sub.step_function(np.array([0, 2, -2, 0])), [0, 1, 0, 0],
                 what="`step_function(np.array([0, 2, -2, 0]))`")


@pytest.mark.points(1)
@pytest.mark.hint("step_dtype")
def test_step_function_returns_numbers(sub):
    """step_function: returns the numbers 0 and 1, not True/False."""
    for x in (np.array([-1.5, 0.5, 2.0]), np.array([[1.0, -1.0], [-3.0, 4.0]])):
        got = sub.step_function(x)
        values = _numbers(got)
        if values is not None and values.dtype.kind == "b":
            raise Mistake(say("`step_function(x)` returned booleans (`True`/`False`) instead "
                              "of 0 and 1.", "`step_function(x)`의 결과가 0과 1이 아니라 "
                              "불리언(`True`/`False`)입니다."))
        # numbers, and the right ones: a dtype alone earns nothing
        assert_close(got, (x > 0).astype(int), what=f"`step_function({x.tolist()})`",
                     hint="step_values")


@pytest.mark.points(1)
@pytest.mark.hint("any_shape")
def test_step_function_shapes(sub):
    """step_function: works on a 0-d array and a 2-D array, keeping the shape."""
    _shaped(sub.step_function(np.array(0.7)), 1, "`step_function(0.7)`", "step_values")
    _shaped(sub.step_function(np.array(-0.7)), 0, "`step_function(-0.7)`", "step_values")
    x = np.array([[-1.5, 2.0, 0.3], [4.0, -0.2, -7.0]])
    _shaped(sub.step_function(x), [[0, 1, 1], [1, 0, 0]],
            say("`step_function` of a 2x3 array", "2x3 배열에 대한 `step_function`"), "step_values")


# -- sigmoid --------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_formula")
def test_sigmoid_values(sub):
    """sigmoid: correct values on a 1-D array."""
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 4.0])
    expected = [0.04742587317756679, 0.2689414213699951, 0.5,
                0.6224593312018546, 0.8807970779778823, 0.9820137900379085]
    assert_close(sub.sigmoid(x), expected, what="`sigmoid(x)`")


@pytest.mark.points(2)
@pytest.mark.hint("sigmoid_overflow")
def test_sigmoid_large_inputs(sub):
    """sigmoid: finite and correct for inputs up to 1000 in absolute value."""
    x = np.array([-1000.0, -710.0, -100.0, -20.0, 20.0, 100.0, 710.0, 1000.0])
    expected = [0.0, 4.4762862256751298e-309, 3.7200759760208361e-44, 2.0611536181902033e-09,
                0.99999999793884631, 1.0, 1.0, 1.0]
    for xs, exp in ((x, expected), (np.array(-1000.0), 0.0), (np.array(1000.0), 1.0)):
        got = sub.sigmoid(xs)
        values = _numbers(got)
        finite = values is not None and values.dtype.kind in "iuf" and np.isfinite(values).all()
        # nan/inf is an overflow problem; finite but wrong values are a formula problem
        assert_close(got, exp, what=f"`sigmoid({xs.tolist()})`",
                     hint=None if not finite else "sigmoid_formula")


@pytest.mark.points(1)
@pytest.mark.hint("any_shape")
def test_sigmoid_shapes(sub):
    """sigmoid: works on a 0-d array and a 2-D array, keeping the shape."""
    _shaped(sub.sigmoid(np.array(1.2)), 0.7685247834990175, "`sigmoid(1.2)`", "sigmoid_formula")
    _shaped(sub.sigmoid(np.array(-0.7)), 0.33181222783183395, "`sigmoid(-0.7)`", "sigmoid_formula")
    x = np.array([[-2.0, -0.5, 1.5], [3.0, 0.25, -4.0]])
    expected = [[0.11920292202211755, 0.37754066879814546, 0.8175744761936437],
                [0.9525741268224334, 0.5621765008857981, 0.01798620996209156]]
    _shaped(sub.sigmoid(x), expected, say("`sigmoid` of a 2x3 array", "2x3 배열에 대한 `sigmoid`"),
            "sigmoid_formula")


# -- relu -----------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("relu_values")
def test_relu_values(sub):
    """relu: keeps positive entries, replaces negative ones by 0."""
    for x, expected in (
        (np.array([-2.0, -0.5, 0.0, 0.5, 2.0, 7.25]), [0.0, 0.0, 0.0, 0.5, 2.0, 7.25]),
        (np.array([3.0, -1.0, 10.0, -10.0]), [3.0, 0.0, 10.0, 0.0]),
    ):
        got = sub.relu(x)
        values = _numbers(got)
        if values is not None and values.shape == x.shape and np.isin(values, [0, 1]).all() \
                and (values == 1).any():
            raise Mistake(say("`relu({x})` returned `{values}`: only 0/1 (or `True`/`False`) "
                              "values, like a mask.",
                              "`relu({x})`의 결과가 `{values}`입니다. 마스크처럼 0/1(또는 "
                              "`True`/`False`) 값뿐입니다.", x=x.tolist(), values=values.tolist()),
                          hint="relu_mask")
        assert_close(got, expected, what=f"`relu({x.tolist()})`")


@pytest.mark.points(1)
@pytest.mark.hint("any_shape")
def test_relu_shapes(sub):
    """relu: works on a 0-d array and a 2-D array, keeping the shape."""
    _shaped(sub.relu(np.array(2.5)), 2.5, "`relu(2.5)`", "relu_values")
    _shaped(sub.relu(np.array(-2.5)), 0.0, "`relu(-2.5)`", "relu_values")
    x = np.array([[-1.5, 2.0, 0.3], [4.0, -0.2, -7.0]])
    _shaped(sub.relu(x), [[0.0, 2.0, 0.3], [4.0, 0.0, 0.0]],
            say("`relu` of a 2x3 array", "2x3 배열에 대한 `relu`"), "relu_values")


@pytest.mark.points(1)
@pytest.mark.hint("input_mutation")
def test_relu_does_not_modify_input(sub):
    """relu: leaves its input array unchanged."""
    for x in (np.array([-2.0, -0.5, 0.5, 2.0]), np.array([[1.0, -1.0], [-3.0, 4.0]])):
        got = assert_inputs_unchanged(sub.relu, x)
        # an untouched input earns the point only with the right values
        assert_close(got, np.maximum(x, 0), what=f"`relu({x.tolist()})`", hint="relu_values")


# -- identity_function ----------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("identity_return")
def test_identity_function_values(sub):
    """identity_function: returns its input unchanged, for any shape."""
    for x in (np.array([-2.0, 0.0, 3.5]), np.array([[1.0, -1.0, 0.5], [-3.0, 4.0, 9.0]]),
              np.array(-4.25)):
        assert_close(sub.identity_function(x), x, what=f"`identity_function({x.tolist()})`")

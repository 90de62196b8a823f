"""Hidden checks of ex01: activation functions, compared with the reference on random inputs."""

import numpy as np
import pytest

from grader.checks import assert_close, assert_inputs_unchanged, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)


def _inputs(rng, scale=3.0):
    """Random inputs of every shape the functions must accept (0-d, 1-D, 2-D)."""
    return [
        np.array(rng.normal() * scale),
        rng.normal(size=1) * scale,
        rng.normal(size=13) * scale,
        rng.normal(size=(4, 9)) * scale,
        rng.normal(size=(7, 1)) * scale,
        rng.normal(size=(5, 5)) * scale,
    ]


def of_shape(function, x):
    """How messages name the result of ``function`` on ``x``."""
    return say("`{function}` of an array of shape {shape}",
               "형상이 {shape}인 배열에 대한 `{function}`", function=function, shape=x.shape)


@pytest.mark.points(1)
@pytest.mark.hint("step_values")
def test_step_function_matches_reference(sub, ref, rng):
    """step_function: random inputs of several shapes."""
    for x in _inputs(rng, scale=5.0):
        assert_close(sub.step_function(x), ref.step_function(x),
                     what=of_shape("step_function", x))


@pytest.mark.points(2)
@pytest.mark.hint("sigmoid_formula")
def test_sigmoid_matches_reference(sub, ref, rng):
    """sigmoid: random inputs of several shapes and sizes."""
    for scale in (0.5, 4.0, 30.0):
        for x in _inputs(rng, scale):
            assert_close(sub.sigmoid(x), ref.sigmoid(x),
                         what=of_shape("sigmoid", x))


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_overflow")
def test_sigmoid_extreme_inputs(sub, ref, rng):
    """sigmoid: large inputs (up to 1000 in absolute value) in 0-d and 2-D arrays."""
    edge = np.array([-1000.0, -745.0, -709.8, -300.0, 300.0, 709.8, 745.0, 1000.0])
    cases = [
        np.array(-1000.0), np.array(1000.0), np.array(-750.0),
        edge,
        rng.uniform(-1000.0, 1000.0, size=(6, 8)),
        np.concatenate([edge, rng.uniform(-1000.0, 1000.0, size=8)]).reshape(4, 4),
    ]
    for x in cases:
        got = sub.sigmoid(x)
        values = np.asarray(got) if isinstance(got, (float, np.generic, np.ndarray)) else None
        finite = values is not None and values.dtype.kind in "iuf" and np.isfinite(values).all()
        # nan/inf is an overflow problem; finite but wrong values are a formula problem
        assert_close(got, ref.sigmoid(x), what=of_shape("sigmoid", x),
                     hint="sigmoid_formula" if finite else None)


@pytest.mark.points(1)
@pytest.mark.hint("relu_values")
def test_relu_matches_reference(sub, ref, rng):
    """relu: random inputs of several shapes."""
    for x in _inputs(rng, scale=10.0):
        assert_close(sub.relu(x), ref.relu(x), what=of_shape("relu", x))


@pytest.mark.points(1)
@pytest.mark.hint("identity_return")
def test_identity_function_matches_reference(sub, ref, rng):
    """identity_function: random inputs of several shapes."""
    for x in _inputs(rng, scale=100.0):
        assert_close(sub.identity_function(x), ref.identity_function(x),
                     what=of_shape("identity_function", x))


VALUE_HINTS = {"step_function": "step_values", "sigmoid": "sigmoid_formula",
               "identity_function": "identity_return"}


@pytest.mark.points(1)
@pytest.mark.hint("input_mutation")
def test_activations_do_not_modify_inputs(sub, ref, rng):
    """step_function, sigmoid and identity_function leave their input unchanged."""
    for x in (rng.normal(size=10) * 3, rng.normal(size=(3, 4)) * 3, np.array(-1.5)):
        for name, hint in VALUE_HINTS.items():
            got = assert_inputs_unchanged(getattr(sub, name), x)
            # an untouched input earns the point only with the right values
            assert_close(got, getattr(ref, name)(x), hint=hint,
                         what=of_shape(name, x))

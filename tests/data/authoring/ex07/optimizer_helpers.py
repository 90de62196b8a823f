"""Helpers the public and the hidden checks of ex07 share (imported by name)."""

import numpy as np

from grader.checks import assert_close, call_and_see

VALUES_HINT = {"SGD": "sgd_step", "Momentum": "momentum_velocity", "AdaGrad": "adagrad_step"}


def updated(optimizer, params, grads):
    """The params after ``optimizer.update(params, grads)``; the check's own stay as they were.
    Works alike on student code (sub) and on the reference (ref)."""
    return call_and_see(optimizer.update, params, grads).args[0]


def assert_params(got, expected, before, name, what):
    """Every array of ``got`` as expected; the hint follows what was seen: nothing changed at all
    (not in place), or wrong values."""
    unchanged = all(np.array_equal(got[key], before[key]) for key in before)
    for key in expected:
        assert_close(got[key], expected[key], what=f"{what}: params[{key!r}]",
                     hint="update_in_place" if unchanged else VALUES_HINT[name])

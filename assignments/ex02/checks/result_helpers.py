"""Helpers the public and the hidden checks of exercise 2 share (imported by name: the
engine puts this folder on the import path while checks run)."""

import numpy as np

from grader.checks import assert_close, say


def as_numbers(got):
    """The student's result as an array when it is plain numeric data, else None."""
    if isinstance(got, (bool, int, float, np.generic, np.ndarray)):
        values = np.asarray(got)
        return values if values.dtype.kind in "biuf" else None
    return None


def check_accuracy(got, expected, n, batch_size, what, hint=None):
    """assert_close for an accuracy, recognising a count, and (with batch_size=1, where no
    batching mistake can matter) a fraction rounded down to 0 by an integer division."""
    values = as_numbers(got)
    scalar = values is not None and values.shape == () and expected > 0 and n > 1
    rounded_down = scalar and values.dtype.kind in "iu" and values == 0  # count // len(x)
    if scalar and (np.isclose(values, expected * n) or (batch_size == 1 and rounded_down)):
        hint = "accuracy_ratio"
    assert_close(got, expected, what=what, hint=hint)


def for_samples(call, n):
    """How messages name the result of ``call`` (code) on ``n`` samples."""
    return say("`{call}` for {n} samples", "샘플 {n}개에 대한 `{call}`", call=call, n=n)


def rows_hint(got, shape, default=None):
    """The hint for a 2-D result that should be probabilities per row."""
    values = as_numbers(got)
    if values is None or values.shape != shape or len(shape) != 2 or not np.isfinite(values).all():
        return default
    if np.allclose(values.sum(axis=1), 1.0):
        return default
    if np.allclose(values.sum(), 1.0):
        return "softmax_whole_array"
    if np.allclose(values.sum(axis=0), 1.0):
        return "softmax_axis"
    return default

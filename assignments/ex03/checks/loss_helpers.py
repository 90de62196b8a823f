"""Helpers the public and the hidden checks of exercise 3 share (imported by name: the
engine puts this folder on the import path while checks run)."""

import numpy as np

from grader.checks import say

# The log guard (1e-7 in the book) may differ a little between correct answers.
CEE_RTOL = 1e-4


def as_numbers(got):
    if isinstance(got, (bool, int, float, np.generic, np.ndarray)):
        values = np.asarray(got)
        return values if values.dtype.kind in "biuf" else None
    return None


def when(call, **values):
    """How messages name the result of ``call`` (code) for the arrays ``values``."""
    shown = ", ".join(f"{name} = {np.asarray(v).tolist()}" for name, v in values.items())
    return say("`{call}` for `{shown}`", "`{shown}`일 때의 `{call}`", call=call, shown=shown)


def shaped(call, **arrays):
    """How messages name the result of ``call`` (code) for arrays of the shapes given."""
    shown = ", ".join(f"{name}.shape = {np.shape(v)}" for name, v in arrays.items())
    return say("`{call}` for `{shown}`", "`{shown}`일 때의 `{call}`", call=call, shown=shown)


def factor_hint(got, expected, factor, hint, default=None):
    """`hint` when the result is `factor` times the expected one."""
    values = as_numbers(got)
    if values is not None and values.size == 1 and np.isclose(values.item(), factor * expected):
        return hint
    return default

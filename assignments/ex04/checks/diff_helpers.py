"""Helpers the public and the hidden checks of exercise 4 share (imported by name: the
engine puts this folder on the import path while checks run)."""

import numpy as np


def diagnose_diff(got, source, x):
    """Hint key for a wrong numerical_diff result, recognised by its symptom.

    The function is rebuilt here, in the grader, from the same source the worker uses, so
    the usual wrong formulas can be recomputed and compared with the student's value.
    """
    f = eval(source, {"np": np})  # a literal of the check files, not student code
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

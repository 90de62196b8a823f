import numpy as np
import matplotlib.pylab as plt

def step_function(x):
    """1 where x > 0, else 0 (as integers), element-wise."""
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + exp(-x)), element-wise, without overflow for large |x|.

    The book's 1 / (1 + np.exp(-x)) gives the right answer too, but np.exp(-x) overflows
    (with a RuntimeWarning) for x below about -710. exp(-|x|) never overflows, so we
    compute it once and use the form that suits the sign of x:
    x >= 0: 1 / (1 + exp(-x)),   x < 0: exp(x) / (1 + exp(x)).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def relu(x):
    y = np.array(x, dtype=float)
    flat = y.reshape(-1)
    i = 0
    while i < flat.size:
        if flat[i] < 0:
            flat[i] = 0
            i += 1
    return y


def identity_function(x):
    """Returns its input unchanged (the output activation for regression)."""
    return x

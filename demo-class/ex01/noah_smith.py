import numpy as np
import matplotlib.pylab as plt

def step_function(x):
    """Step function, element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        An array of the same shape as x: 1 where x > 0, 0 elsewhere (integers).
    """
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    """Sigmoid function, element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        An array of the same shape as x with 1 / (1 + exp(-x)) for every element,
        finite for |x| up to 1000.
    """
    # The book's 1 / (1 + np.exp(-x)) gives the right answer too, but np.exp(-x) overflows
    # (with a RuntimeWarning) for x below about -710. exp(-|x|) never overflows, so we
    # compute it once and use the form that suits the sign of x:
    # x >= 0: 1 / (1 + exp(-x)),   x < 0: exp(x) / (1 + exp(x)).
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
    """Identity function.

    Args:
        x: NumPy array of any shape.

    Returns:
        x, unchanged.
    """
    return x

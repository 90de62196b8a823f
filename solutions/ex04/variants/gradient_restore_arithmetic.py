import numpy as np


def numerical_gradient(f, x):
    # "restores" x by arithmetic: x + h - 2h + h is not always exactly x in floating point
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fxh1 = f(x)
        x[idx] -= 2 * h
        fxh2 = f(x)
        x[idx] += h
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad

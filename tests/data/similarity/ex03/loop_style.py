import numpy as np


def mean_squared_error(y, t):
    total = 0.0
    for yi, ti in zip(np.ravel(y), np.ravel(t)):
        total += (yi - ti) ** 2
    return total / 2


def cross_entropy_error(y, t):
    delta = 1e-7
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.size(t) > 1 else np.reshape(t, (1,))
    n = y.shape[0]
    loss = 0.0
    for i in range(n):
        if t.ndim == 2:
            loss -= np.sum(t[i] * np.log(y[i] + delta))
        else:
            loss -= np.log(y[i, t[i]] + delta)
    return loss / n

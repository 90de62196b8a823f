import numpy as np


def mean_squared_error(y, t):
    return 0.5 * ((y - t) ** 2).sum()


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    batch = y.shape[0]
    if t.size == y.size:
        return -np.sum(t * np.log(y + 1e-7)) / batch
    return -np.sum(np.log(y[np.arange(batch), t] + 1e-7)) / batch

import numpy as np


def mean_squared_error(y, t):
    if y.ndim == 2:
        return 0.5 * np.sum((y - t) ** 2) / y.shape[0]  # BUG: the book does not average
    return 0.5 * np.sum((y - t) ** 2)

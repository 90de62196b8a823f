import numpy as np


def mean_squared_error(y, t):
    return np.mean((y - t) ** 2)  # BUG: "mean" squared error, but the book sums

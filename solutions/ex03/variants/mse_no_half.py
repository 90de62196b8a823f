import numpy as np


def mean_squared_error(y, t):
    return np.sum((y - t) ** 2)  # BUG: the 0.5 is missing

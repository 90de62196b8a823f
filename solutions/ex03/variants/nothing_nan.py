# both losses return nan
import numpy as np


def mean_squared_error(y, t):
    return np.nan


def cross_entropy_error(y, t):
    return float("nan")

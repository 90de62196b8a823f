import numpy as np


def leaky_relu(x, alpha=0.01):
    return np.full(np.shape(x), np.nan)

import numpy as np


def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))  # BUG: inf / inf = nan for large x

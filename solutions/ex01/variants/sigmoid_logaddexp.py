import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))  # correct: 1 / (1 + e^-x) = exp(-log(1 + e^-x))

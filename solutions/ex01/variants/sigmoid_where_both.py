import numpy as np


def sigmoid(x):
    # correct: np.where evaluates both branches (overflow warnings, a nan in the branch
    # that is not chosen), but picks the finite one
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))

import numpy as np


def sigmoid(x):
    # correct: the book's version. np.exp(1000) overflows to inf (with a warning),
    # but 1 / (1 + inf) = 0.0 is the right answer.
    return 1 / (1 + np.exp(-x))

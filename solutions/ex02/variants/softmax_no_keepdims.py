import numpy as np


def softmax(a):
    a = a - np.max(a, axis=-1)  # BUG: (N, C) - (N,) does not broadcast row-wise
    return np.exp(a) / np.sum(np.exp(a), axis=-1)

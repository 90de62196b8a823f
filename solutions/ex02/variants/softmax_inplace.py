import numpy as np


def softmax(a):
    a -= np.max(a, axis=-1, keepdims=True)  # BUG: changes the caller's array
    return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)

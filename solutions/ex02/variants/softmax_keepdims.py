import numpy as np


def softmax(a):
    # correct: one formula for 1-D and 2-D input
    a = a - np.max(a, axis=-1, keepdims=True)
    exp_a = np.exp(a)
    return exp_a / np.sum(exp_a, axis=-1, keepdims=True)

import numpy as np


def softmax(a):
    exp_a = np.exp(a)  # BUG: no overflow guard, exp(1000) = inf
    return exp_a / np.sum(exp_a, axis=-1, keepdims=True)

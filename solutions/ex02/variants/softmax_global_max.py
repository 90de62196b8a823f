import numpy as np


def softmax(a):
    exp_a = np.exp(a - np.max(a))  # BUG: one maximum for the whole batch
    return exp_a / np.sum(exp_a, axis=-1, keepdims=True)

import numpy as np


def softmax(a):
    # the book's 1-D version: for a 2-D batch it normalises the whole array
    c = np.max(a)
    exp_a = np.exp(a - c)
    return exp_a / np.sum(exp_a)

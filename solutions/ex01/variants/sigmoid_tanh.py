import numpy as np


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # correct: sigmoid(x) = (1 + tanh(x / 2)) / 2

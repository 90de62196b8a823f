import numpy as np


def leaky_relu(x, alpha=0.01):
    return np.zeros_like(x)

# every function returns a large constant of the input's shape
import numpy as np

BIG = 1e6


def step_function(x):
    return np.full(np.shape(x), BIG)


def sigmoid(x):
    return np.full(np.shape(x), BIG)


def relu(x):
    return np.full(np.shape(x), BIG)


def identity_function(x):
    return np.full(np.shape(x), BIG)

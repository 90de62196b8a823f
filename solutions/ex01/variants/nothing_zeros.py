# placeholders left in: every function returns zeros
import numpy as np


def step_function(x):
    return np.zeros_like(x)


def sigmoid(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def identity_function(x):
    return np.zeros_like(x)

# every function returns nan of the input's shape
import numpy as np


def step_function(x):
    return x * np.nan


def sigmoid(x):
    return np.full(np.shape(x), np.nan)


def relu(x):
    return np.full(np.shape(x), np.nan)


def identity_function(x):
    return np.nan * np.ones_like(x)

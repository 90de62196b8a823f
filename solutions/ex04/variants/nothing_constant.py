# every function returns a large constant
import numpy as np


def numerical_diff(f, x):
    return 1e6


def numerical_gradient(f, x):
    return np.full_like(x, 1e6)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    return np.full_like(init_x, 1e6)

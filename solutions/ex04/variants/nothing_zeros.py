# placeholders left in: every function returns zeros
import numpy as np


def numerical_diff(f, x):
    return 0.0


def numerical_gradient(f, x):
    return np.zeros_like(x)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    return np.zeros_like(init_x)

# every function returns nan
import numpy as np


def numerical_diff(f, x):
    return np.nan


def numerical_gradient(f, x):
    return np.full_like(x, np.nan)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    return np.full_like(init_x, np.nan)

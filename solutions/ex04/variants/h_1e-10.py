import numpy as np


def numerical_diff(f, x):
    h = 1e-10
    return (f(x + h) - f(x - h)) / (2 * h)

import numpy as np


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x)) / h

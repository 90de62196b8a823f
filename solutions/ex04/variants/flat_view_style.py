import numpy as np


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / (h + h)


def numerical_gradient(f, x):
    """Works on a flat view of x: writing into it writes into x."""
    h = 1e-4
    grad = np.zeros(x.size)
    flat = x.reshape(-1)  # a view for the contiguous arrays used here
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad.reshape(x.shape)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = np.array(init_x, dtype=float)
    for _ in range(step_num):
        x = x - lr * numerical_gradient(f, x)
    return x

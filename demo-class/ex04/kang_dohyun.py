import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def numerical_diff(f, x):
    """Derivative of the one-variable function f at x, by the central difference."""
    h = 1e-4  # 0.0001: small, but not so small that rounding error takes over
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x):
    """Gradient of f at x, for a float array x of any shape.

    Each element of x is nudged in place by +h and -h in turn, and put back exactly as it
    was afterwards, so the caller's x is unchanged when the function returns.
    """
    h = 1e-4
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]

        x[idx] = tmp_val + h
        fxh1 = f(x)  # f(x + h)

        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x - h)

        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val  # restore the original value
        it.iternext()

    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100)
    """Minimise f by step_num steps of x <- x - lr * grad f(x), starting from init_x."""
    x = init_x.copy()
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x

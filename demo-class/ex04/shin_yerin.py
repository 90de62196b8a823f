import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def numerical_diff(f, x):
    h = 1e-10
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x):
    """Gradient of f at x: an array of the shape of x with every partial derivative of f.

    f takes an array shaped like x and returns a number. x is a float array of any shape;
    it must be exactly as it was when this function returns.
    """
    # Each element of x is nudged in place by +h and -h in turn, and put back exactly as it
    # was afterwards, so the caller's x is unchanged when the function returns.
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


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Run step_num steps of x <- x - lr * (gradient of f at x) from init_x; return the final x."""
    x = init_x.copy()
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x

import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def numerical_diff(f, x):
    h = 1e-5
    return 0.5 * (f(x + h) - f(x - h)) / h


def numerical_gradient(f, x):
    """Never touches x: each evaluation gets its own perturbed copy."""
    h = 1e-4
    grad = np.empty_like(x, dtype=float)
    for idx in np.ndindex(*x.shape):
        step = np.zeros_like(x, dtype=float)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x
    for i in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x

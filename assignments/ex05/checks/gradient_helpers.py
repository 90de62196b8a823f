"""Helpers the public and the hidden checks of exercise 5 share (imported by name: the
engine puts this folder on the import path while checks run)."""

import numpy as np

H = 1e-5
RTOL, ATOL = 1e-4, 1e-7


def numerical_gradient(loss, x):
    """Central differences of loss(x') over every element of x (computed by the grader)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += H
        minus[idx] -= H
        grad[idx] = (loss(plus) - loss(minus)) / (2 * H)
    return grad

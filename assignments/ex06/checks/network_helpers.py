"""Helpers the public and the hidden checks of exercise 6 share (imported by name: the engine
puts this folder on the import path while checks run)."""

import numpy as np

from grader.checks import Mistake, copy_into, handle

KEYS = ("W1", "b1", "W2", "b2")


def as_number(value, what):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Mistake(f"{what} returned {type(value).__name__}; expected a single number.")
    return float(value)


def grader_numerical_gradient(net, params, x, t):
    """Numerical gradient of net.loss(x, t), nudging each parameter array in place."""
    grads = {}
    for key in KEYS:
        remote = handle(net, "params", key)
        base = params[key]
        h = 1e-5 if base.dtype == np.float64 else 1e-3
        grad = np.zeros(base.shape)
        for idx in np.ndindex(*base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += h
            minus[idx] -= h
            copy_into(remote, plus)
            loss_plus = as_number(net.loss(x, t), "loss(x, t)")
            copy_into(remote, minus)
            loss_minus = as_number(net.loss(x, t), "loss(x, t)")
            grad[idx] = (loss_plus - loss_minus) / (float(plus[idx]) - float(minus[idx]))
        copy_into(remote, base)
        grads[key] = grad
    return grads

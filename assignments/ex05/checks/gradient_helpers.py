"""Helpers the public and the hidden checks of exercise 5 share (imported by name: the
engine puts this folder on the import path while checks run).

A backward pass is judged against the TRUE gradient: the numerical gradient of a forward pass
that the grader computes itself (the book's formulas below), never of the student's own
forward. So forward and backward earn their points each on its own.
"""

import numpy as np

from grader.checks import Mistake, assert_close

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


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def affine(x, W, b):
    return x.reshape(len(x), -1) @ W + b


def softmax_with_loss(x, t):
    """Mean cross-entropy of softmax(x) for one-hot or integer labels t."""
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    shifted = x - x.max(axis=1, keepdims=True)
    log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(t * log_y) / len(x)


def weighted_gradient(forward, x, G):
    """dL/dx of L = sum(forward(x) * G): what backward(G) must return for that forward."""
    return numerical_gradient(lambda xx: float(np.sum(forward(xx) * G)), x)


def affine_gradients(x, W, b, G):
    """The true dx, dW, db of L = sum(affine(x, W, b) * G)."""
    return (weighted_gradient(lambda xx: affine(xx, W, b), x, G),
            weighted_gradient(lambda WW: affine(x, WW, b), W, G),
            weighted_gradient(lambda bb: affine(x, W, bb), b, G))


def softmax_with_loss_gradient(x, t):
    """The true gradient of the mean cross-entropy of softmax(x): (y - t) / N."""
    return numerical_gradient(lambda xx: softmax_with_loss(xx, t), x)


def away_from_zero(rng, shape):
    """Random values with |x| >= 0.1, so that ReLU's kink at 0 is never within h."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (0.1 + np.abs(x))


def gradient_attribute(layer, name, what):
    """layer.dW or layer.db after backward, failing plainly when backward did not set it."""
    value = getattr(layer, name)
    if value is None:
        raise Mistake(f"{what} is None after backward: assign the gradient to self.{name} "
                      f"(a local variable {name} disappears when backward returns).",
                      hint="affine_backward")
    return value


def batch_hint(got, expected, batch_size):
    """"swl_batch" when the gradient is batch_size times too large, else None (default)."""
    if batch_size > 1 and isinstance(got, np.ndarray) and got.shape == expected.shape and \
            np.allclose(got, expected * batch_size, rtol=RTOL, atol=ATOL):
        return "swl_batch"
    return None


def check_swl_backward(got, expected, what, hint=None):
    """SoftmaxWithLoss.backward() against the true gradient, naming a missing / N."""
    assert_close(got, expected, rtol=RTOL, atol=ATOL, batch_size=len(expected), what=what,
                 hint=batch_hint(got, expected, len(expected)) or hint)

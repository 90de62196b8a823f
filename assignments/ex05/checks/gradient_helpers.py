"""Helpers the public and the hidden checks of exercise 5 share (imported by name: the
engine puts this folder on the import path while checks run).

A backward pass is judged against the TRUE gradient: the numerical gradient of a forward pass
that the grader computes itself (the book's formulas below), never of the student's own
forward. So forward and backward earn their points each on its own.
"""

import numpy as np

from grader.checks import Mistake, assert_close, say

LABELS = {"one-hot": {"en": "one-hot", "ko": "원-핫"}, "integer": {"en": "integer", "ko": "정수"}}

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
        raise Mistake(say(
            "{what} is `None` after `backward`: assign the gradient to `self.{name}` (a local "
            "variable `{name}` disappears when `backward` returns).",
            "`backward` 뒤에도 {what}{이} `None`입니다. 기울기를 `self.{name}`에 대입하세요. "
            "지역 변수 `{name}`{은} `backward`가 끝나면 사라집니다.", what=what, name=name),
            hint="affine_backward")
    return value


def shaped(what, **arrays):
    """How messages name ``what`` (code) computed for arrays of the shapes given."""
    shown = ", ".join(f"{name}.shape = {np.shape(v)}" for name, v in arrays.items())
    return say("`{what}` for `{shown}`", "`{shown}`일 때의 `{what}`", what=what, shown=shown)


def swl_backward_what(labels, n, call="SoftmaxWithLoss.backward()"):
    """How messages name ``call`` (code) with ``labels`` ("one-hot" or "integer") for a batch
    of ``n``."""
    return say("`{call}` with {labels} labels, batch of {n}",
               "{labels} 레이블, 배치 {n}개에서 `{call}`", call=call, labels=LABELS[labels], n=n)


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

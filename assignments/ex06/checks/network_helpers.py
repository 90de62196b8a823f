"""Helpers the public and the hidden checks of exercise 6 share (imported by name: the engine
puts this folder on the import path while checks run).

Gradients are judged against the TRUE gradient of the book's two-layer net (sigmoid or ReLU
hidden layer, softmax, mean cross-entropy), computed here by the grader from the parameters it
set itself: never from the student's own loss, which may be wrong or do nothing at all.
"""

import numpy as np

from grader.checks import Mistake, assert_close, copy_into, handle, say

KEYS = ("W1", "b1", "W2", "b2")
ACTIVATIONS = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "ReLU": lambda a: np.maximum(0, a)}
H = 1e-5


def as_number(value, what):
    """A single finite number from the student's code, or a failure that says what it was."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Mistake(say("`{what}` returned `{type}`; expected a single number.",
                          "`{what}`의 결과가 숫자 하나가 아니라 `{type}`입니다.", what=what,
                          type=type(value).__name__))
    if not np.isfinite(value):
        raise Mistake(say("`{what}` returned {value}; expected a finite number.",
                          "`{what}`의 결과가 유한한 숫자가 아니라 {value}입니다.", what=what,
                          value=value))
    return float(value)


def softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


def scores(params, x, activation):
    """The book's two-layer net before softmax, in float64."""
    p = {key: np.asarray(params[key], dtype=np.float64) for key in KEYS}
    return ACTIVATIONS[activation](x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def book_loss(params, x, t, activation):
    """Mean cross-entropy of softmax(scores) with one-hot t."""
    return float(-np.mean(np.sum(t * np.log(softmax(scores(params, x, activation))), axis=1)))


def true_gradients(params, x, t, activation):
    """The grader's numerical gradient of book_loss for every parameter array."""
    params = {key: np.array(params[key], dtype=np.float64) for key in KEYS}
    grads = {}
    for key in KEYS:
        grad = np.zeros_like(params[key])
        for idx in np.ndindex(*params[key].shape):
            value = params[key][idx]
            params[key][idx] = value + H
            plus = book_loss(params, x, t, activation)
            params[key][idx] = value - H
            minus = book_loss(params, x, t, activation)
            params[key][idx] = value
            grad[idx] = (plus - minus) / (2 * H)
        grads[key] = grad
    return grads


def tolerances(dtype):
    return (1e-4, 1e-7) if dtype == np.float64 else (3e-2, 1e-4)


def matching_activation(grads, truths, dtype):
    """The activation whose true gradients ``grads`` equal, or None."""
    rtol, atol = tolerances(dtype)
    for activation, truth in truths.items():
        if all(isinstance(grads.get(key), np.ndarray) and grads[key].shape == truth[key].shape
               and np.allclose(grads[key], truth[key], rtol=rtol, atol=atol) for key in KEYS):
            return activation
    return None


def compare_gradients(got, params, x, t, what):
    """The student's gradient dict against the true one (sigmoid or ReLU net), naming the
    usual mistakes when it matches neither."""
    if not isinstance(got, dict) or any(key not in got for key in KEYS):
        raise Mistake(say("`{what}` must return a dict with the keys `'W1'`, `'b1'`, `'W2'`, "
                          "`'b2'`.", "`{what}`{은} 키가 `'W1'`, `'b1'`, `'W2'`, `'b2'`인 "
                          "딕셔너리를 반환해야 합니다.", what=what), hint="gradient")
    dtype = params["W1"].dtype
    truths = {name: true_gradients(params, x, t, name) for name in ACTIVATIONS}
    if matching_activation(got, truths, dtype) is not None:
        return
    rtol, atol = tolerances(dtype)

    def wrong_keys(truth, factor=1.0):
        return [key for key in KEYS if not (
            isinstance(got[key], np.ndarray) and got[key].shape == truth[key].shape
            and np.allclose(got[key], truth[key] * factor, rtol=rtol, atol=atol))]

    # explain against the activation the student's gradient is closest to
    truth = min(truths.values(), key=lambda tr: len(wrong_keys(tr)))
    batch = len(x)
    for key in KEYS:
        hint = None
        if wrong_keys(truth) == ["b1"]:
            hint = "gradient_b1"
        elif batch > 1 and key not in wrong_keys(truth, batch):
            hint = "gradient_batch"
        assert_close(got[key], truth[key], rtol=rtol, atol=atol, batch_size=batch,
                     what=say("`{what}['{key}']` for a batch of {batch}",
                              "배치 {batch}개에서 `{what}['{key}']`", what=what, key=key,
                              batch=batch), hint=hint)


def grader_numerical_gradient(net, params, x, t):
    """Numerical gradient of the student's net.loss(x, t), nudging each parameter array in
    place: what a right numerical_gradient method returns for that loss."""
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


def predict_form(y, params, x):
    """How the student's predict output relates to the book's net, as (activation, softmax
    applied?), or None when it is neither net's scores nor probabilities."""
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "biuf" or not np.isfinite(y).all():
        return None
    for activation in ACTIVATIONS:
        raw = scores(params, x, activation)
        for probabilities, expected in ((False, raw), (True, softmax(raw))):
            if y.shape == expected.shape and np.allclose(y, expected, rtol=1e-4, atol=1e-6):
                return activation, probabilities
    return None


def loss_of_predictions(y, t, probabilities):
    """Mean cross-entropy of the student's predictions, computed by the grader."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        p = y if probabilities else softmax(y)
        return float(-np.mean(np.sum(t * np.log(p + 1e-7), axis=1)))

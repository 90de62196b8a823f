"""Exercise 5: backprop layers.  Written against chapter 5 of the book."""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def softmax(x: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum for stability."""
    shifted = x - np.amax(x, axis=x.ndim - 1, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=x.ndim - 1, keepdims=True)


def cross_entropy_error(y: Array, t: Array) -> float:
    """Mean cross-entropy; `t` holds one-hot rows or class indices."""
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.size(t) == y.size else np.reshape(t, (1,))
    if t.shape == y.shape:
        t = t.argmax(axis=1)
    rows = np.arange(y.shape[0])
    losses = -np.log(np.clip(y[rows, t], 1e-7, None))
    return float(losses.mean())


class Relu:
    def __init__(self) -> None:
        self.mask: NDArray[np.bool_] | None = None

    def forward(self, x: Array) -> Array:
        self.mask = x <= 0
        result = np.copy(x)
        result[self.mask] = 0
        return result

    def backward(self, dout: Array) -> Array:
        assert self.mask is not None, "call forward first"
        grad = np.copy(dout)
        grad[self.mask] = 0
        return grad


class Sigmoid:
    def __init__(self) -> None:
        self.out: Array | None = None

    def forward(self, x: Array) -> Array:
        clipped = np.clip(x, -500, 500)
        self.out = 1.0 / (1.0 + np.exp(-clipped))
        return self.out

    def backward(self, dout: Array) -> Array:
        assert self.out is not None, "call forward first"
        return dout * self.out * (1.0 - self.out)


class Affine:
    def __init__(self, W: Array, b: Array) -> None:
        self.W = W
        self.b = b
        self.dW: Array | None = None
        self.db: Array | None = None
        self._x: Array | None = None
        self._shape: tuple[int, ...] = ()

    def forward(self, x: Array) -> Array:
        self._shape = x.shape
        self._x = x.reshape(x.shape[0], -1)
        return np.dot(self._x, self.W) + self.b

    def backward(self, dout: Array) -> Array:
        assert self._x is not None, "call forward first"
        self.dW = np.dot(self._x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T).reshape(self._shape)


class SoftmaxWithLoss:
    def __init__(self) -> None:
        self.loss: float | None = None
        self.y: Array | None = None
        self.t: Array | None = None

    def forward(self, x: Array, t: Array) -> float:
        self.y = softmax(x)
        self.t = t
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout: float = 1) -> Array:
        assert self.y is not None and self.t is not None, "call forward first"
        batch_size = self.y.shape[0]
        target = self.t
        if target.shape != self.y.shape:
            target = np.zeros_like(self.y)
            target[np.arange(batch_size), self.t] = 1.0
        return dout * (self.y - target) / batch_size

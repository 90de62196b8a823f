import numpy as np


def softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y[np.newaxis, :]
        t = np.atleast_1d(t) if t.ndim == 0 else t[np.newaxis]
    if t.shape == y.shape:
        t = np.argmax(t, axis=1)
    n = y.shape[0]
    picked = y[np.arange(n), t.astype(int).ravel()]
    return float(-np.log(picked + 1e-7).sum() / n)


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return np.where(self.mask, dout, 0)


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        s = self.out
        return dout * s * (1 - s)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.in_shape = x.shape
        self.x2d = np.reshape(x, (x.shape[0], -1))
        return self.x2d.dot(self.W) + self.b

    def backward(self, dout):
        self.dW = self.x2d.T.dot(dout)
        self.db = dout.sum(axis=0)
        dx = dout.dot(self.W.T)
        return np.reshape(dx, self.in_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.y = softmax(x)
        self.t = t
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        n = self.y.shape[0]
        grad = self.y.copy()
        if self.t.shape == self.y.shape:
            grad -= self.t
        else:
            grad[np.arange(n), self.t] -= 1
        return grad * dout / n


# 확인용
x = np.array([[1.0, -0.5], [-2.0, 3.0]])
r = Relu()
print(r.forward(x))
print(r.backward(np.ones_like(x)))

import numpy as np


def softmax(a):
    a_max = np.max(a, axis=-1, keepdims=True)
    exps = np.exp(a - a_max)
    return exps / np.sum(exps, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size)
    n = y.shape[0]
    if t.size == y.size:
        t = np.argmax(t, axis=1)
    probs = y[np.arange(n), t]
    return -np.sum(np.log(probs + 1e-7)) / n


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0
        out = x.copy()
        out[~self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[~self.mask] = 0
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.zeros_like(x, dtype=float)
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        self.out = out
        return out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x_shape = x.shape
        self.x2 = x.reshape(x.shape[0], -1)
        return self.x2.dot(self.W) + self.b

    def backward(self, dout):
        dx = dout.dot(self.W.T)
        self.dW = self.x2.T.dot(dout)
        self.db = dout.sum(axis=0)
        return dx.reshape(self.x_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        n = self.y.shape[0]
        dx = self.y.copy()
        if self.t.size == self.y.size:
            dx = dx - self.t
        else:
            dx[np.arange(n), self.t] -= 1
        return dout * dx / n

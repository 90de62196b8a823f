import numpy as np
import matplotlib.pyplot as plt


def softmax(a):
    if a.ndim == 2:
        a = a.T
        a = a - np.max(a, axis=0)
        return (np.exp(a) / np.sum(np.exp(a), axis=0)).T
    c = np.max(a)
    exp_a = np.exp(a - c)
    return exp_a / np.sum(exp_a)


def cross_entropy_error(y, t):
    delta = 1e-7
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1)
    batch = y.shape[0]
    if t.size == y.size:
        return -np.sum(t * np.log(y + delta)) / batch
    return -np.sum(np.log(y[np.arange(batch), t] + delta)) / batch


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x > 0).astype(x.dtype)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        y = np.empty_like(x, dtype=float)
        pos = x >= 0
        y[pos] = 1 / (1 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        y[~pos] = ex / (1 + ex)
        self.out = y
        return y

    def backward(self, dout):
        return dout * (1 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None
        self.x = None
        self.x_shape = None

    def forward(self, x):
        self.x_shape = x.shape
        flat = x.reshape(self.x_shape[0], -1)
        self.x = flat
        return flat @ self.W + self.b

    def backward(self, dout):
        self.db = np.sum(dout, axis=0)
        self.dW = self.x.T @ dout
        dx = dout @ self.W.T
        return dx.reshape(self.x_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        batch = self.y.shape[0]
        if self.t.size == self.y.size:
            return dout * (self.y - self.t) / batch
        onehot = np.zeros_like(self.y)
        onehot[np.arange(batch), self.t] = 1
        return dout * (self.y - onehot) / batch


xs = np.linspace(-5, 5, 100)
plt.plot(xs, Sigmoid().forward(xs))
plt.show()

# 第5章 誤差逆伝播法
import numpy as np


def softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)  # オーバーフロー対策
    s = np.sum(e, axis=-1, keepdims=True)
    return e / s


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size)
    if t.size != y.size:  # ラベル -> one-hot
        t = np.eye(y.shape[1])[t.reshape(-1)]
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        y = np.array(x, copy=True)
        y[self.mask] = 0.0
        return y

    def backward(self, dout):
        d = np.array(dout, copy=True)
        d[self.mask] = 0.0
        return d


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 0.5 * (np.tanh(0.5 * x) + 1.0)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.shape_in = x.shape
        n = x.shape[0]
        self.x = x.reshape(n, int(np.prod(x.shape[1:])))
        return np.matmul(self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.matmul(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.matmul(dout, self.W.T).reshape(self.shape_in)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.y = softmax(x)
        if t.size != self.y.size:
            t = np.eye(self.y.shape[-1])[t]
        self.t = t
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        return (self.y - self.t) * dout / self.y.shape[0]

import numpy as np

# 激活函数层


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.x = x
        return x * (x > 0)

    def backward(self, dout):
        return dout * (self.x > 0)


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.exp(-np.logaddexp(0.0, -x))
        return self.out

    def backward(self, dout):
        y = self.out
        return dout * (y - y * y)


# 全连接层
class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.orig = x.shape
        self.x = x.reshape(len(x), -1)
        return np.einsum("nd,dm->nm", self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.einsum("nd,nm->dm", self.x, dout)
        self.db = dout.sum(0)
        return np.einsum("nm,dm->nd", dout, self.W).reshape(self.orig)


def softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    y2 = np.atleast_2d(y)
    if np.ndim(t) == y.ndim and np.size(t) == np.size(y):
        labels = np.atleast_2d(t).argmax(axis=1)
    else:
        labels = np.atleast_1d(t)
    probs = y2[np.arange(len(y2)), labels]
    return -np.mean(np.log(probs + 1e-7))


# 损失层
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
        y = self.y
        n = len(y)
        if self.t.ndim == y.ndim:
            labels = self.t.argmax(axis=1)
        else:
            labels = self.t
        g = y.copy()
        g[np.arange(n), labels] -= 1
        return g / n * dout

import numpy as np
import matplotlib.pyplot as plt

def softmax(v):
    v_max = np.max(v, axis=-1, keepdims=True)
    e = np.exp(v - v_max)
    return e / np.sum(e, axis=-1, keepdims=True)

def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, y.size); t = t.reshape(1, t.size)
    batch = y.shape[0]
    if t.size == y.size:
        t = np.argmax(t, axis=1)
    p = y[np.arange(batch), t]
    return -np.sum(np.log(p + 1e-7)) / batch

class Relu:
    def __init__(self):
        self.mask = None
    def forward(self, x):
        self.mask = x > 0
        y = x.copy()
        y[~self.mask] = 0
        return y
    def backward(self, dout):
        dx = dout.copy()
        dx[~self.mask] = 0
        return dx

class Sigmoid:
    def __init__(self):
        self.out = None
    def forward(self, x):
        y = np.zeros_like(x, dtype=float)
        positive = (x >= 0)
        y[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
        e = np.exp(x[~positive])
        y[~positive] = e / (1.0 + e)
        self.out = y
        return y
    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out

class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None
    def forward(self, x):
        self.shape = x.shape
        self.flat = x.reshape(x.shape[0], -1)
        return self.flat.dot(self.W) + self.b
    def backward(self, dout):
        dx = dout.dot(self.W.T)
        self.dW = self.flat.T.dot(dout)
        self.db = dout.sum(axis=0)
        return dx.reshape(self.shape)

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
        batch = self.y.shape[0]
        g = self.y.copy()
        if self.t.size == self.y.size:
            g = g - self.t
        else:
            g[np.arange(batch), self.t] -= 1
        return dout * g / batch

# 테스트
x = np.linspace(-10, 10, 200)
plt.plot(x, Sigmoid().forward(x)); plt.show()
for i in range(3):
    print(i, Relu().forward(np.array([-1.0, i])))

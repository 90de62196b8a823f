import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def softmax(x):
    """Softmax of a 1-D array, or of each row of a 2-D array."""
    x = x - np.max(x, axis=-1, keepdims=True)  # safe from overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean cross-entropy of the predictions y for the labels t (one-hot or integer)."""
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot labels -> indices of the correct classes
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Return max(0, x) elementwise (a new array); remember where x <= 0."""
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        """Return dL/dx: dout where the forward input was positive, 0 elsewhere."""
        dout = dout.copy()
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        """Return 1 / (1 + exp(-x)) elementwise and keep it for backward."""
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out

    def backward(self, dout):
        """Return dL/dx = dout * y * (1 - y), with y the output of forward."""
        dx = dout * (1.0 - self.out) * self.out
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        # gradients of the parameters, set by backward
        self.dW = None
        self.db = None

    def forward(self, x):
        """Return x W + b for x of shape (N, ...), flattened to (N, D) first."""
        # works for tensors too: (N, C, H, W) is flattened to (N, C*H*W)
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x

        out = np.dot(self.x, self.W) + self.b
        return out

    def backward(self, dout):
        """Set self.dW and self.db; return dL/dx in the original shape of x."""
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)

        dx = dx.reshape(*self.original_x_shape)  # back to the shape of the input
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None  # output of softmax
        self.t = None  # labels (one-hot or integer)

    def forward(self, x, t):
        """Return the mean cross-entropy of softmax(x) for the labels t."""
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        """Return dL/dx = (y - t) / N."""
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot labels
            dx = (self.y - self.t) / batch_size
        else:  # integer labels
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


x = np.array([[1.0, -0.5], [-2.0, 3.0]])
layer = Relu()
print(layer.forward(x))
print(layer.backward(np.ones_like(x)))

# placeholders left in: every method returns zeros
import numpy as np


class Relu:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, dout):
        return np.zeros_like(dout)


class Sigmoid:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, dout):
        return np.zeros_like(dout)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    def forward(self, x):
        self.x = x
        return np.zeros((len(x), self.W.shape[1]))

    def backward(self, dout):
        return np.zeros_like(self.x)


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.x = x
        return 0.0

    def backward(self, dout=1):
        return np.zeros_like(self.x)

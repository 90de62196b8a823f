# every method returns a large constant
import numpy as np


class Relu:
    def forward(self, x):
        return np.full(np.shape(x), 1e6)

    def backward(self, dout):
        return np.full(np.shape(dout), 1e6)


class Sigmoid:
    def forward(self, x):
        return np.full(np.shape(x), 1e6)

    def backward(self, dout):
        return np.full(np.shape(dout), 1e6)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = np.full(np.shape(W), 1e6)
        self.db = np.full(np.shape(b), 1e6)

    def forward(self, x):
        self.x = x
        return np.full((len(x), self.W.shape[1]), 1e6)

    def backward(self, dout):
        return np.full(np.shape(self.x), 1e6)


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.x = x
        return 1e6

    def backward(self, dout=1):
        return np.full(np.shape(self.x), 1e6)

# every method returns nan
import numpy as np


class Relu:
    def forward(self, x):
        return np.full(np.shape(x), np.nan)

    def backward(self, dout):
        return np.full(np.shape(dout), np.nan)


class Sigmoid:
    def forward(self, x):
        return np.full(np.shape(x), np.nan)

    def backward(self, dout):
        return np.full(np.shape(dout), np.nan)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = np.full(np.shape(W), np.nan)
        self.db = np.full(np.shape(b), np.nan)

    def forward(self, x):
        self.x = x
        return np.full((len(x), self.W.shape[1]), np.nan)

    def backward(self, dout):
        return np.full(np.shape(self.x), np.nan)


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.x = x
        return np.nan

    def backward(self, dout=1):
        return np.full(np.shape(self.x), np.nan)

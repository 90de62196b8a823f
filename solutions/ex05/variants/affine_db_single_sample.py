import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        if dout.shape[0] == 1:  # BUG: "one sample, nothing to sum" leaves db of shape (1, M)
            self.db = dout
        else:
            self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T).reshape(self.original_shape)

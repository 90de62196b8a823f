# placeholders left in: every method hands back its input
import numpy as np


class Relu:
    def forward(self, x):
        return x

    def backward(self, dout):
        return dout


class Sigmoid:
    def forward(self, x):
        return x

    def backward(self, dout):
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = W
        self.db = b

    def forward(self, x):
        self.x = x
        return x

    def backward(self, dout):
        return self.x


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.x = x
        return x

    def backward(self, dout=1):
        return self.x

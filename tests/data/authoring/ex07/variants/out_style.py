import numpy as np


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key, grad in grads.items():
            np.subtract(params[key], self.lr * grad, out=params[key])


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key, value in params.items():
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            value += self.v[key]


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        for key, value in params.items():
            self.h[key] += np.square(grads[key])
            value -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)

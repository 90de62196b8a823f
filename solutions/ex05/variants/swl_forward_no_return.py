import numpy as np


class SoftmaxWithLoss:
    """Log-sum-exp style; forward keeps the loss but never returns it."""

    def forward(self, x, t):
        n, classes = x.shape
        self.t = np.eye(classes)[t] if t.ndim == 1 else t
        z = x - x.max(axis=1, keepdims=True)
        log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        self.y = np.exp(log_y)
        self.loss = -(self.t * log_y).sum() / n  # BUG: no return

    def backward(self, dout=1):
        return dout * (self.y - self.t) / self.t.shape[0]

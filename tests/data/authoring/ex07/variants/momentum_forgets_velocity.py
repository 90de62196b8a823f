class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum

    def update(self, params, grads):
        v = {}
        for key, val in params.items():
            v[key] = np.zeros_like(val)
            v[key] = self.momentum * v[key] - self.lr * grads[key]
            params[key] += v[key]

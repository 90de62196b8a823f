class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key][...] = np.nan


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key][...] = np.nan


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key][...] = np.nan

import numpy as np

EPS = 1e-7


def mean_squared_error(y, t):
    diff = np.asarray(y) - np.asarray(t)
    return 0.5 * float(np.dot(diff.ravel(), diff.ravel()))


def cross_entropy_error(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size == y.size:
        return float(-np.mean(np.sum(t.reshape(y.shape) * np.log(y + EPS), axis=1)))
    labels = t.reshape(-1)
    return float(-np.mean(np.log(y[np.arange(len(labels)), labels] + EPS)))

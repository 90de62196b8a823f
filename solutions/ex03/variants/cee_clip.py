import numpy as np


def cross_entropy_error(y, t):
    # correct, another style: clip instead of adding 1e-7
    y = np.clip(y, 1e-7, 1.0).reshape(-1, np.shape(y)[-1])
    t = np.asarray(t)
    if t.size == y.size:
        t = t.reshape(y.shape).argmax(axis=1)
    t = t.reshape(-1)
    return -np.mean(np.log(y[np.arange(len(y)), t]))

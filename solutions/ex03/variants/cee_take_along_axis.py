import numpy as np


def cross_entropy_error(y, t):
    # correct, another style
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size == y.size:
        labels = np.argmax(t.reshape(y.shape), axis=1)
    else:
        labels = t.reshape(-1)
    p = np.take_along_axis(y, labels[:, None], axis=1)
    return -np.mean(np.log(p + 1e-7))

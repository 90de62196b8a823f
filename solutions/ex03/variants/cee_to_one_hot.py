import numpy as np


def cross_entropy_error(y, t):
    # correct, another style: labels -> one-hot, then the book's one-hot formula
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.size(t) > 1 else np.reshape(t, (1,))
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]

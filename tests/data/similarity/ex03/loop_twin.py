import numpy as np


def cross_entropy_error(pred, target):
    tiny = 1e-7
    if pred.ndim == 1:
        pred = pred.reshape(1, -1)
        target = (np.reshape(target, (1, -1)) if np.size(target) > 1
                  else np.reshape(target, (1,)))
    rows = pred.shape[0]
    s = 0.0
    for r in range(rows):
        if target.ndim == 2:
            s -= np.sum(target[r] * np.log(pred[r] + tiny))
        else:
            s -= np.log(pred[r, target[r]] + tiny)
    return s / rows


def mean_squared_error(pred, target):
    acc = 0.0
    for p, q in zip(np.ravel(pred), np.ravel(target)):
        acc += (p - q) ** 2   # squared error
    return acc / 2

import numpy as np


def numerical_gradient(f, x):
    # 1-D only: len(x) counts rows, and x[idx] is a whole row of a 2-D x
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(len(x)):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad

import numpy as np


def numerical_gradient(f, x):
    """Forward difference in the gradient too: an error of about h * f''/2 per element."""
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        fx = f(x)
        x[idx] = tmp_val + h
        grad[idx] = (f(x) - fx) / h
        x[idx] = tmp_val
        it.iternext()
    return grad

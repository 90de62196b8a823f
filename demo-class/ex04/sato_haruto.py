import numpy as np


def numerical_diff(f, x):
    """Derivative of the one-variable function f at the number x (central difference, h = 1e-4)."""
    h = 1e-4  # 0.0001
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Run step_num steps of x <- x - lr * (gradient of f at x) from init_x; return the final x."""
    x = init_x.copy()
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x

import numpy as np


def numerical_diff(f, x):
    """Derivative of the one-variable function f at the number x (central difference, h = 1e-4)."""
    h = 1e-4  # 0.0001
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x):
    """Gradient of f at x: an array of the shape of x with every partial derivative of f.

    f takes an array shaped like x and returns a number. x is a float array of any shape;
    it must be exactly as it was when this function returns.
    """
    # Each element of x is nudged in place by +h and -h in turn, and put back exactly as it
    # was afterwards, so the caller's x is unchanged when the function returns.
    h = 1e-4
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]

        x[idx] = tmp_val + h
        fxh1 = f(x)  # f(x + h)

        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x - h)

        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val  # restore the original value
        it.iternext()

    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for i in range(100):
        x -= lr * numerical_gradient(f, x)
    return x


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


print(numerical_gradient(function_2, np.array([3.0, 4.0])))
print(gradient_descent(function_2, init_x=np.array([-3.0, 4.0]), lr=0.1, step_num=100))

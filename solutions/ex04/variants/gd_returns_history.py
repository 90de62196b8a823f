import numpy as np


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    # the book's gradient_method.py version, which also returns the path
    x = init_x
    x_history = []
    for i in range(step_num):
        x_history.append(x.copy())
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x, np.array(x_history)

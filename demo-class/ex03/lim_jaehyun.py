import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def mean_squared_error(y, t):
    """Mean squared error, 0.5 * the sum of the squared differences.

    Args:
        y: network output, shape (classes,) or (N, classes).
        t: correct answers (usually one-hot), same shape as y.

    Returns:
        A single number.
    """
    return 0.5 * np.sum((y - t) ** 2)  # over all elements, also for a batch


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size

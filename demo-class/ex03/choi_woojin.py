import numpy as np
import matplotlib.pyplot as plt

def mean_squared_error(y, t):
    """Mean squared error, 0.5 * the sum of the squared differences.

    Args:
        y: network output, shape (classes,) or (N, classes).
        t: correct answers (usually one-hot), same shape as y.

    Returns:
        A single number.
    """
    return 0.5 * np.sum((y - t) ** 2)  # over all elements, also for a batch


def cross_entropy_error(y, t)
    """Cross-entropy error, averaged over the batch.

    Args:
        y: probabilities, shape (classes,) or (N, classes).
        t: one-hot answers (same shape as y) or integer labels
           (shape (N,) for a batch, a single integer for one sample).

    Returns:
        A single number: the mean loss per sample.
    """
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot labels -> integer labels
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    delta = 1e-7  # log(0) would be -inf: a tiny value keeps the loss finite
    return -np.sum(np.log(y[np.arange(batch_size), t] + delta)) / batch_size

import numpy as np


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
    y += 1e-7
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t])) / batch_size


t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
print(mean_squared_error(np.array(y), np.array(t)))
print(cross_entropy_error(np.array(y), np.array(t)))

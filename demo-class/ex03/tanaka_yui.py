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
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size == y.size:
        labels = np.argmax(t.reshape(y.shape), axis=1)
    else:
        labels = t.reshape(-1)
    p = np.take_along_axis(y, labels[:, None], axis=1)
    return -np.mean(np.log(p + 1e-7))


t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
print(mean_squared_error(np.array(y), np.array(t)))
print(cross_entropy_error(np.array(y), np.array(t)))

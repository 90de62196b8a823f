import numpy as np


def mean_squared_error(y, t):
    return np.mean((y - t) ** 2)


def cross_entropy_error(y, t):
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


t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
print(mean_squared_error(np.array(y), np.array(t)))
print(cross_entropy_error(np.array(y), np.array(t)))

"""Fixtures of exercise 6: the MNIST data the training checks use."""

from types import SimpleNamespace

import numpy as np
import pytest

# The full MNIST training set has 60,000 images; grading trains on a fixed sample of it, the
# same for every student, so that the run fits the time budget and matches the calibration
# of the thresholds. The mnist-5k subset is used whole (4,000 training images).
TRAIN_SAMPLE = 8000


@pytest.fixture(scope="session")
def mnist():
    """MNIST from the first source that has it (see grader.data.mnist), as used for grading.

    Fields: x_train uint8 (N, 28, 28), t_train int64 (N,), x_test, t_test, source, origin.
    """
    from grader.data.mnist import load_mnist

    data = load_mnist()
    x_train, t_train = data.x_train, data.t_train
    if len(x_train) > TRAIN_SAMPLE:
        chosen = np.sort(np.random.default_rng(0).permutation(len(x_train))[:TRAIN_SAMPLE])
        x_train, t_train = x_train[chosen], t_train[chosen]
    return SimpleNamespace(x_train=np.ascontiguousarray(x_train),
                           t_train=np.ascontiguousarray(t_train),
                           x_test=data.x_test, t_test=data.t_test,
                           source=data.source, origin=data.origin)

"""Fixtures of exercise 6: the MNIST data the training checks use."""

from types import SimpleNamespace

import numpy as np
import pytest

# Grading trains on 8,000 images, the same for every student, so that the run fits the time
# budget and matches the calibration of the thresholds. The digits shipped with the grader
# (mnist-t10k) come split 8,000 / 2,000 already; from the full set (60,000 training images) a
# fixed sample of 8,000 is drawn, and the test set is its 10,000 test images.
TRAIN_SAMPLE = 8000


def grading_data(data):
    """The training and test sets grading uses, from what load_mnist found.

    Fields: x_train uint8 (N, 28, 28), t_train int64 (N,), x_test, t_test, source, origin.
    """
    x_train, t_train = data.x_train, data.t_train
    if len(x_train) > TRAIN_SAMPLE:
        chosen = np.sort(np.random.default_rng(0).permutation(len(x_train))[:TRAIN_SAMPLE])
        x_train, t_train = x_train[chosen], t_train[chosen]
    return SimpleNamespace(x_train=np.ascontiguousarray(x_train),
                           t_train=np.ascontiguousarray(t_train),
                           x_test=data.x_test, t_test=data.t_test,
                           source=data.source, origin=data.origin)


@pytest.fixture(scope="session")
def mnist():
    """MNIST from the first source that has it (see grader.data.mnist), as used for grading."""
    from grader.data.mnist import load_mnist

    return grading_data(load_mnist())

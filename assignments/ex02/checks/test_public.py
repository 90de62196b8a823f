"""Public checks of ex02: softmax, the forward pass, predict and accuracy.

Expected values are written out as numbers; these checks never run the reference code.
"""

import numpy as np
import pytest
from result_helpers import as_numbers, check_accuracy, for_samples, rows_hint

from grader.checks import assert_close, assert_inputs_unchanged, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)

# The 3-layer network of the book (section 3.4.3, init_network).
BOOK_NET = {
    "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
    "b1": np.array([0.1, 0.2, 0.3]),
    "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
    "b2": np.array([0.1, 0.2]),
    "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
    "b3": np.array([0.1, 0.2]),
}

# A network with 3 inputs, hidden layers of 4 and 3 units, and 3 outputs.
NET = {
    "W1": np.array([[0.5, -0.2, 0.1, 0.8], [-0.3, 0.4, 0.9, -0.6], [0.2, 0.7, -0.5, 0.3]]),
    "b1": np.array([0.1, -0.1, 0.2, 0.0]),
    "W2": np.array([[1.0, -1.5, 0.5], [-0.5, 2.0, 1.0], [1.5, 0.5, -1.0], [-1.0, 1.0, 2.0]]),
    "b2": np.array([0.0, 0.3, -0.2]),
    "W3": np.array([[2.0, -3.0, 1.0], [-1.5, 2.5, 0.5], [3.0, 1.0, -2.0]]),
    "b3": np.array([-1.0, 0.5, 0.2]),
}
NET_X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 0.0], [-2.0, 1.0, 3.0], [0.0, 0.0, 0.0]])

# A network whose predicted class is the index of the largest input: every layer is an
# increasing function of its input (positive diagonal weights, zero biases), so the order
# of the three values never changes on the way through.
ARGMAX_NET = {
    "W1": 4.0 * np.eye(3), "b1": np.zeros(3),
    "W2": 4.0 * np.eye(3), "b2": np.zeros(3),
    "W3": 10.0 * np.eye(3), "b3": np.zeros(3),
}


# -- softmax --------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("softmax_values")
def test_softmax_1d_values(sub):
    """softmax: correct values on 1-D arrays."""
    cases = [
        ([0.3, 2.9, 4.0], [0.01821127329554753, 0.24519181293507392, 0.7365969137693786]),
        ([1.0, 2.0, 3.0], [0.09003057317038046, 0.24472847105479764, 0.6652409557748218]),
        ([0.5, -0.5, 0.0, 2.5], [0.10679805732836276, 0.03928880964815375,
                                 0.06477629616739951, 0.789136836856084]),
        ([3.0, 3.0, 3.0, 3.0], [0.25, 0.25, 0.25, 0.25]),
    ]
    for a, expected in cases:
        assert_close(sub.softmax(np.array(a)), expected, what=f"`softmax({a})`")


@pytest.mark.points(2)
@pytest.mark.hint("softmax_overflow")
def test_softmax_1d_large_inputs(sub):
    """softmax: inputs around 1000 and -1000 give the right answer, no nan."""
    cases = [
        ([1010.0, 1000.0, 990.0], [9.999546000703310e-01, 4.539786860886666e-05,
                                   2.061060046209062e-09]),
        ([-1000.0, -1001.0, -1002.0], [0.6652409557748218, 0.24472847105479764,
                                       0.09003057317038046]),
    ]
    for a, expected in cases:
        got = sub.softmax(np.array(a))
        values = as_numbers(got)
        finite = values is not None and np.isfinite(values).all()
        # nan/inf is an overflow problem; finite but wrong values are a formula problem
        assert_close(got, expected, what=f"`softmax({a})`",
                     hint="softmax_values" if finite else None)


@pytest.mark.points(2)
@pytest.mark.hint("softmax_rows")
def test_softmax_2d_rows(sub):
    """softmax: a 2-D array is a batch, each row is normalised on its own."""
    a = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -0.5, 0.0, 2.5], [3.0, 3.0, 3.0, 3.0]])
    expected = [
        [0.03205860328008499, 0.08714431874203257, 0.23688281808991013, 0.6439142598879724],
        [0.10679805732836276, 0.03928880964815375, 0.06477629616739951, 0.789136836856084],
        [0.25, 0.25, 0.25, 0.25],
    ]
    got = sub.softmax(a)
    assert_close(got, expected, what=say("`softmax` of a 3x4 array", "3x4 배열에 대한 `softmax`"),
                 hint=rows_hint(got, a.shape))
    a = np.array([[0.0, 1.0], [2.0, 0.0]])
    got = sub.softmax(a)
    assert_close(got, [[0.2689414213699951, 0.7310585786300049],
                       [0.8807970779778823, 0.11920292202211755]],
                 what=say("`softmax` of a 2x2 array", "2x2 배열에 대한 `softmax`"),
                 hint=rows_hint(got, a.shape))


@pytest.mark.points(1)
@pytest.mark.hint("softmax_overflow")
def test_softmax_2d_large_rows(sub):
    """softmax: rows around 1000 and -1000 in the same 2-D array, no nan."""
    a = np.array([[1000.0, 1001.0, 1002.0, 1003.0],
                  [-1000.0, -999.0, -998.0, -997.5],
                  [0.0, 700.0, -700.0, 1.0]])
    expected = [
        [3.2058603280084988e-02, 8.7144318742032573e-02, 2.3688281808991013e-01,
         6.4391425988797235e-01],
        [4.2937192711607591e-02, 1.1671539071300706e-01, 3.1726532567666471e-01,
         5.2308209089872060e-01],
        [9.8596765437597708e-305, 1.0, 0.0, 2.6801379583386068e-304],
    ]
    got = sub.softmax(a)
    assert_close(got, expected, what=say("`softmax` of a 3x4 array with large entries",
                                        "원소가 큰 3x4 배열에 대한 `softmax`"),
                 hint=rows_hint(got, a.shape))


@pytest.mark.points(1)
@pytest.mark.hint("input_mutation")
def test_softmax_does_not_modify_input(sub):
    """softmax: leaves its input array unchanged."""
    cases = [
        ([0.3, 2.9, 4.0], [0.01821127329554753, 0.24519181293507392, 0.7365969137693786]),
        ([[1.0, 2.0, 3.0], [6.0, 5.0, 4.0]],
         [[0.09003057317038046, 0.24472847105479764, 0.6652409557748218],
          [0.6652409557748218, 0.24472847105479764, 0.09003057317038046]]),
    ]
    for a, expected in cases:
        got = assert_inputs_unchanged(sub.softmax, np.array(a))
        # an untouched input earns the point only with the right values
        assert_close(got, expected, what=f"`softmax({a})`",
                     hint=rows_hint(got, np.shape(expected), "softmax_values"))


# -- forward --------------------------------------------------------------------------------


def _forward_hint(got, default=None):
    """forward_output when the rows look like probabilities (an activation on the output)."""
    values = as_numbers(got)
    if values is not None and values.ndim >= 1 and np.isfinite(values).all():
        rows = values.reshape(-1, values.shape[-1])
        if np.allclose(rows.sum(axis=1), 1.0):
            return "forward_output"
    return default


@pytest.mark.points(2)
@pytest.mark.hint("forward_values")
def test_forward_book_example(sub):
    """forward: the book's network and input x = [1.0, 0.5] give [0.3168..., 0.6962...]."""
    got = sub.forward(BOOK_NET, np.array([1.0, 0.5]))
    assert_close(got, [0.3168270764110298, 0.6962790898619668],
                 what="`forward(network, [1.0, 0.5])`", hint=_forward_hint(got))


@pytest.mark.points(1)
@pytest.mark.hint("forward_batch")
def test_forward_batch(sub):
    """forward: a batch x of shape (N, 2) gives one output row per sample."""
    x = np.array([[1.0, 0.5], [0.0, 0.0], [-2.0, 3.0]])
    expected = [[0.3168270764110298, 0.6962790898619668],
                [0.3080685345252333, 0.6768389367475369],
                [0.318095378569235, 0.6990298221828024]]
    got = sub.forward(BOOK_NET, x)
    values = as_numbers(got)
    right_shape = values is not None and values.shape == (3, 2)
    assert_close(got, expected, what=say("`forward(network, x)` for a batch of 3",
                                        "배치 3개에 대한 `forward(network, x)`"),
                 hint=_forward_hint(got, "forward_values") if right_shape else None)


@pytest.mark.points(1)
@pytest.mark.hint("forward_values")
def test_forward_output_is_identity(sub):
    """forward: no activation on the output layer (outputs can be negative or above 1)."""
    got = sub.forward(NET, NET_X)
    expected = [[1.0392426271318884, 0.6735176440049842, 0.27522491830648926],
                [1.5024940721961975, 1.3429582533567106, -0.4268129549058856],
                [0.9611895646237101, 1.7937253964510673, -0.2670374219807489],
                [1.3200899955820442, 1.2211046919368451, -0.22124706253305154]]
    values = as_numbers(got)
    squashed = values is not None and values.shape == (4, 3) and bool(
        np.all((values > 0) & (values < 1)))
    assert_close(got, expected, what=say("`forward(network, x)` for a network with 3 outputs",
                                        "출력이 3개인 신경망의 `forward(network, x)`"),
                 hint="forward_output" if squashed else _forward_hint(got))


# -- predict --------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("predict_softmax")
def test_predict_book_example(sub):
    """predict: the book's network and x = [1.0, 0.5] give softmax of forward's output."""
    assert_close(sub.predict(BOOK_NET, np.array([1.0, 0.5])),
                 [0.4062590715541802, 0.5937409284458198], what="`predict(network, [1.0, 0.5])`")


@pytest.mark.points(2)
@pytest.mark.hint("predict_softmax")
def test_predict_batch_probabilities(sub):
    """predict: a batch gives one row of probabilities (summing to 1) per sample."""
    got = sub.predict(NET, NET_X)
    expected = [[0.4630734142537269, 0.3212310417604457, 0.2156955439858274],
                [0.5005535504116853, 0.4267416384906472, 0.07270481109766745],
                [0.2784000896191503, 0.6400812248925485, 0.08151868548830125],
                [0.47173134084729934, 0.42727350143544496, 0.10099515771725583]]
    assert_close(got, expected, what=say("`predict(network, x)` for a batch of 4",
                                        "배치 4개에 대한 `predict(network, x)`"),
                 hint=rows_hint(got, (4, 3)))


# -- accuracy -------------------------------------------------------------------------------


def _argmax_data(n, wrong_every):
    """n inputs whose largest entry is at (2 * i) % 3, and labels that are wrong for every
    wrong_every-th row (the label of the next class), so the accuracy is known exactly."""
    classes = (np.arange(n) * 2) % 3
    x = np.full((n, 3), 0.1)
    x[np.arange(n), classes] = 0.8
    t = classes.copy()
    wrong = np.arange(n) % wrong_every == wrong_every - 1
    t[wrong] = (classes[wrong] + 1) % 3
    return x, t, 1.0 - wrong.sum() / n


@pytest.mark.points(2)
@pytest.mark.hint("accuracy_value")
def test_accuracy_value(sub):
    """accuracy: the fraction of correct predictions (batch_size=1)."""
    x = np.array([[0.9, 0.1, 0.2], [0.1, 0.8, 0.3], [0.2, 0.3, 0.7], [0.0, 0.1, 0.5],
                  [0.4, 0.9, 0.2], [0.6, 0.5, 0.1], [0.7, 0.2, 0.6], [0.3, 0.2, 0.4],
                  [0.1, 0.6, 0.5], [0.2, 0.8, 0.1]])
    # predicted classes:  0  1  2  2  1  0  0  2  1  1
    t = np.array([0, 1, 2, 1, 1, 0, 2, 2, 0, 1])
    check_accuracy(sub.accuracy(ARGMAX_NET, x, t, batch_size=1), 0.7, 10, 1,
                    what="`accuracy(network, x, t, batch_size=1)`")
    x, t, expected = _argmax_data(12, 4)
    check_accuracy(sub.accuracy(ARGMAX_NET, x, t, batch_size=1), expected, 12, 1,
                    what="`accuracy(network, x, t, batch_size=1)`")


@pytest.mark.points(1)
@pytest.mark.hint("accuracy_value")
def test_accuracy_default_batch_size(sub):
    """accuracy: without batch_size (default 100), for 250 and for 10 samples."""
    for n in (250, 10):
        x, t, expected = _argmax_data(n, 5)
        check_accuracy(sub.accuracy(ARGMAX_NET, x, t, batch_size=1), expected, n, 1,
                        what=for_samples("accuracy(network, x, t, batch_size=1)", n))
        check_accuracy(sub.accuracy(ARGMAX_NET, x, t), expected, n, 100,
                        hint="accuracy_batches",
                        what=for_samples("accuracy(network, x, t)", n))


@pytest.mark.points(2)
@pytest.mark.hint("accuracy_value")
def test_accuracy_batch_sizes(sub):
    """accuracy: the same answer for every batch_size, also when it does not divide len(x)."""
    x, t, expected = _argmax_data(25, 3)
    check_accuracy(sub.accuracy(ARGMAX_NET, x, t, batch_size=1), expected, 25, 1,
                    what=for_samples("accuracy(network, x, t, batch_size=1)", 25))
    for batch_size in (4, 7, 10, 25, 60):
        got = sub.accuracy(ARGMAX_NET, x, t, batch_size=batch_size)
        check_accuracy(got, expected, 25, batch_size, hint="accuracy_batches",
                        what=for_samples(f"accuracy(network, x, t, batch_size={batch_size})", 25))

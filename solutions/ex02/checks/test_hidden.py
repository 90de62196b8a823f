"""Hidden checks of ex02: compared with the reference on random inputs and networks."""

import itertools

import numpy as np
import pytest
from result_helpers import as_numbers, check_accuracy, for_samples, rows_hint

from grader.checks import assert_close, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)


def _network(rng, sizes, scale=1.0):
    """A random network with layer sizes (inputs, hidden1, hidden2, outputs)."""
    net = {}
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        net[f"W{k}"] = rng.normal(size=(n_in, n_out)) * scale / np.sqrt(n_in)
        net[f"b{k}"] = rng.normal(size=n_out) * (1.5 if k == 3 else 0.5)
    return net


def _forward_hint(got, expected, default=None):
    """forward_output when the outputs look squashed by an activation on the output layer:
    rows that sum to 1, or every output in (0, 1) where the expected ones are not."""
    values = as_numbers(got)
    if values is not None and values.shape == expected.shape and np.isfinite(values).all():
        rows = values.reshape(-1, values.shape[-1])
        inside = np.all((values > 0) & (values < 1))
        if np.allclose(rows.sum(axis=1), 1.0) or (inside and not
                                                   np.all((expected > 0) & (expected < 1))):
            return "forward_output"
    return default


NETWORK_SIZES = [(2, 3, 2, 2), (5, 7, 4, 3), (784, 50, 100, 10)]


@pytest.mark.points(2)
@pytest.mark.hint("softmax_values")
def test_softmax_matches_reference(sub, ref, rng):
    """softmax: random 1-D and 2-D inputs of several sizes."""
    for n in (1, 2, 10, 100):
        a = rng.normal(size=n) * 3
        assert_close(sub.softmax(a), ref.softmax(a), what=say(
            "`softmax` of a 1-D array of size {n}", "크기가 {n}인 1차원 배열에 대한 `softmax`",
            n=n))
    for shape in ((1, 5), (7, 3), (4, 4), (20, 10), (6, 1)):
        a = rng.normal(size=shape) * 3
        got = sub.softmax(a)
        assert_close(got, ref.softmax(a), hint=rows_hint(got, shape), what=say(
            "`softmax` of an array of shape {shape}", "형상이 {shape}인 배열에 대한 `softmax`",
            shape=shape))


@pytest.mark.points(1)
@pytest.mark.hint("softmax_overflow")
def test_softmax_large_matches_reference(sub, ref, rng):
    """softmax: large inputs (up to about 1000 in absolute value), 1-D and 2-D."""
    cases = [rng.uniform(-10, 10, size=8) + 1000.0, rng.uniform(-10, 10, size=8) - 1000.0]
    offsets = rng.choice([-1000.0, -500.0, 0.0, 500.0, 1000.0], size=(9, 1))
    cases.append(rng.normal(size=(9, 6)) * 5 + offsets)
    cases.append(rng.uniform(-1000.0, 1000.0, size=(5, 5)))
    for a in cases:
        got = sub.softmax(a)
        values = as_numbers(got)
        finite = values is not None and np.isfinite(values).all()
        hint = rows_hint(got, a.shape, "softmax_values") if finite else None
        assert_close(got, ref.softmax(a), hint=hint,
                     what=say("`softmax` of an array of shape {shape} with large entries",
                              "원소가 크고 형상이 {shape}인 배열에 대한 `softmax`", shape=a.shape))


@pytest.mark.points(2)
@pytest.mark.hint("forward_values")
def test_forward_matches_reference(sub, ref, rng):
    """forward: random networks, single inputs and batches of several sizes."""
    for sizes in NETWORK_SIZES:
        net = _network(rng, sizes)
        for n in (64, 7, 1, None):
            x = rng.normal(size=sizes[0] if n is None else (n, sizes[0]))
            got = sub.forward(net, x)
            expected = ref.forward(net, x)
            assert_close(got, expected, hint=_forward_hint(got, expected),
                         what=say("`forward` for layer sizes {sizes} and `x` of shape {shape}",
                                      "층 크기가 {sizes}이고 `x`의 형상이 {shape}일 때의 `forward`",
                                      sizes=sizes, shape=x.shape))


@pytest.mark.points(2)
@pytest.mark.hint("predict_softmax")
def test_predict_matches_reference(sub, ref, rng):
    """predict: random networks, single inputs and batches of several sizes."""
    for sizes in NETWORK_SIZES:
        net = _network(rng, sizes)
        for n in (None, 1, 7, 64):
            x = rng.normal(size=sizes[0] if n is None else (n, sizes[0]))
            got = sub.predict(net, x)
            expected = ref.predict(net, x)
            assert_close(got, expected, hint=rows_hint(got, expected.shape),
                         what=say("`predict` for layer sizes {sizes} and `x` of shape {shape}",
                                      "층 크기가 {sizes}이고 `x`의 형상이 {shape}일 때의 `predict`",
                                      sizes=sizes, shape=x.shape))


@pytest.mark.points(1)
@pytest.mark.hint("softmax_overflow")
def test_predict_large_outputs(sub, ref, rng):
    """predict: outputs of the last layer in the hundreds still give probabilities, no nan."""
    net = _network(rng, (5, 6, 4, 3))
    net["W3"] = net["W3"] * 5.0
    net["b3"] = np.array([1000.0, 998.0, -1000.0])
    x = rng.normal(size=(12, 5))
    got = sub.predict(net, x)
    values = as_numbers(got)
    finite = values is not None and np.isfinite(values).all()
    assert_close(got, ref.predict(net, x), what=say(
                     "`predict` with large outputs of the last layer",
                     "마지막 층의 출력이 클 때의 `predict`"),
                 hint=rows_hint(got, (12, 3), "predict_softmax") if finite else None)


def _labels(rng, net, ref, x, keep=0.6):
    """Labels equal to the reference prediction for about `keep` of the rows, else random."""
    t = np.argmax(ref.predict(net, x), axis=1)
    noise = rng.random(len(t)) > keep
    t[noise] = rng.integers(0, net["b3"].size, size=int(noise.sum()))
    return t


@pytest.mark.points(2)
@pytest.mark.hint("accuracy_value")
def test_accuracy_matches_reference(sub, ref, rng):
    """accuracy: random networks and labels, several sizes and batch sizes."""
    for sizes, n in (((5, 7, 4, 3), 337), ((784, 50, 100, 10), 230)):
        net = _network(rng, sizes, scale=3.0)
        x = rng.normal(size=(n, sizes[0]))
        t = _labels(rng, net, ref, x)
        expected = ref.accuracy(net, x, t)
        check_accuracy(sub.accuracy(net, x, t, batch_size=1), expected, n, 1,
                        what=for_samples("accuracy(network, x, t, batch_size=1)", n))
        for batch_size in (32, 128, None, 1000):
            if batch_size is None:
                got, what = sub.accuracy(net, x, t), for_samples("accuracy(network, x, t)", n)
            else:
                got = sub.accuracy(net, x, t, batch_size=batch_size)
                what = for_samples(f"accuracy(network, x, t, batch_size={batch_size})", n)
            check_accuracy(got, expected, n, batch_size or 100, what=what,
                            hint="accuracy_batches")


@pytest.mark.points(1)
@pytest.mark.hint("accuracy_value")
def test_accuracy_edge_cases(sub, ref, rng):
    """accuracy: a single sample, exactly one full batch, all right, all wrong, half right."""
    net = _network(rng, (4, 6, 5, 3), scale=3.0)
    for n, batch_size in ((1, 1), (5, 1), (3, 2), (100, 100), (101, 100), (1, 100)):
        x = rng.normal(size=(n, 4))
        right = np.argmax(ref.predict(net, x), axis=1)
        wrong = (right + 1) % 3
        half = np.where(np.arange(n) < n // 2, wrong, right)
        for t in (right, wrong, half):
            expected = ref.accuracy(net, x, t, batch_size)
            got = sub.accuracy(net, x, t, batch_size=batch_size)
            # with batch_size > 1 a wrong answer is most likely a batching mistake
            check_accuracy(got, expected, n, batch_size,
                            hint="accuracy_batches" if batch_size > 1 else None,
                            what=for_samples(
                                f"accuracy(network, x, t, batch_size={batch_size})", n))

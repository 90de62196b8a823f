"""Hidden checks of exercise 6: a two-layer network trained on MNIST."""

import numpy as np
import pytest
from network_helpers import KEYS, as_number, grader_numerical_gradient

from grader.checks import Mistake, assert_close, copy_into, handle, seed_numpy


def get_params(net):
    params = net.params
    if not isinstance(params, dict) or any(
            not isinstance(params.get(key), np.ndarray) for key in KEYS):
        raise Mistake("network.params must be a dict of arrays 'W1', 'b1', 'W2', 'b2'.",
                      hint="net_params")
    return params


def random_net(sub, rng, sizes):
    """A TwoLayerNet of the given sizes with random parameters set in place by the grader."""
    net = sub.TwoLayerNet(*sizes)
    params = get_params(net)
    for key in KEYS:
        value = rng.standard_normal(params[key].shape) * 0.5
        copy_into(handle(net, "params", key), value)
        params[key] = value.astype(params[key].dtype)
    return net, params


def softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


@pytest.mark.points(1)
@pytest.mark.hint("preprocess")
def test_preprocess_matches_reference(sub, ref, rng):
    """preprocess agrees with the reference on random images."""
    images = rng.integers(0, 256, size=(7, 28, 28)).astype(np.uint8)
    got = sub.preprocess(images)
    hint = None
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.size and got.max() > 1:
        hint = "preprocess_scale"
    assert_close(got, ref.preprocess(images), rtol=1e-6, atol=1e-7, what="preprocess(images)",
                 hint=hint)


@pytest.mark.points(1)
@pytest.mark.hint("one_hot")
def test_one_hot_matches_reference(sub, ref, rng):
    """one_hot agrees with the reference (10 classes and 5 classes)."""
    labels = rng.integers(0, 10, size=20)
    assert_close(sub.one_hot(labels), ref.one_hot(labels), what="one_hot(labels)")
    labels = rng.integers(0, 5, size=6)
    assert_close(sub.one_hot(labels, num_classes=5), ref.one_hot(labels, num_classes=5),
                 what="one_hot(labels, num_classes=5)")


@pytest.mark.points(1)
@pytest.mark.hint("net_predict")
def test_predict_and_loss_match(sub, rng):
    """predict and loss agree with a sigmoid or ReLU two-layer net (8-6-4, random params)."""
    net, p = random_net(sub, rng, (8, 6, 4))
    x = rng.uniform(0, 1, size=(5, 8))
    t = np.eye(4)[rng.integers(0, 4, size=5)]
    got = net.predict(x)
    if not isinstance(got, np.ndarray) or got.shape != (5, 4):
        raise Mistake(f"predict(x) for x of shape (5, 8) returned "
                      f"{getattr(got, 'shape', type(got).__name__)}; expected (5, 4).")
    a1 = x @ p["W1"] + p["b1"]
    candidates = {}
    for name, z1 in (("sigmoid", 1 / (1 + np.exp(-a1))), ("ReLU", np.maximum(0, a1))):
        scores = z1 @ p["W2"] + p["b2"]
        candidates[name] = (scores, softmax(scores))
    match = next((name for name, outs in candidates.items()
                  if any(np.allclose(got, out, rtol=1e-5, atol=1e-7) for out in outs)), None)
    if match is None:
        assert_close(got, candidates["sigmoid"][1], rtol=1e-5, atol=1e-7,
                     what="predict(x) (compared with a sigmoid net's softmax output)")
    y = candidates[match][1]
    expected = -np.mean(np.log(np.sum(y * t, axis=1)))
    assert_close(as_number(net.loss(x, t), "loss(x, t)"), expected, rtol=1e-4, atol=1e-6,
                 what="loss(x, t)", hint="net_loss")


@pytest.mark.points(2)
@pytest.mark.hint("gradient")
def test_gradient_other_sizes(sub, rng):
    """gradient agrees with the numerical gradient of your loss (8-6-4 net, batch of 5)."""
    net, params = random_net(sub, rng, (8, 6, 4))
    x = rng.uniform(0, 1, size=(5, 8))
    t = np.eye(4)[rng.integers(0, 4, size=5)]
    expected = grader_numerical_gradient(net, params, x, t)
    got = net.gradient(x, t)
    if not isinstance(got, dict) or any(key not in got for key in KEYS):
        raise Mistake("gradient must return a dict with the keys 'W1', 'b1', 'W2', 'b2'.")
    rtol, atol = (1e-4, 1e-7) if params["W1"].dtype == np.float64 else (3e-2, 1e-4)

    def close(key, factor=1.0):
        return isinstance(got[key], np.ndarray) and got[key].shape == expected[key].shape \
            and np.allclose(got[key], expected[key] * factor, rtol=rtol, atol=atol)

    wrong = [key for key in KEYS if not close(key)]
    for key in KEYS:
        hint = None
        if wrong == ["b1"]:
            hint = "gradient_b1"
        elif key in wrong and close(key, 5.0):
            hint = "gradient_batch"
        assert_close(got[key], expected[key], rtol=rtol, atol=atol, batch_size=5,
                     what=f"gradient(x, t)['{key}']", hint=hint)


@pytest.mark.points(1)
@pytest.mark.hint("net_accuracy")
def test_accuracy_matches_reference(sub, rng):
    """accuracy is the fraction of argmax(predict) equal to the argmax of the one-hot t."""
    net, _ = random_net(sub, rng, (8, 6, 4))
    x = rng.uniform(0, 1, size=(30, 8))
    labels = rng.integers(0, 4, size=30)
    predicted = np.argmax(np.asarray(net.predict(x)), axis=1)
    labels[:10] = predicted[:10]  # make sure the accuracy is not near 0
    expected = np.mean(predicted == labels)
    got = as_number(net.accuracy(x, np.eye(4)[labels]), "accuracy(x, t)")
    assert_close(got, expected, what="accuracy(x, t)")


@pytest.mark.points(1)
@pytest.mark.hint("train_arguments")
def test_train_arguments(sub, rng):
    """train runs exactly iters_num iterations and uses learning_rate (0 changes nothing)."""
    net, before = random_net(sub, rng, (6, 5, 3))
    x = rng.uniform(0, 1, size=(30, 6))
    t = np.eye(3)[rng.integers(0, 3, size=30)]
    seed_numpy(sub, 1)
    losses = sub.train(net, x, t, 7, batch_size=10, learning_rate=0.0)
    if not isinstance(losses, (list, tuple)) or len(losses) != 7:
        got = len(losses) if isinstance(losses, (list, tuple)) else type(losses).__name__
        raise Mistake(f"train(network, x, t, 7, ...) must return a list of 7 losses, one per "
                      f"iteration; it returned {got}.", hint="train_losses")
    after = get_params(net)
    for key in KEYS:
        if not np.array_equal(after[key], before[key]):
            raise Mistake(f"With learning_rate=0.0, train still changed params['{key}']: "
                          "use the learning_rate argument.")

"""Hidden checks of exercise 6: a two-layer network trained on MNIST."""

import numpy as np
import pytest
from network_helpers import (
    ACTIVATIONS,
    KEYS,
    as_number,
    book_loss,
    compare_gradients,
    predict_form,
    scores,
    softmax,
)

from grader.checks import Mistake, assert_close, copy_into, handle, say, seed_numpy


def get_params(net):
    params = net.params
    if not isinstance(params, dict) or any(
            not isinstance(params.get(key), np.ndarray) for key in KEYS):
        raise Mistake(say("`network.params` must be a dict of arrays `'W1'`, `'b1'`, `'W2'`, "
                          "`'b2'`.", "`network.params`는 배열 `'W1'`, `'b1'`, `'W2'`, `'b2'`를 "
                          "담은 딕셔너리여야 합니다."), hint="net_params")
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


@pytest.mark.points(1)
@pytest.mark.hint("preprocess")
def test_preprocess_matches_reference(sub, ref, rng):
    """preprocess agrees with the reference on random images."""
    images = rng.integers(0, 256, size=(7, 28, 28)).astype(np.uint8)
    got = sub.preprocess(images)
    hint = None
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.size and got.max() > 1:
        hint = "preprocess_scale"
    assert_close(got, ref.preprocess(images), rtol=1e-6, atol=1e-7, what="`preprocess(images)`",
                 hint=hint)


@pytest.mark.points(1)
@pytest.mark.hint("one_hot")
def test_one_hot_matches_reference(sub, ref, rng):
    """one_hot agrees with the reference (10 classes and 5 classes)."""
    labels = rng.integers(0, 10, size=20)
    assert_close(sub.one_hot(labels), ref.one_hot(labels), what="`one_hot(labels)`")
    labels = rng.integers(0, 5, size=6)
    assert_close(sub.one_hot(labels, num_classes=5), ref.one_hot(labels, num_classes=5),
                 what="`one_hot(labels, num_classes=5)`")


@pytest.mark.points(1)
@pytest.mark.hint("net_predict")
def test_predict_and_loss_match(sub, rng):
    """predict and loss agree with a sigmoid or ReLU two-layer net (8-6-4, random params)."""
    net, p = random_net(sub, rng, (8, 6, 4))
    x = rng.uniform(0, 1, size=(5, 8))
    t = np.eye(4)[rng.integers(0, 4, size=5)]
    got = net.predict(x)
    if not isinstance(got, np.ndarray) or got.shape != (5, 4):
        raise Mistake(say("`predict(x)` for `x` of shape (5, 8) returned {got}; expected "
                          "(5, 4).", "`x`의 형상이 (5, 8)일 때 `predict(x)`의 결과가 {got}입니다. "
                          "(5, 4)여야 합니다.", got=getattr(got, "shape", type(got).__name__)))
    form = predict_form(got, p, x)
    if form is None:
        assert_close(got, softmax(scores(p, x, "sigmoid")), rtol=1e-5, atol=1e-7,
                     what=say("`predict(x)` (compared with a sigmoid net's softmax output)",
                              "`predict(x)`(시그모이드 신경망의 소프트맥스 출력과 비교)"))
    expected = book_loss(p, x, t, form[0])
    assert_close(as_number(net.loss(x, t), "loss(x, t)"), expected, rtol=1e-4, atol=1e-6,
                 what="`loss(x, t)`", hint="net_loss")


@pytest.mark.points(2)
@pytest.mark.hint("gradient")
def test_gradient_other_sizes(sub, rng):
    """gradient agrees with the true gradient (8-6-4 net, batches of 5 and of 1)."""
    net, params = random_net(sub, rng, (8, 6, 4))
    for n in (5, 1):
        x = rng.uniform(0, 1, size=(n, 8))
        t = np.eye(4)[rng.integers(0, 4, size=n)]
        compare_gradients(net.gradient(x, t), params, x, t, "gradient(x, t)")


@pytest.mark.points(1)
@pytest.mark.hint("net_accuracy")
def test_accuracy_matches_reference(sub, rng):
    """accuracy is the fraction of argmax(predict) equal to the argmax of the one-hot t."""
    net, _ = random_net(sub, rng, (8, 6, 4))
    x = rng.uniform(0, 1, size=(30, 8))
    labels = rng.integers(0, 4, size=30)
    y = net.predict(x)
    if not isinstance(y, np.ndarray) or y.shape != (30, 4) or not np.isfinite(y).all():
        # the expected accuracy is read from these predictions: they must be usable
        raise Mistake(say("`predict(x)` for `x` of shape (30, 8) must give finite scores of "
                          "shape (30, 4) before `accuracy` can be checked; it gave {got}.",
                          "`accuracy`를 검사하려면 `x`의 형상이 (30, 8)일 때 `predict(x)`가 형상 "
                          "(30, 4)의 유한한 점수를 내야 하는데 {got}{이} 나왔습니다.",
                          got=getattr(y, "shape", type(y).__name__)), hint="net_predict")
    predicted = np.argmax(y, axis=1)
    labels[:10] = predicted[:10]  # make sure the accuracy is not near 0
    expected = np.mean(predicted == labels)
    got = as_number(net.accuracy(x, np.eye(4)[labels]), "accuracy(x, t)")
    assert_close(got, expected, what="`accuracy(x, t)`")


@pytest.mark.points(1)
@pytest.mark.hint("train_arguments")
def test_train_arguments(sub, rng):
    """train runs exactly iters_num iterations, returns their losses and uses learning_rate."""
    net, before = random_net(sub, rng, (6, 5, 3))
    x = rng.uniform(0, 1, size=(30, 6))
    t = np.eye(3)[rng.integers(0, 3, size=30)]
    seed_numpy(sub, 1)
    losses = sub.train(net, x, t, 7, batch_size=10, learning_rate=0.0)
    if not isinstance(losses, (list, tuple)) or len(losses) != 7:
        got = len(losses) if isinstance(losses, (list, tuple)) else type(losses).__name__
        raise Mistake(say("`train(network, x, t, 7, ...)` must return a list of 7 losses, one "
                          "per iteration; it returned {got}.", "`train(network, x, t, 7, ...)`은 "
                          "반복마다 하나씩 손실 7개의 리스트를 반환해야 하는데 {got}{을} "
                          "반환했습니다.", got=got), hint="train_losses")
    after = get_params(net)
    for key in KEYS:
        if not np.array_equal(after[key], before[key]):
            raise Mistake(say("With `learning_rate=0.0`, `train` still changed "
                              "`params['{key}']`: use the `learning_rate` argument.",
                              "`learning_rate=0.0`인데도 `train`이 `params['{key}']`{을} "
                              "바꿨습니다. 인자 `learning_rate`를 쓰세요.", key=key))
    # with nothing learned, every mini-batch loss lies between the least and the largest
    # loss of a single sample (for the net's sigmoid or ReLU hidden layer)
    bounds = [(min(per), max(per)) for per in (
        [book_loss(before, x[i:i + 1], t[i:i + 1], name) for i in range(30)]
        for name in ACTIVATIONS)]
    for number, value in enumerate(losses, start=1):
        loss = as_number(value, f"train(...)[{number - 1}]")
        if not any(low - 1e-4 <= loss <= high + 1e-4 for low, high in bounds):
            two = as_number(net.loss(x[:2], t[:2]), "loss(x, t)")
            own_loss_wrong = not any(np.isclose(two, book_loss(before, x[:2], t[:2], name),
                                                rtol=1e-4) for name in ACTIVATIONS)
            raise Mistake(say("`train` returned {loss:.6g} as the loss of iteration {number}, "
                              "but with `learning_rate=0.0` every mini-batch loss of this "
                              "network lies between {low:.4g} and {high:.4g}.",
                              "`train`이 {number}번째 반복의 손실로 {loss:.6g}{을} 반환했는데, "
                              "`learning_rate=0.0`이면 이 신경망의 미니배치 손실은 모두 "
                              "{low:.4g}에서 {high:.4g} 사이입니다.", loss=loss, number=number,
                              low=min(b[0] for b in bounds), high=max(b[1] for b in bounds)),
                          hint="net_loss" if own_loss_wrong else "train_losses")
    seed_numpy(sub, 1)
    sub.train(net, x, t, 3, batch_size=10, learning_rate=0.5)
    if all(np.array_equal(get_params(net)[key], before[key]) for key in KEYS):
        raise Mistake(say("With `learning_rate=0.5`, `train` changed none of "
                          "`network.params`.", "`learning_rate=0.5`일 때도 `train`이 "
                          "`network.params`를 하나도 바꾸지 않았습니다."), hint="train_no_update")

"""Public checks of exercise 6: a two-layer network trained on MNIST.

The gradient checks set your network's parameters and compare your `gradient` and
`numerical_gradient` with the true gradient of the book's loss for those parameters (with a
sigmoid or a ReLU hidden layer), which the grader computes itself. The training checks train
your network with your `train` under a fixed budget and measure the loss and the test
accuracy from your network's predictions; the test labels stay with the grader.
"""

import time

import numpy as np
import pytest
from network_helpers import (
    KEYS,
    as_number,
    compare_gradients,
    grader_numerical_gradient,
    loss_of_predictions,
    matching_activation,
    predict_form,
    tolerances,
    true_gradients,
)

from grader.checks import (
    Mistake,
    assert_close,
    assert_inputs_unchanged,
    copy_into,
    handle,
    keep,
    say,
    seed_numpy,
)

# -- MNIST training budget and thresholds (calibrated over 30 seeds per data source) -----
SEED = 0  # np.random.seed before the network is built and trained
ITERS = 2000  # iters_num given to train; batch_size=100, learning_rate=0.1
HIDDEN = 50
LEARNS = 0.50  # "the network learns at all": 5 times better than guessing
THRESHOLD = {"mnist": 0.85, "mnist-t10k": 0.85}  # "the network reaches the threshold"
TRAIN_SECONDS = 60  # per call into your code; the reference trains in about 3 s


# -- helpers ------------------------------------------------------------------------------


def tiny_net(sub, rng, sizes=(6, 5, 3), scale=0.5):
    """A small TwoLayerNet whose parameters the grader sets (in place) to random values."""
    net = sub.TwoLayerNet(*sizes)
    params = get_params(net, sizes)
    for key in KEYS:
        value = rng.standard_normal(params[key].shape) * scale
        copy_into(handle(net, "params", key), value)
        params[key] = value.astype(params[key].dtype)
    return net, params


def get_params(net, sizes=None):
    """net.params as local arrays, after checking keys and shapes."""
    params = net.params
    if not isinstance(params, dict) or any(key not in params for key in KEYS):
        raise Mistake(say("`network.params` must be a dict with the keys `'W1'`, `'b1'`, "
                          "`'W2'`, `'b2'`.", "`network.params`는 키가 `'W1'`, `'b1'`, `'W2'`, "
                          "`'b2'`인 딕셔너리여야 합니다."), hint="net_params")
    for key in KEYS:
        if not isinstance(params[key], np.ndarray) or params[key].dtype.kind != "f":
            raise Mistake(say("`network.params['{key}']` must be a float NumPy array.",
                              "`network.params['{key}']`{은} 실수형 NumPy 배열이어야 합니다.",
                              key=key), hint="net_params")
    if sizes is not None:
        i, h, o = sizes
        expected = {"W1": (i, h), "b1": (h,), "W2": (h, o), "b2": (o,)}
        for key in KEYS:
            if params[key].shape != expected[key]:
                raise Mistake(say("`TwoLayerNet{sizes}`: `params['{key}']` has shape {got}; "
                                  "expected {expected}.", "`TwoLayerNet{sizes}`: "
                                  "`params['{key}']`의 형상이 {got}입니다. {expected}{이} 나와야 "
                                  "합니다.", sizes=sizes, key=key, got=params[key].shape,
                                  expected=expected[key]), hint="net_params")
    return params


def tiny_batch(rng, n=4, inputs=6, classes=3):
    x = rng.uniform(0, 1, size=(n, inputs))
    t = np.eye(classes)[rng.integers(0, classes, size=n)]
    return x, t


# -- data ---------------------------------------------------------------------------------

IMAGES = np.zeros((3, 28, 28), dtype=np.uint8)
IMAGES[0, 0, :4] = [0, 51, 255, 102]
IMAGES[1, 27, 27] = 255
IMAGES[2] = np.arange(28 * 28).reshape(28, 28) % 256


@pytest.mark.points(1)
@pytest.mark.hint("preprocess")
def test_preprocess(sub):
    """preprocess: uint8 (N, 28, 28) to float (N, 784) in [0, 1]."""
    got = assert_inputs_unchanged(sub.preprocess, IMAGES)
    expected = IMAGES.reshape(3, 784) / 255.0
    if isinstance(got, np.ndarray) and got.dtype.kind not in "f":
        raise Mistake(say("`preprocess` returned an array of dtype `{dtype}`; expected floats "
                          "(`np.float32` or `np.float64`).", "`preprocess`가 반환한 배열의 "
                          "자료형이 `{dtype}`입니다. 실수형(`np.float32`나 `np.float64`)이어야 "
                          "합니다.", dtype=got.dtype), hint="preprocess")
    hint = None
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.size and \
            got.max() > 1.0:
        hint = "preprocess_scale"
    assert_close(got, expected, rtol=1e-6, atol=1e-7, what="`preprocess(images)`", hint=hint)


@pytest.mark.points(1)
@pytest.mark.hint("one_hot")
def test_one_hot(sub):
    """one_hot: labels (N,) to rows with a single 1 (default 10 classes)."""
    got = sub.one_hot(np.array([3, 0, 9, 3]))
    assert_close(got, np.eye(10)[[3, 0, 9, 3]], what="`one_hot(np.array([3, 0, 9, 3]))`")
    got = sub.one_hot(np.array([1, 3]), num_classes=4)
    assert_close(got, [[0, 1, 0, 0], [0, 0, 0, 1]],
                 what="`one_hot(np.array([1, 3]), num_classes=4)`")


# -- the network --------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("net_params")
def test_params(sub):
    """TwoLayerNet: params W1 b1 W2 b2 with the right shapes, scaled by weight_init_std."""
    get_params(sub.TwoLayerNet(6, 5, 3), (6, 5, 3))
    params = get_params(sub.TwoLayerNet(100, 50, 10, weight_init_std=0.5), (100, 50, 10))
    for key in ("W1", "W2"):
        std = float(np.std(params[key]))
        if not 0.4 < std < 0.6:
            raise Mistake(say("With `weight_init_std=0.5`, `params['{key}']` has standard "
                              "deviation {std:.3g}; expected about 0.5 "
                              "(`weight_init_std * np.random.randn`).",
                              "`weight_init_std=0.5`일 때 `params['{key}']`의 표준편차가 "
                              "{std:.3g}입니다. 0.5 정도여야 합니다"
                              "(`weight_init_std * np.random.randn`).", key=key, std=std),
                          hint="net_params")


@pytest.mark.points(1)
@pytest.mark.hint("net_predict")
def test_predict_and_loss_uniform(sub, rng):
    """predict gives (N, 3) scores; with W2 = 0 and b2 = 0.5 every score is 0.5 (or, after a
    softmax, every probability 1/3): every class is equally likely."""
    net, params = tiny_net(sub, rng)
    copy_into(handle(net, "params", "W2"), np.zeros_like(params["W2"]))
    copy_into(handle(net, "params", "b2"), np.full_like(params["b2"], 0.5))
    x, t = tiny_batch(rng)
    y = net.predict(x)
    if not isinstance(y, np.ndarray) or y.shape != (4, 3):
        raise Mistake(say("`predict(x)` for `x` of shape (4, 6) returned {got}; expected "
                          "shape (4, 3).", "`x`의 형상이 (4, 6)일 때 `predict(x)`의 결과가 "
                          "{got}입니다. 형상이 (4, 3)이어야 합니다.",
                          got=getattr(y, "shape", type(y).__name__)))
    if not any(np.allclose(y, value, rtol=1e-6, atol=1e-9) for value in (0.5, 1 / 3)):
        raise Mistake(say("With `W2 = 0` and `b2 = 0.5` every score is 0.5 (every probability "
                          "1/3 after a softmax), but `predict` returned `{row}` for the first "
                          "row.",
                          "`W2 = 0`, `b2 = 0.5`이면 모든 점수가 0.5(소프트맥스를 거치면 모든 "
                          "확률이 1/3)인데, `predict`가 첫 행에 대해 반환한 값은 다음과 "
                          "같습니다: `{row}`.",
                          row=y[0].tolist()))
    loss = as_number(net.loss(x, t), "loss(x, t)")
    assert_close(loss, np.log(3), rtol=1e-5, hint="net_loss", what=say(
        "`loss(x, t)` when all 3 classes are equally likely (it is `-log(1/3)`)",
        "세 클래스의 확률이 모두 같을 때의 `loss(x, t)`(값은 `-log(1/3)`)"))


@pytest.mark.points(1)
@pytest.mark.hint("net_loss")
def test_loss_value(sub, rng):
    """loss is the mean cross-entropy of the softmax of the scores."""
    net, params = tiny_net(sub, rng)
    copy_into(handle(net, "params", "W2"), np.zeros_like(params["W2"]))
    copy_into(handle(net, "params", "b2"), np.array([1.0, 2.0, 3.0]))
    x = rng.uniform(0, 1, size=(4, 6))
    t = np.eye(3)[[0, 2, 2, 1]]
    # scores [1, 2, 3] for every sample whatever the hidden layer: -log softmax = [2.4076,
    # 1.4076, 0.4076]; the mean over the true classes 0, 2, 2, 1 is 1.1576059644
    loss = as_number(net.loss(x, t), "loss(x, t)")
    assert_close(loss, 1.1576059644, rtol=1e-5, what="`loss(x, t)`")


@pytest.mark.points(1)
@pytest.mark.hint("net_accuracy")
def test_accuracy(sub, rng):
    """accuracy: the fraction of samples whose highest score is the true class."""
    net, params = tiny_net(sub, rng)
    copy_into(handle(net, "params", "W2"), np.zeros_like(params["W2"]))
    copy_into(handle(net, "params", "b2"), np.array([0.0, 5.0, 0.0]))  # always class 1
    x = rng.uniform(0, 1, size=(8, 6))
    t = np.eye(3)[[1, 0, 1, 2, 1, 1, 0, 2]]
    acc = as_number(net.accuracy(x, t), "accuracy(x, t)")
    if not np.isclose(acc, 0.5):
        scores = net.predict(x)
        if not (isinstance(scores, np.ndarray) and scores.shape == (8, 3)
                and np.all(np.argmax(scores, axis=1) == 1)):
            raise Mistake(say("`accuracy(x, t)` is {acc}, not 0.5, and `predict(x)` does not "
                              "give class 1 the highest score in every row, as it should with "
                              "`W2 = 0` and `b2 = [0, 5, 0]`: accuracy is counted from "
                              "`predict`, so fix `predict` first.",
                              "`accuracy(x, t)`가 0.5가 아니라 {acc}입니다. `W2 = 0`, "
                              "`b2 = [0, 5, 0]`이면 `predict(x)`의 모든 행에서 클래스 1의 "
                              "점수가 가장 높아야 하는데 그렇지 않습니다. 정확도는 "
                              "`predict`로 세므로 `predict`를 먼저 고치세요.", acc=acc),
                          hint="net_predict")
    assert_close(acc, 0.5, what=say(
        "`accuracy(x, t)` when every prediction is class 1 and 4 of the 8 labels are 1",
        "모든 예측이 클래스 1이고 레이블 8개 중 4개가 1일 때의 `accuracy(x, t)`"))


@pytest.mark.points(3)
@pytest.mark.hint("gradient")
def test_gradient(sub, rng):
    """gradient agrees with the true gradient (6-5-3 net; batches of 4 and of 1)."""
    net, params = tiny_net(sub, rng)
    for n in (4, 1):
        x, t = tiny_batch(rng, n=n)
        compare_gradients(net.gradient(x, t), params, x, t, "gradient(x, t)")


@pytest.mark.points(1)
@pytest.mark.hint("net_numerical_gradient")
def test_numerical_gradient_method(sub, rng):
    """numerical_gradient agrees with the true gradient and leaves the parameters unchanged."""
    net, params = tiny_net(sub, rng)
    x, t = tiny_batch(rng)
    got = net.numerical_gradient(x, t)
    after = get_params(net)
    for key in KEYS:
        if after[key].tobytes() != params[key].tobytes():
            raise Mistake(say("`numerical_gradient` changed `params['{key}']`: every nudged "
                              "value must be put back exactly.", "`numerical_gradient`가 "
                              "`params['{key}']`{을} 바꿨습니다. 움직인 값은 모두 정확히 "
                              "되돌려 놓아야 합니다.", key=key), hint="net_numerical_gradient")
    if isinstance(got, dict) and matching_activation(got, {
            name: true_gradients(params, x, t, name) for name in ("sigmoid", "ReLU")},
            params["W1"].dtype) is None:
        # right for the student's own loss, so the loss is what is wrong
        own = grader_numerical_gradient(net, params, x, t)
        rtol, atol = tolerances(params["W1"].dtype)
        right_for_own_loss = all(
            isinstance(got.get(key), np.ndarray) and got[key].shape == own[key].shape
            and np.allclose(got[key], own[key], rtol=rtol, atol=atol) for key in KEYS)
        if right_for_own_loss and not any(np.any(own[key]) for key in KEYS):
            raise Mistake(say("`numerical_gradient` returned zeros because `loss(x, t)` does "
                              "not change at all when the grader changes `network.params`: "
                              "`loss` must go through `predict`, and `predict` must read the "
                              "current arrays in `self.params`.", "`loss(x, t)`가 `network."
                              "params`를 바꿔도 전혀 변하지 않아서 `numerical_gradient`의 "
                              "결과가 0입니다. `loss`는 `predict`를 거쳐야 하고, `predict`는 "
                              "`self.params`에 있는 현재 배열을 읽어야 합니다."),
                          hint="net_predict")
        if right_for_own_loss:
            raise Mistake(say("`numerical_gradient` differentiates your loss correctly, but "
                              "`loss(x, t)` is not the mean cross-entropy of the softmax of the "
                              "scores: fix `loss` first.", "`numerical_gradient`는 여러분의 "
                              "손실을 올바르게 미분하지만, `loss(x, t)`가 점수에 소프트맥스를 "
                              "적용한 교차 엔트로피의 평균이 아닙니다. 먼저 `loss`를 고치세요."),
                          hint="net_loss")
    compare_gradients(got, params, x, t, "numerical_gradient(x, t)")


# -- training -----------------------------------------------------------------------------


def loss_curve(losses):
    """The losses train returned as floats, or None when they are not all single numbers."""
    curve = []
    for value in losses:
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                             np.floating)):
            return None
        curve.append(float(value))
    return np.array(curve)


def diagnose_training(before, after, losses, probe_before, probe_after, iters):
    """(hint key, sentence) explaining why a training run did not learn, or (None, "")."""
    if not isinstance(losses, (list, tuple)) or len(losses) != iters:
        got = len(losses) if isinstance(losses, (list, tuple)) else type(losses).__name__
        return ("train_losses", say(" `train` must return the list of the {iters} mini-batch "
                                    "losses; it returned {got}.", " `train`은 미니배치 손실 "
                                    "{iters}개의 리스트를 반환해야 하는데 {got}{을} 반환했습니다.",
                                    iters=iters, got=got))
    curve = loss_curve(losses)
    if curve is None:
        return ("train_losses", say(" `train` must return a list of numbers (one loss per "
                                    "iteration).", " `train`은 숫자의 리스트(반복마다 손실 "
                                    "하나)를 반환해야 합니다."))
    if not np.all(np.isfinite(curve)) or not np.all(np.isfinite(probe_after)):
        return ("train_diverged", say(" The loss or the predictions became nan or inf during "
                                      "training.", " 학습 중에 손실이나 예측이 nan 또는 inf가 "
                                      "되었습니다."))
    if all(np.array_equal(before[k], after[k]) for k in KEYS):
        return ("train_no_update", say(" `network.params` did not change during training.",
                                       " 학습하는 동안 `network.params`가 바뀌지 않았습니다."))
    if np.array_equal(probe_before, probe_after):
        return ("params_reassigned", say(
            " `network.params` changed during training, but the network's predictions did not: "
            "`predict` does not use the updated arrays.", " 학습 중에 `network.params`는 "
            "바뀌었지만 신경망의 예측은 바뀌지 않았습니다. `predict`가 갱신된 배열을 쓰지 "
            "않습니다."))
    tenth = max(1, iters // 10)
    if curve[-tenth:].mean() > curve[:tenth].mean():
        return ("lr_sign", say(" The mini-batch loss went up during training (from about "
                               "{first:.3g} to {last:.3g}).", " 학습하는 동안 미니배치 손실이 "
                               "올라갔습니다(약 {first:.3g}에서 {last:.3g}{으로}).",
                               first=curve[:tenth].mean(), last=curve[-tenth:].mean()))
    return None, ""


@pytest.mark.points(1)
@pytest.mark.hint("train_small")
def test_train_small(sub, rng):
    """train lowers the loss of a small network on a small, easy problem."""
    x = rng.uniform(0, 1, size=(100, 6))
    t = np.eye(3)[np.argmax(x[:, :3], axis=1)]  # the class is the largest of 3 features
    net, before = tiny_net(sub, rng, sizes=(6, 10, 3))
    probe_before = np.asarray(net.predict(x))
    form = predict_form(probe_before, before, x)
    if form is None:
        raise Mistake(say("Training is measured with your `predict`, which does not give the "
                          "scores (or the softmax of the scores) of a two-layer net with a "
                          "sigmoid or ReLU hidden layer: fix `predict` first.",
                          "학습 결과는 여러분의 `predict`로 재는데, 이 함수가 시그모이드나 ReLU "
                          "은닉층을 가진 2층 신경망의 점수(또는 그 소프트맥스)를 내지 않습니다. "
                          "먼저 `predict`를 고치세요."), hint="net_predict")
    # the loss is computed by the grader from your predictions, not by your loss
    loss_before = loss_of_predictions(probe_before, t, form[1])
    seed_numpy(sub, 0)
    losses = sub.train(net, x, t, 200, batch_size=20, learning_rate=0.5)
    probe_after = np.asarray(net.predict(x))
    loss_after = loss_of_predictions(probe_after, t, form[1])
    if loss_after < 0.7 * loss_before:
        return
    hint, why = diagnose_training(before, get_params(net), losses, probe_before, probe_after,
                                  200)
    raise Mistake(say("`train(network, x, t, 200, batch_size=20, learning_rate=0.5)` on 100 "
                      "samples took the loss from {before:.4g} to {after:.4g}; it should drop "
                      "well below {goal:.4g}.{why}", "샘플 100개에 "
                      "`train(network, x, t, 200, batch_size=20, learning_rate=0.5)`{을} "
                      "실행했더니 손실이 {before:.4g}에서 {after:.4g}{으로} 바뀌었습니다. "
                      "{goal:.4g}보다 충분히 낮아져야 합니다.{why}", before=loss_before,
                      after=loss_after, goal=0.7 * loss_before, why=why), hint=hint)


def check_data_functions(sub, x_sample, t_sample):
    """Training uses your preprocess and one_hot: say so if they are the problem."""
    x = sub.preprocess(x_sample)
    expected = x_sample.reshape(len(x_sample), -1) / 255.0
    if not (isinstance(x, np.ndarray) and x.shape == expected.shape
            and np.allclose(x, expected, rtol=1e-5, atol=1e-6)):
        too_big = isinstance(x, np.ndarray) and x.dtype.kind in "biuf" and x.max() > 1
        largest = say(" (its largest value is {top:g})", "(최댓값이 {top:g})",
                      top=x.max()) if too_big else ""
        return ("preprocess_scale" if too_big else "preprocess", say(
            " Training used your `preprocess`, which does not turn the images into values in "
            "[0, 1]{largest}, so this run cannot count: fix `preprocess` first.",
            " 학습에 여러분의 `preprocess`를 썼는데, 이 함수가 이미지를 [0, 1] 범위의 값으로 "
            "바꾸지 않아서{largest} 이번 학습은 인정할 수 없습니다. 먼저 `preprocess`를 "
            "고치세요.", largest=largest))
    t = sub.one_hot(t_sample)
    if not (isinstance(t, np.ndarray) and t.shape == (len(t_sample), 10)
            and np.allclose(t, np.eye(10)[t_sample])):
        return ("one_hot", say(" Training used your `one_hot`, which does not give one-hot "
                               "rows, so this run cannot count: fix `one_hot` first.",
                               " 학습에 여러분의 `one_hot`을 썼는데, 이 함수가 원-핫 행을 "
                               "만들지 않아서 이번 학습은 인정할 수 없습니다. 먼저 `one_hot`을 "
                               "고치세요."))
    return None, ""


@pytest.fixture(scope="module")
def training(sub, mnist):
    """Train the student's network with the student's train on MNIST; measure test accuracy."""
    x_train = keep(sub.preprocess)(mnist.x_train)
    t_train = keep(sub.one_hot)(mnist.t_train)
    x_test = keep(sub.preprocess)(mnist.x_test)
    probe = sub.preprocess(mnist.x_test[:100])

    seed_numpy(sub, SEED)
    net = sub.TwoLayerNet(28 * 28, HIDDEN, 10)
    before = get_params(net, (784, HIDDEN, 10))
    probe_before = np.asarray(net.predict(probe))
    started = time.perf_counter()
    losses = sub.train(net, x_train, t_train, ITERS, batch_size=100, learning_rate=0.1)
    train_seconds = time.perf_counter() - started
    scores = net.predict(x_test)
    if not isinstance(scores, np.ndarray) or scores.shape != (len(mnist.x_test), 10):
        raise Mistake(say("`predict` on {n} test images returned {got}; expected shape "
                          "({n}, 10).", "테스트 이미지 {n}개에 대한 `predict`의 결과가 "
                          "{got}입니다. 형상이 ({n}, 10)이어야 합니다.", n=len(mnist.x_test),
                          got=getattr(scores, "shape", type(scores).__name__)),
                      hint="net_predict")
    with np.errstate(invalid="ignore"):
        accuracy = float(np.mean(np.argmax(scores, axis=1) == mnist.t_test))
    after = get_params(net)
    probe_after = np.asarray(net.predict(probe))
    data_hint, data_why = check_data_functions(sub, mnist.x_train[:20], mnist.t_train[:20])
    hint, why = diagnose_training(before, after, losses, probe_before, probe_after, ITERS)
    curve = loss_curve(losses) if isinstance(losses, (list, tuple)) else None
    return {"accuracy": accuracy, "losses": [] if curve is None else curve.tolist(),
            "hint": hint, "why": why,
            "data_hint": data_hint, "data_why": data_why, "source": mnist.source,
            "train_seconds": train_seconds,
            "test_size": len(mnist.x_test), "train_size": len(mnist.x_train)}


def trained(run):
    """What the MNIST run did, in words: how both failures of ``report`` begin."""
    return say("After {iters} iterations of your `train` (`batch_size=100, learning_rate=0.1`) "
               "on {train_size} training images (`{source}`), the test accuracy on {test_size} "
               "images is {accuracy:.4f}", "여러분의 `train`으로 훈련 이미지 {train_size}개"
               "(`{source}`)에서 {iters}번 반복한 뒤(`batch_size=100, learning_rate=0.1`) 테스트 "
               "이미지 {test_size}개에 대한 정확도는 {accuracy:.4f}입니다", iters=ITERS,
               train_size=run["train_size"], source=run["source"], test_size=run["test_size"],
               accuracy=run["accuracy"])


def report(run, record, threshold):
    record("data_source", run["source"])
    record("test_accuracy", run["accuracy"])
    record("threshold", threshold)
    record("loss_curve", run["losses"])
    record("train_seconds", round(run["train_seconds"], 3))
    if run["data_hint"] is not None:
        # the run did not train on the data the network is meant for: no valid measurement
        raise Mistake(say("{trained}.{why}", "{trained}.{why}", trained=trained(run),
                          why=run["data_why"]), hint=run["data_hint"])
    if run["accuracy"] < threshold:
        raise Mistake(say("{trained}; at least {threshold:.2f} is needed.{why}",
                          "{trained}. {threshold:.2f} 이상이어야 합니다.{why}",
                          trained=trained(run), threshold=threshold, why=run["why"]),
                      hint=run["hint"])


@pytest.mark.points(1)
@pytest.mark.hint("mnist_learns")
@pytest.mark.timeout(TRAIN_SECONDS)
def test_mnist_learns(training, record):
    """MNIST: after training, the test accuracy is far above guessing (at least 0.5)."""
    report(training, record, LEARNS)


@pytest.mark.points(2)
@pytest.mark.hint("mnist_accuracy")
@pytest.mark.timeout(TRAIN_SECONDS)
def test_mnist_accuracy(training, record):
    """MNIST: after training, the test accuracy reaches the threshold."""
    source = training["source"]
    if source not in THRESHOLD:
        raise RuntimeError(f"no calibrated threshold for the MNIST source {source!r}")
    report(training, record, THRESHOLD[source])

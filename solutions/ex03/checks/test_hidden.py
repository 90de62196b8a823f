"""Hidden checks of ex03: compared with the reference on random inputs."""

import numpy as np
import pytest
from loss_helpers import CEE_RTOL, as_numbers, factor_hint, shaped

from grader.checks import Mistake, assert_close, assert_inputs_unchanged, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)


def _probabilities(rng, n, classes):
    """Softmax outputs (no probability below about 1e-3, so the log guard hardly matters)."""
    a = rng.normal(size=(n, classes))
    y = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    y = (y + 0.01) / (1 + 0.01 * classes)
    return y


def _one_hot(labels, classes):
    return np.eye(classes, dtype=int)[labels]


BATCHES = [(1, 3), (3, 3), (5, 2), (17, 10), (64, 10), (10, 7)]


@pytest.mark.points(1)
@pytest.mark.hint("mse_formula")
def test_mse_matches_reference(sub, ref, rng):
    """mean_squared_error: random 1-D and 2-D inputs of several sizes."""
    cases = [(rng.random(10), _one_hot(rng.integers(10), 10).astype(float)),
             (rng.normal(size=4), rng.normal(size=4))]
    for n, classes in BATCHES:
        cases.append((_probabilities(rng, n, classes),
                       _one_hot(rng.integers(0, classes, size=n), classes)))
    cases.append((rng.normal(size=(6, 5)), rng.normal(size=(6, 5))))
    for y, t in cases:
        got = sub.mean_squared_error(y, t)
        expected = ref.mean_squared_error(y, t)
        assert_close(got, expected, what=shaped("mean_squared_error(y, t)", y=y),
                     hint=factor_hint(got, expected, 2.0, "mse_half"))


@pytest.mark.points(2)
@pytest.mark.hint("cee_formula")
def test_cee_one_hot_matches_reference(sub, ref, rng):
    """cross_entropy_error: random batches with one-hot labels, several sizes."""
    y = _probabilities(rng, 1, 10)[0]
    t = _one_hot(rng.integers(10), 10)
    assert_close(sub.cross_entropy_error(y, t), ref.cross_entropy_error(y, t), rtol=CEE_RTOL,
                 what=shaped("cross_entropy_error(y, t)", y=y, t=t))
    for n, classes in BATCHES:
        y = _probabilities(rng, n, classes)
        t = _one_hot(rng.integers(0, classes, size=n), classes)
        got = sub.cross_entropy_error(y, t)
        expected = ref.cross_entropy_error(y, t)
        assert_close(got, expected, rtol=CEE_RTOL, batch_size=n,
                     what=shaped("cross_entropy_error(y, t)", y=y, t=t),
                     hint=factor_hint(got, expected, n, "cee_batch_mean"))


@pytest.mark.points(2)
@pytest.mark.hint("cee_labels")
def test_cee_labels_matches_reference(sub, ref, rng):
    """cross_entropy_error: random batches with integer labels, several sizes."""
    for n, classes in BATCHES:
        y = _probabilities(rng, n, classes)
        t = rng.integers(0, classes, size=n)
        got = sub.cross_entropy_error(y, t)
        expected = ref.cross_entropy_error(y, t)
        assert_close(got, expected, rtol=CEE_RTOL, batch_size=n,
                     what=shaped("cross_entropy_error(y, t)", y=y, t=t),
                     hint=factor_hint(got, expected, n, "cee_batch_mean"))


@pytest.mark.points(1)
@pytest.mark.hint("cee_labels")
def test_cee_single_sample_label(sub, ref, rng):
    """cross_entropy_error: one sample (1-D y) with its label as a single integer."""
    for classes in (3, 10):
        y = _probabilities(rng, 1, classes)[0]
        for label in (0, classes - 1, int(rng.integers(classes))):
            t = np.array(label)
            assert_close(sub.cross_entropy_error(y, t), ref.cross_entropy_error(y, t),
                         rtol=CEE_RTOL,
                         what=shaped("cross_entropy_error(y, t)", y=y, t=t))


# The log guard may be any tiny delta (1e-7 in the book, 1e-8 or clipping elsewhere): a zero
# probability on the true class then costs -log(delta), between these two values.
GUARD_COST = (-np.log(1e-4), -np.log(1e-12))


@pytest.mark.points(1)
@pytest.mark.hint("cee_log_guard")
def test_cee_log_guard_labels(sub, ref, rng):
    """cross_entropy_error: zero probabilities with integer labels give a large finite loss."""
    y = _probabilities(rng, 6, 4)
    t = rng.integers(0, 4, size=6)
    y[2] = 0.0
    y[2, (t[2] + 1) % 4] = 1.0      # sample 2 is sure of a wrong class
    y[4, t[4]] = 0.0                # sample 4 gives its correct class no probability
    y[4] /= y[4].sum()
    ordinary = np.array([0, 1, 3, 5])
    # the guard earns the point only if the loss is right where no guard is needed
    got = sub.cross_entropy_error(y[ordinary], t[ordinary])
    expected = ref.cross_entropy_error(y[ordinary], t[ordinary])
    assert_close(got, expected, rtol=CEE_RTOL, batch_size=4, hint=factor_hint(
        got, expected, 4, "cee_batch_mean", "cee_labels"),
        what=say("`cross_entropy_error(y, t)` for 4 samples with labels and no zero "
                  "probability", "확률 0이 없는 샘플 4개를 레이블과 함께 넣은 "
                  "`cross_entropy_error(y, t)`"))
    values = as_numbers(sub.cross_entropy_error(y, t))
    if values is None or values.size != 1 or not np.isfinite(values).all():
        raise Mistake(say("`cross_entropy_error(y, t)` is {values} for a batch of 6 where two "
                          "samples give their correct class probability 0: the loss must stay "
                          "finite.", "샘플 2개의 정답 클래스 확률이 0인 배치 6개에서 "
                          "`cross_entropy_error(y, t)`{이} {values}입니다. 손실은 유한해야 "
                          "합니다.", values=values))
    # the two zero probabilities cost what the ordinary samples leave of the mean
    rest = float(np.sum(-np.log(y[ordinary, t[ordinary]])))
    per_zero = (6 * float(values.item()) - rest) / 2
    if not GUARD_COST[0] <= per_zero <= GUARD_COST[1]:
        summed = GUARD_COST[0] <= (float(values.item()) - rest) / 2 <= GUARD_COST[1]
        raise Mistake(say("`cross_entropy_error(y, t)` is {loss:.6g} for a batch of 6 with two "
                          "zero probabilities on correct classes: each of them costs "
                          "{per_zero:.4g} in the sum, where a guard of 1e-7 gives {guard:.4g}.",
                          "정답 클래스의 확률이 0인 샘플이 2개 있는 배치 6개에서 "
                          "`cross_entropy_error(y, t)`{이} {loss:.6g}입니다. 그 샘플 하나가 "
                          "합에 {per_zero:.4g}만큼 더해지는데, 1e-7을 더해 막으면 "
                          "{guard:.4g}입니다.", loss=float(values.item()), per_zero=per_zero,
                          guard=-np.log(1e-7)), hint="cee_batch_mean" if summed else None)


@pytest.mark.points(1)
@pytest.mark.hint("input_mutation")
def test_losses_do_not_modify_inputs(sub, ref, rng):
    """mean_squared_error and cross_entropy_error leave y and t unchanged."""
    for n, classes in ((1, 5), (8, 4)):
        y = _probabilities(rng, n, classes)
        t = _one_hot(rng.integers(0, classes, size=n), classes)
        if n == 1:
            y, t = y[0], t[0]
        # untouched inputs earn the point only with the right losses
        for name, hint in (("mean_squared_error", "mse_formula"),
                           ("cross_entropy_error", "cee_formula")):
            got = assert_inputs_unchanged(getattr(sub, name), y, t)
            assert_close(got, getattr(ref, name)(y, t), rtol=CEE_RTOL, hint=hint,
                         what=shaped(f"{name}(y, t)", y=y))

"""Public checks of ex03: mean squared error and cross-entropy error.

Expected values are written out as numbers; these checks never run the reference code.
"""

import numpy as np
import pytest
from loss_helpers import CEE_RTOL, as_numbers, factor_hint, when

from grader.checks import Mistake, assert_close, say

# Every call into the student's code here returns in milliseconds: 2 s is ample, and a
# function that never returns costs 2 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(2)

# The book's example (section 4.2.1): the correct class is 2.
T_BOOK = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
Y_GOOD = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])  # "2" is most likely
Y_BAD = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])   # "7" is most likely

# A batch of 4 samples with 3 classes, as one-hot labels and as integer labels.
Y_BATCH = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.05, 0.9, 0.05]])
T_BATCH = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
LABELS_BATCH = np.array([0, 2, 0, 2])
CEE_BATCH = 1.3123811232142248


# -- mean_squared_error ---------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.hint("mse_formula")
def test_mse_book_example(sub):
    """mean_squared_error: the book's examples give 0.0975 and 0.5975."""
    for y, expected in ((Y_GOOD, 0.0975), (Y_BAD, 0.5975)):
        got = sub.mean_squared_error(y, T_BOOK)
        assert_close(got, expected, what=when("mean_squared_error(y, t)", y=y),
                     hint=factor_hint(got, expected, 2.0, "mse_half"))


@pytest.mark.points(1)
@pytest.mark.hint("mse_batch")
def test_mse_batch(sub):
    """mean_squared_error: for 2-D y and t, 0.5 times the sum over all elements."""
    cases = [
        (Y_BATCH, T_BATCH, 1.495),
        (np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]),
         np.array([[0.5, 0.4], [0.0, 1.0], [0.25, 0.5]]), 1.03625),
    ]
    for y, t, expected in cases:
        got = sub.mean_squared_error(y, t)
        assert_close(got, expected, what=say("`mean_squared_error(y, t)` for `y` of shape {shape}",
                                        "`y`의 형상이 {shape}일 때의 `mean_squared_error(y, t)`",
                                        shape=y.shape),
                     hint=factor_hint(got, expected, 2.0, "mse_half"))


# -- cross_entropy_error --------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.hint("cee_formula")
def test_cee_book_example(sub):
    """cross_entropy_error: the book's examples (one sample, one-hot t) give 0.5108 and 2.3026."""
    for y, expected in ((Y_GOOD, 0.510825457099338), (Y_BAD, 2.302584092994546)):
        assert_close(sub.cross_entropy_error(y, T_BOOK), expected, rtol=CEE_RTOL,
                     what=when("cross_entropy_error(y, t)", y=y))


@pytest.mark.points(2)
@pytest.mark.hint("cee_formula")
def test_cee_batch_one_hot(sub):
    """cross_entropy_error: a batch with one-hot labels gives the mean loss per sample."""
    got = sub.cross_entropy_error(Y_BATCH, T_BATCH)
    assert_close(got, CEE_BATCH, rtol=CEE_RTOL, batch_size=4,
                 what=say("`cross_entropy_error(y, t)` for a batch of 4 with one-hot `t`",
                          "원-핫 `t`로 배치 4개를 넣은 `cross_entropy_error(y, t)`"),
                 hint=factor_hint(got, CEE_BATCH, 4.0, "cee_batch_mean"))


@pytest.mark.points(2)
@pytest.mark.hint("cee_labels")
def test_cee_batch_labels(sub):
    """cross_entropy_error: a batch with integer labels gives the same loss as one-hot."""
    cases = [
        (Y_BATCH, LABELS_BATCH, CEE_BATCH),
        (np.array([[0.1, 0.2, 0.3, 0.15, 0.25], [0.6, 0.1, 0.1, 0.1, 0.1],
                   [0.05, 0.05, 0.8, 0.05, 0.05]]), np.array([4, 1, 2]), 1.3040071601429113),
    ]
    for y, t, expected in cases:
        got = sub.cross_entropy_error(y, t)
        n = y.shape[0]
        assert_close(got, expected, rtol=CEE_RTOL, batch_size=n,
                     what=say("`cross_entropy_error(y, t)` for a batch of {n} with labels "
                              "`t = {t}`", "레이블 `t = {t}`로 배치 {n}개를 넣은 "
                              "`cross_entropy_error(y, t)`", n=n, t=t.tolist()),
                     hint=factor_hint(got, expected, n, "cee_batch_mean"))


@pytest.mark.points(2)
@pytest.mark.hint("cee_log_guard")
def test_cee_log_guard(sub):
    """cross_entropy_error: probabilities of exactly 0 give a large finite loss, not inf/nan."""
    # zero probability on a wrong class: the ordinary loss (the guard pays only with it)
    y, t = np.array([0.0, 0.2, 0.8]), np.array([0, 0, 1])
    got = sub.cross_entropy_error(y, t)
    values = as_numbers(got)
    finite = values is not None and np.isfinite(values).all()
    # nan/inf is a missing guard; a finite but wrong loss is a formula problem
    assert_close(got, 0.22314342631421757, rtol=CEE_RTOL,
                 what=when("cross_entropy_error(y, t)", y=y, t=t),
                 hint="cee_formula" if finite else None)
    # zero probability on the correct class: a large but finite loss
    for y, t, least in ((np.array([0.0, 0.3, 0.7]), np.array([1, 0, 0]), 10.0),
                        (np.array([[0.0, 0.4, 0.6], [0.2, 0.8, 0.0]]),
                         np.array([[1, 0, 0], [0, 1, 0]]), 5.0)):
        got = sub.cross_entropy_error(y, t)
        values = as_numbers(got)
        what = when("cross_entropy_error(y, t)", y=y, t=t)
        if values is None or values.size != 1:
            assert_close(got, least, what=what)  # explains what came back instead
        loss = float(values.item())
        if not np.isfinite(loss):
            raise Mistake(say("{what} is {loss}: a probability of 0 makes `np.log` return "
                              "`-inf`.", "{what}{이} {loss}입니다. 확률 0에서 `np.log`는 "
                              "`-inf`를 반환합니다.", what=what, loss=loss))
        if loss < least:
            raise Mistake(say("{what} is {loss:.4g}; a zero probability on the correct "
                              "class should give a large loss (at least {least:g}).",
                              "{what}{이} {loss:.4g}입니다. 정답 클래스의 확률이 0이면 "
                              "손실이 커야 합니다({least:g} 이상).",
                              what=what, loss=loss, least=least))

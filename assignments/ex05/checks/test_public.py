"""Public checks of exercise 5: backpropagation layers.

Every backward pass is compared with a numerical gradient that the grader computes itself by
calling your forward pass on nudged inputs. With the loss L = sum(forward(x) * G) for a random
G, the upstream gradient dout is exactly G, so backward(G) must equal dL/dx.
"""

import numpy as np
import pytest
from gradient_helpers import ATOL, RTOL, numerical_gradient

from grader.checks import Mistake, assert_close, assert_inputs_unchanged

# Every call into the student's code here returns in milliseconds: 5 s is ample, and a
# function that never returns costs 5 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(5)


def weighted_sum(out, weights, what):
    """sum(out * weights), after making sure out is an array of the right shape."""
    if not isinstance(out, np.ndarray) or out.dtype.kind not in "biuf":
        raise Mistake(f"{what} returned {type(out).__name__}, not a NumPy array of numbers.")
    if out.shape != weights.shape:
        raise Mistake(f"{what} returned shape {out.shape}; expected {weights.shape}.")
    return float(np.sum(out * weights))


def scalar(value, what):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool):
        raise Mistake(f"{what} returned {type(value).__name__}; expected a single number "
                      "(the loss).")
    return float(value)


def away_from_zero(rng, shape):
    """Random values with |x| >= 0.1, so that ReLU's kink at 0 is never within h."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (0.1 + np.abs(x))


def layer_gradient_check(layer_class, x, rng, what):
    """backward(G) of a fresh layer vs the numerical gradient of sum(forward(x) * G)."""
    probe = layer_class()
    out = probe.forward(x)
    G = rng.standard_normal(np.shape(out)) if isinstance(out, np.ndarray) else None
    if G is None:
        raise Mistake(f"{what}.forward returned {type(out).__name__}, not a NumPy array.")
    expected = numerical_gradient(
        lambda xx: weighted_sum(probe.forward(xx), G, f"{what}.forward"), x)
    layer = layer_class()
    layer.forward(x)
    dx = layer.backward(G.copy())
    assert_close(dx, expected, rtol=RTOL, atol=ATOL, what=f"{what}.backward(dout)")


# -- Relu --------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("relu_forward")
def test_relu_forward(sub):
    """Relu.forward sets negative entries to 0 and keeps the others."""
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    assert_close(sub.Relu().forward(x), [[1.0, 0.0], [0.0, 3.0]], what="Relu.forward(x)")


@pytest.mark.points(1)
@pytest.mark.hint("relu_inplace")
def test_relu_forward_leaves_x_unchanged(sub):
    """Relu.forward does not change its input array."""
    layer = sub.Relu()
    assert_inputs_unchanged(layer.forward, np.array([[1.0, -0.5, 0.0], [-2.0, 3.0, -1e-3]]))


@pytest.mark.points(2)
@pytest.mark.hint("relu_backward")
def test_relu_backward(sub, rng):
    """Relu.backward agrees with the numerical gradient."""
    layer_gradient_check(sub.Relu, away_from_zero(rng, (3, 4)), rng, "Relu")


# -- Sigmoid -----------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_forward")
def test_sigmoid_forward(sub):
    """Sigmoid.forward computes 1 / (1 + exp(-x))."""
    got = sub.Sigmoid().forward(np.array([[0.0, 2.0, -2.0]]))
    assert_close(got, [[0.5, 0.8807970779778823, 0.11920292202211755]],
                 what="Sigmoid.forward(x)")


@pytest.mark.points(2)
@pytest.mark.hint("sigmoid_backward")
def test_sigmoid_backward(sub, rng):
    """Sigmoid.backward agrees with the numerical gradient."""
    layer_gradient_check(sub.Sigmoid, rng.standard_normal((3, 4)) * 2, rng, "Sigmoid")


# -- Affine ------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("affine_forward")
def test_affine_forward(sub):
    """Affine.forward computes x W + b."""
    W = np.array([[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]])
    b = np.array([0.1, -0.2])
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 2.0]])
    assert_close(sub.Affine(W, b).forward(x), [[2.6, 1.3], [0.1, -1.2]],
                 what="Affine(W, b).forward(x)")


def affine_case(rng, x_shape, out_size):
    x = rng.standard_normal(x_shape)
    W = rng.standard_normal((int(np.prod(x_shape[1:])), out_size))
    b = rng.standard_normal(out_size)
    G = rng.standard_normal((x_shape[0], out_size))
    return x, W, b, G


def affine_numerical(sub, x, W, b, G):
    """Numerical dL/dx, dL/dW, dL/db of L = sum(Affine(W, b).forward(x) * G)."""
    def loss(W_, b_, x_):
        return weighted_sum(sub.Affine(W_, b_).forward(x_), G, "Affine.forward")
    loss(W, b, x)  # fails early with a clear message if forward is broken
    return (numerical_gradient(lambda xx: loss(W, b, xx), x),
            numerical_gradient(lambda WW: loss(WW, b, x), W),
            numerical_gradient(lambda bb: loss(W, bb, x), b))


def affine_analytic(sub, x, W, b, G):
    layer = sub.Affine(W, b)
    layer.forward(x)
    dx = layer.backward(G.copy())
    return dx, layer.dW, layer.db


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_dx(sub, rng):
    """Affine.backward returns dx that agrees with the numerical gradient."""
    x, W, b, G = affine_case(rng, (4, 3), 5)
    num_dx, _, _ = affine_numerical(sub, x, W, b, G)
    dx, _, _ = affine_analytic(sub, x, W, b, G)
    assert_close(dx, num_dx, rtol=RTOL, atol=ATOL, what="dx returned by Affine.backward")


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_dW(sub, rng):
    """Affine.backward sets self.dW, which agrees with the numerical gradient."""
    x, W, b, G = affine_case(rng, (4, 3), 5)
    _, num_dW, _ = affine_numerical(sub, x, W, b, G)
    _, dW, _ = affine_analytic(sub, x, W, b, G)
    assert_close(dW, num_dW, rtol=RTOL, atol=ATOL, what="Affine.dW", hint="affine_dW")


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_db(sub, rng):
    """Affine.backward sets self.db, which agrees with the numerical gradient."""
    x, W, b, G = affine_case(rng, (4, 3), 5)
    _, _, num_db = affine_numerical(sub, x, W, b, G)
    _, _, db = affine_analytic(sub, x, W, b, G)
    assert_close(db, num_db, rtol=RTOL, atol=ATOL, what="Affine.db", hint="affine_db")


@pytest.mark.points(2)
@pytest.mark.hint("affine_backward")
def test_affine_4d_input(sub, rng):
    """Affine on (N, C, H, W) input: flattened in forward, dx in the input's shape."""
    x, W, b, G = affine_case(rng, (2, 3, 2, 2), 4)
    out = sub.Affine(W, b).forward(x)
    no_bias = isinstance(out, np.ndarray) and out.shape == (2, 4) and np.allclose(
        out, x.reshape(2, -1) @ W)
    assert_close(out, x.reshape(2, -1) @ W + b, what="Affine.forward(x) for x of shape "
                 "(2, 3, 2, 2)", hint="affine_forward" if no_bias else "affine_flatten")
    num_dx, num_dW, _ = affine_numerical(sub, x, W, b, G)
    dx, dW, _ = affine_analytic(sub, x, W, b, G)
    assert_close(dx, num_dx, rtol=RTOL, atol=ATOL, hint="affine_dx_shape",
                 what="dx returned by Affine.backward for x of shape (2, 3, 2, 2)")
    assert_close(dW, num_dW, rtol=RTOL, atol=ATOL, hint="affine_dW",
                 what="Affine.dW for x of shape (2, 3, 2, 2)")


# -- SoftmaxWithLoss ---------------------------------------------------------------------

X_SMALL = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])


@pytest.mark.points(1)
@pytest.mark.hint("swl_forward")
@pytest.mark.parametrize("labels", ["one-hot", "integer"])
def test_softmax_with_loss_forward(sub, labels):
    """SoftmaxWithLoss.forward returns the mean cross-entropy (one-hot and integer labels)."""
    t = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]) if labels == "one-hot" else np.array([2, 0])
    loss = sub.SoftmaxWithLoss().forward(X_SMALL, t)
    # mean of -log(softmax) at the true classes: (0.40760596 + 1.09861229) / 2
    assert_close(loss, 0.7531091206, rtol=1e-5, what=f"the loss ({labels} labels)")


def swl_gradient_check(sub, rng, labels):
    N, C = 4, 3
    x = rng.standard_normal((N, C))
    classes = rng.integers(0, C, size=N)
    t = np.eye(C)[classes] if labels == "one-hot" else classes
    what = f"SoftmaxWithLoss.forward(x, t) with {labels} labels"
    expected = numerical_gradient(
        lambda xx: scalar(sub.SoftmaxWithLoss().forward(xx, t), what), x)
    layer = sub.SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    hint = None
    if isinstance(dx, np.ndarray) and dx.shape == expected.shape and np.allclose(
            dx, expected * N, rtol=RTOL, atol=ATOL):
        hint = "swl_batch"
    assert_close(dx, expected, rtol=RTOL, atol=ATOL, batch_size=N, hint=hint,
                 what=f"SoftmaxWithLoss.backward() with {labels} labels")


@pytest.mark.points(2)
@pytest.mark.hint("swl_backward")
def test_softmax_with_loss_backward_one_hot(sub, rng):
    """SoftmaxWithLoss.backward() with one-hot labels is (y - t) / N."""
    swl_gradient_check(sub, rng, "one-hot")


@pytest.mark.points(1)
@pytest.mark.hint("swl_labels")
def test_softmax_with_loss_backward_labels(sub, rng):
    """SoftmaxWithLoss.backward() with integer labels."""
    swl_gradient_check(sub, rng, "integer")

"""Public checks of exercise 5: backpropagation layers.

Forward passes are compared with literal values. Backward passes are compared with the true
gradient: a numerical gradient that the grader computes from the book's formula of the
forward pass (gradient_helpers.py), never from your forward. With the loss
L = sum(forward(x) * G) for a random G, the upstream gradient dout is exactly G, so
backward(G) must equal dL/dx. Batches of one sample (N = 1) are checked too.
"""

import numpy as np
import pytest
from gradient_helpers import (
    ATOL,
    LABELS,
    RTOL,
    affine,
    affine_gradients,
    away_from_zero,
    check_swl_backward,
    gradient_attribute,
    relu,
    shaped,
    sigmoid,
    softmax_with_loss_gradient,
    swl_backward_what,
    weighted_gradient,
)

from grader.checks import assert_close, assert_inputs_unchanged, say

# Every call into the student's code here returns in milliseconds: 5 s is ample, and a
# function that never returns costs 5 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(5)


def layer_gradient_check(layer_class, formula, x, rng, what):
    """backward(G) of a fresh layer (after forward(x), whatever it returned) vs the true
    gradient of sum(formula(x) * G)."""
    G = rng.standard_normal(x.shape)
    layer = layer_class()
    layer.forward(x)
    dx = layer.backward(G.copy())
    assert_close(dx, weighted_gradient(formula, x, G), rtol=RTOL, atol=ATOL,
                 what=shaped(f"{what}.backward(dout)", x=x))


# -- Relu --------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("relu_forward")
def test_relu_forward(sub):
    """Relu.forward sets negative entries to 0 and keeps the others."""
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    assert_close(sub.Relu().forward(x), [[1.0, 0.0], [0.0, 3.0]], what="`Relu.forward(x)`")


@pytest.mark.points(1)
@pytest.mark.hint("relu_inplace")
def test_relu_forward_leaves_x_unchanged(sub):
    """Relu.forward does not change its input array."""
    x = np.array([[1.0, -0.5, 0.0], [-2.0, 3.0, -1e-3]])
    out = assert_inputs_unchanged(sub.Relu().forward, x)
    # an untouched input earns the point only with the right output
    assert_close(out, relu(x), what="`Relu.forward(x)`", hint="relu_forward")


@pytest.mark.points(2)
@pytest.mark.hint("relu_backward")
def test_relu_backward(sub, rng):
    """Relu.backward agrees with the numerical gradient."""
    for shape in ((3, 4), (1, 4)):
        layer_gradient_check(sub.Relu, relu, away_from_zero(rng, shape), rng, "Relu")


# -- Sigmoid -----------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_forward")
def test_sigmoid_forward(sub):
    """Sigmoid.forward computes 1 / (1 + exp(-x))."""
    got = sub.Sigmoid().forward(np.array([[0.0, 2.0, -2.0]]))
    assert_close(got, [[0.5, 0.8807970779778823, 0.11920292202211755]],
                 what="`Sigmoid.forward(x)`")


@pytest.mark.points(2)
@pytest.mark.hint("sigmoid_backward")
def test_sigmoid_backward(sub, rng):
    """Sigmoid.backward agrees with the numerical gradient."""
    for shape in ((3, 4), (1, 4)):
        layer_gradient_check(sub.Sigmoid, sigmoid, rng.standard_normal(shape) * 2, rng,
                             "Sigmoid")


# -- Affine ------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.hint("affine_forward")
def test_affine_forward(sub):
    """Affine.forward computes x W + b."""
    W = np.array([[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]])
    b = np.array([0.1, -0.2])
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 2.0]])
    assert_close(sub.Affine(W, b).forward(x), [[2.6, 1.3], [0.1, -1.2]],
                 what="`Affine(W, b).forward(x)`")


def affine_case(rng, x_shape, out_size):
    x = rng.standard_normal(x_shape)
    W = rng.standard_normal((int(np.prod(x_shape[1:])), out_size))
    b = rng.standard_normal(out_size)
    G = rng.standard_normal((x_shape[0], out_size))
    return x, W, b, G


def affine_backward(sub, x, W, b, G):
    """A fresh Affine after forward(x) and backward(G): the layer and the dx it returned."""
    layer = sub.Affine(W, b)
    layer.forward(x)
    return layer, layer.backward(G.copy())


# every gradient check: a batch of 4, a single sample, and (N, C, H, W) input
AFFINE_SHAPES = [((4, 3), 5), ((1, 3), 5), ((2, 3, 2, 2), 4)]


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_dx(sub, rng):
    """Affine.backward returns dx that agrees with the numerical gradient."""
    for x_shape, out_size in AFFINE_SHAPES[:2]:
        x, W, b, G = affine_case(rng, x_shape, out_size)
        _, dx = affine_backward(sub, x, W, b, G)
        assert_close(dx, affine_gradients(x, W, b, G)[0], rtol=RTOL, atol=ATOL,
                     what=shaped("Affine.backward(dout)", x=x))


def check_affine_parameter_gradient(sub, rng, name):
    """self.dW or self.db after backward vs the true gradient, for every shape of input."""
    position = {"dW": 1, "db": 2}[name]
    for x_shape, out_size in AFFINE_SHAPES:
        x, W, b, G = affine_case(rng, x_shape, out_size)
        layer, _ = affine_backward(sub, x, W, b, G)
        what = shaped(f"Affine.{name}", x=x)
        assert_close(gradient_attribute(layer, name, what),
                     affine_gradients(x, W, b, G)[position], rtol=RTOL, atol=ATOL, what=what,
                     hint=f"affine_{name}")


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_dW(sub, rng):
    """Affine.backward sets self.dW, which agrees with the numerical gradient."""
    check_affine_parameter_gradient(sub, rng, "dW")


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_backward_db(sub, rng):
    """Affine.backward sets self.db, which agrees with the numerical gradient."""
    check_affine_parameter_gradient(sub, rng, "db")


@pytest.mark.points(2)
@pytest.mark.hint("affine_backward")
def test_affine_4d_input(sub, rng):
    """Affine on (N, C, H, W) input: flattened in forward, dx in the input's shape."""
    x, W, b, G = affine_case(rng, (2, 3, 2, 2), 4)
    out = sub.Affine(W, b).forward(x)
    flattened = isinstance(out, np.ndarray) and out.shape == (2, 4)
    assert_close(out, affine(x, W, b), what=shaped("Affine.forward(x)", x=x),
                 hint="affine_forward" if flattened else "affine_flatten")
    _, dx = affine_backward(sub, x, W, b, G)
    assert_close(dx, affine_gradients(x, W, b, G)[0], rtol=RTOL, atol=ATOL,
                 hint="affine_dx_shape",
                 what=shaped("Affine.backward(dout)", x=x))


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
    assert_close(loss, 0.7531091206, rtol=1e-5, what=say(
        "the loss with {labels} labels", "{labels} 레이블의 손실", labels=LABELS[labels]))


def swl_gradient_check(sub, rng, labels):
    """backward() after forward(x, t), whatever forward returned, vs the true (y - t) / N."""
    for n in (4, 1):
        x = rng.standard_normal((n, 3))
        classes = rng.integers(0, 3, size=n)
        t = np.eye(3)[classes] if labels == "one-hot" else classes
        layer = sub.SoftmaxWithLoss()
        layer.forward(x, t)
        check_swl_backward(layer.backward(), softmax_with_loss_gradient(x, t),
                           swl_backward_what(labels, n))


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

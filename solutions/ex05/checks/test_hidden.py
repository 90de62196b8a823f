"""Hidden checks of exercise 5: backpropagation layers.

Forward and backward are checked apart, each against the reference: a backward check calls
forward only to let the layer store what backward needs, and ignores what it returned.
Inputs are random, so no data a submission defines at its top level can stand in for them.
"""

import numpy as np
import pytest
from gradient_helpers import (
    ATOL,
    RTOL,
    check_swl_backward,
    gradient_attribute,
    numerical_gradient,
    shaped,
    swl_backward_what,
)

from grader.checks import Mistake, RemoteObject, assert_close, say

# Every call into the student's code here returns in milliseconds: 5 s is ample, and a
# function that never returns costs 5 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(5)


def relu_input(rng):
    x = rng.standard_normal((2, 3, 4))
    x[0, 0, :2] = 0.0  # exact zeros: the gradient there is 0, as in the book
    return x


def sigmoid_input(rng):
    return np.concatenate([rng.standard_normal(6) * 3, [30.0, -30.0]]).reshape(2, 4)


def backward_of(layer, x, G):
    """backward(G) after forward(x), whatever forward returned."""
    layer.forward(x.copy())
    return layer.backward(G.copy())


@pytest.mark.points(1)
@pytest.mark.hint("relu_forward")
def test_relu_forward_matches_reference(sub, ref, rng):
    """Relu.forward agrees with the reference on a 3-D input with exact zeros."""
    x = relu_input(rng)
    assert_close(sub.Relu().forward(x.copy()), ref.Relu().forward(x.copy()),
                 what="`Relu.forward(x)`")


@pytest.mark.points(1)
@pytest.mark.hint("relu_backward")
def test_relu_backward_matches_reference(sub, ref, rng):
    """Relu.backward agrees with the reference on a 3-D input with exact zeros."""
    x = relu_input(rng)
    G = rng.standard_normal(x.shape)
    assert_close(backward_of(sub.Relu(), x, G), backward_of(ref.Relu(), x, G),
                 what="`Relu.backward(dout)`")


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_forward")
def test_sigmoid_forward_matches_reference(sub, ref, rng):
    """Sigmoid.forward agrees with the reference, including large |x|."""
    x = sigmoid_input(rng)
    assert_close(sub.Sigmoid().forward(x.copy()), ref.Sigmoid().forward(x.copy()),
                 what="`Sigmoid.forward(x)`")


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_backward")
def test_sigmoid_backward_matches_reference(sub, ref, rng):
    """Sigmoid.backward agrees with the reference, including large |x|."""
    x = sigmoid_input(rng)
    G = rng.standard_normal(x.shape)
    assert_close(backward_of(sub.Sigmoid(), x, G), backward_of(ref.Sigmoid(), x, G),
                 what="`Sigmoid.backward(dout)`")


def affine_case(rng, n):
    """An (n, 2, 5) input for an Affine with 4 outputs, and an upstream gradient."""
    return (rng.standard_normal((n, 2, 5)), rng.standard_normal((10, 4)),
            rng.standard_normal(4), rng.standard_normal((n, 4)))


@pytest.mark.points(1)
@pytest.mark.hint("affine_flatten")
def test_affine_forward_matches_reference(sub, ref, rng):
    """Affine.forward on a 3-D input (N, 2, 5) agrees with the reference."""
    x, W, b, _ = affine_case(rng, 3)
    out = sub.Affine(W, b).forward(x)
    flattened = isinstance(out, np.ndarray) and out.shape == (3, 4)
    assert_close(out, ref.Affine(W.copy(), b.copy()).forward(x.copy()), what="`Affine.forward(x)`",
                 hint="affine_forward" if flattened else None)


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_dx_matches_reference(sub, ref, rng):
    """Affine.backward on a 3-D input (N, 2, 5): dx agrees with the reference (N = 3 and 1)."""
    for n in (3, 1):
        x, W, b, G = affine_case(rng, n)
        got = backward_of(sub.Affine(W, b), x, G)
        expected = backward_of(ref.Affine(W.copy(), b.copy()), x, G)
        misshaped = isinstance(got, np.ndarray) and got.shape != expected.shape
        assert_close(got, expected, what=shaped("Affine.backward(dout)", x=x),
                     hint="affine_dx_shape" if misshaped else None)


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_param_grads_match_reference(sub, ref, rng):
    """Affine.backward on a 3-D input (N, 2, 5): dW and db agree with the reference."""
    for n in (3, 1):
        x, W, b, G = affine_case(rng, n)
        theirs, mine = sub.Affine(W, b), ref.Affine(W.copy(), b.copy())
        backward_of(theirs, x, G)
        backward_of(mine, x, G)
        what = shaped("Affine.dW", x=x)
        assert_close(gradient_attribute(theirs, "dW", what), mine.dW, what=what,
                     hint="affine_dW")
        what = shaped("Affine.db", x=x)
        assert_close(gradient_attribute(theirs, "db", what), mine.db, what=what,
                     hint="affine_db")


def swl_cases(rng):
    """A batch of 7 with 5 classes and a single sample, each with one-hot and integer labels."""
    for n in (7, 1):
        x = rng.standard_normal((n, 5)) * 2
        labels = rng.integers(0, 5, size=n)
        for t in (np.eye(5)[labels], labels):
            yield x, t, "one-hot" if t.ndim == 2 else "integer"


@pytest.mark.points(1)
@pytest.mark.hint("swl_forward")
def test_softmax_with_loss_forward_matches_reference(sub, ref, rng):
    """SoftmaxWithLoss.forward: the loss agrees with the reference (one-hot and labels)."""
    for x, t, kind in swl_cases(rng):
        assert_close(sub.SoftmaxWithLoss().forward(x, t), ref.SoftmaxWithLoss().forward(x, t),
                     rtol=1e-4, atol=1e-6,
                     what=swl_backward_what(kind, len(x), "SoftmaxWithLoss.forward(x, t)"))


@pytest.mark.points(1)
@pytest.mark.hint("swl_backward")
def test_softmax_with_loss_backward_matches_reference(sub, ref, rng):
    """SoftmaxWithLoss.backward agrees with the reference (one-hot and labels)."""
    for x, t, kind in swl_cases(rng):
        mine, theirs = ref.SoftmaxWithLoss(), sub.SoftmaxWithLoss()
        mine.forward(x, t)
        theirs.forward(x, t)
        check_swl_backward(theirs.backward(), mine.backward(),
                           swl_backward_what(kind, len(x)))


@pytest.mark.points(1)
@pytest.mark.hint("swl_forward")
def test_softmax_with_loss_large_inputs(sub, ref, rng):
    """SoftmaxWithLoss stays finite for scores around 1000."""
    x = 1000.0 + rng.uniform(-3, 3, size=(2, 3))
    t = rng.integers(0, 3, size=2)
    loss = sub.SoftmaxWithLoss().forward(x, t)
    assert_close(loss, ref.SoftmaxWithLoss().forward(x, t), rtol=1e-4, atol=1e-6,
                 what="`SoftmaxWithLoss().forward(x, t)`")


@pytest.mark.points(1)
@pytest.mark.hint("swl_copy")
def test_softmax_with_loss_backward_twice(sub, ref, rng):
    """SoftmaxWithLoss.backward() gives the right result when called twice."""
    x = rng.standard_normal((4, 3))
    labels = rng.integers(0, 3, size=4)
    for t in (np.eye(3)[labels], labels):
        kind = "one-hot" if t.ndim == 2 else "integer"
        mine, layer = ref.SoftmaxWithLoss(), sub.SoftmaxWithLoss()
        mine.forward(x, t)
        expected = mine.backward()
        layer.forward(x, t)
        # the first call must be right before a second one can be judged
        check_swl_backward(layer.backward(), expected, swl_backward_what(kind, len(x)),
                           hint="swl_backward")
        second = layer.backward()
        assert_close(second, expected, what=say("the second call of {call}",
                                                "{call}의 두 번째 호출 결과",
                                                call=swl_backward_what(kind, len(x))))


def chain_case(rng, n):
    """Inputs and parameters of Affine -> Relu -> Affine -> Sigmoid -> Affine -> loss."""
    D, H1, H2, C = 3, 5, 4, 3
    for _ in range(100):  # keep every ReLU input away from the kink at 0
        x = rng.standard_normal((n, D))
        W1 = rng.standard_normal((D, H1))
        b1 = rng.standard_normal(H1) * 0.1
        if np.all(np.abs(x @ W1 + b1) > 0.05):
            break
    params = (W1, b1, rng.standard_normal((H1, H2)), rng.standard_normal(H2) * 0.1,
              rng.standard_normal((H2, C)), rng.standard_normal(C) * 0.1)
    return x, params, rng.integers(0, C, size=n)


def chain(module, params):
    W1, b1, W2, b2, W3, b3 = params
    return [module.Affine(W1, b1), module.Relu(), module.Affine(W2, b2), module.Sigmoid(),
            module.Affine(W3, b3)], module.SoftmaxWithLoss()


NAMES = ("Affine", "Relu", "Affine", "Sigmoid", "Affine")


def type_name(value):
    """The type of a value as the student wrote it (an object of their class stays theirs)."""
    return value.type_name if isinstance(value, RemoteObject) else type(value).__name__


def chain_loss(layers, last, x, t):
    for name, layer in zip(NAMES, layers, strict=True):
        x = layer.forward(x)
        if not isinstance(x, np.ndarray):
            raise Mistake(say("`{name}.forward` returned `{type}`, not a NumPy array.",
                              "`{name}.forward`의 결과가 NumPy 배열이 아니라 `{type}`입니다.",
                              name=name, type=type_name(x)))
    return last.forward(x, t)


def true_chain_gradients(ref, x, params, t):
    """dL/dx and dL/dW1 of the reference's chain, differentiated numerically by the grader."""
    return (numerical_gradient(lambda xx: chain_loss(*chain(ref, params), xx, t), x),
            numerical_gradient(lambda WW: chain_loss(*chain(ref, (WW, *params[1:])), x, t),
                               params[0]))


def backprop(layers, last, x, t):
    """dx at the input of the chain after a forward pass of (x, t)."""
    chain_loss(layers, last, x, t)
    dout = last.backward()
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return dout


def is_close(got, expected):
    return isinstance(got, np.ndarray) and got.shape == expected.shape and np.allclose(
        got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.points(2)
@pytest.mark.hint("chain")
def test_layers_chain(sub, ref, rng):
    """Affine -> Relu -> Affine -> Sigmoid -> Affine -> SoftmaxWithLoss: backprop vs numerical.

    The same layers take two batches of 4 and then a single sample, as in training: a layer
    that keeps its first answer (or its first mask) fails on the second batch.
    """
    x4, params, t4 = chain_case(rng, 4)
    layers, last = chain(sub, params)
    for used, (x, t) in enumerate(((x4, t4), (x4[::-1], t4[::-1]), (x4[1:2], t4[1:2]))):
        n = len(x)
        num_dx, num_dW1 = true_chain_gradients(ref, x, params, t)
        dx = backprop(layers, last, x, t)
        # right from fresh layers, wrong from used ones: a layer kept its first batch
        reused = used > 0 and not is_close(dx, num_dx) and is_close(
            backprop(*chain(sub, params), x, t), num_dx)
        assert_close(dx, num_dx, rtol=RTOL, atol=ATOL, hint="chain_reuse" if reused else None,
                     what=say("`dx` at the input of the chain, batch of {n}",
                              "배치 {n}개에서 계층 사슬의 입력에 대한 `dx`", n=n))
        first_dW = say("`dW` of the first `Affine`, batch of {n}",
                       "배치 {n}개에서 첫 번째 `Affine`의 `dW`", n=n)
        assert_close(gradient_attribute(layers[0], "dW", first_dW), num_dW1,
                     rtol=RTOL, atol=ATOL, what=first_dW)

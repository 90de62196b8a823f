"""Hidden checks of exercise 5: backpropagation layers."""

import numpy as np
import pytest
from gradient_helpers import ATOL, RTOL, numerical_gradient

from grader.checks import Mistake, assert_close

# Every call into the student's code here returns in milliseconds: 5 s is ample, and a
# function that never returns costs 5 s per check instead of the worker's default 10 s.
pytestmark = pytest.mark.timeout(5)


def as_float(value, what):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool):
        raise Mistake(f"{what} returned {type(value).__name__}; expected a single number.")
    return float(value)


def batch_hint(got, expected, batch_size):
    """"swl_batch" when the gradient is batch_size times too large, else None (default)."""
    if isinstance(got, np.ndarray) and got.shape == expected.shape and np.allclose(
            got, expected * batch_size, rtol=RTOL, atol=ATOL):
        return "swl_batch"
    return None


@pytest.mark.points(1)
@pytest.mark.hint("relu_backward")
def test_relu_matches_reference(sub, ref, rng):
    """Relu forward and backward agree with the reference on a 3-D input."""
    x = rng.standard_normal((2, 3, 4))
    x[0, 0, :2] = 0.0  # exact zeros: the gradient there is 0, as in the book
    G = rng.standard_normal(x.shape)
    mine, theirs = ref.Relu(), sub.Relu()
    assert_close(theirs.forward(x), mine.forward(x.copy()), what="Relu.forward(x)",
                 hint="relu_forward")
    assert_close(theirs.backward(G), mine.backward(G.copy()), what="Relu.backward(dout)")


@pytest.mark.points(1)
@pytest.mark.hint("sigmoid_backward")
def test_sigmoid_matches_reference(sub, ref, rng):
    """Sigmoid forward and backward agree with the reference, including large |x|."""
    x = np.concatenate([rng.standard_normal(6) * 3, [30.0, -30.0]]).reshape(2, 4)
    G = rng.standard_normal(x.shape)
    mine, theirs = ref.Sigmoid(), sub.Sigmoid()
    assert_close(theirs.forward(x), mine.forward(x.copy()), what="Sigmoid.forward(x)",
                 hint="sigmoid_forward")
    assert_close(theirs.backward(G), mine.backward(G.copy()), what="Sigmoid.backward(dout)")


@pytest.mark.points(1)
@pytest.mark.hint("affine_backward")
def test_affine_matches_reference(sub, ref, rng):
    """Affine on a 3-D input (N, 2, 5): output, dx, dW and db agree with the reference."""
    x = rng.standard_normal((3, 2, 5))
    W = rng.standard_normal((10, 4))
    b = rng.standard_normal(4)
    G = rng.standard_normal((3, 4))
    mine, theirs = ref.Affine(W.copy(), b.copy()), sub.Affine(W, b)
    out = theirs.forward(x)
    no_bias = isinstance(out, np.ndarray) and out.shape == (3, 4) and np.allclose(
        out, x.reshape(3, -1) @ W)
    assert_close(out, mine.forward(x.copy()), what="Affine.forward(x)",
                 hint="affine_forward" if no_bias else "affine_flatten")
    expected_dx = mine.backward(G.copy())
    assert_close(theirs.backward(G), expected_dx, what="dx returned by Affine.backward",
                 hint="affine_dx_shape")
    assert_close(theirs.dW, mine.dW, what="Affine.dW", hint="affine_dW")
    assert_close(theirs.db, mine.db, what="Affine.db", hint="affine_db")


@pytest.mark.points(1)
@pytest.mark.hint("swl_backward")
def test_softmax_with_loss_matches_reference(sub, ref, rng):
    """SoftmaxWithLoss loss and gradient agree with the reference (batch of 7, 5 classes)."""
    x = rng.standard_normal((7, 5)) * 2
    labels = rng.integers(0, 5, size=7)
    for t in (np.eye(5)[labels], labels):
        kind = "one-hot" if t.ndim == 2 else "integer"
        mine, theirs = ref.SoftmaxWithLoss(), sub.SoftmaxWithLoss()
        assert_close(theirs.forward(x, t), mine.forward(x, t), rtol=1e-4, atol=1e-6,
                     what=f"the loss ({kind} labels)", hint="swl_forward")
        got, expected = theirs.backward(), mine.backward()
        assert_close(got, expected, batch_size=7, hint=batch_hint(got, expected, 7),
                     what=f"SoftmaxWithLoss.backward() ({kind} labels)")


@pytest.mark.points(1)
@pytest.mark.hint("swl_forward")
def test_softmax_with_loss_large_inputs(sub, ref):
    """SoftmaxWithLoss stays finite for scores around 1000."""
    x = np.array([[1000.0, 1001.0, 1002.0], [1002.0, 1000.0, 1001.0]])
    t = np.array([2, 0])
    loss = sub.SoftmaxWithLoss().forward(x, t)
    assert_close(loss, ref.SoftmaxWithLoss().forward(x, t), rtol=1e-4, atol=1e-6,
                 what="the loss")


@pytest.mark.points(1)
@pytest.mark.hint("swl_copy")
def test_softmax_with_loss_backward_twice(sub, rng):
    """SoftmaxWithLoss.backward() gives the same result when called twice."""
    x = rng.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    layer = sub.SoftmaxWithLoss()
    layer.forward(x, t)
    first = layer.backward()
    second = layer.backward()
    assert_close(second, first, what="the second SoftmaxWithLoss.backward()")


@pytest.mark.points(2)
@pytest.mark.hint("chain")
def test_layers_chain(sub, rng):
    """Affine -> Relu -> Affine -> Sigmoid -> Affine -> SoftmaxWithLoss: backprop vs numerical."""
    N, D, H1, H2, C = 4, 3, 5, 4, 3
    for _ in range(100):  # keep every ReLU input away from the kink at 0
        x = rng.standard_normal((N, D))
        W1 = rng.standard_normal((D, H1))
        b1 = rng.standard_normal(H1) * 0.1
        if np.all(np.abs(x @ W1 + b1) > 0.05):
            break
    W2 = rng.standard_normal((H1, H2))
    b2 = rng.standard_normal(H2) * 0.1
    W3 = rng.standard_normal((H2, C))
    b3 = rng.standard_normal(C) * 0.1
    t = rng.integers(0, C, size=N)

    def build(W1_):
        return [sub.Affine(W1_, b1), sub.Relu(), sub.Affine(W2, b2), sub.Sigmoid(),
                sub.Affine(W3, b3)], sub.SoftmaxWithLoss()

    def forward(layers, last, x_):
        names = ("Affine", "Relu", "Affine", "Sigmoid", "Affine")
        for name, layer in zip(names, layers, strict=True):
            x_ = layer.forward(x_)
            if not isinstance(x_, np.ndarray):
                raise Mistake(f"{name}.forward returned {type(x_).__name__}, "
                              "not a NumPy array.")
        return as_float(last.forward(x_, t), "SoftmaxWithLoss.forward")

    num_dx = numerical_gradient(lambda xx: forward(*build(W1), xx), x)
    num_dW1 = numerical_gradient(lambda WW: forward(*build(WW), x), W1)

    layers, last = build(W1)
    forward(layers, last, x)
    dout = last.backward()
    for layer in reversed(layers):
        dout = layer.backward(dout)
    assert_close(dout, num_dx, rtol=RTOL, atol=ATOL, what="dx at the input of the chain")
    assert_close(layers[0].dW, num_dW1, rtol=RTOL, atol=ATOL, what="dW of the first Affine")

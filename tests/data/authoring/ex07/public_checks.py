"""Public checks of ex07: each optimizer on literal values, updating params in place."""

import numpy as np
import pytest
from optimizer_helpers import assert_params, updated

pytestmark = pytest.mark.timeout(2)


def start():
    params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}
    grads = {"W": np.array([[0.5, -1.0], [2.0, 0.0]]), "b": np.array([1.0, -2.0])}
    later = {"W": np.array([[1.0, 1.0], [-1.0, 0.0]]), "b": np.array([0.0, 2.0])}
    return params, grads, later


@pytest.mark.points(1)
@pytest.mark.hint("sgd_step")
def test_sgd_updates_params_in_place(sub):
    """SGD.update: one step, params updated in place."""
    params, grads, _ = start()
    after = updated(sub.SGD(lr=0.1), params, grads)
    assert_params(after, {"W": [[0.95, 2.1], [2.8, 4.0]], "b": [0.4, -0.3]}, params, "SGD",
                  "SGD(lr=0.1).update")


@pytest.mark.points(1)
@pytest.mark.hint("momentum_velocity")
def test_momentum_two_steps(sub):
    """Momentum.update: two steps, the velocity kept between them."""
    params, grads, later = start()
    optimizer = sub.Momentum(lr=0.1, momentum=0.9)
    first = updated(optimizer, params, grads)
    assert_params(first, {"W": [[0.95, 2.1], [2.8, 4.0]], "b": [0.4, -0.3]}, params,
                  "Momentum", "the first Momentum(lr=0.1, momentum=0.9).update")
    second = updated(optimizer, first, later)
    assert_params(second, {"W": [[0.805, 2.09], [2.72, 4.0]], "b": [0.31, -0.32]}, first,
                  "Momentum", "the second update")


@pytest.mark.points(1)
@pytest.mark.hint("adagrad_step")
def test_adagrad_two_steps(sub):
    """AdaGrad.update: two steps, with a gradient that stays 0."""
    params, grads, later = start()
    optimizer = sub.AdaGrad(lr=0.1)
    first = updated(optimizer, params, grads)
    assert_params(first, {"W": [[0.9, 2.1], [2.9, 4.0]], "b": [0.4, -0.4]}, params,
                  "AdaGrad", "the first AdaGrad(lr=0.1).update")
    second = updated(optimizer, first, later)
    assert_params(second, {"W": [[0.81055731, 2.02928932], [2.94472136, 4.0]],
                           "b": [0.4, -0.47071068]}, first, "AdaGrad", "the second update")

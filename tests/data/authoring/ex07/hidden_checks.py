"""Hidden checks of ex07: the same steps through the student's optimizer and the reference's."""

import pytest
from optimizer_helpers import assert_params, updated

pytestmark = pytest.mark.timeout(2)


@pytest.mark.points(3)
@pytest.mark.hint("sgd_step")
@pytest.mark.parametrize("name, options", [("SGD", {"lr": 0.05}),
                                           ("Momentum", {"lr": 0.05, "momentum": 0.8}),
                                           ("AdaGrad", {"lr": 0.3})])
def test_optimizer_matches_reference(sub, ref, rng, name, options):
    """SGD, Momentum and AdaGrad: four updates of random parameters."""
    theirs, mine = getattr(sub, name)(**options), getattr(ref, name)(**options)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=2)}
    expected = params
    for step in range(1, 5):
        grads = {key: rng.normal(size=value.shape) for key, value in params.items()}
        got, expected = updated(theirs, params, grads), updated(mine, expected, grads)
        assert_params(got, expected, params, name, f"{name} after update {step}")
        params = got

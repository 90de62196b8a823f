"""Hidden checks of {{EXERCISE}}: compared with the reference (`ref`) on random inputs."""

import numpy as np
import pytest

from grader.checks import assert_close

pytestmark = pytest.mark.timeout(2)  # each call returns in milliseconds


@pytest.mark.points(2)
@pytest.mark.hint("leaky_relu_values")
@pytest.mark.parametrize("shape", [(), (9,), (4, 5)])
def test_leaky_relu_matches_reference(sub, ref, rng, shape):
    """leaky_relu: random arrays of several shapes."""
    x = np.asarray(rng.normal(size=shape) * 3)
    for alpha in (0.01, 0.2):
        assert_close(sub.leaky_relu(x, alpha=alpha), ref.leaky_relu(x, alpha=alpha),
                     what=f"leaky_relu(x, alpha={alpha}) for x of shape {shape}")

"""Public checks of {{EXERCISE}}: literal values and properties, never the reference."""

import numpy as np
import pytest

from grader.checks import assert_close

pytestmark = pytest.mark.timeout(2)  # each call returns in milliseconds


@pytest.mark.points(1)
@pytest.mark.hint("leaky_relu_values")
def test_leaky_relu_values(sub):
    """leaky_relu: values on a small array."""
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    assert_close(sub.leaky_relu(x), [-0.02, -0.005, 0.0, 0.5, 3.0], what="leaky_relu(x)")
    assert_close(sub.leaky_relu(x, alpha=0.1), [-0.2, -0.05, 0.0, 0.5, 3.0],
                 what="leaky_relu(x, alpha=0.1)")

import numpy as np
import matplotlib.pyplot as plt

def step_function(x):
    """Step function, element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        An array of the same shape as x: 1 where x > 0, 0 elsewhere (integers).
    """
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    """ReLU (rectified linear unit), element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        A new array of the same shape as x: x where x > 0, 0 elsewhere.
    """
    return np.maximum(0, x)  # a new array: x itself is not modified


def identity_function(x):
    """Identity function.

    Args:
        x: NumPy array of any shape.

    Returns:
        x, unchanged.
    """
    return x


x = np.arange(-5.0, 5.0, 0.1)
y = sigmoid(x)
plt.plot(x, y)
plt.ylim(-0.1, 1.1)
plt.show()
print(step_function(np.array([-1.0, 1.0, 2.0])))

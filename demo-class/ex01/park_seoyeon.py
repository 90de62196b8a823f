import numpy as np
import matplotlib.pyplot as plt

def step_function(x):
    """1 where x > 0, else 0 (as integers), element-wise."""
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    """x where x > 0, else 0, element-wise (a new array: x itself is not modified)."""
    return np.maximum(0, x)


def identity_function(x):
    """Returns its input unchanged (the output activation for regression)."""
    return x


x = np.arange(-5.0, 5.0, 0.1)
y = sigmoid(x)
plt.plot(x, y)
plt.ylim(-0.1, 1.1)
plt.show()
print(step_function(np.array([-1.0, 1.0, 2.0])))

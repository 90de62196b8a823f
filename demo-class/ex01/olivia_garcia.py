import numpy as np
import matplotlib.pyplot as plt

def step_function(x):
    """1 where x > 0, else 0 (as integers), element-wise."""
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + exp(-x)), element-wise, without overflow for large |x|.

    The book's 1 / (1 + np.exp(-x)) gives the right answer too, but np.exp(-x) overflows
    (with a RuntimeWarning) for x below about -710. exp(-|x|) never overflows, so we
    compute it once and use the form that suits the sign of x:
    x >= 0: 1 / (1 + exp(-x)),   x < 0: exp(x) / (1 + exp(x)).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def relu(x):
    x[x < 0] = 0
    return x


def identity_function(x):
    """Returns its input unchanged (the output activation for regression)."""
    return x


x = np.arange(-5.0, 5.0, 0.1)
y = sigmoid(x)
plt.plot(x, y)
plt.ylim(-0.1, 1.1)
plt.show()
print(step_function(np.array([-1.0, 1.0, 2.0])))

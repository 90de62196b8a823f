# correct: every activation a lambda bound to its name, sigmoid in float32, with a demo plot
import numpy as np
import matplotlib.pyplot as plt

step_function = lambda x: np.where(np.asarray(x) > 0, 1, 0)  # noqa: E731
sigmoid = lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=np.float32)))  # noqa: E731
relu = lambda x: np.where(np.asarray(x) > 0, x, 0.0)  # noqa: E731
identity_function = lambda x: x  # noqa: E731

x = np.arange(-5.0, 5.0, 0.1)
plt.plot(x, sigmoid(x))
plt.show()

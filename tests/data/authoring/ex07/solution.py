"""Reference solution of ex07: optimizers (Deep Learning from Scratch, ch. 6, common/optimizer.py)."""

# %% [markdown]
# # Exercise 7: Optimizers
#
# Write three of the optimizers of section 6.1. Each keeps its hyperparameters (and any state
# it needs between steps) and has `update(params, grads)`: `params` and `grads` are dicts of
# arrays with the same keys, and `update` changes **every array of `params` in place**, so that
# the layers that share these arrays see the new values.

# %%
import numpy as np


# %%
class SGD:
    """Stochastic gradient descent: W <- W - lr * dL/dW."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """Move every array of params against its gradient, in place."""
        ### BEGIN SOLUTION
        for key in params.keys():
            params[key] -= self.lr * grads[key]
        ### END SOLUTION

# %% [markdown]
# ## Momentum
#
# $v \leftarrow \alpha v - \eta \frac{\partial L}{\partial W}$, then $W \leftarrow W + v$, with
# one velocity $v$ per parameter, zero at first and kept from one update to the next.

# %%
class Momentum:
    """SGD with momentum: a velocity per parameter, kept between updates."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """v <- momentum * v - lr * grad, then W <- W + v, for every array of params, in place."""
        ### BEGIN SOLUTION
        if self.v is None:
            self.v = {}
            for key, val in params.items():
                self.v[key] = np.zeros_like(val)

        for key in params.keys():
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]
        ### END SOLUTION

# %% [markdown]
# ## AdaGrad
#
# $h \leftarrow h + \frac{\partial L}{\partial W} \odot \frac{\partial L}{\partial W}$, then
# $W \leftarrow W - \eta \frac{1}{\sqrt{h} + 10^{-7}} \frac{\partial L}{\partial W}$.

# %%
class AdaGrad:
    """A learning rate per element, shrinking with the squared gradients seen so far."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        """h <- h + grad * grad, then W <- W - lr * grad / (sqrt(h) + 1e-7), in place."""
        ### BEGIN SOLUTION
        if self.h is None:
            self.h = {}
            for key, val in params.items():
                self.h[key] = np.zeros_like(val)

        for key in params.keys():
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)
        ### END SOLUTION

# %% [stub]
# # Try it (demo cells like this one are not run by the grader)
# params = {"W": np.array([1.0, 2.0])}
# SGD(lr=0.1).update(params, {"W": np.array([0.5, -1.0])})
# print(params["W"])  # expected: [0.95 2.1 ]

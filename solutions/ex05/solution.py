"""Exercise 5: backpropagation layers (reference solution).

Follows "Deep Learning from Scratch", chapter 5 (common/layers.py, common/functions.py).
"""

# %% [markdown]
# # Exercise 5: Backpropagation layers
#
# *Deep Learning from Scratch*, chapter 5.
#
# Backpropagation computes every gradient of a network in one backward sweep. Each **layer** is a
# small class with two methods:
#
# * `forward(x)` computes the layer's output **and keeps what the backward pass will need**;
# * `backward(dout)` receives $\frac{\partial L}{\partial \text{out}}$ (the gradient of the loss
#   with respect to the layer's output) and returns $\frac{\partial L}{\partial x}$, the gradient
#   with respect to the layer's input, **in the shape of that input**.
#
# You write four layers: `Relu`, `Sigmoid`, `Affine(W, b)` and `SoftmaxWithLoss`. Keep the class
# and method names exactly as given: the grader calls them. The grader checks every `backward`
# against a numerical gradient of your `forward`, so a backward pass is right only if it matches
# what your forward pass really computes.

# %%
import numpy as np

# %% [markdown]
# ## Helpers from earlier exercises
#
# `SoftmaxWithLoss` needs `softmax` (exercise 2) and `cross_entropy_error` (exercise 3). Paste your
# versions here. Remember: `softmax` must not overflow for scores around 1000, and
# `cross_entropy_error` takes one-hot or integer labels and averages over the batch.


# %%
def softmax(x):
    """Softmax of a 1-D array, or of each row of a 2-D array."""
    ### BEGIN SOLUTION
    x = x - np.max(x, axis=-1, keepdims=True)  # safe from overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)
    ### END SOLUTION


def cross_entropy_error(y, t):
    """Mean cross-entropy of the predictions y for the labels t (one-hot or integer)."""
    ### BEGIN SOLUTION
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot labels -> indices of the correct classes
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size
    ### END SOLUTION

# %% [markdown]
# ## 1. `Relu`
#
# $$y = \begin{cases} x & (x > 0) \\ 0 & (x \le 0) \end{cases}
# \qquad\qquad
# \frac{\partial y}{\partial x} = \begin{cases} 1 & (x > 0) \\ 0 & (x \le 0) \end{cases}$$
#
# So the backward pass lets `dout` through where the **forward input** was positive and blocks it
# elsewhere. `forward` must remember where that was (for example a boolean `self.mask`), and it
# must not modify the array it is given.


# %%
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Return max(0, x) elementwise (a new array); remember where x <= 0."""
        ### BEGIN SOLUTION
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out
        ### END SOLUTION

    def backward(self, dout):
        """Return dL/dx: dout where the forward input was positive, 0 elsewhere."""
        ### BEGIN SOLUTION
        dout = dout.copy()
        dout[self.mask] = 0
        dx = dout
        return dx
        ### END SOLUTION

# %% [markdown]
# ## 2. `Sigmoid`
#
# $$y = \frac{1}{1 + \exp(-x)} \qquad\qquad
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\, y\,(1 - y)$$
#
# The derivative only needs the **output** $y$, so `forward` keeps its output.


# %%
class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        """Return 1 / (1 + exp(-x)) elementwise and keep it for backward."""
        ### BEGIN SOLUTION
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out
        ### END SOLUTION

    def backward(self, dout):
        """Return dL/dx = dout * y * (1 - y), with y the output of forward."""
        ### BEGIN SOLUTION
        dx = dout * (1.0 - self.out) * self.out
        return dx
        ### END SOLUTION

# %% [markdown]
# ## 3. `Affine(W, b)`
#
# The fully connected layer: for a batch $X$ of shape $(N, D)$, weights $W$ of shape $(D, M)$ and
# bias $b$ of shape $(M,)$,
#
# $$Y = X \cdot W + b, \qquad
# \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \cdot W^{T}, \qquad
# \frac{\partial L}{\partial W} = X^{T} \cdot \frac{\partial L}{\partial Y}, \qquad
# \frac{\partial L}{\partial b} = \sum_{n=1}^{N} \frac{\partial L}{\partial Y_{n}}.$$
#
# Check the shapes: $\frac{\partial L}{\partial W}$ has the shape of $W$,
# $\frac{\partial L}{\partial b}$ the shape of $b$.
#
# Requirements:
#
# * `forward(x)` accepts input of shape $(N, \dots)$, for example images $(N, C, H, W)$, and
#   flattens each sample first: `x.reshape(x.shape[0], -1)`.
# * `backward(dout)` stores the parameter gradients in `self.dW` and `self.db`, and **returns**
#   $\frac{\partial L}{\partial x}$ in the **original** shape of the input (for example
#   $(N, C, H, W)$).


# %%
class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        # gradients of the parameters, set by backward
        self.dW = None
        self.db = None

    def forward(self, x):
        """Return x W + b for x of shape (N, ...), flattened to (N, D) first."""
        ### BEGIN SOLUTION
        # works for tensors too: (N, C, H, W) is flattened to (N, C*H*W)
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x

        out = np.dot(self.x, self.W) + self.b
        return out
        ### END SOLUTION

    def backward(self, dout):
        """Set self.dW and self.db; return dL/dx in the original shape of x."""
        ### BEGIN SOLUTION
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)

        dx = dx.reshape(*self.original_x_shape)  # back to the shape of the input
        return dx
        ### END SOLUTION

# %% [markdown]
# ## 4. `SoftmaxWithLoss`
#
# The last layer of a classifier: softmax of the scores $x$, then the cross-entropy with the labels
# $t$, averaged over the batch of size $N$:
#
# $$y = \mathrm{softmax}(x), \qquad L = -\frac{1}{N} \sum_{n} \sum_{k} t_{nk} \log y_{nk}, \qquad
# \frac{\partial L}{\partial x} = \frac{y - t}{N}.$$
#
# * `forward(x, t)` returns the loss $L$ (a number). `t` is either one-hot, shape $(N, K)$, or
#   integer labels, shape $(N,)$.
# * `backward(dout=1)` returns $\frac{y - t}{N}$ for both kinds of `t` (with integer labels, $t$ is
#   the one-hot version of the labels). It must not modify what `forward` stored.


# %%
class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None  # output of softmax
        self.t = None  # labels (one-hot or integer)

    def forward(self, x, t):
        """Return the mean cross-entropy of softmax(x) for the labels t."""
        ### BEGIN SOLUTION
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss
        ### END SOLUTION

    def backward(self, dout=1):
        """Return dL/dx = (y - t) / N."""
        ### BEGIN SOLUTION
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot labels
            dx = (self.y - self.t) / batch_size
        else:  # integer labels
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx
        ### END SOLUTION

# %% [markdown]
# ## Check your gradients yourself
#
# Compare `backward` with a numerical gradient, exactly as the grader does. With the loss
# $L = \sum (\text{forward}(x) \cdot G)$ for a random array $G$, the upstream gradient is
# $\frac{\partial L}{\partial \text{out}} = G$, so `backward(G)` must equal
# $\frac{\partial L}{\partial x}$.
# (This cell is not graded.)

# %% [stub]
# def numerical_grad_of(loss, x, h=1e-5):
#     grad = np.zeros_like(x)
#     for idx in np.ndindex(*x.shape):
#         plus, minus = x.copy(), x.copy()
#         plus[idx] += h
#         minus[idx] -= h
#         grad[idx] = (loss(plus) - loss(minus)) / (2 * h)
#     return grad
#
# # rng = np.random.default_rng(0)
# # x = rng.standard_normal((2, 3, 2, 2))
# # W, b = rng.standard_normal((12, 4)), rng.standard_normal(4)
# # G = rng.standard_normal((2, 4))
# # layer = Affine(W, b); layer.forward(x); dx = layer.backward(G)
# # num = numerical_grad_of(lambda xx: np.sum(Affine(W, b).forward(xx) * G), x)
# # print(dx.shape, np.max(np.abs(dx - num)))   # (2, 3, 2, 2) and a tiny number

# %% [markdown]
# ## Checking your work
#
# Save the notebook, then run in a terminal (from the course folder):
#
# ```
# grader check ex05
# ```
#
# or run `!grader check ex05` in a code cell. You get a table of the public checks, the reason
# for each failure with a hint, and an HTML report.
#
# **Passing the public checks does not guarantee that the hidden checks pass.** The final
# grade also uses hidden checks on other inputs, so test your functions on your own examples
# as well. Only imports, functions, classes and simple assignments are graded: your demo code
# and plots can stay in the notebook.

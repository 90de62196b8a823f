"""Exercise 6: a two-layer network trained on MNIST (reference solution).

Follows "Deep Learning from Scratch", chapter 4 (ch04/two_layer_net.py and
train_neuralnet.py), with the backpropagation gradient of its `gradient` method.
"""

# %% [markdown]
# # Exercise 6: A two-layer network trained on MNIST
#
# *Deep Learning from Scratch*, chapters 4 and 5.
#
# Time to put everything together: a network with one hidden layer that learns to read handwritten
# digits. You write
#
# 1. `preprocess(images)` and `one_hot(labels, num_classes=10)`: the data, ready for the network;
# 2. `TwoLayerNet(input_size, hidden_size, output_size, weight_init_std=0.01)` with `predict`,
#    `loss`, `accuracy`, `numerical_gradient` and `gradient`;
# 3. `train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1)`: mini-batch
#    stochastic gradient descent.
#
# Keep the names and signatures exactly as given: the grader calls them. The hidden layer may use
# the sigmoid (chapter 4) or ReLU (chapter 5).

# %%
import numpy as np

# %% [markdown]
# ## Helpers from earlier exercises
#
# Paste your `sigmoid` (exercise 1), `softmax` (exercise 2), `cross_entropy_error` (exercise 3) and
# `numerical_gradient(f, x)` (exercise 4) here, or write the layers of exercise 5 if you prefer the
# chapter 5 style. Add any other helper you need (for example the derivative of your activation).


# %%
def sigmoid(x):
    ### BEGIN SOLUTION
    return 1 / (1 + np.exp(-x))
    ### END SOLUTION


### BEGIN SOLUTION
def sigmoid_grad(x):
    return (1.0 - sigmoid(x)) * sigmoid(x)
### END SOLUTION


def softmax(x):
    ### BEGIN SOLUTION
    x = x - np.max(x, axis=-1, keepdims=True)  # guard against overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)
    ### END SOLUTION


def cross_entropy_error(y, t):
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


def numerical_gradient(f, x):
    ### BEGIN SOLUTION
    # the central difference for every element of x, whatever its shape (exercise 4)
    h = 1e-4
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()

    return grad
    ### END SOLUTION

# %% [markdown]
# ## 1. The data
#
# MNIST images come as `uint8` arrays of shape $(N, 28, 28)$ with pixel values $0 \dots 255$, and
# labels as integers $0 \dots 9$.
#
# * `preprocess(images)` returns a **float** array of shape $(N, 784)$ (every image flattened to one
#   row) with values in $[0, 1]$ (divide by 255). It must not change `images`.
# * `one_hot(labels, num_classes=10)` returns an array of shape `(N, num_classes)` whose row
#   $i$ is all zeros except a 1 in column `labels[i]`. For example `one_hot(np.array([2]), 4)` is
#   `[[0, 0, 1, 0]]`.


# %%
def preprocess(images):
    """uint8 images (N, 28, 28) -> float array (N, 784) with values in [0, 1]."""
    ### BEGIN SOLUTION
    return images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    ### END SOLUTION


def one_hot(labels, num_classes=10):
    """Integer labels (N,) -> one-hot rows (N, num_classes)."""
    ### BEGIN SOLUTION
    t = np.zeros((labels.size, num_classes))
    t[np.arange(labels.size), labels] = 1
    return t
    ### END SOLUTION

# %% [markdown]
# ## 2. `TwoLayerNet`
#
# For a batch $x$ of shape `(N, input_size)`:
#
# $$a_1 = x W_1 + b_1, \qquad z_1 = h(a_1), \qquad a_2 = z_1 W_2 + b_2,
# \qquad y = \mathrm{softmax}(a_2),$$
#
# where $h$ is the sigmoid or ReLU. The loss is the cross-entropy with the one-hot labels $t$,
# averaged over the batch: $L = -\frac{1}{N}\sum_n \sum_k t_{nk} \log y_{nk}$.
#
# * `__init__` stores the parameters in the dict `self.params` with the keys `'W1'`, `'b1'`,
#   `'W2'`, `'b2'`: $W_1$ of shape (input_size, hidden_size) and $W_2$ of shape
#   (hidden_size, output_size) drawn as `weight_init_std * np.random.randn(...)`, $b_1$ and $b_2$
#   zero vectors. Every method must use the arrays in `self.params` (the grader sets and nudges
#   them there).
# * `predict(x)` returns the output for each sample, shape (N, output_size): the softmax
#   probabilities $y$, or the scores $a_2$ (both are fine).
# * `loss(x, t)` returns $L$ for one-hot `t`.
# * `accuracy(x, t)` returns the fraction of samples whose highest output is the true class
#   (`t` one-hot).
# * `numerical_gradient(x, t)` returns a dict with the keys `'W1'`, `'b1'`, `'W2'`, `'b2'`: the
#   numerical gradient of the loss with respect to each parameter (use your
#   `numerical_gradient(f, W)` with `f = lambda W: self.loss(x, t)`). Very slow: only for
#   checking on small networks.
# * `gradient(x, t)` returns the same dict, computed by backpropagation:
#
# $$\frac{\partial L}{\partial a_2} = \frac{y - t}{N}, \quad
# \frac{\partial L}{\partial W_2} = z_1^T \frac{\partial L}{\partial a_2}, \quad
# \frac{\partial L}{\partial b_2} = \sum_n \frac{\partial L}{\partial a_2}, \quad
# \frac{\partial L}{\partial z_1} = \frac{\partial L}{\partial a_2} W_2^T,$$
#
# $$\frac{\partial L}{\partial a_1} = \frac{\partial L}{\partial z_1} \odot h'(a_1), \quad
# \frac{\partial L}{\partial W_1} = x^T \frac{\partial L}{\partial a_1}, \quad
# \frac{\partial L}{\partial b_1} = \sum_n \frac{\partial L}{\partial a_1}.$$
#
# For the sigmoid, $h'(a) = \sigma(a)(1 - \sigma(a))$; for ReLU, $h'(a) = 1$ where $a > 0$, else 0.


# %%
class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        """Create self.params with 'W1', 'b1', 'W2', 'b2'."""
        ### BEGIN SOLUTION
        self.params = {}
        self.params["W1"] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)
        ### END SOLUTION

    def predict(self, x):
        """Output for every row of x: shape (N, output_size)."""
        ### BEGIN SOLUTION
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]

        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)

        return y
        ### END SOLUTION

    def loss(self, x, t):
        """Mean cross-entropy of the predictions for the one-hot labels t."""
        ### BEGIN SOLUTION
        y = self.predict(x)

        return cross_entropy_error(y, t)
        ### END SOLUTION

    def accuracy(self, x, t):
        """Fraction of rows of x whose highest output is the true class of t (one-hot)."""
        ### BEGIN SOLUTION
        y = self.predict(x)
        y = np.argmax(y, axis=1)
        t = np.argmax(t, axis=1)

        accuracy = np.sum(y == t) / float(x.shape[0])
        return accuracy
        ### END SOLUTION

    def numerical_gradient(self, x, t):
        """Dict of numerical gradients of the loss for 'W1', 'b1', 'W2', 'b2'."""
        ### BEGIN SOLUTION
        # numerical_gradient changes each parameter array in place and calls loss_W,
        # which ignores its argument: self.loss reads the same arrays from self.params.
        loss_W = lambda W: self.loss(x, t)  # noqa: E731

        grads = {}
        grads["W1"] = numerical_gradient(loss_W, self.params["W1"])
        grads["b1"] = numerical_gradient(loss_W, self.params["b1"])
        grads["W2"] = numerical_gradient(loss_W, self.params["W2"])
        grads["b2"] = numerical_gradient(loss_W, self.params["b2"])

        return grads
        ### END SOLUTION

    def gradient(self, x, t):
        """Dict of gradients of the loss for 'W1', 'b1', 'W2', 'b2', by backpropagation."""
        ### BEGIN SOLUTION
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        grads = {}

        batch_num = x.shape[0]

        # forward
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)

        # backward
        dy = (y - t) / batch_num
        grads["W2"] = np.dot(z1.T, dy)
        grads["b2"] = np.sum(dy, axis=0)

        dz1 = np.dot(dy, W2.T)
        da1 = sigmoid_grad(a1) * dz1
        grads["W1"] = np.dot(x.T, da1)
        grads["b1"] = np.sum(da1, axis=0)

        return grads
        ### END SOLUTION

# %% [markdown]
# Before training, check `gradient` against `numerical_gradient` on a **small** network, for
# example `TwoLayerNet(6, 5, 3)` with a few random samples: the differences should be tiny
# (around 1e-8 or less). The grader does the same with its own numerical gradient of your `loss`.

# %% [stub]
# # Try it (this cell is not graded).
# # net = TwoLayerNet(6, 5, 3, weight_init_std=0.5)
# # x = np.random.rand(4, 6)
# # t = one_hot(np.array([0, 2, 1, 2]), 3)
# # g_num, g_bp = net.numerical_gradient(x, t), net.gradient(x, t)
# # for key in ('W1', 'b1', 'W2', 'b2'):
# #     print(key, np.max(np.abs(g_num[key] - g_bp[key])))

# %% [markdown]
# ## 3. `train`
#
# Mini-batch stochastic gradient descent, `iters_num` times:
#
# 1. pick `batch_size` random training examples, e.g. `np.random.choice(train_size, batch_size)`;
# 2. compute `network.gradient` on that mini-batch;
# 3. update **every array of `network.params` in place**:
#    `network.params[key] -= learning_rate * grad[key]`;
# 4. append the mini-batch loss to a list.
#
# Return the list of losses (one number per iteration). `t_train` is one-hot.
#
# **How the grader trains your network.** It calls `np.random.seed(...)`, builds
# `TwoLayerNet(784, 50, 10)`, and runs your `train(network, x, t, 2000, batch_size=100,
# learning_rate=0.1)` on a fixed set of training images prepared with *your* `preprocess` and
# `one_hot`. Then it computes the test accuracy itself from `network.predict` on test images your
# code never gets the labels of. Full points need the calibrated threshold (0.85); a network that
# learns at all (accuracy at least 0.5) gets partial points.


# %%
def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    """Train network by mini-batch SGD; return the list of mini-batch losses."""
    ### BEGIN SOLUTION
    # returns the loss of every mini-batch (after its update)
    train_size = x_train.shape[0]
    losses = []

    for _ in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)

        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]

        losses.append(network.loss(x_batch, t_batch))

    return losses
    ### END SOLUTION

# %% [markdown]
# ## Try it on MNIST
#
# `grader.data.mnist.load_mnist()` gives MNIST as arrays. It uses the standard MNIST files if you
# downloaded them once with `grader data download mnist`, and otherwise the 10,000 real digits
# that come with the grader, split 8,000 for training and 2,000 for testing (`mnist-t10k`).
# (This cell is not graded.)

# %% [stub]
# # from grader.data.mnist import load_mnist
# # import matplotlib.pyplot as plt
# #
# # mnist = load_mnist()
# # print(mnist.source, mnist.x_train.shape, mnist.x_test.shape)
# # x_train, t_train = preprocess(mnist.x_train), one_hot(mnist.t_train)
# # x_test, t_test = preprocess(mnist.x_test), one_hot(mnist.t_test)
# #
# # network = TwoLayerNet(784, 50, 10)
# # losses = train(network, x_train, t_train, 2000)
# # print("test accuracy:", network.accuracy(x_test, t_test))
# # plt.plot(losses); plt.xlabel("iteration"); plt.ylabel("loss"); plt.show()

# %% [markdown]
# ## Checking your work
#
# Save the notebook, then run in a terminal (from the course folder):
#
# ```
# grader check ex06
# ```
#
# or run `!grader check ex06` in a code cell. You get a table of the public checks, the reason
# for each failure with a hint, and an HTML report.
#
# **Passing the public checks does not guarantee that the hidden checks pass.** The final
# grade also uses hidden checks on other inputs, so test your functions on your own examples
# as well. Only imports, functions, classes and simple assignments are graded: your demo code
# and plots can stay in the notebook.

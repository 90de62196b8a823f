"""Reference solution of ex02: softmax and the forward pass (Deep Learning from Scratch, ch. 3)."""

# %% [markdown]
# # Exercise 2: Softmax and the forward pass
#
# Implement the softmax function (section 3.5), the forward pass of the book's 3-layer network
# (section 3.4), `predict` (section 3.6) and a batched `accuracy` (section 3.6.3).
#
# A single sample is a 1-D array; a **batch** is a 2-D array with one sample per row.
#
# **Rules**
#
# - Keep the function names and signatures exactly as given: the grader calls them by name.
# - Work with NumPy arrays. Use NumPy operations on whole arrays
#   (`np.exp`, `np.sum`, comparisons, ...).
# - Never change an input array in place (no `x[...] = ...`, no `x -= ...`):
#   compute and return a new array.
# - The grader loads only `import`s, function definitions and simple assignments from this notebook.
#   Demo code (prints, plots, experiments) is welcome, but it is **not** run during grading:
#   a function must not depend on a variable that only demo code creates.

# %%
import numpy as np

# %% [markdown]
# ## Given: activation functions from exercise 1
#
# Run this cell; your functions below may use `sigmoid` and `identity_function`.


# %%
# Given (from exercise 1): do not change this cell.
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def identity_function(x):
    return x

# %% [markdown]
# ## 1. Softmax
#
# $$
# y_k = \frac{\exp(a_k)}{\sum_{i=1}^{n} \exp(a_i)}
# $$
#
# - `a` is 1-D (one sample) or 2-D (a batch, one sample per row). For a 2-D input apply softmax to
#   **each row separately**: every row of the result sums to 1.
# - **Overflow**: `np.exp(1010)` is `inf`, and `inf / inf` is `nan`. Since
#   $\mathrm{softmax}(a) = \mathrm{softmax}(a - C)$ for any constant $C$, subtract the maximum
#   before `np.exp` (for a 2-D input: the maximum of each row). Inputs around $1000$ or $-1000$
#   must give the right answer, without `nan`.
# - Do not change `a` in place.


# %%
def softmax(a):
    """Softmax of a 1-D array, or of each row of a 2-D array.

    Args:
        a: NumPy array of shape (n,) or (N, n).

    Returns:
        An array of the same shape as a; every row is positive and sums to 1.
    """
    ### BEGIN SOLUTION
    if a.ndim == 2:
        a = a.T                            # work on columns, then transpose back
        a = a - np.max(a, axis=0)          # guard against overflow in np.exp
        y = np.exp(a) / np.sum(np.exp(a), axis=0)
        return y.T
    a = a - np.max(a)                      # guard against overflow in np.exp
    return np.exp(a) / np.sum(np.exp(a))
    ### END SOLUTION

# %% [stub]
# # Try it (demo cells like this one are not run by the grader)
# print(softmax(np.array([0.3, 2.9, 4.0])))  # expected: [0.01821127 0.24519181 0.73659691]
# print(softmax(np.array([1010.0, 1000.0, 990.0])))
# # expected: [9.99954600e-01 4.53978686e-05 2.06106005e-09]
# print(softmax(np.array([[1.0, 2.0], [3.0, 3.0]])))
# # expected: [[0.26894142 0.73105858] [0.5 0.5]]

# %% [markdown]
# ## 2. The forward pass
#
# `network` is a dict with the weights `W1`, `W2`, `W3` and biases `b1`, `b2`, `b3` (NumPy arrays).
# The network of the book has two hidden layers with the sigmoid activation and an output layer
# with the identity function:
#
# $$
# \begin{aligned}
# a^{(1)} &= x W^{(1)} + b^{(1)}, & z^{(1)} &= \mathrm{sigmoid}(a^{(1)}) \\
# a^{(2)} &= z^{(1)} W^{(2)} + b^{(2)}, & z^{(2)} &= \mathrm{sigmoid}(a^{(2)}) \\
# a^{(3)} &= z^{(2)} W^{(3)} + b^{(3)}, & y &= \mathrm{identity}(a^{(3)})
# \end{aligned}
# $$
#
# - `x` is one sample of shape `(inputs,)`, giving `y` of shape `(outputs,)`, or a batch of shape
#   `(N, inputs)`, giving `y` of shape `(N, outputs)`. `np.dot(x, W)` (with `x` first) handles both.


# %%
def forward(network, x):
    """Forward pass of the book's 3-layer network (sigmoid, sigmoid, identity).

    Args:
        network: dict with the keys "W1", "b1", "W2", "b2", "W3", "b3".
        x: one sample, shape (inputs,), or a batch, shape (N, inputs).

    Returns:
        The output of the last layer: shape (outputs,) or (N, outputs).
    """
    ### BEGIN SOLUTION
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = identity_function(a3)
    return y
    ### END SOLUTION

# %% [stub]
# # The network of the book (section 3.4.3)
# def init_network():
#     network = {}
#     network["W1"] = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
#     network["b1"] = np.array([0.1, 0.2, 0.3])
#     network["W2"] = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]])
#     network["b2"] = np.array([0.1, 0.2])
#     network["W3"] = np.array([[0.1, 0.3], [0.2, 0.4]])
#     network["b3"] = np.array([0.1, 0.2])
#     return network
#
#
# network = init_network()
# print(forward(network, np.array([1.0, 0.5])))  # expected: [0.31682708 0.69627909]

# %% [markdown]
# ## 3. predict
#
# The same network as `forward`, but the output layer uses **softmax** instead of the identity
# function (as in `predict` of section 3.6.2), so the result holds class probabilities: every row
# sums to 1.


# %%
def predict(network, x):
    """The 3-layer network with softmax on the output layer.

    Args:
        network: dict with the keys "W1", "b1", "W2", "b2", "W3", "b3".
        x: one sample, shape (inputs,), or a batch, shape (N, inputs).

    Returns:
        Class probabilities: shape (classes,) or (N, classes), every row sums to 1.
    """
    ### BEGIN SOLUTION
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = softmax(a3)
    return y
    ### END SOLUTION

# %% [stub]
# print(predict(network, np.array([1.0, 0.5])))  # expected: [0.40625907 0.59374093]

# %% [markdown]
# ## 4. Accuracy, in batches
#
# $$
# \mathrm{accuracy} = \frac{\text{number of samples } i \text{ with } \arg\max_k y_{ik} = t_i}{N}
# $$
#
# - `x` has shape `(N, inputs)`; `t` holds the correct **integer labels**, shape `(N,)`
#   (for example `[7, 2, 1, 0, ...]`).
# - Process `x` in batches of `batch_size` rows, as in section 3.6.3: call `predict` on
#   `x[i:i+batch_size]`, take the predicted class of each row with `np.argmax(..., axis=1)` and
#   count the rows where it equals the label. `len(x)` need not be a multiple of `batch_size`:
#   the last batch
#   may be shorter.
# - Return the **fraction** of correct predictions, a number between 0 and 1 (not the count).
# - Labels: the checks give `t` as integer labels. You may also accept one-hot labels (shape
#   `(N, classes)`) by turning them into integer labels with `np.argmax(t, axis=1)` when
#   `t.ndim == 2`, as the reference solution does; this is optional and not graded.


# %%
def accuracy(network, x, t, batch_size=100):
    """Fraction of the samples of x whose predicted class equals their label.

    Args:
        network: dict with the keys "W1", "b1", "W2", "b2", "W3", "b3".
        x: inputs, shape (N, inputs).
        t: integer labels, shape (N,).
        batch_size: number of rows given to predict at a time.

    Returns:
        A number between 0 and 1.
    """
    ### BEGIN SOLUTION
    # One-hot labels, shape (N, classes), are accepted too: turned into integer labels first.
    if t.ndim == 2:
        t = np.argmax(t, axis=1)
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        y_batch = predict(network, x[i:i + batch_size])
        p = np.argmax(y_batch, axis=1)
        accuracy_cnt += np.sum(p == t[i:i + batch_size])
    return accuracy_cnt / len(x)
    ### END SOLUTION

# %% [stub]
# x = np.array([[1.0, 0.5], [-1.0, 2.0], [0.3, 0.3]])
# t = np.array([1, 1, 0])
# print(accuracy(network, x, t, batch_size=2))  # expected: 0.6666666666666666

# %% [markdown]
# ## Check your work
#
# Save the notebook, then run the public checks in a terminal:
#
# ```
# grader check ex02
# ```
#
# or from a notebook cell: `!grader check ex02`. You get a table of the checks, a hint for each
# failed one, and an HTML report.
#
# The public checks are only part of the grading: your submission is also graded with **hidden
# checks** (other inputs, shapes, sizes and edge cases). Passing every public check does **not**
# guarantee that the hidden checks pass, so test your functions on your own inputs as well.

"""Reference solution of ex03: loss functions (Deep Learning from Scratch, ch. 4)."""

# %% [markdown]
# # Exercise 3: Loss functions
#
# Implement the two loss functions of section 4.2: the mean squared error and the cross-entropy
# error. `y` is the output of a network (for the cross-entropy error: probabilities, e.g. from
# softmax) and `t` the correct answer.
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
# ## 1. Mean squared error
#
# $$
# E = \frac{1}{2} \sum_k (y_k - t_k)^2
# $$
#
# - `y` and `t` have the same shape (1-D, or 2-D for a batch); `t` is usually one-hot.
# - Return a single number. For a 2-D batch, sum over **all** elements, as in the book
#   (no division by the batch size).


# %%
def mean_squared_error(y, t):
    """Mean squared error, 0.5 * the sum of the squared differences.

    Args:
        y: network output, shape (classes,) or (N, classes).
        t: correct answers (usually one-hot), same shape as y.

    Returns:
        A single number.
    """
    ### BEGIN SOLUTION
    return 0.5 * np.sum((y - t) ** 2)  # over all elements, also for a batch
    ### END SOLUTION

# %% [stub]
# # Try it (demo cells like this one are not run by the grader)
# t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])                          # the answer is "2"
# y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])    # "2" is the most likely
# print(mean_squared_error(y, t))  # expected: 0.0975
# y = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])    # "7" is the most likely
# print(mean_squared_error(y, t))  # expected: 0.5975

# %% [markdown]
# ## 2. Cross-entropy error
#
# For one sample, and averaged over a batch of $N$ samples:
#
# $$
# E = -\sum_k t_k \log y_k
# \qquad\qquad
# E = -\frac{1}{N} \sum_n \sum_k t_{nk} \log y_{nk}
# $$
#
# - `y`: probabilities, shape `(classes,)` for one sample or `(N, classes)` for a batch.
# - `t`: the correct answers, in **either** form, and both must work:
#   - one-hot, the same shape as `y`, or
#   - integer labels: shape `(N,)` for a batch (e.g. `[2, 0, 7]`), a single integer (a 0-d array)
#     for one sample.
# - Return the **mean over the batch**: a single number.
# - **Log guard**: $\log 0 = -\infty$. Add a tiny $\delta = 10^{-7}$ inside the logarithm,
#   $\log(y + \delta)$, so that a probability of 0 on the correct class gives a large but finite
#   loss instead of `inf` or `nan`.


# %%
def cross_entropy_error(y, t):
    """Cross-entropy error, averaged over the batch.

    Args:
        y: probabilities, shape (classes,) or (N, classes).
        t: one-hot answers (same shape as y) or integer labels
           (shape (N,) for a batch, a single integer for one sample).

    Returns:
        A single number: the mean loss per sample.
    """
    ### BEGIN SOLUTION
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot labels -> integer labels
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    delta = 1e-7  # log(0) would be -inf: a tiny value keeps the loss finite
    return -np.sum(np.log(y[np.arange(batch_size), t] + delta)) / batch_size
    ### END SOLUTION

# %% [stub]
# y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
# print(cross_entropy_error(y, t))            # expected: 0.510825457099338
#
# y_batch = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
# print(cross_entropy_error(y_batch, np.array([[1, 0, 0], [0, 0, 1]])))  # expected: 0.4337501
# print(cross_entropy_error(y_batch, np.array([0, 2])))                  # the same, with labels

# %% [markdown]
# ## Check your work
#
# Save the notebook, then run the public checks in a terminal:
#
# ```
# grader check ex03
# ```
#
# or from a notebook cell: `!grader check ex03`. You get a table of the checks, a hint for each
# failed one, and an HTML report.
#
# The public checks are only part of the grading: your submission is also graded with **hidden
# checks** (other inputs, shapes, sizes and edge cases). Passing every public check does **not**
# guarantee that the hidden checks pass, so test your functions on your own inputs as well.

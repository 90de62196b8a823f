"""Reference solution of ex01: activation functions (Deep Learning from Scratch, ch. 3)."""

# %% [markdown]
# # Exercise 1: Activation functions
#
# Implement the activation functions of chapter 3 of *Deep Learning from Scratch*:
# the step function, the sigmoid function, ReLU and the identity function.
#
# Each function works **element by element** and returns an array of **the same shape** as its
# input. It must work for a single number given as a 0-d array (`np.array(0.5)`), for 1-D arrays
# and for 2-D arrays. No `if` on `x`, no loop over its elements, no `math.exp`: those only work for
# a single number.
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
# ## 1. Step function
#
# $$
# h(x) = \begin{cases} 0 & (x \le 0) \\ 1 & (x > 0) \end{cases}
# $$
#
# - The result holds the **numbers** 0 and 1 (integers, as in the book), not `True`/`False`.
# - At exactly $x = 0$ the result is $0$.


# %%
def step_function(x):
    """Step function, element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        An array of the same shape as x: 1 where x > 0, 0 elsewhere (integers).
    """
    ### BEGIN SOLUTION
    return np.array(x > 0, dtype=int)
    ### END SOLUTION

# %% [stub]
# # Try it (demo cells like this one are not run by the grader)
# print(step_function(np.array([-1.0, 0.0, 2.0])))  # expected: [0 0 1]

# %% [markdown]
# ## 2. Sigmoid function
#
# $$
# h(x) = \frac{1}{1 + \exp(-x)}
# $$
#
# - The result must be finite and correct for inputs up to $|x| = 1000$.
#   `np.exp(1000)` overflows to `inf`: think about what your formula does with it.
#   $\frac{1}{1 + \infty} = 0$ is the right answer; $\frac{\infty}{\infty}$ is `nan`,
#   which is wrong.
#   NumPy may print `RuntimeWarning: overflow encountered in exp`; a warning alone is acceptable,
#   a `nan` or `inf` in the result is not.


# %%
def sigmoid(x):
    """Sigmoid function, element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        An array of the same shape as x with 1 / (1 + exp(-x)) for every element,
        finite for |x| up to 1000.
    """
    ### BEGIN SOLUTION
    # The book's 1 / (1 + np.exp(-x)) gives the right answer too, but np.exp(-x) overflows
    # (with a RuntimeWarning) for x below about -710. exp(-|x|) never overflows, so we
    # compute it once and use the form that suits the sign of x:
    # x >= 0: 1 / (1 + exp(-x)),   x < 0: exp(x) / (1 + exp(x)).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION

# %% [stub]
# print(sigmoid(np.array([-1.0, 0.0, 2.0])))    # expected: [0.26894142 0.5        0.88079708]
# print(sigmoid(np.array([-1000.0, 1000.0])))   # expected: [0. 1.]

# %% [markdown]
# ## 3. ReLU
#
# $$
# h(x) = \begin{cases} x & (x > 0) \\ 0 & (x \le 0) \end{cases}
# $$
#
# - Return the **values** (negative entries replaced by 0), not a mask.
# - Do not change `x` itself: `x[x <= 0] = 0` would modify the caller's array.


# %%
def relu(x):
    """ReLU (rectified linear unit), element-wise.

    Args:
        x: NumPy array of any shape (0-d, 1-D or 2-D).

    Returns:
        A new array of the same shape as x: x where x > 0, 0 elsewhere.
    """
    ### BEGIN SOLUTION
    return np.maximum(0, x)  # a new array: x itself is not modified
    ### END SOLUTION

# %% [stub]
# x = np.array([-2.0, 0.0, 3.5])
# print(relu(x))  # expected: [0.  0.  3.5]
# print(x)        # x itself must still be [-2.   0.   3.5]

# %% [markdown]
# ## 4. Identity function
#
# $$
# \sigma(x) = x
# $$
#
# The output activation of a network for regression (section 3.5): it returns its input as it is.


# %%
def identity_function(x):
    """Identity function.

    Args:
        x: NumPy array of any shape.

    Returns:
        x, unchanged.
    """
    ### BEGIN SOLUTION
    return x
    ### END SOLUTION

# %% [markdown]
# ## Check your work
#
# Save the notebook, then run the public checks in a terminal:
#
# ```
# grader check ex01
# ```
#
# or from a notebook cell: `!grader check ex01`. You get a table of the checks, a hint for each
# failed one, and an HTML report.
#
# The public checks are only part of the grading: your submission is also graded with **hidden
# checks** (other inputs, shapes, sizes and edge cases). Passing every public check does **not**
# guarantee that the hidden checks pass, so test your functions on your own inputs as well.

"""Exercise 4: numerical differentiation and gradient descent (reference solution).

Follows "Deep Learning from Scratch", chapter 4 (common/gradient.py). The stub shipped the book's
broken numerical_diff on purpose: students found and fixed it.
"""

# %% [markdown]
# # Exercise 4: Numerical differentiation and gradient descent
#
# *Deep Learning from Scratch*, chapter 4.
#
# A neural network learns by moving its parameters a little in the direction that lowers the loss.
# To know that direction we need derivatives. In this exercise you compute them **numerically**,
# straight from the definition, and use them to walk downhill:
#
# 1. `numerical_diff(f, x)`: the derivative of a function of one number;
# 2. `numerical_gradient(f, x)`: all partial derivatives of a function of an array, at once;
# 3. `gradient_descent(f, init_x, lr=0.01, step_num=100)`: repeated small steps against
#    the gradient.
#
# Keep the names and signatures exactly as given: the grader calls them.

# %%
import numpy as np

# %% [markdown]
# ## 1. `numerical_diff(f, x)`
#
# The derivative is the limit of a difference quotient:
#
# $$\frac{df(x)}{dx} = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}.$$
#
# A computer cannot take the limit, so we pick a small $h$. Two things matter:
#
# * **Which difference.** The *central difference* looks at both sides of $x$ and is much more
#   accurate than the one-sided (forward) difference above:
#   $$\frac{df(x)}{dx} \approx \frac{f(x+h) - f(x-h)}{2h}.$$
# * **How small $h$ is.** Floating-point numbers have about 16 significant digits. If $h$ is too
#   small, $x + h$ rounds back to $x$ and the difference of two nearly equal values is mostly
#   rounding error. Use $h = 10^{-4}$.
#
# The function below comes from a course handout. **Something is wrong with it.** Try it on
# $f(x) = 0.01x^2 + 0.1x$ at $x = 5$, where the exact derivative is $0.02 \cdot 5 + 0.1 = 0.2$,
# work out what is wrong, and fix it.


# %%
def numerical_diff(f, x):
    """Derivative of the one-variable function f at the number x (central difference, h = 1e-4)."""
    h = 1e-4  # 0.0001
    ### BEGIN SOLUTION
    return (f(x + h) - f(x - h)) / (2 * h)
    ### STUB SHOWS
    # return (f(x + h) - f(x - h)) / 2 * h
    ### END SOLUTION

# %% [stub]
# # Try it (this cell is not graded).
# def function_1(x):
#     return 0.01 * x**2 + 0.1 * x
#
# print(numerical_diff(function_1, 5))   # should be close to 0.2
# print(numerical_diff(function_1, 10))  # should be close to 0.3

# %% [markdown]
# ## 2. `numerical_gradient(f, x)`
#
# For a function of several variables, the gradient collects all partial derivatives:
#
# $$\nabla f(x) = \left(\frac{\partial f}{\partial x_0}, \frac{\partial f}{\partial x_1},
# \dots\right),
# \qquad \frac{\partial f}{\partial x_i} \approx \frac{f(\dots, x_i + h, \dots) - f(\dots, x_i - h,
# \dots)}{2h}.$$
#
# `f` takes the **whole array** `x` and returns a number. For each element of `x`, change only that
# element, evaluate `f(x)`, and compute the central difference with $h = 10^{-4}$.
#
# Requirements:
#
# * `x` is a float NumPy array of **any shape**: 1-D like `np.array([3.0, 4.0])`, 2-D like a weight
#   matrix, 3-D, or even 0-d. The result has the same shape as `x`.
# * You may change elements of `x` temporarily, but when the function returns, `x` must be
#   **exactly** as it was, bit for bit: the caller still uses it.
#
# Example: for $f(x_0, x_1) = x_0^2 + x_1^2$ the gradient at $(3, 4)$ is $(6, 8)$.


# %%
def numerical_gradient(f, x):
    """Gradient of f at x: an array of the shape of x with every partial derivative of f.

    f takes an array shaped like x and returns a number. x is a float array of any shape;
    it must be exactly as it was when this function returns.
    """
    ### BEGIN SOLUTION
    # Each element of x is nudged in place by +h and -h in turn, and put back exactly as it
    # was afterwards, so the caller's x is unchanged when the function returns.
    h = 1e-4
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]

        x[idx] = tmp_val + h
        fxh1 = f(x)  # f(x + h)

        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x - h)

        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val  # restore the original value
        it.iternext()

    return grad
    ### END SOLUTION

# %% [markdown]
# ## 3. `gradient_descent(f, init_x, lr=0.01, step_num=100)`
#
# Starting from `init_x`, repeat `step_num` times
#
# $$x \leftarrow x - \eta \, \nabla f(x),$$
#
# where the learning rate $\eta$ is `lr`, and the gradient comes from your `numerical_gradient`.
# Return the final `x` (an array of the shape of `init_x`).
#
# With $f(x_0, x_1) = x_0^2 + x_1^2$, starting at $(-3, 4)$ with `lr=0.1` and `step_num=100`,
# you should end very close to the minimum $(0, 0)$. Try also a learning rate that is far too
# large (10) and one that is far too small (1e-10).


# %%
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Run step_num steps of x <- x - lr * (gradient of f at x) from init_x; return the final x."""
    ### BEGIN SOLUTION
    x = init_x.copy()
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
    return x
    ### END SOLUTION

# %% [stub]
# # Try it (this cell is not graded).
# def function_2(x):
#     return np.sum(x**2)
#
# # print(numerical_gradient(function_2, np.array([3.0, 4.0])))  # about [6. 8.]
# # print(gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100))  # near [0. 0.]

# %% [markdown]
# ## Checking your work
#
# Save the notebook, then run in a terminal (from the course folder):
#
# ```
# grader check ex04
# ```
#
# or run `!grader check ex04` in a code cell. You get a table of the public checks, the reason
# for each failure with a hint, and an HTML report.
#
# **Passing the public checks does not guarantee that the hidden checks pass.** The final
# grade also uses hidden checks on other inputs, so test your functions on your own examples
# as well. Only imports, functions, classes and simple assignments are graded: your demo code
# and plots can stay in the notebook.

"""Reference solution of {{EXERCISE}}: an example exercise (leaky ReLU) to replace by yours.

Also the source of the student notebook: `grader stub {{EXERCISE}}` writes it from the cells
below (docs/writing-checks.md). `# %% [markdown]` starts a text cell, `# %%` a code cell, and
`# %% [stub]` a cell only students get (commented out here). Between `### BEGIN SOLUTION` and
`### END SOLUTION` is the reference's code; the stub shows `raise NotImplementedError` instead.
"""

# %% [markdown]
# # Exercise {{EXERCISE}}: Leaky ReLU
#
# ReLU passes positive inputs and blocks the others. *Leaky* ReLU lets a little through instead:
#
# $$h(x) = \begin{cases} x & (x > 0) \\ \alpha x & (x \le 0) \end{cases}$$
#
# Write `leaky_relu(x, alpha=0.01)` for a NumPy array `x` of any shape, element by element.
# Keep the name and the signature exactly as given: the grader calls them.

# %%
import numpy as np


# %%
def leaky_relu(x, alpha=0.01):
    """x where x > 0, alpha * x elsewhere, element-wise: a new array of the shape of x."""
    ### BEGIN SOLUTION
    return np.where(x > 0, x, alpha * x)
    ### END SOLUTION

# %% [stub]
# # Try it (demo cells like this one are not run by the grader)
# print(leaky_relu(np.array([-2.0, 0.0, 3.0])))  # expected: [-0.02  0.    3.  ]

# %% [markdown]
# ## Check your work
#
# Save the notebook, then run `grader check {{EXERCISE}}` in a terminal (or `!grader check
# {{EXERCISE}}` in a cell): a table of the public checks, a hint for each failed one, and an
# HTML report. Hidden checks on other inputs count too, so test your function on your own
# examples as well.

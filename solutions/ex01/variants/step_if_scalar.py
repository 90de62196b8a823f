def step_function(x):
    # the book's first version: only works for a single number
    if x > 0:
        return 1
    else:
        return 0

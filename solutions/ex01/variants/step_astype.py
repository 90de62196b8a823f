def step_function(x):
    y = x > 0
    return y.astype(int)  # correct

def step_function(x):
    return x > 0  # BUG: True/False instead of 1/0

def step_function(x):
    x[x > 0] = 1  # BUG: overwrites the caller's array
    x[x <= 0] = 0
    return x.astype(int)

def identity_function(x):
    y = x  # BUG: no return, so the result is None

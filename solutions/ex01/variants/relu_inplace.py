def relu(x):
    x[x < 0] = 0  # BUG: changes the caller's array
    return x

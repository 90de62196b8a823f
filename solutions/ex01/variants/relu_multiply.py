def relu(x):
    return x * (x > 0)  # correct

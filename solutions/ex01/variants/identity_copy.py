def identity_function(x):
    return x.copy()  # correct: a copy has the same values

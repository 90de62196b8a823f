# placeholders left in: both losses hand back y
def mean_squared_error(y, t):
    return y


def cross_entropy_error(y, t):
    return y

# placeholders left in: both losses return 0
def mean_squared_error(y, t):
    return 0.0


def cross_entropy_error(y, t):
    return 0.0

# both losses return a large constant
def mean_squared_error(y, t):
    return 1e6


def cross_entropy_error(y, t):
    return 1e6

# placeholders left in: every function hands back x
def numerical_diff(f, x):
    return x


def numerical_gradient(f, x):
    return x


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    return init_x

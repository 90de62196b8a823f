def leaky_relu(x, alpha=0.01):
    return x

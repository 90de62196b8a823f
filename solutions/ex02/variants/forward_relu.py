import numpy as np


def relu(x):
    return np.maximum(0, x)


def forward(network, x):
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]
    z1 = relu(np.dot(x, W1) + b1)  # BUG: the book's network uses sigmoid
    z2 = relu(np.dot(z1, W2) + b2)
    return np.dot(z2, W3) + b3

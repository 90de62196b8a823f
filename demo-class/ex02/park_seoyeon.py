import numpy as np
import matplotlib.pylab as plt

# Given in the notebook (from ex01).
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def identity_function(x):
    return x


def softmax(a):
    """Softmax of a 1-D array, or of each row of a 2-D array."""
    if a.ndim == 2:
        a = a.T                            # work on columns, then transpose back
        a = a - np.max(a, axis=0)          # guard against overflow in np.exp
        y = np.exp(a) / np.sum(np.exp(a), axis=0)
        return y.T
    a = a - np.max(a)                      # guard against overflow in np.exp
    return np.exp(a) / np.sum(np.exp(a))


def forward(network, x):
    """The 3-layer network of the book: sigmoid, sigmoid, identity."""
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = identity_function(a3)
    return y


def predict(network, x):
    """The same network with softmax on the output: class probabilities."""
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = softmax(a3)
    return y


def accuracy(network, x, t, batch_size=100):
    accuracy_cnt = 0
    i = 0
    while i < len(x):
        y_batch = predict(network, x[i:i + batch_size])
        p = np.argmax(y_batch, axis=1)
        accuracy_cnt += np.sum(p == t[i:i + batch_size])
        i + batch_size
    return accuracy_cnt / len(x)

import numpy as np


# Given in the notebook (from ex01).
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def identity_function(x):
    return x


def softmax(a):
    a = a - np.max(a, axis=-1, keepdims=True)
    exp_a = np.exp(a)
    return exp_a / np.sum(exp_a, axis=-1, keepdims=True)


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
    """Fraction of the rows of x whose predicted class equals the label in t.

    t holds integer labels, shape (N,). One-hot labels, shape (N, classes), are
    accepted too: they are turned into integer labels first.
    """
    if t.ndim == 2:
        t = np.argmax(t, axis=1)
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        y_batch = predict(network, x[i:i + batch_size])
        p = np.argmax(y_batch, axis=1)
        accuracy_cnt += np.sum(p == t[i:i + batch_size])
    return accuracy_cnt / len(x)


network = {"W1": np.full((2, 3), 0.2), "b1": np.zeros(3),
           "W2": np.full((3, 2), 0.3), "b2": np.zeros(2),
           "W3": np.eye(2), "b3": np.array([0.1, -0.1])}
x = np.array([1.0, 0.5])
print(forward(network, x), predict(network, x))

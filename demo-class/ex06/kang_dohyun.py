import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x):
    return (1.0 - sigmoid(x)) * sigmoid(x)


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # guard against overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7))


def numerical_gradient(f, x):
    # the central difference for every element of x, whatever its shape (exercise 4)
    h = 1e-4
    grad = np.zeros_like(x)

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()

    return grad


def preprocess(images):
    """uint8 images (N, 28, 28) -> float array (N, 784) with values in [0, 1]."""
    return images.reshape(images.shape[0], -1).astype(np.float64) / 255.0


def one_hot(labels, num_classes=10):
    """Integer labels (N,) -> one-hot rows (N, num_classes)."""
    t = np.zeros((labels.size, num_classes))
    t[np.arange(labels.size), labels] = 1
    return t


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        """Create self.params with 'W1', 'b1', 'W2', 'b2'."""
        self.params = {}
        self.params["W1"] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def predict(self, x):
        """Output for every row of x: shape (N, output_size)."""
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]

        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)

        return y

    def loss(self, x, t):
        """Mean cross-entropy of the predictions for the one-hot labels t."""
        y = self.predict(x)

        return cross_entropy_error(y, t)

    def accuracy(self, x, t):
        """Fraction of rows of x whose highest output is the true class of t (one-hot)."""
        y = self.predict(x)
        y = np.argmax(y, axis=1)
        t = np.argmax(t, axis=1)

        accuracy = np.sum(y == t) / float(x.shape[0])
        return accuracy

    def numerical_gradient(self, x, t):
        """Dict of numerical gradients of the loss for 'W1', 'b1', 'W2', 'b2'."""
        # numerical_gradient changes each parameter array in place and calls loss_W,
        # which ignores its argument: self.loss reads the same arrays from self.params.
        loss_W = lambda W: self.loss(x, t)  # noqa: E731

        grads = {}
        grads["W1"] = numerical_gradient(loss_W, self.params["W1"])
        grads["b1"] = numerical_gradient(loss_W, self.params["b1"])
        grads["W2"] = numerical_gradient(loss_W, self.params["W2"])
        grads["b2"] = numerical_gradient(loss_W, self.params["b2"])

        return grads

    def gradient(self, x, t):
        """Dict of gradients of the loss for 'W1', 'b1', 'W2', 'b2', by backpropagation."""
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        grads = {}

        batch_num = x.shape[0]

        # forward
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)

        # backward
        dy = (y - t) / batch_num
        grads["W2"] = np.dot(z1.T, dy)
        grads["b2"] = np.sum(dy, axis=0)

        dz1 = np.dot(dy, W2.T)
        da1 = sigmoid_grad(a1) * dz1
        grads["W1"] = np.dot(x.T, da1)
        grads["b1"] = np.sum(da1, axis=0)

        return grads


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    """Train network by mini-batch SGD; return the list of mini-batch losses."""
    # returns the loss of every mini-batch (after its update)
    train_size = x_train.shape[0]
    losses = []

    for _ in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)

        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]

        losses.append(network.loss(x_batch, t_batch))

    return losses


(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
losses = train(network, x_train, t_train, iters_num=10000)
plt.plot(losses)
plt.show()
print(network.accuracy(x_test, t_test))

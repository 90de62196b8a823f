# everything is a large constant
import numpy as np


def preprocess(images):
    return np.full((len(images), 784), 1e6)


def one_hot(labels, num_classes=10):
    return np.full((len(labels), num_classes), 1e6)


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": np.full((input_size, hidden_size), 1e6), "b1": np.full(hidden_size, 1e6),
                       "W2": np.full((hidden_size, output_size), 1e6), "b2": np.full(output_size, 1e6)}

    def predict(self, x):
        return np.full((len(x), self.params['b2'].size), 1e6)

    def loss(self, x, t):
        return 1e6

    def accuracy(self, x, t):
        return 1e6

    def numerical_gradient(self, x, t):
        return {key: np.full(value.shape, 1e6) for key, value in self.params.items()}

    def gradient(self, x, t):
        return {key: np.full(value.shape, 1e6) for key, value in self.params.items()}


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    return [1e6] * iters_num

# placeholders left in: everything is zeros
import numpy as np


def preprocess(images):
    return np.zeros((len(images), 784))


def one_hot(labels, num_classes=10):
    return np.zeros((len(labels), num_classes))


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": np.zeros((input_size, hidden_size)), "b1": np.zeros(hidden_size),
                       "W2": np.zeros((hidden_size, output_size)), "b2": np.zeros(output_size)}

    def predict(self, x):
        return np.zeros((len(x), self.params['b2'].size))

    def loss(self, x, t):
        return 0.0

    def accuracy(self, x, t):
        return 0.0

    def numerical_gradient(self, x, t):
        return {key: np.zeros(value.shape) for key, value in self.params.items()}

    def gradient(self, x, t):
        return {key: np.zeros(value.shape) for key, value in self.params.items()}


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    return [0.0] * iters_num

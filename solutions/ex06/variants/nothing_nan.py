# everything is nan
import numpy as np


def preprocess(images):
    return np.full((len(images), 784), np.nan)


def one_hot(labels, num_classes=10):
    return np.full((len(labels), num_classes), np.nan)


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": np.full((input_size, hidden_size), np.nan), "b1": np.full(hidden_size, np.nan),
                       "W2": np.full((hidden_size, output_size), np.nan), "b2": np.full(output_size, np.nan)}

    def predict(self, x):
        return np.full((len(x), self.params['b2'].size), np.nan)

    def loss(self, x, t):
        return np.nan

    def accuracy(self, x, t):
        return np.nan

    def numerical_gradient(self, x, t):
        return {key: np.full(value.shape, np.nan) for key, value in self.params.items()}

    def gradient(self, x, t):
        return {key: np.full(value.shape, np.nan) for key, value in self.params.items()}


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    return [np.nan] * iters_num

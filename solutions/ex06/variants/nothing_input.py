# placeholders left in: every function hands back its first argument
import numpy as np


def preprocess(images):
    return images


def one_hot(labels, num_classes=10):
    return labels


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": np.zeros((input_size, hidden_size)), "b1": np.zeros(hidden_size),
                       "W2": np.zeros((hidden_size, output_size)), "b2": np.zeros(output_size)}

    def predict(self, x):
        return x

    def loss(self, x, t):
        return x

    def accuracy(self, x, t):
        return x

    def numerical_gradient(self, x, t):
        return self.params

    def gradient(self, x, t):
        return self.params


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    return network

# placeholders left in: every function returns zeros
import numpy as np


def softmax(a):
    return np.zeros_like(a)


def forward(network, x):
    return np.zeros((*np.shape(x)[:-1], network["b3"].size))


def predict(network, x):
    return np.zeros((*np.shape(x)[:-1], network["b3"].size))


def accuracy(network, x, t, batch_size=100):
    return 0.0

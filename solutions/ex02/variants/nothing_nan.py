# every function returns nan
import numpy as np


def softmax(a):
    return np.full(a.shape, np.nan)


def forward(network, x):
    return np.full((*np.shape(x)[:-1], network["b3"].size), np.nan)


def predict(network, x):
    return np.full((*np.shape(x)[:-1], network["b3"].size), np.nan)


def accuracy(network, x, t, batch_size=100):
    return np.nan

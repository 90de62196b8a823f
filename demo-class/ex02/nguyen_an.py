import sys, os
sys.path.append(os.pardir)  # to import the book's folders
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def identity_function(x):
    return x


def soft_max(a):
    a = a - np.max(a, axis=-1, keepdims=True)
    return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)


def forward(network, x):
    z1 = sigmoid(np.dot(x, network["W1"]) + network["b1"])
    z2 = sigmoid(np.dot(z1, network["W2"]) + network["b2"])
    return identity_function(np.dot(z2, network["W3"]) + network["b3"])


def predict(network, x):
    return soft_max(forward(network, x))


def accuracy(network, x, t, batch_size=100):
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        p = np.argmax(predict(network, x[i:i + batch_size]), axis=1)
        accuracy_cnt += np.sum(p == t[i:i + batch_size])
    return accuracy_cnt / len(x)

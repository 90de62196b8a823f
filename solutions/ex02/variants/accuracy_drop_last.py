import numpy as np


def accuracy(network, x, t, batch_size=100):
    accuracy_cnt = 0
    for i in range(len(x) // batch_size):  # BUG: the last, shorter batch is left out
        x_batch = x[i * batch_size:(i + 1) * batch_size]
        p = np.argmax(predict(network, x_batch), axis=1)
        accuracy_cnt += np.sum(p == t[i * batch_size:(i + 1) * batch_size])
    return accuracy_cnt / len(x)

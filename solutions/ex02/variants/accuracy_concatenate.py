import numpy as np


def accuracy(network, x, t, batch_size=100):
    # correct, another style: collect the predicted classes, then compare once
    predicted = [np.argmax(predict(network, x[i:i + batch_size]), axis=1)
                 for i in range(0, len(x), batch_size)]
    return float(np.mean(np.concatenate(predicted) == t))

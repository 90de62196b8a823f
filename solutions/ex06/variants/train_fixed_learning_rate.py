import numpy as np


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    losses = []
    for _ in range(iters_num):
        mask = np.random.choice(x_train.shape[0], batch_size)
        grad = network.gradient(x_train[mask], t_train[mask])
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= 0.1 * grad[key]  # the argument is ignored
        losses.append(network.loss(x_train[mask], t_train[mask]))
    return losses

# buggy: the chapter 5 net (variant ch5_relu_layers), but train rebinds network.params[key]
# to a new array, while the Affine layers keep computing with the old ones: nothing learns
import numpy as np


def train(network, x_train, t_train, iters_num, batch_size=100, learning_rate=0.1):
    train_size = x_train.shape[0]
    train_loss_list = []
    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)

        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] = network.params[key] - learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)
    return train_loss_list

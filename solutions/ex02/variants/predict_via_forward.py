def predict(network, x):
    return softmax(forward(network, x))  # correct

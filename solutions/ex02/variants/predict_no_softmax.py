def predict(network, x):
    return forward(network, x)  # BUG: no softmax on the output

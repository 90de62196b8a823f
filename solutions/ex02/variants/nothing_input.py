# placeholders left in: every function hands back its input
def softmax(a):
    return a


def forward(network, x):
    return x


def predict(network, x):
    return x


def accuracy(network, x, t, batch_size=100):
    return x

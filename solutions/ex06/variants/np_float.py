import numpy as np


def preprocess(images):
    x = images.reshape(images.shape[0], 784).astype(np.float)  # np.float is gone since NumPy 1.24
    return x / 255.0

import numpy as np


def preprocess(images):
    # flattened and converted to float, but left in 0..255
    return images.reshape(images.shape[0], -1).astype(np.float64)

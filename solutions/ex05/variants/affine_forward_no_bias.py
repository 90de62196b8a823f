import numpy as np


class Affine(Affine):
    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W)  # forgot + self.b

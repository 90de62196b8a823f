# predict copies the parameters on its first call and uses that copy ever after: gradient
# (which reads self.params) is right, but nothing that goes through predict ever changes.


class TwoLayerNet(TwoLayerNet):
    def predict(self, x):
        if not hasattr(self, "frozen"):
            self.frozen = {key: value.copy() for key, value in self.params.items()}
        a1 = np.dot(x, self.frozen["W1"]) + self.frozen["b1"]
        return softmax(np.dot(sigmoid(a1), self.frozen["W2"]) + self.frozen["b2"])

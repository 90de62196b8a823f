# placeholders left in: every function hands back its input
import numpy as np


def step_function(x):
    return x


def sigmoid(x):
    return x


def relu(x):
    return x


def identity_function(x):
    return x

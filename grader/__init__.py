"""grader: an autograder for a from-scratch NumPy deep-learning course."""

__version__ = "0.1.0"

"""Data sets that checks train and evaluate submissions on."""

from pathlib import Path

# The MNIST digits shipped with the package (grader.data.mnist). Here, not there, because the
# sandbox hides them from workers and must know where without importing NumPy first.
PACKAGED_DIR = Path(__file__).with_name("mnist-t10k")

"""Data sets that checks train and evaluate submissions on."""

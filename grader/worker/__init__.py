"""Run student code in a separate process and talk to it with plain data only."""

"""Load a submission: find the student's file and read its definitions."""

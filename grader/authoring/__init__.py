"""Tools for course authors: the annotated reference, the stubs made from it, new exercises.

- :mod:`grader.authoring.source`: the reference's annotations (cells, solution regions) and
  the views made from it: the student's cells, the published solution.
- :mod:`grader.authoring.stub`: an exercise's stub files (notebook, script) written from the
  reference, and how a stub on disk differs from them.
- :mod:`grader.authoring.scaffold`: a new exercise's two folders, valid out of the box.
"""

"""An exercise's stub files, made from its annotated reference, and how those on disk differ.

A stub is a notebook (``exNN.ipynb``) and/or a percent-format script (``exNN.py``); each is
written byte for byte the same every time, so that a stub on disk either is what the reference
makes or has drifted from it.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from grader.authoring.source import CODE, Cell, SourceError, parse, percent_text
from grader.course import Exercise

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
DIFF_LINES = 60  # of a drift shown in full; the rest is counted


def stub_cells(exercise: Exercise) -> list[Cell]:
    """The student's cells, from the exercise's reference (:class:`SourceError` if it has no
    reference or its annotations are malformed)."""
    if exercise.reference is None:
        raise SourceError(1, f"{exercise.name} has no reference solution "
                             f"(solutions/{exercise.name}/solution.py)")
    return parse(exercise.reference.read_text(encoding="utf-8")).stub


def stub_text(cells: list[Cell], suffix: str) -> str:
    """The stub file in the format of ``suffix``: a notebook (.ipynb) or a script (.py)."""
    if suffix == ".py":
        return percent_text(cells)
    notebook = {"cells": [_notebook_cell(index, cell) for index, cell in enumerate(cells)],
                "metadata": NOTEBOOK_METADATA, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _notebook_cell(index: int, cell: Cell) -> dict:
    made = {"cell_type": cell.kind, "id": f"cell-{index:02d}", "metadata": {},
            "source": cell.source.splitlines(keepends=True)}
    if cell.kind == CODE:
        made.update(execution_count=None, outputs=[])
    return made


def expected_stubs(exercise: Exercise, script: bool = False) -> dict[Path, str]:
    """Each stub file of the exercise (the notebook if it has none yet; with ``script``, the
    .py stub too) and what it must hold."""
    cells = stub_cells(exercise)
    paths = exercise.stubs or [exercise.stub_file(".ipynb")]
    if script and exercise.stub_file(".py") not in paths:
        paths = [*paths, exercise.stub_file(".py")]
    return {path: stub_text(cells, path.suffix) for path in paths}


def write_stubs(exercise: Exercise, script: bool = False) -> list[Path]:
    """(Re)write the exercise's stub files; ``script`` adds the .py stub. Returns the paths."""
    stubs = expected_stubs(exercise, script)
    for path, text in stubs.items():
        path.write_text(text, encoding="utf-8")
    return list(stubs)


def drift(exercise: Exercise) -> list[str]:
    """How each stub file on disk differs from what the reference makes (empty: none does),
    with a diff of their cells."""
    problems = []
    for path, expected in expected_stubs(exercise).items():
        name = f"{exercise.assignment_dir.name}/{path.name}"
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        actual = path.read_text(encoding="utf-8", errors="replace")
        if actual == expected:
            continue
        readable = _readable(actual, path.suffix)
        readable_expected = _readable(expected, path.suffix)
        if readable is None:
            problems.append(f"{name} is not a readable notebook")
        elif readable == readable_expected:
            problems.append(f"{name} has the same cells as the reference makes, but outputs, "
                            f"metadata or formatting differ")
        else:
            diff = list(difflib.unified_diff(
                readable.splitlines(), readable_expected.splitlines(),
                f"{name} (on disk)", f"{name} (made from the reference)", lineterm="", n=2))
            more = f"\n... {len(diff) - DIFF_LINES} more lines" if len(diff) > DIFF_LINES else ""
            problems.append(f"{name} differs from what the reference makes:\n"
                            + "\n".join(diff[:DIFF_LINES]) + more)
    return problems


def _readable(text: str, suffix: str) -> str | None:
    """A stub file as percent-format text, to compare cells whatever the format."""
    if suffix == ".py":
        return text
    try:
        cells = json.loads(text)["cells"]
        return percent_text([Cell(c["cell_type"], "".join(c["source"])) for c in cells])
    except (ValueError, KeyError, TypeError):
        return None

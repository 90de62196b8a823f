"""A course author's job: a new exercise from one annotated reference, with the commands only.

The exercise built here is the book's chapter 6 optimizers (tests/data/authoring/ex07): its
checks see in-place updates through the public check API alone.
"""

from __future__ import annotations

import ast
import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import REPO

import grader.checks
from grader import validate
from grader.authoring.source import SourceError, parse, solution_view
from grader.authoring.stub import stub_text
from grader.course import Course

EX07 = REPO / "tests/data/authoring/ex07"


def grader_command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def write_optimizers_exercise(course: Path) -> None:
    """Replace the example that `grader new ex07` scaffolds with the optimizers exercise."""
    assignment, solution = course / "assignments/ex07", course / "solutions/ex07"
    shutil.rmtree(solution / "variants")
    shutil.copytree(EX07 / "variants", solution / "variants")
    for source, target in (("solution.py", solution / "solution.py"),
                           ("public_checks.py", assignment / "checks/test_public.py"),
                           ("optimizer_helpers.py", assignment / "checks/optimizer_helpers.py"),
                           ("hidden_checks.py", solution / "checks/test_hidden.py"),
                           ("assignment.toml", assignment / "exercise.toml"),
                           ("solution.toml", solution / "exercise.toml"),
                           ("variants.toml", solution / "variants.toml")):
        shutil.copy(EX07 / source, target)


def test_checks_use_only_the_public_check_api() -> None:
    """The optimizer checks import from grader.checks only what it exports: no private helper."""
    for name in ("public_checks.py", "optimizer_helpers.py", "hidden_checks.py"):
        for node in ast.walk(ast.parse((EX07 / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grader"):
                assert node.module == "grader.checks", (name, node.module)
                assert {alias.name for alias in node.names} <= set(grader.checks.__all__), name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("grader") for a in node.names), name


def test_a_new_exercise_is_valid_out_of_the_box(tmp_path: Path) -> None:
    assert grader_command("new", "ex07", cwd=tmp_path).returncode == 0
    validated = grader_command("validate", "ex07", cwd=tmp_path)
    assert validated.returncode == 0 and "all claims hold" in validated.stdout, validated.stdout
    again = grader_command("new", "ex07", cwd=tmp_path)
    assert again.returncode == 1 and "already there" in again.stderr


def test_validate_names_a_check_the_stub_passes(tmp_path: Path) -> None:
    """The stub's __init__ stores lr: a check of that alone pays for nothing, and the rule
    "the stub earns zero" says so."""
    assert grader_command("new", "ex07", cwd=tmp_path).returncode == 0
    write_optimizers_exercise(tmp_path)
    assert grader_command("stub", "ex07", cwd=tmp_path).returncode == 0
    (tmp_path / "assignments/ex07/checks/test_lr.py").write_text(
        "import pytest\n\n\n@pytest.mark.points(1)\ndef test_sgd_keeps_lr(sub):\n"
        "    assert sub.SGD(lr=0.1).lr == 0.1\n")
    verdict = validate.check_stub(Course(tmp_path).exercise("ex07"))
    assert not verdict.ok and verdict.detail.startswith("earns points on test_sgd_keeps_lr")


def test_new_exercise_from_scratch_is_accepted_by_every_command(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    made = grader_command("new", "ex07", cwd=course)
    assert made.returncode == 0, made.stderr
    assert (course / "assignments/ex07/ex07.ipynb").is_file()
    write_optimizers_exercise(course)

    refused = grader_command("release", "--out", str(tmp_path / "bundle"), cwd=course)
    assert refused.returncode == 1 and "grader stub ex07" in refused.stderr, refused.stderr
    assert not (tmp_path / "bundle").exists()
    stub = grader_command("stub", "ex07", cwd=course)
    assert stub.returncode == 0, stub.stderr

    validated = grader_command("validate", "ex07", cwd=course)
    assert validated.returncode == 0, validated.stdout
    assert "all claims hold" in validated.stdout and "variant sgd_rebinds" in validated.stdout

    unfinished = grader_command("check", "ex07", cwd=course)
    assert unfinished.returncode == 1 and "NotImplementedError" in unfinished.stdout
    reference = solution_view((course / "solutions/ex07/solution.py").read_text())
    (tmp_path / "mine.py").write_text(reference)
    finished = grader_command("check", "ex07", str(tmp_path / "mine.py"), cwd=course)
    assert finished.returncode == 0 and "3 of 3 points" in finished.stdout, finished.stdout

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(reference)
    (subs / "bob.py").write_text(reference + "\n\n" + (EX07 / "variants/sgd_rebinds.py")
                                 .read_text())
    shutil.copy(course / "assignments/ex07/ex07.ipynb", subs / "carol.ipynb")
    graded = grader_command("grade", "ex07", str(subs), "--out", str(tmp_path / "graded"),
                            "--workers", "1", cwd=course)
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "graded/gradebook.csv", newline="") as f:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert scores == {"alice": 6.0, "bob": 2.0, "carol": 0.0}

    bundle = tmp_path / "bundle"
    released = grader_command("release", "--out", str(bundle), "--solution", "ex07", cwd=course)
    assert released.returncode == 0, released.stderr
    assert not any("solutions" in p.parts for p in bundle.rglob("*"))
    assert (bundle / "assignments/ex07/ex07.ipynb").read_bytes() == (
        course / "assignments/ex07/ex07.ipynb").read_bytes()
    assert (bundle / "assignments/ex07/solution.py").read_text() == reference
    assert "### BEGIN SOLUTION" not in reference and "# %%" not in reference

    archive = tmp_path / "autograder.zip"
    exported = grader_command("export", "gradescope", "ex07", "--out", str(archive), cwd=course)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "autograder")
    (tmp_path / "submission").mkdir()
    shutil.copy(subs / "bob.py", tmp_path / "submission/bob.py")
    as_gradescope = grader_command(
        "grade", "ex07", str(tmp_path / "submission"), "--one", "--student-name", "submission",
        "--out", str(tmp_path / "gradescope"), "--course", str(tmp_path / "autograder/course"),
        cwd=tmp_path)
    assert as_gradescope.returncode == 0, as_gradescope.stderr
    results = json.loads((tmp_path / "gradescope/submission/results.json").read_text())
    assert results["score"] == 2.0 and len(results["tests"]) == 4


def test_validate_fails_when_a_stub_drifts_from_its_reference(tmp_path: Path) -> None:
    """ex04's stub fixed by hand, then its reference changed: each is a failing claim with a
    diff; `grader stub` puts the stub back in line."""
    for folder in ("assignments", "solutions"):
        shutil.copytree(REPO / folder / "ex04", tmp_path / folder / "ex04")
    exercise = Course(tmp_path).exercise("ex04")
    claim = next(c for c in validate.claims(exercise) if c.name == "stub-source")
    assert claim.prove().ok

    notebook = exercise.stub_file(".ipynb")
    broken = "(f(x + h) - f(x - h)) / 2 * h"
    notebook.write_text(notebook.read_text().replace(broken, "(f(x + h) - f(x - h)) / (2 * h)"))
    verdict = claim.prove()
    assert not verdict.ok
    assert f"+    return {broken}" in verdict.detail and "grader stub ex04" in verdict.detail

    assert grader_command("stub", "ex04", cwd=tmp_path).returncode == 0
    assert claim.prove().ok
    reference = exercise.reference
    reference.write_text(reference.read_text().replace(
        '"""Run step_num steps', '"""Take step_num steps'))
    verdict = claim.prove()
    assert not verdict.ok and '+    """Take step_num steps' in verdict.detail


def test_the_course_stubs_are_made_from_their_references() -> None:
    """ex01-ex06: every stub is what its reference makes, and the published solution keeps
    every definition of the reference and no annotation."""
    for exercise in Course(REPO).exercises():
        assert validate.check_stub_source(exercise).ok, exercise.name
        published = solution_view(exercise.reference.read_text(encoding="utf-8"))
        assert "###" not in published and "# %%" not in published, exercise.name
        names = {node.name for node in ast.parse(exercise.reference.read_text()).body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        assert names == {node.name for node in ast.parse(published).body
                         if isinstance(node, (ast.FunctionDef, ast.ClassDef))}, exercise.name


ANNOTATED = '''"""The reference's own docstring."""

# %% [markdown]
# # Title
#
#   indented text

# %%
import numpy as np


# %%
def f(x):
    """Shown to students."""
    ### BEGIN SOLUTION
    return np.abs(x)
    ### END SOLUTION


### BEGIN SOLUTION
def helper(x):
    return x
### END SOLUTION


def g(x):
    y = 1
    ### BEGIN SOLUTION
    return x + y
    ### STUB SHOWS
    # return x - y  # shipped broken
    #
    # pass
    ### END SOLUTION


class Layer:
    def forward(self, x):
        ### BEGIN SOLUTION
        return x
        ### END SOLUTION

    ### BEGIN SOLUTION
    def extra(self):
        return 1
    ### END SOLUTION

# %% [stub]
# # Try it
# print(f(np.array([-1.0])))
'''


def test_a_reference_makes_the_stub_cells_and_the_published_solution() -> None:
    annotated = parse(ANNOTATED)
    assert annotated.header == '"""The reference\'s own docstring."""'
    assert [c.kind for c in annotated.stub] == ["markdown", "code", "code", "code"]
    assert annotated.stub[0].source == "# Title\n\n  indented text"
    assert annotated.stub[2].source == '''def f(x):
    """Shown to students."""
    raise NotImplementedError


def g(x):
    y = 1
    return x - y  # shipped broken

    pass


class Layer:
    def forward(self, x):
        raise NotImplementedError'''
    assert annotated.stub[3].source == "# Try it\nprint(f(np.array([-1.0])))"
    published = solution_view(ANNOTATED)
    assert "###" not in published and "# %%" not in published and "Try it" not in published
    assert "def helper(x):\n    return x" in published and "return x + y\n" in published
    assert published.startswith('"""The reference\'s own docstring."""\n\nimport numpy as np\n')


def test_stub_files_are_valid_and_a_script_stub_reads_back_as_its_cells() -> None:
    cells = parse(ANNOTATED).stub
    notebook = stub_text(cells, ".ipynb")
    nbformat.validate(nbformat.reads(notebook, as_version=4))
    assert notebook == stub_text(parse(ANNOTATED).stub, ".ipynb")
    assert parse(stub_text(cells, ".py")).stub == cells


@pytest.mark.parametrize("text, line, words", [
    ("x = 1\n", 1, "no cells"),
    ("# %%\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n", 3, "without ### END SOLUTION"),
    ("# %%\n### END SOLUTION\n", 2, "without ### BEGIN SOLUTION"),
    ("# %%\n### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", 3, "inside the one"),
    ("# %%\n### STUB SHOWS\n", 2, "inside a solution region"),
    ("# %%\n### BEGIN SOLUTION\nx = 1\n### STUB SHOWS\nx = 2\n### END SOLUTION\n", 5,
     "expected a comment"),
    ("# %% [markdown]\nx = 1\n", 2, "expected a comment"),
    ("# %% [slides]\n", 1, "unknown cell kind"),
    ("# %%\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### STUB SHOWS\n"
     "    ### END SOLUTION\n", 1, "would not be valid Python"),
    ("# %%\ndef f(:\n", 2, "not valid Python"),
])
def test_malformed_annotations_are_refused_with_their_line(text: str, line: int,
                                                           words: str) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        parse(text)
    assert caught.value.line == line

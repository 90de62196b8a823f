"""An nbgrader course equivalent to ex03, and the benchmark's own nbgrader environment.

The source notebook has one solution cell and 12 autograded test cells: the 6 public checks
of ex03 (same literal inputs and expected values, same points) and the 6 hidden checks (same
points, same seeded random inputs compared with the reference, which lives only in the
``### BEGIN HIDDEN TESTS`` blocks). The assertions are plain numpy: value, shape, finiteness,
inputs unchanged, as the grader's checks assert them (without the grader's explanations).

Submissions are placed as ``submitted/<student>/ex03/ex03.ipynb``: a ``.py`` submission becomes
the solution cell of the released notebook; a notebook submission's cells take the place of
the solution cell (the first code cell keeps its nbgrader metadata); an unreadable notebook is
copied as it is. Everything the student wrote runs, as nbgrader runs the whole notebook.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

NBGRADER_PACKAGES = ["nbgrader", "numpy", "matplotlib"]
EXERCISE = "ex03"
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.Execute.timeout = {cell_timeout:g}
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
"""


def cell_timeout(course_root: Path) -> float:
    """nbgrader's deadline per cell: the longest deadline per call of ex03's checks."""
    from grader.checks.listing import list_checks
    from grader.course import Course
    from grader.worker.limits import Limits

    checks = list_checks(Course(course_root).exercise(EXERCISE))
    return max(c.seconds_per_call or Limits.call_seconds for c in checks)

SOLUTION = '''import numpy as np

### BEGIN SOLUTION
def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size
### END SOLUTION'''

SETUP = '''import zlib

import numpy as np

T_BOOK = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
Y_GOOD = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
Y_BAD = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
Y_BATCH = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.05, 0.9, 0.05]])
T_BATCH = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
LABELS_BATCH = np.array([0, 2, 0, 2])
CEE_BATCH = 1.3123811232142248
CEE_RTOL = 1e-4
BATCHES = [(1, 3), (3, 3), (5, 2), (17, 10), (64, 10), (10, 7)]


def assert_close(got, expected, rtol=1e-5, atol=1e-8):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.dtype.kind in "biuf", f"not a number: {got!r}"
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    assert np.all(np.isfinite(got)), f"not finite: {got}"
    assert np.allclose(got, expected, rtol=rtol, atol=atol), f"{got} != {expected}"


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def probabilities(rng, n, classes):
    a = rng.normal(size=(n, classes))
    y = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    return (y + 0.01) / (1 + 0.01 * classes)


def one_hot(labels, classes):
    return np.eye(classes, dtype=int)[labels]'''

REFERENCE = '''    def ref_mse(y, t):
        return 0.5 * np.sum((y - t) ** 2)

    def ref_cee(y, t):
        if y.ndim == 1:
            t = t.reshape(1, t.size)
            y = y.reshape(1, y.size)
        if t.size == y.size:
            t = t.argmax(axis=1)
        n = y.shape[0]
        return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n
'''

# (check name, points, public?, body)
TESTS: list[tuple[str, int, bool, str]] = [
    ("test_mse_book_example", 2, True, '''
for y, expected in ((Y_GOOD, 0.0975), (Y_BAD, 0.5975)):
    assert_close(mean_squared_error(y, T_BOOK), expected)'''),
    ("test_mse_batch", 1, True, '''
assert_close(mean_squared_error(Y_BATCH, T_BATCH), 1.495)
assert_close(mean_squared_error(np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]),
                                np.array([[0.5, 0.4], [0.0, 1.0], [0.25, 0.5]])), 1.03625)'''),
    ("test_cee_book_example", 2, True, '''
for y, expected in ((Y_GOOD, 0.510825457099338), (Y_BAD, 2.302584092994546)):
    assert_close(cross_entropy_error(y, T_BOOK), expected, rtol=CEE_RTOL)'''),
    ("test_cee_batch_one_hot", 2, True, '''
assert_close(cross_entropy_error(Y_BATCH, T_BATCH), CEE_BATCH, rtol=CEE_RTOL)'''),
    ("test_cee_batch_labels", 2, True, '''
assert_close(cross_entropy_error(Y_BATCH, LABELS_BATCH), CEE_BATCH, rtol=CEE_RTOL)
y = np.array([[0.1, 0.2, 0.3, 0.15, 0.25], [0.6, 0.1, 0.1, 0.1, 0.1],
              [0.05, 0.05, 0.8, 0.05, 0.05]])
assert_close(cross_entropy_error(y, np.array([4, 1, 2])), 1.3040071601429113, rtol=CEE_RTOL)'''),
    ("test_cee_log_guard", 2, True, '''
for y, t, least in ((np.array([0.0, 0.3, 0.7]), np.array([1, 0, 0]), 10.0),
                    (np.array([[0.0, 0.4, 0.6], [0.2, 0.8, 0.0]]),
                     np.array([[1, 0, 0], [0, 1, 0]]), 5.0)):
    loss = float(np.asarray(cross_entropy_error(y, t)))
    assert np.isfinite(loss) and loss >= least
assert_close(cross_entropy_error(np.array([0.0, 0.2, 0.8]), np.array([0, 0, 1])),
             0.22314342631421757, rtol=CEE_RTOL)'''),
    ("test_mse_matches_reference", 1, False, '''
rng = rng_for("test_mse_matches_reference")
cases = [(rng.random(10), one_hot(rng.integers(10), 10).astype(float)),
         (rng.normal(size=4), rng.normal(size=4))]
for n, classes in BATCHES:
    cases.append((probabilities(rng, n, classes),
                   one_hot(rng.integers(0, classes, size=n), classes)))
cases.append((rng.normal(size=(6, 5)), rng.normal(size=(6, 5))))
for y, t in cases:
    assert_close(mean_squared_error(y, t), ref_mse(y, t))'''),
    ("test_cee_one_hot_matches_reference", 2, False, '''
rng = rng_for("test_cee_one_hot_matches_reference")
y = probabilities(rng, 1, 10)[0]
t = one_hot(rng.integers(10), 10)
assert_close(cross_entropy_error(y, t), ref_cee(y, t), rtol=CEE_RTOL)
for n, classes in BATCHES:
    y = probabilities(rng, n, classes)
    t = one_hot(rng.integers(0, classes, size=n), classes)
    assert_close(cross_entropy_error(y, t), ref_cee(y, t), rtol=CEE_RTOL)'''),
    ("test_cee_labels_matches_reference", 2, False, '''
rng = rng_for("test_cee_labels_matches_reference")
for n, classes in BATCHES:
    y = probabilities(rng, n, classes)
    t = rng.integers(0, classes, size=n)
    assert_close(cross_entropy_error(y, t), ref_cee(y, t), rtol=CEE_RTOL)'''),
    ("test_cee_single_sample_label", 1, False, '''
rng = rng_for("test_cee_single_sample_label")
for classes in (3, 10):
    y = probabilities(rng, 1, classes)[0]
    for label in (0, classes - 1, int(rng.integers(classes))):
        t = np.array(label)
        assert_close(cross_entropy_error(y, t), ref_cee(y, t), rtol=CEE_RTOL)'''),
    ("test_cee_log_guard_labels", 1, False, '''
rng = rng_for("test_cee_log_guard_labels")
y = probabilities(rng, 6, 4)
t = rng.integers(0, 4, size=6)
y[2] = 0.0
y[2, (t[2] + 1) % 4] = 1.0
y[4, t[4]] = 0.0
y[4] /= y[4].sum()
loss = np.asarray(cross_entropy_error(y, t))
assert loss.size == 1 and np.isfinite(loss) and float(loss) > 2 * 10.0 / 6'''),
    ("test_losses_do_not_modify_inputs", 1, False, '''
rng = rng_for("test_losses_do_not_modify_inputs")
for n, classes in ((1, 5), (8, 4)):
    y = probabilities(rng, n, classes)
    t = one_hot(rng.integers(0, classes, size=n), classes)
    if n == 1:
        y, t = y[0], t[0]
    for func in (mean_squared_error, cross_entropy_error):
        y0, t0 = y.copy(), t.copy()
        func(y, t)
        assert np.array_equal(y, y0) and np.array_equal(t, t0), "an input was modified"'''),
]


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False,
          points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Exercise 3: Loss functions"))
    nb.cells.append(nbformat.v4.new_code_cell(SOLUTION, metadata={
        "nbgrader": _meta("losses", solution=True)}))
    nb.cells.append(nbformat.v4.new_code_cell(SETUP, metadata={"nbgrader": _meta("setup")}))
    for name, points, public, body in TESTS:
        if public:
            code = body.strip()
        else:
            inner = REFERENCE + "\n".join("    " + line if line else line
                                          for line in body.strip().splitlines())
            code = f"### BEGIN HIDDEN TESTS\nif True:\n{inner}\n### END HIDDEN TESTS"
        nb.cells.append(nbformat.v4.new_code_cell(f"# {name}\n{code}", metadata={
            "nbgrader": _meta(name, grade=True, points=points)}))
    return nb


def student_notebook(release: nbformat.NotebookNode, submission: Path) -> str | None:
    """The released notebook holding the submission's code; None: copy the file as it is."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    index = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("solution"))
    solution = nb.cells[index]
    if submission.suffix == ".py":
        solution.source = submission.read_text(encoding="utf-8")
        return nbformat.writes(nb)
    try:
        student = nbformat.read(str(submission), as_version=4)
    except Exception:  # unreadable: nbgrader gets it as the student handed it in
        return None
    cells = [c for c in student.cells if c.cell_type in ("code", "markdown")]
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), None)
    if first_code is None:
        solution.source = ""
        return nbformat.writes(nb)
    solution.source = cells[first_code].source
    extra = []
    for i, cell in enumerate(cells):
        if i == first_code:
            extra.append(solution)
        elif cell.cell_type == "code":
            extra.append(nbformat.v4.new_code_cell(cell.source))
        else:
            extra.append(nbformat.v4.new_markdown_cell(cell.source))
    nb.cells[index:index + 1] = extra
    return nbformat.writes(nb)


def ensure_venv(venv: Path, log: Path) -> tuple[Path | None, str]:
    """nbgrader's own virtualenv (created once, from PyPI); (its bin folder, description)."""
    nbgrader = venv / "bin" / "nbgrader"
    if not nbgrader.exists():
        with open(log, "a") as out:
            steps = [[sys.executable, "-m", "venv", str(venv)],
                     [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                      *NBGRADER_PACKAGES]]
            for step in steps:
                done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT)
                if done.returncode != 0:
                    return None, f"`{' '.join(step)}` failed (exit {done.returncode}); see {log}"
    versions = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import importlib.metadata as m; print(', '.join(f'{p} ' "
                               "+ m.version(p) for p in ('nbgrader', 'nbconvert', 'nbclient', "
                               "'ipykernel', 'numpy')))"],
                              capture_output=True, text=True)
    if versions.returncode != 0:
        return None, f"the nbgrader virtualenv {venv} is broken: {versions.stderr[-300:]}"
    return venv / "bin", versions.stdout.strip()


def build_course(root: Path, submissions: Path, bindir: Path, env: dict,
                 cell_seconds: float) -> int:
    """An nbgrader course folder with ex03 released and every submission submitted."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "source" / EXERCISE).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG.format(cell_timeout=cell_seconds))
    nbformat.write(source_notebook(), str(root / "source" / EXERCISE / f"{EXERCISE}.ipynb"))
    done = subprocess.run([str(bindir / "nbgrader"), "generate_assignment", EXERCISE, "--force"],
                          cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stderr[-2000:]}")
    release = nbformat.read(str(root / "release" / EXERCISE / f"{EXERCISE}.ipynb"),
                            as_version=4)
    count = 0
    for entry in sorted(submissions.iterdir()):
        target = root / "submitted" / entry.stem / EXERCISE / f"{EXERCISE}.ipynb"
        target.parent.mkdir(parents=True)
        text = student_notebook(release, entry)
        if text is None:
            shutil.copyfile(entry, target)
        else:
            target.write_text(text, encoding="utf-8")
        count += 1
    return count


def failures(log: Path) -> set[str]:
    """Students whose submission ``nbgrader autograde`` reported it could not process."""
    found = set()
    with contextlib.suppress(OSError):
        for line in log.read_text(errors="replace").splitlines():
            match = re.search(r"error processing assignment '[^']*' for student '([^']*)'", line)
            if match:
                found.add(match[1])
    return found


def scores(root: Path, bindir: Path, env: dict) -> dict[str, float]:
    """student -> score of the autograded submissions, from ``nbgrader export``."""
    done = subprocess.run([str(bindir / "nbgrader"), "export"], cwd=root, env=env,
                          capture_output=True, text=True)
    found: dict[str, float] = {}
    csv_path = root / "grades.csv"
    if done.returncode != 0 or not csv_path.is_file():
        return found
    import csv

    with open(csv_path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("assignment") == EXERCISE and row.get("score") not in (None, ""):
                found[row["student_id"]] = float(row["score"])
    return found

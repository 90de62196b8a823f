"""A mixed class of ex03 submissions, graded by the real command line: the reports, the summary
and the gradebook of tests/test_reports.py, tests/test_reports_browser.py and the screenshots
in docs/screenshots come from it.

Every entry is code a student of this course could hand in (REAL-CODE.md): a notebook with demo
cells and a syntax error, a loop that never ends, a missing batch mean, an `import torch`, an
allocation of 18.6 GiB at the top level, an `exit()` left in a function, an empty file and a
notebook that is not JSON, beside correct work.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, write_notebook

# the reference solution, as a student hands it in (without its module docstring)
REFERENCE = (REPO / "solutions/ex03/solution.py").read_text(encoding="utf-8")
CORRECT = REFERENCE[REFERENCE.index("import numpy"):]


def edited(code: str, *changes: tuple[str, str]) -> str:
    """``code`` with each (old, new) change made; a change that finds nothing is an error."""
    for old, new in changes:
        assert old in code, old
        code = code.replace(old, new)
    return code


# every check passes but the log guard: 16 of 19 points
NO_LOG_GUARD = edited(CORRECT, (" + delta)) / batch_size", ")) / batch_size"))

# `while` without its increment: mean_squared_error never returns
ENDLESS_LOOP = ("    while i < y.size:", "        total += (y.flat[i] - t.flat[i]) ** 2")
ENDLESS = edited(CORRECT, ("    return 0.5 * np.sum((y - t) ** 2)",
                           "    total = 0.0\n    i = 0\n" + "\n".join(ENDLESS_LOOP)
                           + "\n    return 0.5 * total"))

TORCH = "import torch\n" + edited(CORRECT, (
    "return 0.5 * np.sum((y - t) ** 2)",
    "return 0.5 * torch.sum((torch.tensor(y) - torch.tensor(t)) ** 2).item()"))

# one-hot rows looked up in an identity matrix built at the top level: 50000² floats, 18.6 GiB
HUGE = edited(CORRECT, ("import numpy as np\n", "import numpy as np\n\nIDENTITY = np.eye(50000)\n"),
              ("    if t.size == y.size:", "    if t.size != y.size:\n"
               "        t = IDENTITY[t, :y.shape[1]]\n    if t.size == y.size:"))

EXITS = edited(CORRECT, ("    batch_size = y.shape[0]\n", "    batch_size = y.shape[0]\n"
                         "    if batch_size > 2:\n        print(\"batch too large, stopping\")\n"
                         "        exit()\n"))

NOTEBOOK_WITH_SYNTAX_ERROR = [
    ("markdown", "# 4.2 손실 함수"),
    ("code", "import numpy as np\n%matplotlib inline"),
    ("code", "def mean_squared_error(y, t):\n    return 0.5 * np.sum((y - t)**2\n"),
    ("code", "t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]\n"
             "y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]\n"
             "print(mean_squared_error(np.array(y), np.array(t)))"),
    ("code", CORRECT.split("\n\n\n")[2]),
]

CLASS = {
    "AHN_JIWOO": ("py", CORRECT),
    "BAEK_SEOYEON": ("py", NO_LOG_GUARD),
    "CHOI_MINJUN": ("ipynb", NOTEBOOK_WITH_SYNTAX_ERROR),
    "DO_HAEUN": ("py", ENDLESS),
    "EOM_JIHO": ("py", TORCH),
    "GO_YUNA": ("py", HUGE),
    "HAN_DOYUN": ("py", EXITS),
    "IM_SUBIN": ("py", ""),
    "JANG_YERIN": ("ipynb-broken", '{"cells": [{"cell_type": "code", "source": "def mean_'),
    "KANG_SEOJUN": ("py", edited(CORRECT, ("def cross_entropy_error", "def cross_entropy_eror"))),
}
SYNTAX_ERROR, TIMEOUT, NEARLY_PASSING = "CHOI_MINJUN", "DO_HAEUN", "BAEK_SEOYEON"


def write_class(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for student, (kind, content) in CLASS.items():
        if kind == "py":
            (folder / f"{student}_ex03.py").write_text(content, encoding="utf-8")
        elif kind == "ipynb":
            write_notebook(folder / f"{student}_ex03.ipynb", content)
        else:
            (folder / f"{student}_ex03.ipynb").write_text(content, encoding="utf-8")
    return folder


def grade_class(folder: Path, lang: str) -> tuple[Path, subprocess.CompletedProcess]:
    """``grader grade ex03`` of the class, as an instructor runs it; the --out folder."""
    submissions = write_class(folder / "submissions")
    out = folder / f"graded-{lang}"
    run = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "ex03", str(submissions), "--out", str(out),
         "--workers", "2", "--lang", lang, "--student-id", "^(?P<id>[A-Z]+_[A-Z]+)_"],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    (folder / f"grade-{lang}.txt").write_text(run.stdout, encoding="utf-8")  # what it printed
    return out, run


def grading(out: Path, student: str) -> dict:
    return json.loads((out / student / "grading.json").read_text(encoding="utf-8"))

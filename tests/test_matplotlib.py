"""Study code imports matplotlib at the top: graded the same whether the grading environment
has matplotlib (preloaded once, Agg backend, shared by the forked workers) or not (the import
fails alone, the other definitions load)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course import Course
from grader.grading import grade
from grader.worker import bubblewrap
from grader.worker.bubblewrap import BubblewrapLauncher
from grader.worker.limits import Limits
from grader.worker.policy import launcher_for
from grader.worker.preloaded import PreloadedLauncher
from grader.worker.worker import Worker

REPO = Path(__file__).resolve().parent.parent
# the preloaded process empties /tmp between workers: only inside the sandbox's own /tmp
NEEDS_SANDBOX = pytest.mark.skipif(bubblewrap.problem() is not None,
                                   reason="forked workers are tested in the sandbox")
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
LIMITS = Limits(call_seconds=20, load_seconds=60)
TOP = """import sys, os
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pyplot as plt
import matplotlib.pylab as pylab
from dataset.mnist import load_mnist

"""
PLOT = """
y = cross_entropy_error(np.array([0.1, 0.7, 0.2]), np.array([0, 1, 0]))
plt.plot(np.arange(3), [0.1, 0.7, 0.2])
plt.show()
"""


@pytest.fixture(scope="module", params=["started", pytest.param("forked", marks=NEEDS_SANDBOX)])
def launcher(request: pytest.FixtureRequest):
    """A worker started per submission (grader check) or forked (grader grade, validate)."""
    launcher = launcher_for("validate" if request.param == "forked" else "check")
    yield launcher
    if request.param == "forked":
        launcher.close()


def test_study_code_importing_matplotlib_earns_full_marks(launcher, tmp_path: Path) -> None:
    exercise = Course(REPO).exercise("ex03")
    submission = tmp_path / "alice.py"
    submission.write_text(TOP + exercise.reference.read_text() + PLOT)
    result = grade(exercise, submission, launcher=launcher, limits=LIMITS)
    assert result.score == result.max_score > 0, [c.message for c in result.checks]
    failed_imports = "\n".join(note for note in result.notes if "failed when it was loaded" in note)
    assert "dataset" in failed_imports  # the book's folder is not there: told, nothing lost
    assert ("matplotlib" in failed_imports) is not HAS_MATPLOTLIB


LOOK = """
import os
import sys
def look():
    pyplot = sys.modules.get("matplotlib.pyplot")
    return [pyplot.get_backend().lower() if pyplot else None, "MPLCONFIGDIR" in os.environ]
"""


@NEEDS_SANDBOX
@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed here")
def test_forked_workers_find_pyplot_preloaded_with_agg() -> None:
    statements = [{"label": "look.py", "line": 1, "source": LOOK}]
    with Worker(statements, LIMITS, BubblewrapLauncher()) as worker:
        started = worker.request("call", target="look", args=[], kwargs={})
    assert started == [None, False]  # a started worker imports what the submission imports
    launcher = PreloadedLauncher(BubblewrapLauncher())
    try:
        for _ in range(2):
            with Worker(statements, LIMITS, launcher) as worker:
                assert worker.request("call", target="look", args=[], kwargs={}) == [
                    "agg", False]
    finally:
        launcher.close()


PRELOAD = """
import sys
if sys.argv[1] == "absent":
    sys.modules["matplotlib"] = None  # as if not installed: importing it raises ImportError
from grader.worker.zygote import preload_matplotlib
preload_matplotlib()
pyplot = sys.modules.get("matplotlib.pyplot")
print(pyplot.get_backend().lower() if pyplot else "nothing")
"""


@pytest.mark.parametrize("matplotlib", [
    "absent", pytest.param("installed", marks=pytest.mark.skipif(
        not HAS_MATPLOTLIB, reason="matplotlib is not installed here"))])
def test_preload_imports_pyplot_with_agg_or_nothing(tmp_path: Path, matplotlib: str) -> None:
    """As the launcher runs it (HOME=/tmp, MPLBACKEND=Agg); missing matplotlib is no error."""
    env = {**os.environ, "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    env.pop("MPLCONFIGDIR", None)
    run = subprocess.run([sys.executable, "-c", PRELOAD, matplotlib], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ("agg" if matplotlib == "installed" else "nothing")

"""How long a small ex03 class takes when some students attack the run's time.

    python benchmarks/hostile_class.py [--honest 10] [--workers 2] [--give-up 600] [--no-stop]

The class: ``--honest`` copies of the reference solution, a submission that stops its
parent process (``os.kill(os.getppid(), SIGSTOP)``, then every other process it can name)
and a sleeper (19 s at load, 1.8 s per call: each under its deadline); ``--no-stop`` leaves
the first one out. Printed: the wall
time of ``grader grade`` on the whole class, then on the honest students alone, both in
this run, and the sleeper's score. A run that has not ended after ``--give-up`` seconds is
killed and reported as such (a grader that waits for a stopped process never ends).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "solutions/ex03/solution.py").read_text()

STOP_PARENT = REFERENCE + '''

import os as _os
import signal as _signal

_correct_mse = mean_squared_error


def mean_squared_error(y, t):
    if _os.getppid() > 0:
        _os.kill(_os.getppid(), _signal.SIGSTOP)
    for pid in range(1, 4096):
        if pid != _os.getpid():
            try:
                _os.kill(pid, _signal.SIGSTOP)
            except OSError:
                pass
    return _correct_mse(y, t)
'''

SLEEPER = REFERENCE + '''

import time as _time

_correct_mse, _correct_cee = mean_squared_error, cross_entropy_error


class _AtLoad:
    _time.sleep(19)


def mean_squared_error(y, t):
    _time.sleep(1.8)
    return _correct_mse(y, t)


def cross_entropy_error(y, t):
    _time.sleep(1.8)
    return _correct_cee(y, t)
'''


def grade_class(folder: Path, out: Path, workers: int, give_up: float) -> float | None:
    """Wall seconds of ``grader grade ex03 folder``, or None if it had to be killed."""
    argv = [sys.executable, "-m", "grader", "grade", "ex03", str(folder), "--out", str(out),
            "--workers", str(workers)]
    started = time.perf_counter()
    run = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        run.wait(timeout=give_up)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        return None
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--give-up", type=float, default=600.0)
    parser.add_argument("--no-stop", action="store_true", help="leave stop_parent out")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grader-hostile-class-"))
    try:
        honest, hostile = work / "honest", work / "class"
        for folder in (honest, hostile):
            folder.mkdir()
            for i in range(args.honest):
                (folder / f"honest{i:02d}.py").write_text(REFERENCE)
        if not args.no_stop:
            (hostile / "stop_parent.py").write_text(STOP_PARENT)
        (hostile / "sleeper.py").write_text(SLEEPER)
        whole = grade_class(hostile, work / "out-class", args.workers, args.give_up)
        alone = grade_class(honest, work / "out-honest", args.workers, args.give_up)
        sleeper = work / "out-class/sleeper/results.json"
        score = json.loads(sleeper.read_text())["score"] if sleeper.is_file() else None
        attacks = "sleeper" if args.no_stop else "stop_parent + sleeper"
        print(f"class of {args.honest} honest + {attacks}, --workers {args.workers}:")
        print("  whole class:   " + (f"{whole:.1f} s" if whole is not None
                                     else f"not finished after {args.give_up:g} s (killed)"))
        print(f"  honest alone:  {alone:.1f} s" if alone is not None else "  honest alone: killed")
        print(f"  sleeper score: {score}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Where the time of `grader check EX` goes: phases, imports and a cProfile, for one exercise.

    python benchmarks/profile_check.py [EX] [--runs 5]

Copies the reference solution of EX (default ex03) to a temporary folder and profiles
``grader check EX copy.py`` three ways, each in a fresh interpreter:

1. phases, wall clock, median over --runs: interpreter start (``python -c pass``), imports,
   reading the submission, choosing the sandbox (its probe), the pytest session (collection,
   checks, teardown and its garbage collections), the worker start (sandbox + interpreter +
   NumPy + loading the definitions, in a background thread), and printing the table;
2. ``python -X importtime``: the heaviest top-level and nested imports;
3. ``cProfile`` of ``grader.cli:main``: the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: wraps the phases of `grader check` and prints them as JSON.
PHASES = r'''
import json, sys, time
marks = {"script start": time.perf_counter()}
totals = {}

def timed(name, func):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
    return wrapper

t = time.perf_counter()
import grader.cli
totals["import grader.cli (click, rich)"] = time.perf_counter() - t
t = time.perf_counter()
import grader.grading
totals["import grader.grading (pytest, numpy, nbformat, ...)"] = time.perf_counter() - t
t = time.perf_counter()
import grader.report.terminal
import grader.worker.sandbox
totals["import report.terminal, worker.sandbox"] = time.perf_counter() - t

import gc
import grader.load.program as program
import grader.worker.client as client
import grader.worker.sandbox as sandbox
import grader.report.terminal as terminal
program.read_program = timed("read the submission (read_program, 2x)", program.read_program)
grader.grading.read_program = program.read_program
sandbox.choose_launcher = timed("choose the sandbox (bwrap probe)", sandbox.choose_launcher)
grader.grading.run_pytest = timed("pytest session (collect, checks, teardown)",
                                  grader.grading.run_pytest)
client.Worker._await_ready = timed("  worker start: until its greeting (bwrap, python, numpy)",
                                   client.Worker._await_ready)
client.Worker.start = timed("worker start + loading the definitions (background)",
                            client.Worker.start)
gc.collect = timed("  gc.collect (pytest's unraisableexception teardown)", gc.collect)
terminal.print_result = timed("print the result table (rich)", terminal.print_result)
sys.argv = ["grader", "check", sys.argv[1], sys.argv[2]]
code = 0
t = time.perf_counter()
try:
    grader.cli.main()
except SystemExit as exc:
    code = exc.code
totals["grader.cli.main() in all"] = time.perf_counter() - t
totals["script (after interpreter start)"] = time.perf_counter() - marks["script start"]
sys.stdout = sys.__stdout__
print("PHASES " + json.dumps({"exit": code, "totals": totals}))
'''


def run_phases(exercise: str, path: Path, runs: int) -> None:
    python = sys.executable
    samples: dict[str, list[float]] = {}
    walls, bare, floor = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([python, "-c", "import numpy"], check=True)
        floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        done = subprocess.run([python, "-c", PHASES, exercise, str(path)], cwd=ROOT,
                              capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        line = next((x for x in done.stdout.splitlines() if x.startswith("PHASES ")), None)
        if line is None:
            sys.exit(f"the phase run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        for name, value in json.loads(line[7:])["totals"].items():
            samples.setdefault(name, []).append(value)
    print(f"## Phases of `grader check {exercise}`, median of {runs} runs (wall clock)\n")
    print("| phase | seconds |\n| --- | --- |")
    print(f"| whole command (instrumented) | {statistics.median(walls):.3f} |")
    print(f"| floor: `python -c \"import numpy\"` | {statistics.median(floor):.3f} |")
    print(f"| interpreter start: `python -c pass` | {statistics.median(bare):.3f} |")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.3f} |")
    print("\nThe worker starts in a background thread while pytest collects the checks; the "
          "pytest session waits for it at the first check.\n")


def run_importtime(exercise: str, path: Path) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import sys; from grader.cli import main; "
                           f"sys.argv = ['grader', 'check', {exercise!r}, {str(path)!r}]; main()"],
                          cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match:
            rows.append((int(match[2]), len(match[3]) // 2, match[4]))
    total = sum(cum for cum, depth, _ in rows if depth == 0)
    print(f"## `-X importtime`: {total / 1e6:.3f} s of imports in all\n")
    print("| module | cumulative s | depth |\n| --- | --- | --- |")
    wanted = ("numpy", "pytest", "nbformat", "jsonschema", "rich.console", "click", "jinja2",
              "grader.cli", "grader.grading", "grader.checks", "grader.load.program",
              "grader.report.terminal", "grader.report.html", "_pytest.terminal",
              "_pytest.assertion.rewrite", "site", "certifi", "pygments")
    for cum, depth, name in sorted(rows, reverse=True):
        if name in wanted:
            print(f"| {name} | {cum / 1e6:.3f} | {depth} |")
    print()


NOISE = ("importlib._bootstrap", "pluggy/", "click/core.py", "contextlib.py",
         "{built-in method builtins.exec}", "{built-in method builtins.__import__}")


def run_cprofile(exercise: str, path: Path, top: int = 25) -> None:
    script = ("import cProfile, pstats, sys\n"
              f"sys.argv = ['grader', 'check', {exercise!r}, {str(path)!r}]\n"
              "profile = cProfile.Profile()\nprofile.enable()\n"
              "try:\n    from grader.cli import main\n    main()\n"
              "except SystemExit:\n    pass\nprofile.disable()\nsys.stdout = sys.__stdout__\n"
              "stats = pstats.Stats(profile)\n"
              "stats.sort_stats('cumulative').print_stats(120)\n"
              "print('=== tottime')\n"
              "stats.sort_stats('tottime').print_stats(15)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True)
    cumulative, _, own = done.stdout.partition("=== tottime")

    def rows(text: str, limit: int) -> list[str]:
        start = text.find("   ncalls")
        lines = text[start:].splitlines() if start >= 0 else []
        kept = [lines[0]] if lines else []
        for line in lines[1:]:
            if line.strip() and not any(noise in line for noise in NOISE):
                kept.append(line.replace(str(Path(sys.prefix)), "<prefix>")
                            .replace(str(ROOT), "<repo>")[:150])
        return kept[:limit + 1]

    total = next((line.strip() for line in cumulative.splitlines() if "function calls" in line),
                 "")
    print(f"## cProfile of `grader.cli:main` ({total})\n")
    print("Top functions by cumulative time (import machinery, pluggy and click frames left out):")
    print("\n```\n" + "\n".join(rows(cumulative, top)) + "\n```\n")
    print("Top functions by own time:")
    print("\n```\n" + "\n".join(rows(own, 15)) + "\n```")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise", nargs="?", default="ex03")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    reference = ROOT / "solutions" / args.exercise / "solution.py"
    folder = Path(tempfile.mkdtemp(prefix="grader-profile-"))
    try:
        path = folder / f"{args.exercise}.py"
        shutil.copyfile(reference, path)
        run_phases(args.exercise, path, args.runs)
        run_importtime(args.exercise, path)
        run_cprofile(args.exercise, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Where a cold `grader check EX` spends its time, item by item, against the floor.

    python benchmarks/profile_check.py [EX] [--runs 9] [--notebook] [--cached-bytecode]
                                       [--cprofile]

Copies the reference solution of EX (default ex03; with --notebook, as a notebook) to a
temporary folder and runs ``grader check EX copy`` cold (``GRADER_SERVER=0``: a new interpreter
imports everything, no warm process), each run a fresh process, interleaved with the floor
``python -c "import numpy"`` and the bound ``python -c "import numpy, pytest"`` (what any
process that runs pytest checks on NumPy code pays). Prints:

1. the whole command, the first check of the day (no warm process yet: it starts one once it
   has answered) and the warm check, against the floor;
2. the cold command item by item, from marks taken in the command itself (functions wrapped
   as their modules are imported, so imports happen where they do in a real run);
3. ``-X importtime``: the self time of every import, summed by package;
4. with --cprofile, the top functions of ``cProfile``.

Timings are medians of --runs. The machine is shared: read the ratios, not the seconds.
Where ``PYTHONDONTWRITEBYTECODE`` is set, every run compiles the engine's own modules (and
pytest rewrites the checks) anew; ``--cached-bytecode`` unsets it, as on a student's machine
(the warm-up runs write the bytecode).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import submissions  # noqa: E402

# Runs `grader check` in this interpreter; functions of the engine are wrapped as their modules
# are imported (an import hook), and their start and end times are printed as JSON at exit.
MARKED = r'''
import atexit, importlib.abc, importlib.util, json, sys, time
START = time.time()
SPANS = []
WRAP = {
    "grader.cli": [],
    "grader.worker.policy": ["launcher_for", "confirmed"],
    "grader.worker.worker": ["prestart", "Worker.start"],
    "grader.load.program": ["start_reading"],
    "grader.grading": ["grade", "run_pytest"],
    "grader.report.terminal": ["print_result"],
}
IMPORTED = {}

def wrapped(name, func):
    def wrapper(*args, **kwargs):
        begin = time.time()
        try:
            result = func(*args, **kwargs)
        finally:
            SPANS.append((name, begin, time.time()))
        return wrapped(name + "()", result) if name == "start_reading" else result
    return wrapper

class Wrapper(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in WRAP:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            IMPORTED[name] = time.time()
            for attribute in WRAP[name]:
                owner, _, attr = attribute.rpartition(".")
                holder = getattr(module, owner) if owner else module
                if hasattr(holder, attr):
                    setattr(holder, attr, wrapped(attribute, getattr(holder, attr)))
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Wrapper())
atexit.register(lambda: print("MARKS " + json.dumps(
    {"start": START, "spans": SPANS, "imported": IMPORTED, "returned": RETURNED}),
    file=sys.__stderr__, flush=True))
RETURNED = 0.0
sys.argv = ["grader", "check", *sys.argv[1:]]
from grader.__main__ import main
try:
    main()
except SystemExit:
    RETURNED = time.time()
'''

# The cold command's timeline: each item runs from the previous mark to its own
TIMELINE = (
    ("interpreter start (python, site)", "start"),
    ("grader.cli: click, rich (after asking for a warm process)", "imported grader.cli"),
    ("arguments, the course, the exercise; the worker package", "begin launcher_for"),
    ("choose the launcher (bubblewrap where installed, not probed)", "end launcher_for"),
    ("start the worker: bwrap spawned, it boots on the other core", "end prestart"),
    ("import the loader (NumPy)", "begin start_reading"),
    ("start reading the submission: a parsing child forked", "end start_reading"),
    ("import pytest, the engine that runs checks, the table (rich)", "begin start_reading()"),
    ("wait for the parsing child's answer", "end start_reading()"),
    ("import the texts of a note", "begin confirmed"),
    ("wait for the worker's greeting (the sandbox's probe)", "end confirmed"),
    ("grade: the connection; the load request sent in the background", "begin run_pytest"),
    ("pytest: collect, run the checks (the first waits for the load), tear down",
     "end run_pytest"),
    ("grade: results after pytest, the worker stopped", "end grade"),
    ("print the table (rich)", "end print_result"),
    ("exit: exit handlers, output flushed (no interpreter teardown)", "end"),
)
PACKAGES = {  # package group -> its top-level modules, for -X importtime
    "numpy": ("numpy",),
    "pytest (with pluggy, iniconfig, packaging)": ("pytest", "_pytest", "pluggy", "iniconfig",
                                                   "packaging"),
    "rich (with pygments, markdown-it)": ("rich", "pygments", "markdown_it", "mdurl"),
    "click": ("click",),
    "nbformat (with its schema validators)": ("nbformat", "fastjsonschema", "jsonschema",
                                              "jsonschema_specifications", "referencing",
                                              "rpds", "attrs", "jupyter_core", "traitlets",
                                              "platformdirs"),
    "grader (the engine, and the checks)": ("grader", "test_public", "loss_helpers"),
}
GROUPS = {module: group for group, modules in PACKAGES.items() for module in modules}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def wall(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def wait_for_warm_process(runtime: Path, seconds: float = 60) -> None:
    """Wait until the warm process started on ``runtime`` listens, then until it has exited
    (idle: see GRADER_SERVER_IDLE), so that it takes no core from the next run."""
    deadline = time.monotonic() + seconds
    for present in (True, False):
        while bool(list(runtime.glob("*.sock"))) != present and time.monotonic() < deadline:
            time.sleep(0.05)


def run_whole(exercise: str, path: Path, runs: int) -> float:
    """Whole commands against the floor, interleaved; returns the floor.

    The first check of the day is timed apart, with the floor again: the warm process it starts
    must be gone before anything else is timed.
    """
    python = sys.executable
    grader = [str(Path(python).with_name("grader")) if Path(python).with_name("grader").exists()
              else "grader", "check", exercise, str(path)]
    base = {k: v for k, v in os.environ.items() if k not in ("GRADER_SERVER", "CI")}
    floor = ([python, "-c", "import numpy"], base)
    runtime = Path(tempfile.mkdtemp(prefix="gp-", dir="/tmp"))
    warm = {**base, "GRADER_SERVER": "1", "GRADER_RUNTIME_DIR": str(runtime),
            "GRADER_SERVER_IDLE": "10"}
    wall(grader, warm)  # starts the warm process
    try:
        first = _timed({
            "floor: `python -c \"import numpy\"`": floor,
            "bound: `python -c \"import numpy, pytest\"`": (
                [python, "-c", "import numpy, pytest"], base),
            "interpreter start: `python -c pass`": ([python, "-c", "pass"], base),
            f"`grader check {exercise} {path.name}`, cold (`GRADER_SERVER=0`)": (
                grader, {**base, "GRADER_SERVER": "0"}),
            "warm (the warm process answers)": (grader, warm),
        }, runs)
    finally:
        wait_for_warm_process(runtime)
        shutil.rmtree(runtime, ignore_errors=True)
    day = _timed({"floor, again": floor,
                  "the first check of the day (no warm process yet: it starts one as it ends)":
                  (grader, None)}, runs, {**base, "GRADER_SERVER_IDLE": "0.5"})
    print(f"## `grader check {exercise}` against the floor, median of {runs} runs\n")
    print("| command | seconds | x floor |\n| --- | --- | --- |")
    for times in (first, day):
        floor_s = median(next(iter(times.values())))
        for label, values in times.items():
            print(f"| {label} | {median(values):.3f} | {median(values) / floor_s:.2f}x |")
    print()
    return median(next(iter(first.values())))


def _timed(commands: dict[str, tuple[list[str], dict[str, str] | None]], runs: int,
           first_of_day: dict[str, str] | None = None) -> dict[str, list[float]]:
    """Each command ``runs`` times, interleaved, after one run not counted. An environment of
    None is a first check of the day: ``first_of_day`` in a runtime folder of its own."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for round_ in range(runs + 1):
        for label, (argv, env) in commands.items():
            if env is None:
                folder = Path(tempfile.mkdtemp(prefix="gf-", dir="/tmp"))
                seconds = wall(argv, {**first_of_day, "GRADER_RUNTIME_DIR": str(folder)})
                wait_for_warm_process(folder)
                shutil.rmtree(folder, ignore_errors=True)
                time.sleep(0.5)  # its standby child and that child's worker end after it
            else:
                seconds = wall(argv, env)
            if round_:
                times[label].append(seconds)
    return times


def run_items(exercise: str, path: Path, runs: int, floor: float) -> None:
    samples: dict[str, list[float]] = {label: [] for label, _ in TIMELINE}
    totals = []
    env = {**os.environ, "GRADER_SERVER": "0"}
    for _ in range(runs):
        launch = time.time()
        done = subprocess.run([sys.executable, "-c", MARKED, exercise, str(path)], cwd=ROOT,
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              check=False)
        end = time.time()
        line = next((x for x in done.stderr.splitlines() if x.startswith("MARKS ")), None)
        if line is None:
            sys.exit(f"the marked run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        marks = json.loads(line[6:])
        points = {"launch": launch, "start": marks["start"], "end": end}
        points.update({f"imported {name}": t for name, t in marks["imported"].items()})
        for name, begin, finish in marks["spans"]:  # the first call of each
            points.setdefault(f"begin {name}", begin)
            points.setdefault(f"end {name}", finish)
        previous = launch
        for label, mark in TIMELINE:
            samples[label].append(points.get(mark, float("nan")) - previous)
            previous = points.get(mark, previous)
        totals.append(end - launch)
    print(f"## The cold command item by item, median of {runs} runs (floor {floor:.3f} s)\n")
    print("| item | seconds | x floor |\n| --- | --- | --- |")
    for label, values in samples.items():
        print(f"| {label} | {median(values):.3f} | {median(values) / floor:.2f}x |")
    print(f"| **whole command, marked** | {median(totals):.3f} | {median(totals) / floor:.2f}x |")
    print("\nThe worker boots (bwrap, Python, NumPy) while the grader reads the file and imports "
          "pytest; its load runs while pytest collects the checks.\n")


def run_importtime(exercise: str, path: Path, runs: int) -> None:
    sums: dict[str, list[float]] = {}
    env = {**os.environ, "GRADER_SERVER": "0"}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", "check",
                               exercise, str(path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)
        run: dict[str, float] = {}
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| \s*(\S+)", line)
            if match:
                group = GROUPS.get(match[2].split(".")[0], "standard library and the rest")
                run[group] = run.get(group, 0.0) + int(match[1]) / 1e6
        for group, seconds in run.items():
            sums.setdefault(group, []).append(seconds)
    total = sum(median(v) for v in sums.values())
    print(f"## `-X importtime` of the cold command: {total:.3f} s of imports, by package "
          f"(self time, median of {runs}; importtime itself slows imports)\n")
    print("| package | seconds |\n| --- | --- |")
    for group, values in sorted(sums.items(), key=lambda item: -median(item[1])):
        print(f"| {group} | {median(values):.3f} |")
    print()


def run_cprofile(exercise: str, path: Path, top: int = 25) -> None:
    script = ("import cProfile, pstats, sys\n"
              f"sys.argv = ['grader', 'check', {exercise!r}, {str(path)!r}]\n"
              "profile = cProfile.Profile()\nprofile.enable()\n"
              "try:\n    from grader.cli import main\n    main()\n"
              "except SystemExit:\n    pass\nprofile.disable()\nsys.stdout = sys.__stdout__\n"
              f"pstats.Stats(profile).sort_stats('cumulative').print_stats({top})\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "GRADER_SERVER": "0"}, check=False)
    start = done.stdout.find("   ncalls")
    print(f"## cProfile of the command, top {top} by cumulative time\n")
    print("```\n" + done.stdout[start:].replace(str(ROOT), "<repo>").strip() + "\n```")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise", nargs="?", default="ex03")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--notebook", action="store_true", help="the reference as a notebook")
    parser.add_argument("--cached-bytecode", action="store_true",
                        help="unset PYTHONDONTWRITEBYTECODE for every run")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    if args.cached_bytecode:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    reference = ROOT / "solutions" / args.exercise / "solution.py"
    folder = Path(tempfile.mkdtemp(prefix="grader-profile-"))
    try:
        path = folder / f"{args.exercise}.py"
        shutil.copyfile(reference, path)
        if args.notebook:
            path = path.with_suffix(".ipynb")
            path.write_text(submissions.as_notebook(reference.read_text()))
        print(f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
        floor = run_whole(args.exercise, path, args.runs)
        run_items(args.exercise, path, args.runs, floor)
        run_importtime(args.exercise, path, max(3, args.runs // 3))
        if args.cprofile:
            run_cprofile(args.exercise, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

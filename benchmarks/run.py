"""Benchmarks of grader, each figure compared in the same run with its baseline.

    python benchmarks/run.py [--quick] [--only check,batch,nbgrader,ex06,memory]
                             [--markdown FILE] [--keep]

Prints a markdown table (and the machine it ran on) to stdout; progress goes to stderr.

1. ``grader check EX`` on a copy of each reference solution (ex03 also as a notebook), run as a
   student runs it, cold and served by the warm process, vs the floor ``python -c "import numpy"``.
2. ``grader grade ex03`` on a generated class that begins as real study code does
   (benchmarks/submissions.py: most files import matplotlib, a quarter the book's ``sys.path``
   and dataset loader) with 1 and 2 workers (3 interleaved runs each, medians): submissions
   per minute, parallel efficiency (t1 / t2) / 2, t(2n) / t(n), and the same class as clean
   code (no such imports) with 2 workers.
3. The same real-code-like class graded by ``nbgrader autograde`` in its own virtualenv
   (created once from PyPI, default /tmp/grader-bench-nbgrader) with an equivalent course
   (nbgrader_course.py).
4. ``grader grade ex06`` of the reference (1 worker) vs the reference's own training, in
   process, with the budget of the ex06 checks.
5. Peak memory (VmHWM) of the grader, its grading processes and the workers during a batch.

Full mode: 200 / 400 submissions, 5 repeats of each cheap figure. --quick: 20 / 40, 3 repeats.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import nbgrader_course  # noqa: E402
import submissions  # noqa: E402

from grader.course import Course  # noqa: E402

FIGURES = ("check", "batch", "nbgrader", "ex06", "memory")
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Row:
    figure: str
    what: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    note: str = ""


@dataclass
class Bench:
    quick: bool
    work: Path
    repeats: int
    class_size: int
    batch_repeats: int = 3
    rows: list[Row] = field(default_factory=list)
    facts: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, *args: str, **kwargs: str) -> None:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        log(f"  {row.what}: {row.value}" + (f" | {row.baseline}" if row.baseline else "")
            + (f" | {row.ratio}" if row.ratio else ""))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def grader_command() -> list[str]:
    """The `grader` a student runs: the entry point next to this Python (not a pyenv shim)."""
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [shutil.which("grader") or "grader"]


def timed(argv: list[str], *, cwd: Path = ROOT, env: dict | None = None,
          log_to: Path | None = None, timeout: float = 3600) -> tuple[float, int]:
    """Wall time (perf_counter) and exit status of one subprocess."""
    out = open(log_to, "ab") if log_to else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout)
        return time.perf_counter() - start, done.returncode
    finally:
        if log_to:
            out.close()


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished, waited-for descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def secs(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# -- 1. grader check vs the floor ----------------------------------------------------------------

def figure_check(bench: Bench) -> None:
    """Each exercise's reference copy, cold (no warm process) and warm, against the floor."""
    log("1. grader check vs python -c 'import numpy'")
    course = Course(ROOT)
    folder = bench.work / "check"
    folder.mkdir()
    targets = {}
    for name in course.names():
        ex = course.exercise(name)
        if ex.reference is None:
            bench.add("1", f"`grader check {name}`", "n/a", note="no reference solution yet")
            continue
        path = folder / name / f"{name}.py"
        path.parent.mkdir()
        shutil.copyfile(ex.reference, path)
        targets[name] = path
        if name == "ex03":  # as students hand it in: a notebook
            notebook = path.with_suffix(".ipynb")
            notebook.write_text(submissions.as_notebook(ex.reference.read_text()))
            targets["ex03 notebook"] = notebook
    runtime = Path(tempfile.mkdtemp(prefix="gw-", dir="/tmp"))  # short: a socket lives there
    envs = {"cold": {**os.environ, "GRADER_SERVER": "0"},
            "warm": {**os.environ, "GRADER_SERVER": "1", "GRADER_RUNTIME_DIR": str(runtime),
                     "GRADER_SERVER_IDLE": "60"}}
    floor_cmd = [sys.executable, "-c", "import numpy"]
    slow = {n for n in targets if n == "ex06"}  # trains a network: fewer repeats in --quick
    times = {(n, mode): [] for n in targets for mode in envs}
    codes: dict[str, set[int]] = {n: set() for n in targets}
    floor: list[float] = []
    check_log = bench.work / "check.log"

    def run(name: str, mode: str) -> tuple[float, int]:
        return timed([*grader_command(), "check", name.split()[0], str(targets[name])],
                     env=envs[mode], log_to=check_log)

    run(next(iter(targets)), "warm")  # starts the warm process, and runs cold meanwhile
    deadline = time.monotonic() + 60
    while not list(runtime.glob("check-*.sock")) and time.monotonic() < deadline:
        time.sleep(0.1)
    for name in targets:  # warm-up, not counted: file caches
        for mode in envs:
            run(name, mode)
    timed(floor_cmd)
    try:
        for rep in range(bench.repeats):
            floor += [timed(floor_cmd)[0] for _ in range(3)]  # cheap, and the denominator
            for name in targets:
                if name in slow and bench.quick and rep > 0:
                    continue
                for mode in envs:
                    seconds, code = run(name, mode)
                    times[name, mode].append(seconds)
                    codes[name].add(code)
        served = sum(" grader check " in line for log_file in runtime.glob("*.log")
                     for line in log_file.read_text().splitlines())
    finally:
        shutil.rmtree(runtime, ignore_errors=True)  # the warm process sees it and exits
    warm_runs = 1 + len(targets) + sum(len(v) for (_, m), v in times.items() if m == "warm")
    floor_s = median(floor)
    bench.facts["floor_s"] = floor_s
    bench.add("1", '`python -c "import numpy"` (the floor)', secs(floor_s),
              note=f"median of {len(floor)}")
    for (name, mode), values in times.items():
        t = median(values)
        bench.facts[f"check_{name}_{mode}_s"] = t
        notes = [f"median of {len(values)}"]
        if mode == "warm":
            notes.append(f"{served} of {warm_runs} warm runs were served by the warm process "
                         f"(all but the first, which started it, if {warm_runs - 1})")
        if codes[name] != {0}:
            notes.append(f"exit status {sorted(codes[name])}: the reference does not pass "
                         f"every public check")
        if name == "ex06":
            notes.append("includes training the network on MNIST (the public training checks)")
        what = f"{name.split()[0]} {targets[name].name}"
        bench.add("1", f"`grader check {what}`, {mode}", secs(t), f"floor {secs(floor_s)}",
                  f"{t / floor_s:.1f}x floor", "<= 2x floor" if name == "ex03" else "",
                  "; ".join(notes))


# -- 2. batch throughput ---------------------------------------------------------------------------

def class_folder(bench: Bench, n: int, habits: bool = True) -> Path:
    """The generated class of ``n``: real-code-like, or (``habits=False``) as clean code."""
    folder = bench.work / (f"class{n}" if habits else f"clean{n}")
    if not folder.exists():
        counts = submissions.write_class(ROOT, folder, n, habits=habits)
        if habits:
            bench.facts.update({f"class{n}_{k}": counts[k]
                                for k in ("notebooks", "matplotlib", "dataset")})
        log(f"  generated {n} submissions{'' if habits else ' (clean code)'}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return folder


def real_code_mix(bench: Bench, n: int) -> str:
    facts = bench.facts
    return (f"real-code-like: {facts[f'class{n}_matplotlib']:.0f} of {n} files import "
            f"matplotlib, {facts[f'class{n}_dataset']:.0f} the book's dataset loader; "
            f"{facts[f'class{n}_notebooks']:.0f} notebooks")


@dataclass
class Run:
    wall: float
    cpu: float
    out: Path
    load: str

    @property
    def load1(self) -> str:
        return self.load.split()[0]


def grade_batch(bench: Bench, folder: Path, workers: int, label: str,
                env: dict | None = None, popen_hook=None) -> Run:
    out = bench.work / f"graded-{label}"
    shutil.rmtree(out, ignore_errors=True)
    argv = [*grader_command(), "grade", submissions.EXERCISE, str(folder), "--out", str(out),
            "--workers", str(workers)]
    log(f"  grader grade {folder.name} --workers {workers} ...")
    load = loadavg()
    with open(bench.work / f"grade-{label}.log", "wb") as out_log:
        cpu = children_cpu()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out_log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if popen_hook:
            popen_hook(proc)
        code = proc.wait()
        seconds = time.perf_counter() - start
        cpu = children_cpu() - cpu
    if code != 0:
        bench.problems.append(f"`grader grade` ({label}) exited with {code}; see "
                              f"{bench.work / f'grade-{label}.log'}")
    return Run(seconds, cpu, out, load)


def gradebook(out: Path) -> dict[str, tuple[float, str, float]]:
    """student -> (score, status, max_score) from ``out/gradebook.csv``."""
    path = out / "gradebook.csv"
    if not path.is_file():
        return {}
    with open(path, newline="") as handle:
        return {row["student"]: (float(row["score"]), row.get("status", ""),
                                 float(row["max_score"])) for row in csv.DictReader(handle)}


def _median_run(group: list[Run]) -> Run:
    """The run with the median wall time (of an odd count; the slower middle one if even)."""
    return sorted(group, key=lambda r: r.wall)[len(group) // 2]


def figure_batch(bench: Bench) -> None:
    n = bench.class_size
    log(f"2. batch throughput on {n} and {2 * n} real-code-like ex03 submissions")
    small, large = class_folder(bench, n), class_folder(bench, 2 * n)
    clean_class = class_folder(bench, n, habits=False)
    # 1 and 2 workers interleaved, median of the repeats: other jobs on the machine come and go
    ones: list[Run] = []
    twos: list[Run] = []
    for rep in range(bench.batch_repeats):
        ones.append(grade_batch(bench, small, 1, f"{n}-w1" + (f"-{rep}" if rep else "")))
        twos.append(grade_batch(bench, small, 2, f"{n}-w2-{rep}"))
    r4 = grade_batch(bench, large, 2, f"{2 * n}-w2")
    # n again after 2n: the load drifts, so 2n is compared with the runs of n on either side
    r2b = grade_batch(bench, small, 2, f"{n}-w2-again")
    clean = grade_batch(bench, clean_class, 2, f"{n}-clean-w2")  # right after a run of the same
    r1, r2 = _median_run(ones), _median_run(twos)
    t2_mean, cpu2_mean = (twos[-1].wall + r2b.wall) / 2, (twos[-1].cpu + r2b.cpu) / 2
    bench.facts.update(batch_t1=r1.wall, batch_t2=r2.wall, batch_t400=r4.wall)
    book = gradebook(r1.out)
    errors = sum(1 for _, status, _ in book.values() if status == "error")
    full = sum(1 for student, (score, _, top) in book.items()
               if student.split("_", 1)[1].startswith("correct") and score == top > 0)
    correct = sum(1 for student in book if student.split("_", 1)[1].startswith("correct"))

    def cpu(run: Run, count: int) -> str:
        return (f"grader-side CPU {run.cpu:.0f} s ({run.cpu / count:.2f} s per submission; "
                f"RUSAGE_CHILDREN: what was waited for, so not a killed worker); load "
                f"{run.load1} at start")

    def runs(group: list[Run]) -> str:
        return (f"median of {len(group)} (" + ", ".join(secs(r.wall) for r in group)
                + "; runs of 1 and 2 workers interleaved)")

    bench.add("2", f"`grader grade ex03`, {n} real-code-like submissions, 1 worker",
              secs(r1.wall), ratio=f"{n / r1.wall * 60:.0f} submissions/min",
              note=f"{real_code_mix(bench, n)}; {runs(ones)}; {len(book)}/{n} in the gradebook, "
                   f"{errors} with status error; {full}/{correct} reference copies earned full "
                   f"marks; {cpu(r1, n)}")
    bench.add("2", f"`grader grade ex03`, {n} real-code-like submissions, 2 workers",
              secs(r2.wall),
              ratio=f"{n / r2.wall * 60:.0f} submissions/min",
              note=f"{runs(twos)}; {len(gradebook(r2.out))}/{n} in the gradebook; {cpu(r2, n)}")
    bench.add("2", "parallel efficiency, 2 workers: (t1 / t2) / 2", f"{r1.wall / r2.wall / 2:.0%}",
              f"t1 {secs(r1.wall)}, t2 {secs(r2.wall)} (medians)", goal="> 80%",
              note="per pair of interleaved runs: " + ", ".join(
                  f"{a.wall / b.wall / 2:.0%}" for a, b in zip(ones, twos, strict=True)))
    bench.add("2", f"`grader grade ex03`, {2 * n} real-code-like submissions, 2 workers",
              secs(r4.wall),
              f"{n} submissions: {secs(twos[-1].wall)} before, {secs(r2b.wall)} after",
              f"t{2 * n} / t{n} = {r4.wall / t2_mean:.2f} (grader-side CPU: "
              f"{r4.cpu / cpu2_mean:.2f})",
              "2.0 (linear)", note=f"{cpu(r4, 2 * n)}; load {r2b.load1} at the start of the "
                                   f"second run of {n}")
    bench.facts["batch_clean_t2"] = clean.wall
    bench.add("2", f"the same {n} as clean code (no matplotlib, no book imports), 2 workers",
              secs(clean.wall), f"real-code-like {secs(r2b.wall)} (the run just before)",
              f"real / clean = {r2b.wall / clean.wall:.2f}", "1.0",
              note=f"{n / clean.wall * 60:.0f} submissions/min; {cpu(clean, n)}")


# -- 3. nbgrader --------------------------------------------------------------------------------

def figure_nbgrader(bench: Bench, venv: Path) -> None:
    n = bench.class_size
    log(f"3. nbgrader autograde on the same {n} real-code-like submissions")
    folder = class_folder(bench, n)
    bindir, versions = nbgrader_course.ensure_venv(venv, bench.work / "nbgrader-install.log")
    if bindir is None:
        bench.add("3", f"`nbgrader autograde`, {n} submissions", "n/a", note=versions)
        bench.problems.append(f"nbgrader: {versions}")
        return
    bench.facts["nbgrader_versions"] = versions  # type: ignore[assignment]
    env = {**os.environ, **THREAD_ENV, "MPLBACKEND": "Agg", "VIRTUAL_ENV": str(venv),
           "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
    env.pop("PYTHONHOME", None)
    root = bench.work / "nbgrader-course"
    bench.facts["cell_timeout"] = nbgrader_course.cell_timeout(ROOT)  # type: ignore[assignment]
    nbgrader_course.build_course(root, folder, bindir, env, bench.facts["cell_timeout"])
    log("  nbgrader autograde ex03 ...")
    load, cpu = loadavg(), children_cpu()
    autograde_log = bench.work / "nbgrader-autograde.log"
    seconds, code = timed([str(bindir / "nbgrader"), "autograde", nbgrader_course.EXERCISE],
                          cwd=root, env=env, log_to=autograde_log)
    cpu = children_cpu() - cpu
    failed = nbgrader_course.failures(autograde_log)
    theirs = nbgrader_course.scores(root, bindir, env)
    ours = gradebook(bench.work / f"graded-{n}-w1")
    same = sum(1 for s, score in theirs.items() if s in ours and ours[s][0] == score)
    bench.facts["nbgrader_s"] = seconds
    agreement = f"same score as grader for {same}/{len(theirs)}; " if ours else ""
    book = [p.stem for p in folder.iterdir() if b"dataset.mnist" in p.read_bytes()]
    lost = [s for s in book if theirs.get(s) == 0 and ours.get(s, (0,))[0] > 0]
    if ours:
        agreement += (f"{len(lost)} of the {len(book)} files with the book's dataset import "
                      f"score 0 in nbgrader (the import stops their cell) and more in grader; ")
    note = (f"exit {code}; {len(failed)} submissions it could not autograde (dead kernel, "
            f"unreadable notebook); {agreement}CPU {cpu:.0f} s ({cpu / n:.2f} s per "
            f"submission); load {load.split()[0]} at start")
    bench.add("3", f"`nbgrader autograde ex03`, {n} real-code-like submissions", secs(seconds),
              ratio=f"{n / seconds * 60:.0f} submissions/min", note=note)
    for workers, key in ((1, "batch_t1"), (2, "batch_t2")):
        if key in bench.facts:
            t = bench.facts[key]
            bench.add("3", f"throughput grader ({workers} worker{'s' * (workers > 1)}) / "
                      "nbgrader", f"{seconds / t:.1f}x",
                      f"nbgrader {secs(seconds)}", f"grader {secs(t)}",
                      ">= 10x" if workers == 2 else "")


# -- 4. ex06: grading vs the reference's own training -------------------------------------------

BASELINE_EX06 = r'''
import importlib.util, json, sys, time
from pathlib import Path
import numpy as np
t0 = time.perf_counter()
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
root = Path(sys.argv[1])
sys.path.insert(0, str(root / "assignments/ex06/checks"))  # the checks import their helpers
checks = load(root / "assignments/ex06/checks/test_public.py", "ex06_public")
conftest = load(root / "assignments/ex06/checks/conftest.py", "ex06_conftest")
ref = load(root / "solutions/ex06/solution.py", "ex06_reference")
from grader.data.mnist import load_mnist
data = conftest.grading_data(load_mnist())
x_train, t_train = data.x_train, data.t_train
x, t, xt = ref.preprocess(x_train), ref.one_hot(t_train), ref.preprocess(data.x_test)
np.random.seed(checks.SEED)
net = ref.TwoLayerNet(28 * 28, checks.HIDDEN, 10)
start = time.perf_counter()
ref.train(net, x, t, checks.ITERS, batch_size=100, learning_rate=0.1)
train_s = time.perf_counter() - start
accuracy = float(np.mean(np.argmax(net.predict(xt), axis=1) == data.t_test))
print(json.dumps({"train_s": train_s, "total_s": time.perf_counter() - t0,
                  "accuracy": accuracy, "iters": checks.ITERS, "hidden": checks.HIDDEN,
                  "train_size": len(x_train), "source": data.source}))
'''


def figure_ex06(bench: Bench) -> None:
    log("4. grading ex06 vs the reference's own training")
    course = Course(ROOT)
    public = ROOT / "assignments" / "ex06" / "checks" / "test_public.py"
    if "ex06" not in course.names() or course.exercise("ex06").reference is None \
            or not public.is_file():
        bench.add("4", "`grader grade ex06` (reference)", "n/a", note="ex06 is not there yet")
        return
    ex = course.exercise("ex06")
    entry = bench.work / "ex06" / "reference.py"
    entry.parent.mkdir()
    shutil.copyfile(ex.reference, entry)
    repeats = 1 if bench.quick else 3
    walls, durations, training, baselines = [], [], [], []
    env = {**os.environ, **THREAD_ENV}  # the worker runs NumPy single-threaded too
    for _ in range(repeats):
        out = bench.work / "ex06" / "graded"
        shutil.rmtree(out, ignore_errors=True)
        wall, _ = timed([*grader_command(), "grade", "ex06", str(entry), "--out", str(out),
                         "--workers", "1"], log_to=bench.work / "ex06.log")
        walls.append(wall)
        result = json.loads((out / "reference" / "grading.json").read_text())
        durations.append(result["duration"])
        training.append(sum(c["duration"] for c in result["checks"] if "mnist" in c["id"]))
        score = f"{result['score']:g}/{result['max_score']:g}"
        done = subprocess.run([sys.executable, "-c", BASELINE_EX06, str(ROOT)], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            bench.add("4", "reference training in process", "n/a",
                      note=f"baseline failed: {done.stderr.strip()[-300:]}")
            return
        baselines.append(json.loads(done.stdout.strip().splitlines()[-1]))
    train_s = median([b["train_s"] for b in baselines])
    base = baselines[0]
    budget = (f"{base['iters']} iterations, batch 100, lr 0.1, hidden {base['hidden']}, "
              f"{base['train_size']} training images ({base['source']})")
    bench.facts.update(ex06_wall=median(walls), ex06_train=train_s)
    script_s = median([b["total_s"] for b in baselines])
    bench.add("4", "reference's own training, in process (train() only)", secs(train_s),
              note=f"median of {repeats}; {budget}; accuracy {base['accuracy']:.3f}; "
                   f"whole script incl. imports and data {secs(script_s)}")
    bench.add("4", "`grader grade ex06` (reference, 1 worker), whole command",
              secs(median(walls)), f"training {secs(train_s)}",
              f"{median(walls) / train_s:.1f}x training", note=f"score {score}; median of "
              f"{repeats}; public + hidden checks")
    bench.add("4", "the training checks inside that grading (fixture + 2 checks)",
              secs(median(training)), f"training {secs(train_s)}",
              f"{median(training) / train_s:.2f}x training",
              note="student's train() through the worker, plus predict on the test set")


# -- 5. peak memory ------------------------------------------------------------------------------

class TreeSampler(threading.Thread):
    """Samples VmHWM (peak resident memory) of a process and all its descendants."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            time.sleep(self.interval)

    def sample(self) -> None:
        parents: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = Path(f"/proc/{entry.name}/stat").read_text()
                    ppid = int(stat.rsplit(")", 1)[1].split()[1])
                    parents.setdefault(ppid, []).append(int(entry.name))
        todo, tree = [self.root], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += parents.get(pid, [])
        for pid in tree:
            with contextlib.suppress(OSError, ValueError):
                status = Path(f"/proc/{pid}/status").read_text()
                hwm = next((int(line.split()[1]) for line in status.splitlines()
                            if line.startswith("VmHWM:")), 0)
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                role = self.role(pid, cmdline.decode("utf-8", "replace"))
                if role and hwm >= self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = (role, hwm)

    def role(self, pid: int, cmdline: str) -> str:
        if pid == self.root:
            return "grader"
        if Path(cmdline.split(" ", 1)[0]).name == "bwrap":
            return "bwrap"
        if "grader.worker.inside" in cmdline:
            return "worker"
        if "grader.worker.zygote" in cmdline:  # the zygote, or a worker it forked
            return "zygote" if self._parent_is_bwrap(pid) else "worker"
        if "python" in cmdline or "grader" in cmdline:
            return "grading process"
        return ""

    @staticmethod
    def _parent_is_bwrap(pid: int) -> bool:
        with contextlib.suppress(OSError, ValueError, IndexError):
            ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            parent = Path(f"/proc/{ppid}/cmdline").read_bytes().split(b"\0", 1)[0]
            return Path(parent.decode()).name == "bwrap"
        return False

    def by_role(self) -> dict[str, list[int]]:
        roles: dict[str, list[int]] = {}
        for role, kib in self.peaks.values():
            roles.setdefault(role, []).append(kib)
        return roles


def figure_memory(bench: Bench) -> None:
    n = min(bench.class_size, 40)
    log(f"5. peak memory while grading {n} submissions with 2 workers")
    folder = bench.work / f"memory{n}"
    counts = submissions.write_class(ROOT, folder, n)
    sampler: list[TreeSampler] = []

    def start(proc: subprocess.Popen) -> None:
        sampler.append(TreeSampler(proc.pid))
        sampler[0].start()

    grade_batch(bench, folder, 2, f"memory{n}", popen_hook=start)  # timing not reported
    sampler[0].stopped.set()
    sampler[0].join()
    floor = subprocess.run([sys.executable, "-c", "import numpy; print(open('/proc/self/status')"
                            ".read())"], capture_output=True, text=True).stdout
    floor_kib = next(int(line.split()[1]) for line in floor.splitlines()
                     if line.startswith("VmHWM:"))
    roles = sampler[0].by_role()
    mib = 1024.0
    mix = f"{n} submissions ({counts['notebooks']} notebooks)"
    for role, label in (("grader", "the `grader grade` process"),
                        ("grading process", "a grading process (pytest + checks), largest"),
                        ("zygote", "the preloaded process that forks workers, largest"),
                        ("worker", "a worker (student code), largest")):
        values = roles.get(role, [])
        if not values:
            bench.add("5", f"peak memory: {label}", "not seen", note="sampling missed it")
            continue
        peak = max(values)
        note = f"{len(values)} processes seen; median {statistics.median(values) / mib:.0f} MiB"
        if role == "grader":
            note = mix
        bench.add("5", f"peak memory (VmHWM): {label}", f"{peak / mib:.0f} MiB",
                  f"floor {floor_kib / mib:.0f} MiB", f"{peak / floor_kib:.1f}x floor",
                  note=note)


# -- the report ------------------------------------------------------------------------------------

def machine() -> list[str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "?")
    mem = "?"
    with contextlib.suppress(OSError, StopIteration):
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        mem = f"{kib / 1024**2:.0f} GiB"
    import numpy as np

    blas = f"NumPy {np.__version__}, BLAS ?"
    with contextlib.suppress(Exception):  # NumPy's build record, without threadpoolctl
        built = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"NumPy {np.__version__}, {built['name']} {built['version']} (build)"
    with contextlib.suppress(Exception):
        from threadpoolctl import threadpool_info

        infos = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                 f"{i.get('num_threads')} threads)" for i in threadpool_info()]
        blas = f"NumPy {np.__version__}, " + (", ".join(infos) or "no BLAS pool found")
    from grader.worker.bubblewrap import find_bwrap

    bwrap = find_bwrap()
    bwrap_version = (subprocess.run([bwrap, "--version"], capture_output=True, text=True)
                     .stdout.strip() + f" ({bwrap})") if bwrap else "not installed"
    with contextlib.suppress(Exception):
        from grader.worker.policy import launcher_for

        launcher = launcher_for("validate")
        bwrap_version += f"; worker isolation: {launcher.mode}"
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "grader",
                            "assignments", "solutions"], capture_output=True,
                           text=True).stdout.strip()
    env = ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in
                    ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                     "PYTHONDONTWRITEBYTECODE"))
    mpl = "not installed: a file's matplotlib import fails alone, with a note"
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        mpl = f"{version('matplotlib')}, preloaded (pyplot, Agg) by the workers' process"
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem}; Linux {platform.release()}",
            f"- Python {platform.python_version()}; {blas}; matplotlib {mpl}",
            f"- bubblewrap: {bwrap_version}",
            f"- environment: {env}",
            f"- grader at commit {commit}" + (" with uncommitted changes" if dirty else "")]


def table(rows: list[Row]) -> list[str]:
    lines = ["| # | figure | grader | baseline | comparison | goal | notes |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.figure} | {r.what} | {r.value} | {r.baseline} | {r.ratio} | "
                     f"{r.goal} | {r.note} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and submissions")
    parser.add_argument("--only", default=",".join(FIGURES),
                        help=f"comma-separated figures among {', '.join(FIGURES)}")
    parser.add_argument("--submissions", type=int, default=None,
                        help="class size (default 200, --quick 20); the linearity run doubles it")
    parser.add_argument("--repeats", type=int, default=None, help="default 5, --quick 3")
    parser.add_argument("--nbgrader-venv", type=Path,
                        default=Path(tempfile.gettempdir()) / "grader-bench-nbgrader",
                        help="nbgrader's own virtualenv (created with pip if missing)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = set(only) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    bench = Bench(args.quick, work,
                  args.repeats or (3 if args.quick else 5),
                  args.submissions or (20 if args.quick else 200),
                  batch_repeats=1 if args.quick else 3)
    started, load_before = time.perf_counter(), loadavg()
    log(f"work folder: {work}")
    try:
        for name in FIGURES:
            if name in only:
                if name == "nbgrader":
                    figure_nbgrader(bench, args.nbgrader_venv)
                else:
                    globals()[f"figure_{name}"](bench)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    lines = [f"## grader benchmarks ({'quick' if args.quick else 'full'} mode, "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)", "", *machine(),
             f"- load average before / after: {load_before} / {loadavg()}; "
             f"whole run {total / 60:.1f} min", ""]
    if "nbgrader_versions" in bench.facts:
        lines.insert(-1, f"- nbgrader environment: {bench.facts['nbgrader_versions']} "
                         f"(own virtualenv {args.nbgrader_venv}), per-cell timeout "
                         f"{bench.facts['cell_timeout']:g} s (ex03's deadline per call)")
    lines += table(bench.rows)
    if bench.problems:
        lines += ["", "Problems:", *(f"- {p}" for p in bench.problems)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

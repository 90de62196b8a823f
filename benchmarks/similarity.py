"""Code similarity on a generated class: how long 500 submissions take, and whether the planted
copies are found, against reading the same files (the baseline, measured in the same run).

    python benchmarks/similarity.py [--students 500] [--repeat 3] [--workers N] [--keep DIR]

The class is built from the hand-written ex05 solutions of tests/data/similarity/ex05 (eleven
independent styles): every student takes each of the six definitions (softmax, the loss and the
four layers) from a style picked at random, as a .py or a notebook with demo cells, so that many
pairs share some definitions (more overlap than a real class: a conservative figure). Planted on
top: pairs and groups of three sharing one solution, renamed and reformatted.

It also prints the calibration behind the default threshold: the similarity of every pair of
independent solutions and of every copy in the test classes (docs/similarity.md).
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.batch import entries
from grader.course import Course
from grader.load.locate import opened
from grader.load.program import read_program
from grader.similarity.analysis import analyse
from grader.similarity.render import write_report

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "similarity"
STYLES = ("ana", "chloe", "choi_yuna", "garcia_sofia", "jung_hyun", "kim_minjun",
          "lee_seoyeon", "park_jiho", "smith_john", "tanaka_haruto", "wang_lei")
PARTS = ("softmax", "cross_entropy_error", "Relu", "Sigmoid", "Affine", "SoftmaxWithLoss")
#: Planted copies: (number of groups, students per group).
PLANTED = ((10, 2), (4, 3))
#: The pairs of the test classes that are copies of each other, and those that are both the
#: book's code (a copy of the book, reported as known code); every other pair is independent.
COPIES = {"ex05": {("ana", "ben"), ("chloe", "dan"), ("chloe", "eve"), ("dan", "eve")},
          "ex03": {("loop_style", "loop_twin")}}
BOTH_BOOK = {"ex05": {("fay", "jung_hyun")}, "ex03": {("book_style", "book_style_too")}}
RENAMES = {"x": "inp", "dout": "grad", "out": "result", "t": "target", "y": "pred",
           "mask": "neg", "batch_size": "n_rows", "dx": "d_in"}
DEMO = ("x = np.random.randn(4, 3)\nprint(Relu().forward(x))\n"
        "import matplotlib.pyplot as plt\nplt.plot(x[:, 0])\nplt.show()")


def style_parts() -> dict[str, dict[str, str]]:
    """For each style, the source of each of the six definitions."""
    found = {}
    for style in STYLES:
        path = next(DATA.joinpath("ex05").glob(f"{style}.*"))
        parts = {}
        for statement in read_program(path).statements:
            tree = ast.parse(statement.source).body[0]
            if getattr(tree, "name", None) in PARTS:
                parts[tree.name] = statement.source
        found[style] = parts
    return found


def disguised(source: str, rng: random.Random) -> str:
    """The same code with its variables renamed and its layout changed a little."""
    for old, new in RENAMES.items():
        if rng.random() < 0.7:
            source = re.sub(rf"\b{old}\b", new, source)
    lines = source.splitlines()
    return "\n".join(line + ("  # ok" if rng.random() < 0.1 else "") for line in lines)


def write_submission(folder: Path, name: str, parts: list[str], rng: random.Random) -> None:
    header = "import numpy as np"
    if rng.random() < 0.5:
        path = folder / f"{name}.py"
        path.write_text("\n\n\n".join([header, *parts, DEMO]) + "\n", encoding="utf-8")
        return
    nb = nbformat.v4.new_notebook()
    cells = ["%matplotlib inline\n" + header, *parts, DEMO]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}")] + [
        nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(folder / f"{name}.ipynb"))


def write_class(folder: Path, students: int, seed: int = 0) -> list[set[str]]:
    """Write the class; returns the planted groups (each a set of student names)."""
    rng = random.Random(seed)
    parts = style_parts()
    planted_count = sum(groups * size for groups, size in PLANTED)
    names = iter(f"s{i:04d}" for i in range(students))
    for _ in range(students - planted_count):
        chosen = [parts[rng.choice(STYLES)][part] for part in PARTS]
        write_submission(folder, next(names), chosen, rng)
    groups = []
    for count, size in PLANTED:
        for _ in range(count):
            original = [parts[rng.choice(STYLES)][part] for part in PARTS]
            group = set()
            for member in range(size):
                name = next(names)
                copy = original if member == 0 else [disguised(p, rng) for p in original]
                write_submission(folder, name, rng.sample(copy, len(copy)), rng)
                group.add(name)
            groups.append(group)
    return groups


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the comparing workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_loading(exercise, jobs) -> float:
    started = time.perf_counter()
    for job in jobs:
        with opened(job.entry, exercise.name) as source:
            read_program(source)
    return time.perf_counter() - started


def calibration(course: Course) -> None:
    """Similarity of independent pairs, of copies and of two copies of the book."""
    print("\n| class | --known | independent pairs | highest independent | lowest copy "
          "| both the book's code |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, copies in COPIES.items():
        exercise = course.exercise(name)
        jobs = entries(exercise, DATA / name)
        for known in (DATA / "book", None):
            pairs = analyse(exercise, jobs, known).pairs
            independent = [p for p in pairs if (p.a, p.b) not in copies | BOTH_BOOK[name]]
            copied = min(p.similarity for p in pairs if (p.a, p.b) in copies)
            book = max(p.similarity for p in pairs if (p.a, p.b) in BOTH_BOOK[name])
            top = independent[0]
            print(f"| {name} | {'yes' if known else 'no'} | {len(independent)} | "
                  f"{top.similarity:.2f} ({top.a}, {top.b}) | {copied:.2f} | {book:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--keep", type=Path, help="write the class and the report here")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes comparing pairs (default: one per core)")
    args = parser.parse_args()
    course = Course(REPO)
    exercise = course.exercise("ex05")
    work = args.keep or Path(tempfile.mkdtemp(prefix="similarity-bench-"))
    folder = work / "class"
    folder.mkdir(parents=True, exist_ok=True)
    groups = write_class(folder, args.students)
    jobs = entries(exercise, folder)
    pairs = len(jobs) * (len(jobs) - 1) // 2
    print(f"{len(jobs)} submissions of ex05 ({pairs} pairs), Python {platform.python_version()}"
          f", {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} (wall times grow with the other users' load)")

    loads, analyses, cpus, reports = [], [], [], []
    for _ in range(args.repeat):
        loads.append(time_loading(exercise, jobs))
        started, cpu = time.perf_counter(), cpu_seconds()
        analysis = analyse(exercise, jobs, DATA / "book", workers=args.workers)
        analyses.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
        started = time.perf_counter()
        write_report(analysis, work / "report", title="Code similarity: ex05")
        reports.append(time.perf_counter() - started)
    load, analysis_time, cpu, report = (statistics.median(t)
                                        for t in (loads, analyses, cpus, reports))
    flagged = {frozenset((p.a, p.b)) for p in analysis.flagged}
    planted_pairs = {frozenset((a, b)) for g in groups for a in g for b in g if a < b}
    found = len(planted_pairs & flagged)
    clusters = [set(c.students) for c in analysis.clusters]
    print(f"\n| measurement (median of {args.repeat}) | seconds | ratio to loading |")
    print("| --- | --- | --- |")
    print(f"| load the files (read_program, the baseline) | {load:.2f} | 1.0 |")
    print(f"| analyse: load, normalise, fingerprint, compare all pairs, cluster | "
          f"{analysis_time:.2f} | {analysis_time / load:.1f} |")
    print(f"| ... its CPU time, all processes ({args.workers or os.cpu_count()} comparing) | "
          f"{cpu:.2f} | {cpu / load:.1f} |")
    print(f"| write the CSVs and pages | {report:.2f} | {report / load:.1f} |")
    print(f"| total (what `grader similarity` does) | {analysis_time + report:.2f} | "
          f"{(analysis_time + report) / load:.1f} |")
    triples = [g for g in groups if len(g) == 3]
    print(f"\nplanted copied pairs flagged: {found} of {len(planted_pairs)}; planted groups of "
          f"three inside a reported cluster: "
          f"{sum(1 for g in triples if any(g <= c for c in clusters))} of {len(triples)}; "
          f"other pairs flagged: {len(flagged - planted_pairs)} (generated students who drew "
          f"the same style for most of the six definitions)")
    calibration(course)
    if not args.keep:
        print(f"\n(class and report in {work}; pass --keep DIR to keep them somewhere)")


if __name__ == "__main__":
    sys.exit(main())

"""What reading a submission costs in the grader: large files, and the price of the child.

    python benchmarks/load_cost.py [--repeats 5]

Reading (``grader.load.program.read_program``) parses in a forked child with a deadline and
a memory cap. Printed, as medians of interleaved runs (CPU time counts the child's too, and is
the steadier figure on a shared machine):

- large modules built from ``solutions/ex03/solution.py`` and demo code in the course's style,
  read in a child, against ``ast.parse`` of the same text in this process (the floor: any
  loader must parse), and whether the time per megabyte stays flat as the file grows;
- every exercise's reference module and stub notebook, read in a child against the same work
  done in this process (``parse_file``): what the child costs a normal submission (compare
  with the seconds a submission takes to grade).
"""

from __future__ import annotations

import argparse
import ast
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy  # noqa: F401  (imported by the grading process before it reads anything)
import pytest  # noqa: F401

from grader.load.program import parse_file, read_program

REPO = Path(__file__).resolve().parent.parent

DEMO = '''
# 정답은 '2'
t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
y{i} = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
print(mean_squared_error(y{i}, np.array(t))); loss{i} = 0.5 * {i}
plt.plot(y{i})
'''


def large_module(size: int, reference: str) -> str:
    """``reference`` followed by numbered demo blocks until ``size`` bytes."""
    parts, length, i = [reference], len(reference), 0
    while length < size:
        block = DEMO.format(i=i) + reference.replace("def ", f"def v{i}_")
        parts.append(block)
        length += len(block.encode())
        i += 1
    return "".join(parts)


def one_line_module(size: int) -> str:
    """Statements joined by `;` on a single line, with a Korean comment on the line."""
    body = "".join(f"w{i} = {i} * 0.5; " for i in range(size // 16))
    return "import numpy as np\n" + body + "# 데모 데이터\n"


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for."""
    own, children = (resource.getrusage(who)
                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def interleaved(actions: dict[str, Callable[[], object]],
                repeats: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each action, run in turn so that noise hits all alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            wall, cpu = time.perf_counter(), cpu_seconds()
            action()
            times[name].append((time.perf_counter() - wall, cpu_seconds() - cpu))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in times.items()}


def large_files(folder: Path, repeats: int) -> None:
    reference = (REPO / "solutions/ex03/solution.py").read_text()
    print("| file | size | lines | read in a child: wall | CPU | ast.parse here: CPU "
          "| CPU ratio | CPU s per MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    cases = [(f"module {kb} KB", large_module(kb * 1000, reference)) for kb in (55, 250, 1000)]
    cases.append(("one line, 1 MB", one_line_module(1_000_000)))
    for name, source in cases:
        path = folder / "big.py"
        path.write_text(source, encoding="utf-8")
        figures = interleaved({"child": lambda p=path: read_program(p),
                               "parse": lambda s=source: ast.parse(s)}, repeats)
        (wall, cpu), parse = figures["child"], figures["parse"][1]
        megabytes = len(source.encode()) / 1e6
        print(f"| {name} | {megabytes:.2f} MB | {source.count(chr(10)) + 1} | {wall:.3f} s "
              f"| {cpu:.3f} s | {parse:.3f} s | {cpu / parse:.2f} | {cpu / megabytes:.2f} |")


def common_case(repeats: int) -> None:
    files = sorted([*REPO.glob("solutions/ex0*/solution.py"),
                    *REPO.glob("assignments/ex0*/ex0*.ipynb")])
    read_program(files[-1])  # nbformat's one-time preparation, not a per-submission cost
    print("\n| submission | child: wall | child: CPU | here: wall | here: CPU |")
    print("| --- | ---: | ---: | ---: | ---: |")
    extra = []
    for path in files:
        figures = interleaved({"child": lambda p=path: read_program(p),
                               "here": lambda p=path: parse_file(p)}, repeats)
        (child_wall, child_cpu), (here_wall, here_cpu) = figures["child"], figures["here"]
        extra.append((child_wall - here_wall, child_cpu - here_cpu))
        print(f"| {path.relative_to(REPO)} | {child_wall * 1000:.1f} ms "
              f"| {child_cpu * 1000:.1f} ms | {here_wall * 1000:.1f} ms "
              f"| {here_cpu * 1000:.1f} ms |")
    print(f"\nthe child adds, per submission (median of {len(files)} files): "
          f"{statistics.median(w for w, _ in extra) * 1000:.1f} ms wall, "
          f"{statistics.median(c for _, c in extra) * 1000:.1f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {args.repeats} interleaved repeats, medians\n")
    with tempfile.TemporaryDirectory() as folder:
        large_files(Path(folder), args.repeats)
    common_case(args.repeats * 4)


if __name__ == "__main__":
    main()

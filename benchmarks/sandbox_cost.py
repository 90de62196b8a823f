"""What the bubblewrap sandbox costs: worker start-up and per-call round trip, against a
worker with resource limits only, measured in the same run (interleaved, medians).

    python benchmarks/sandbox_cost.py [--starts 20] [--calls 500]

Start-up is ``Worker.start()``: spawn, greeting, loading a small submission. A call is one
request/reply of ``add(a, b)`` on small arrays; a "1 MB" call sends and returns 1 MB arrays.
Last, the start-up of a worker forked by a zygote (as ``grader grade`` does), in namespaces of
its own against a plain fork in the zygote's namespaces (how it was before).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from grader.worker import bubblewrap
from grader.worker.bubblewrap import BubblewrapLauncher
from grader.worker.launchers import Launcher, RlimitsOnlyLauncher
from grader.worker.limits import Limits
from grader.worker.preloaded import PreloadedLauncher
from grader.worker.worker import Worker

SOURCE = """
import numpy as np


def add(a, b):
    return a + b
"""
PROGRAM = [{"label": "bench.py", "line": 1, "source": SOURCE}]


class PlainFork(BubblewrapLauncher):
    """The same sandbox, but its zygote forks workers that share its namespaces."""

    def scratch(self) -> tuple[tuple[str, ...], int]:
        return (), 0


def time_starts(launcher: Launcher, limits: Limits) -> float:
    worker = Worker(PROGRAM, limits, launcher)
    started = time.perf_counter()
    worker.start()
    elapsed = time.perf_counter() - started
    worker.stop()
    return elapsed


def time_calls(launcher: Launcher, limits: Limits, calls: int, size: int) -> float:
    """Median seconds of one call of add on arrays of ``size`` float64."""
    a, b = np.ones(size), np.arange(size, dtype=float)
    with Worker(PROGRAM, limits, launcher) as worker:
        worker.start()
        for _ in range(20):  # warm up
            worker.request("call", target="add", args=[a, b], kwargs={})
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            worker.request("call", target="add", args=[a, b], kwargs={})
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20, help="worker starts per launcher")
    parser.add_argument("--calls", type=int, default=500, help="calls per measurement")
    args = parser.parse_args()
    problem = bubblewrap.problem()
    if problem is not None:
        sys.exit(f"the sandbox is not available here: {problem}")
    limits = Limits()
    launchers = {"rlimits-only": RlimitsOnlyLauncher(), "bubblewrap": BubblewrapLauncher()}
    version = subprocess.run([launchers["bubblewrap"].bwrap, "--version"], capture_output=True,
                             text=True).stdout
    print(f"python {platform.python_version()}, numpy {np.__version__}, {version.strip()}, "
          f"{platform.machine()}, kernel {platform.release()}")

    starts: dict[str, list[float]] = {name: [] for name in launchers}
    for _ in range(args.starts):  # interleaved, so that drift affects both alike
        for name, launcher in launchers.items():
            starts[name].append(time_starts(launcher, limits))
    rows = [("worker start-up", {n: statistics.median(t) for n, t in starts.items()})]
    for label, size in (("call round trip (small)", 4), ("call round trip (1 MB)", 131072)):
        medians: dict[str, list[float]] = {name: [] for name in launchers}
        for _ in range(3):
            for name, launcher in launchers.items():
                medians[name].append(time_calls(launcher, limits, args.calls, size))
        rows.append((label, {n: statistics.median(t) for n, t in medians.items()}))

    print(f"\n{'median of repeated runs':<26}{'rlimits-only':>14}{'bubblewrap':>14}"
          f"{'overhead':>14}{'ratio':>8}")
    for label, values in rows:
        plain, boxed = values["rlimits-only"], values["bubblewrap"]
        print(f"{label:<26}{plain * 1e3:>11.3f} ms{boxed * 1e3:>11.3f} ms"
              f"{(boxed - plain) * 1e3:>+11.3f} ms{boxed / plain:>7.2f}x")
    print(f"\n({args.starts} starts per launcher; calls: median of {args.calls} calls, "
          "median over 3 workers per launcher)")

    forked = {"plain fork": PreloadedLauncher(PlainFork()),
              "own namespaces": PreloadedLauncher(BubblewrapLauncher())}
    forked_starts: dict[str, list[float]] = {name: [] for name in forked}
    for launcher in forked.values():
        time_starts(launcher, limits)  # the zygote starts once, not counted
    for _ in range(args.starts * 5):
        for name, launcher in forked.items():
            forked_starts[name].append(time_starts(launcher, limits))
    for launcher in forked.values():
        launcher.close()
    plain, own = (statistics.median(forked_starts[n]) for n in forked)
    print(f"\nforked worker start-up (median of {args.starts * 5}): plain fork "
          f"{plain * 1e3:.2f} ms, own namespaces {own * 1e3:.2f} ms, "
          f"{(own - plain) * 1e3:+.2f} ms, {own / plain:.2f}x")


if __name__ == "__main__":
    main()

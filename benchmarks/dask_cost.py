"""What grading on Dask costs, and what a course of thousands would take on a cluster.

    python benchmarks/dask_cost.py              # 200 submissions, 5 runs of each mode (~6 min)
    python benchmarks/dask_cost.py --quick      # 40 submissions, 1 run each

Prints a markdown section (stdout; progress on stderr), in the same run:

1. ``grader grade ex03`` on the same generated class (benchmarks/submissions.py) with
   ``--workers 2`` and with ``--dask local:2``, interleaved; wall time of the whole command,
   median of the runs: the ratio (goal: at most 1.15), the ratio of each interleaved pair, the
   CPU both spent (steadier than wall time on a shared machine) and Dask's overhead per
   submission.
2. The cost per submission that a cluster spreads: core-seconds per submission of the
   ``--workers 2`` runs (2 x wall / n); and ex06's reference, graded alone (``--workers 1``).
3. What stays serial, per task: the scheduler and client process's CPU (a LocalCluster of the
   same configuration running tasks that only carry a submission of the class's median size),
   the round trip a worker waits between two tasks (the same run's wall time per task and
   worker), and the client's own work per result (render the report, write the files).
4. A projection for 5,000 students and six exercises (ex01-ex05 at the ex03 class's cost, ex06
   at its measured cost and at 20 s, what real students' training costs under load) on 10, 50
   and 200 nodes of ``--cores`` cores: startup + max(work / cores + tasks x round trip / cores,
   tasks x scheduler CPU, tasks x client work).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import submissions  # noqa: E402
from run import (  # noqa: E402
    ROOT,
    children_cpu,
    grader_command,
    loadavg,
    log,
    median,
    secs,
    timed,
)

from grader.course import Course  # noqa: E402
from grader.output import OutputFolder  # noqa: E402

STUDENTS, EXERCISES = 5_000, 6
NODES = (10, 50, 200)
REAL_EX06_SECONDS = 20.0  # issue 15: 16-22 s measured on real students' code under load
NOOP_TASKS = 1_000


def carry(payload: dict) -> int:
    """A task that does nothing with a submission but receive it."""
    return len(payload["files"])


def import_grader() -> None:
    """A first task, as a grading one imports the grader before its first submission."""
    import grader.grading  # noqa: F401


def grade_runs(work: Path, folder: Path,
               repeats: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds (the command and everything it waited for) of each run, by mode."""
    walls: dict[str, list[float]] = {"--workers 2": [], "--dask local:2": []}
    cpus: dict[str, list[float]] = {mode: [] for mode in walls}
    for repeat in range(repeats):
        for mode in walls:
            out = work / f"out-{mode.split()[0].strip('-')}-{repeat}"
            shutil.rmtree(out, ignore_errors=True)
            log(f"  grader grade ex03 {mode} ({repeat + 1}/{repeats}), load {loadavg()}")
            cpu = children_cpu()
            seconds, code = timed([*grader_command(), "grade", submissions.EXERCISE, str(folder),
                                   "--out", str(out), *mode.split()], log_to=work / "grade.log")
            if code != 0:
                sys.exit(f"grader grade {mode} exited with {code}: see {work / 'grade.log'}")
            walls[mode].append(seconds)
            cpus[mode].append(children_cpu() - cpu)
    first = (work / "out-workers-0" / "gradebook.csv").read_text()
    if (work / "out-dask-0" / "gradebook.csv").read_text() != first:
        sys.exit("the two gradebooks differ")
    return walls, cpus


def ex06_seconds(work: Path) -> float:
    """How long grading ex06's reference takes (its results' duration: no start-up)."""
    entry = work / "ex06-reference.py"
    shutil.copy(ROOT / "solutions/ex06/solution.py", entry)
    out = work / "out-ex06"
    shutil.rmtree(out, ignore_errors=True)
    log("  grader grade ex06 reference.py --workers 1")
    _, code = timed([*grader_command(), "grade", "ex06", str(entry), "--out", str(out),
                     "--workers", "1"], log_to=work / "grade.log")
    if code != 0:
        sys.exit(f"grader grade ex06 exited with {code}")
    (result,) = OutputFolder(out).results()
    return result.duration


def client_seconds(graded: Path) -> float:
    """The client's work per result, as grade_class does it: report, then the files."""
    from grader.report.html import render_student_report

    results = OutputFolder(graded).results()
    title = Course(ROOT).exercise(submissions.EXERCISE).title("en")
    with tempfile.TemporaryDirectory() as scratch:
        folder = OutputFolder(Path(scratch))
        started = time.perf_counter()
        for result in results:
            folder.save(result, render_student_report(result, title=title))
        return (time.perf_counter() - started) / len(results)


def per_task_costs(folder: Path) -> tuple[float, float, float]:
    """(scheduler and client CPU per task, a worker's round trip per task, cluster start)."""
    from distributed import Client, wait

    from grader.batch import entries
    from grader.cluster import local_cluster, pack_entry

    exercise = Course(ROOT).exercise(submissions.EXERCISE)
    payloads = [pack_entry(job.entry, exercise.name) for job in entries(exercise, folder)]
    typical = sorted(payloads, key=lambda p: sum(map(len, p["files"].values())))[len(payloads) // 2]
    started = time.perf_counter()
    with local_cluster(2) as cluster, Client(cluster) as client:
        client.submit(import_grader).result()
        start_seconds = time.perf_counter() - started
        cpu, wall = time.process_time(), time.perf_counter()
        wait([client.submit(carry, typical, pure=False) for _ in range(NOOP_TASKS)])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / NOOP_TASKS, 2 * wall / NOOP_TASKS, start_seconds


def projection(light: float, ex06: float, startup: float, scheduler: float, round_trip: float,
               client: float, cores: int) -> list[str]:
    tasks = STUDENTS * EXERCISES
    lines = [f"| nodes x {cores} cores | ex06 per submission | work / cores | "
             "scheduler (tasks x CPU) | client (tasks x work) | projected |",
             "| --- | --- | --- | --- | --- | --- |"]
    for ex06_cost, label in ((ex06, "measured reference"), (REAL_EX06_SECONDS, "real code")):
        work = STUDENTS * (5 * light + ex06_cost)
        for nodes in NODES:
            slots = nodes * cores
            spread = (work + tasks * round_trip) / slots
            total = EXERCISES * startup + max(spread, tasks * scheduler, tasks * client)
            lines.append(f"| {nodes} | {ex06_cost:.1f} s ({label}) | {minutes(spread)} | "
                         f"{minutes(tasks * scheduler)} | {minutes(tasks * client)} | "
                         f"**{minutes(total)}** |")
    return lines


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=None, help="submissions (default 200)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--cores", type=int, default=16, help="worker processes per node")
    args = parser.parse_args()
    n = args.size or (40 if args.quick else 200)
    repeats = args.repeats or (1 if args.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="grader-bench-dask-"))
    try:
        folder = work / "class"
        submissions.write_class(ROOT, folder, n)
        walls, cpus = grade_runs(work, folder, repeats)
        local, remote = median(walls["--workers 2"]), median(walls["--dask local:2"])
        pairs = [d / w for w, d in zip(walls["--workers 2"], walls["--dask local:2"], strict=True)]
        cpu_local, cpu_remote = median(cpus["--workers 2"]), median(cpus["--dask local:2"])
        light = 2 * local / n
        ex06 = ex06_seconds(work)
        client = client_seconds(work / "out-dask-0")
        scheduler, round_trip, startup = per_task_costs(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    runs = "; ".join(f"{mode}: " + " / ".join(f"{w:.1f}" for w in ws) for mode, ws in walls.items())
    print(f"ex03, {n} submissions, medians of {repeats} interleaved runs ({runs} s); "
          f"load average at the end {loadavg()}; {os.cpu_count()} cores\n")
    print("| what | value | baseline | ratio | goal |\n| --- | --- | --- | --- | --- |")
    print(f"| `grader grade ex03 --dask local:2` | {secs(remote)} | `--workers 2`: "
          f"{secs(local)} | {remote / local:.2f} | <= 1.15 |")
    print(f"| the same, each interleaved pair (t_dask / t_local) | "
          f"{', '.join(f'{r:.2f}' for r in pairs)} | | median {median(pairs):.2f} | |")
    print(f"| CPU of the whole command and its processes, `--dask local:2` | {secs(cpu_remote)} "
          f"| `--workers 2`: {secs(cpu_local)} | {cpu_remote / cpu_local:.2f} | |")
    print(f"| Dask's overhead per submission: (t_dask - t_local) / n | "
          f"{1000 * (remote - local) / n:.0f} ms | per submission, 2 workers: "
          f"{1000 * local / n:.0f} ms | | |")
    print(f"| core-seconds per ex03 submission (2 x t_local / n) | {light:.2f} s | | | |")
    print(f"| grading ex06's reference (its results' duration) | {secs(ex06)} | | | |")
    print(f"| LocalCluster start, 2 workers, until a task has imported the grader | "
          f"{secs(startup)} | | | |")
    print(f"| scheduler and client CPU per task ({NOOP_TASKS} tasks carrying a median "
          f"submission) | {1000 * scheduler:.2f} ms | | | |")
    print(f"| a worker's round trip per task (one task at a time) | {1000 * round_trip:.1f} ms "
          "| | | |")
    print(f"| the client's work per result (report, files) | {1000 * client:.1f} ms | | | |")
    print(f"\nProjection, {STUDENTS:,} students x {EXERCISES} exercises = "
          f"{STUDENTS * EXERCISES:,} submissions (ex01-ex05 at {light:.2f} core-s each; "
          f"startup {secs(startup)} per exercise):\n")
    print("\n".join(projection(light, ex06, startup, scheduler, round_trip, client,
                               args.cores)))


if __name__ == "__main__":
    main()

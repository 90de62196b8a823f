"""What it costs the worker to be able to say where a timed-out call was.

Every request arms an interval timer shortly before its deadline and disarms it after
(grader.worker.inside: two setitimer calls); only a call that runs out of time gets its stack
written. This prints the round trip of a small call through a real worker, the cost of the two
timer calls measured in the same run, and their ratio; then the time from a deadline to the
grader knowing the line, for a loop in Python and a long call in C.

    python benchmarks/stack_on_timeout.py
"""

from __future__ import annotations

import signal
import statistics
import time

from grader.worker.launchers import RlimitsOnlyLauncher
from grader.worker.limits import Limits
from grader.worker.worker import CallTimedOut, Worker

CALLS = 2000
SOURCE = ("def identity(x):\n    return x\n\n"
          "def spin(x):\n    while True:\n        x += 1\n\n"
          "def c_loop(x):\n    return sum(range(10**12))\n")


def round_trip(worker: Worker) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        worker.request("call", target="identity", args=[1.0], kwargs={})
    return (time.perf_counter() - started) / CALLS


def timer_calls() -> float:
    handler = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    started = time.perf_counter()
    for _ in range(CALLS):
        signal.setitimer(signal.ITIMER_REAL, 9.5)
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = (time.perf_counter() - started) / CALLS
    signal.signal(signal.SIGALRM, handler)
    return elapsed


def main() -> None:
    worker = Worker([{"label": "bench.py", "line": 1, "source": SOURCE}], Limits(),
                    RlimitsOnlyLauncher())
    worker.start()
    round_trip(worker)  # warm up
    trips = [round_trip(worker) for _ in range(5)]
    timers = [timer_calls() for _ in range(5)]
    trip, timer = statistics.median(trips), statistics.median(timers)
    print("| measure | value |\n| --- | --- |")
    print(f"| round trip of a call (median of 5 x {CALLS}) | {trip * 1e6:.1f} µs |")
    print(f"| arming and disarming the timer | {timer * 1e6:.2f} µs |")
    print(f"| share of a round trip | {100 * timer / trip:.1f} % |")
    worker.deadlines.check_seconds = 1.0
    for name in ("spin", "c_loop"):
        started = time.perf_counter()
        try:
            worker.request("call", target=name, args=[1], kwargs={})
        except CallTimedOut as exc:
            print(f"| `{name}` stopped after 1 s: place, time to know it | {exc.place}, "
                  f"{time.perf_counter() - started:.2f} s |")
        worker.start()
    worker.stop()


if __name__ == "__main__":
    main()

"""Calibrate the MNIST accuracy thresholds of exercise 6 (instructor tool, not a check).

Runs the grading procedure of assignments/ex06/checks/test_public.py (np.random.seed(seed),
TwoLayerNet(784, HIDDEN, 10), train(net, x, t, ITERS, batch_size=100, learning_rate=0.1), then
the test accuracy of argmax(predict)) for many seeds, on the data grading uses, for the
reference and the variants of variants.toml (all of them unless named), single-threaded like
the grading worker. Code is loaded as the worker loads it: definitions only, one statement at
a time, a failing statement skipped.

    OMP_NUM_THREADS=1 python solutions/ex06/calibrate.py --seeds 30 [--mnist-dir DIR] [NAME ...]

Sources (both prepared by the checks' own conftest.grading_data):
  mnist-t10k  the digits shipped with the grader, split 8,000 / 2,000 (always);
  mnist       the full set, from the four standard files in --mnist-dir.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import sys
import time
import types
from pathlib import Path

import numpy as np

from grader.course import Course
from grader.data.mnist import load_mnist, load_packaged_mnist
from grader.load.program import read_program
from grader.validate import variant_source, variants

COURSE = Path(__file__).resolve().parent.parent.parent
CHECKS = COURSE / "assignments" / "ex06" / "checks"
DATA_HINTS = ("preprocess", "preprocess_scale", "one_hot")  # the run cannot count at all


def module_at(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"ex06_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_code(path: Path) -> types.SimpleNamespace:
    """The definitions of a submission file, run as the worker runs them."""
    namespace: dict = {"__name__": "submission"}
    for statement in read_program(path).statements:
        code = "\n" * (statement.line - 1) + statement.source
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, statement.label, "exec"), namespace)
    return types.SimpleNamespace(**namespace)


def codes(names: list[str]) -> dict[str, tuple[types.SimpleNamespace, str]]:
    """name -> (code, what grading expects of its MNIST checks: "pass", "fail" or "data")."""
    exercise = Course(COURSE).exercise("ex06")
    found = {"reference": (load_code(exercise.reference), "pass")}
    for variant in variants(exercise):
        hint = variant.fails.get("test_mnist_accuracy")
        expected = "pass" if hint is None else "data" if hint in DATA_HINTS else "fail"
        with variant_source(exercise, variant) as path:
            found[variant.name] = (load_code(path), expected)
    unknown = set(names) - set(found)
    if unknown:
        raise SystemExit(f"unknown names: {', '.join(sorted(unknown))}")
    return {name: found[name] for name in names} if names else found


def run(code, data, seed: int, iters: int, hidden: int) -> tuple[float, float]:
    """(test accuracy, seconds in train) of one grading run."""
    x, t = code.preprocess(data.x_train), code.one_hot(data.t_train)
    x_test = code.preprocess(data.x_test)
    np.random.seed(seed)
    net = code.TwoLayerNet(784, hidden, 10)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code.train(net, x, t, iters, batch_size=100, learning_rate=0.1)
    seconds = time.perf_counter() - start
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(np.argmax(net.predict(x_test), axis=1) == data.t_test))
    return accuracy, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="reference and/or variants (default: all)")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--mnist-dir", type=Path, help="folder with the four standard files")
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: set OMP_NUM_THREADS=1 to time training like the grading worker",
              file=sys.stderr)
    sys.path.insert(0, str(CHECKS))  # the checks import their helpers by name, as when graded
    checks, conftest = module_at(CHECKS / "test_public.py"), module_at(CHECKS / "conftest.py")
    sources = [conftest.grading_data(load_packaged_mnist())]
    if args.mnist_dir is not None:
        sources.append(conftest.grading_data(load_mnist(args.mnist_dir)))
    print(f"ITERS={checks.ITERS} hidden={checks.HIDDEN} seeds=0..{args.seeds - 1} "
          f"learns>={checks.LEARNS} threshold={checks.THRESHOLD}\n")
    print("| source | code | grading expects | min | 5th pct | median | max | "
          "seeds below threshold | seeds below 'learns' | train s (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    per_seed = []
    reach, stay = [], []  # (accuracy, source, code, line): must reach the threshold / stay below
    for data in sources:
        threshold = checks.THRESHOLD[data.source]
        for name, (code, expected) in codes(args.names).items():
            try:
                results = [run(code, data, seed, checks.ITERS, checks.HIDDEN)
                           for seed in range(args.seeds)]
            except Exception as exc:  # a variant that crashes: its checks fail on the error
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                print(f"| {data.source} | {name} | {expected} | {reason} | | | | | | |",
                      flush=True)
                continue
            acc = np.array([a for a, _ in results])
            secs = np.median([s for _, s in results])
            print(f"| {data.source} | {name} | {expected} | {acc.min():.4f} | "
                  f"{np.percentile(acc, 5):.4f} | {np.median(acc):.4f} | {acc.max():.4f} | "
                  f"{int(np.sum(acc < threshold))} | {int(np.sum(acc < checks.LEARNS))} | "
                  f"{secs:.2f} |", flush=True)
            per_seed.append(f"- {data.source} {name}: {' '.join(f'{a:.4f}' for a in acc)}")
            if expected == "pass":
                reach.append((acc.min(), data.source, name, threshold))
            elif expected == "fail":
                stay.append((acc.max(), data.source, name, checks.LEARNS))
    print(f"\nPer-seed accuracies (seeds 0..{args.seeds - 1}):\n")
    print("\n".join(per_seed))
    if reach:
        value, source, name, line = min(reach, key=lambda r: r[0] - r[3])
        print(f"\nLowest accuracy of a code that must reach the threshold: {value:.4f} "
              f"({source} {name}), margin {value - line:.4f}")
    if stay:
        value, source, name, line = max(stay, key=lambda r: r[0] - r[3])
        print(f"Highest accuracy of a code that must fail by its accuracy: {value:.4f} "
              f"({source} {name}), margin {line - value:.4f} below 'learns'")


if __name__ == "__main__":
    main()

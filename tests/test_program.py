"""Loading definitions only from notebooks and modules as students leave them."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, write_notebook

from grader.load.bounded import forking_available, run_bounded
from grader.load.program import UnreadableSubmission, read_program


def sources(program) -> list[str]:
    return [s.source for s in program.statements]


def test_noisy_notebook_keeps_only_definitions(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "ex.ipynb", [
        ("markdown", "# My work\n$y = x$"),
        ("code", "%matplotlib inline\n!nvidia-smi\nimport numpy as np\n"
                 "import matplotlib.pyplot as plt"),
        ("code", "def f(x):\n    return x + 1\n\nprint(f(2))\nplt.plot([1, 2])"),
        ("code", "for i in range(10**9):\n    pass\nlosses = []\nlr = 0.1\nnet = Net(784, 50)"),
        ("code", "%%time\nclass A:\n    pass\nA()"),
        ("code", "%%bash\nls -la"),
        ("code", "if __name__ == '__main__':\n    f(1)"),
        ("code", "x = np.zeros((2, 2))\ny = np.array([1, 2]).sum()"),
    ])
    program = read_program(nb)
    assert sources(program) == [
        "import numpy as np", "import matplotlib.pyplot as plt", "def f(x):\n    return x + 1",
        "losses = []", "lr = 0.1", "class A:\n    pass", "x = np.zeros((2, 2))",
        "y = np.array([1, 2]).sum()"]
    skipped = {s.text for s in program.skipped}
    assert "net = Net(784, 50)" in skipped and "for i in range(10**9):" in skipped
    assert program.skipped_binding("net").label == "cell 3"
    assert not program.syntax_errors


def test_syntax_error_in_one_function_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text("import numpy as np\n\ndef good(x):\n    return x\n\n"
                    "def bad(x)\n    return x\n\ndef also_good(x):\n    return 2 * x\n")
    program = read_program(path)
    assert [s.binds for s in program.statements] == [("np",), ("good",), ("also_good",)]
    assert program.syntax_errors[0].line == 6
    assert program.statements[2].line == 9


def test_decorated_function_keeps_its_decorator(tmp_path: Path) -> None:
    path = tmp_path / "d.py"
    path.write_text("import functools\n\n@functools.lru_cache\ndef f(x):\n    return x\n")
    program = read_program(path)
    assert program.statements[1].source.startswith("@functools.lru_cache")
    assert program.statements[1].line == 3


def test_try_import_fallback_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text("try:\n    import cupy as np\nexcept ImportError:\n    import numpy as np\n"
                    "EPS = np.float64(1e-7)\n")
    program = read_program(path)
    assert len(program.statements) == 2 and program.statements[0].binds == ("np",)


@pytest.mark.parametrize("content, suffix", [("{not json", ".ipynb"), ("", ".txt"),
                                             ('{"cells": 3}', ".ipynb")])
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: str, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    path.write_text(content)
    with pytest.raises(UnreadableSubmission, match="x"):
        read_program(path)


def test_binary_py_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "b.py"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(UnreadableSubmission):
        read_program(path)


# -- loading is linear, bounded in time and memory (issue 11 item 2) --------------------------

def long_module(functions: int) -> str:
    """A student's module grown long: functions, demo lines, Korean comments, a `;` line."""
    parts = ["# -*- coding: utf-8 -*-\nimport numpy as np\nimport matplotlib.pyplot as plt\n"]
    for i in range(functions):
        parts.append(
            f"def step_{i}(x):\n    # 계단 함수 {i}: 0보다 크면 1\n    y = x > 0\n"
            f"    return y.astype(np.int64)\n\n"
            f"x{i} = np.arange(-5.0, 5.0, 0.1); w{i} = 0.5 * {i}  # 데모 데이터\n"
            f"plt.plot(x{i}, step_{i}(x{i}))\n")
    return "".join(parts)


def traced_lines(source: str, tmp_path: Path) -> int:
    """How many lines of Python run while the loader reads ``source`` in this process."""
    from grader.load.program import parse_file

    path = tmp_path / "long.py"
    path.write_text(source, encoding="utf-8")
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        count += event == "line"
        return trace

    sys.settrace(trace)
    try:
        program = parse_file(path)
    finally:
        sys.settrace(None)
    assert len(program.statements) > 0
    return count


def test_loading_runs_a_number_of_lines_linear_in_the_file(tmp_path: Path) -> None:
    """Twice the file, about twice the work: ast.get_source_segment per statement re-split the
    whole source each time (2,000 lines took 15 s). Counted, not timed."""
    small = traced_lines(long_module(100), tmp_path)
    large = traced_lines(long_module(200), tmp_path)
    assert large / small < 2.3, (small, large)


# -- demo data and demo code among the definitions (issue 10, section 4) -----------------------

LOSSES_WITH_DEMO = '''# coding: utf-8
import sys, os
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pylab as plt

EPS = 1e-7
h = 1e-4


def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def cross_entropy_error(y, k):
    # 정답 레이블은 원-핫 인코딩
    return -np.sum(t * np.log(y + EPS))


def numerical_diff(f, x):
    return (f(x + h) - f(x - h)) / (2 * h)


# 정답은 '2'
t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
# 예1: '2'일 확률이 가장 높다고 추정함 (0.6)
y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
print(mean_squared_error(np.array(y), np.array(t)))
print(cross_entropy_error(np.array(y), np.array(t)))
'''


def test_function_reading_demo_data_gets_a_note(tmp_path: Path) -> None:
    path = tmp_path / "losses.py"
    path.write_text(LOSSES_WITH_DEMO, encoding="utf-8")
    program = read_program(path)
    kept = sources(program)
    assert "t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]" in kept and "EPS = 1e-7" in kept  # still loaded
    assert [(r.function, r.name, r.label, r.line, r.text) for r in program.data_reads] == [
        ("cross_entropy_error", "t", "losses.py", 25, "t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]")]


def test_data_rule_tells_demo_data_from_constants(tmp_path: Path) -> None:
    """Lists, arrays and what is computed from them are data; scalars, NumPy scalars and dicts
    of scalars are constants; the last kept binding decides."""
    path = tmp_path / "net.py"
    path.write_text('''import numpy as np
delta, lr = 1e-7, np.float64(0.1)
eps = np.finfo(float).eps
config = {"hidden": 50, "lr": 0.1}
losses = []
network = {}
network['W1'] = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
x = np.random.rand(2)
x2 = x * 2
shape = np.sqrt(2.0)
t = np.array([0, 1])
t = 3


def predict(x):
    W1 = network['W1']
    return np.dot(x, W1) * lr + delta + eps + config["lr"] + shape + t


def sigmoid(a):
    return 1 / (1 + np.exp(-a)) + x2.sum()


class TwoLayerNet:
    def loss(self, z):
        losses.append(z)
        return [x for _ in range(2)]
''')
    reads = {(r.function, r.name) for r in read_program(path).data_reads}
    assert reads == {("predict", "network"), ("sigmoid", "x2"), ("TwoLayerNet.loss", "x")}


def test_assignment_depending_on_skipped_code_is_skipped_quietly(tmp_path: Path) -> None:
    """`Z1 = sigmoid(A1)` is skipped (a call into the student's code): `A2 = np.dot(Z1, W2)`
    and what follows from it are demo code too, not definitions that fail to load."""
    nb = write_notebook(tmp_path / "forward.ipynb", [
        ("code", "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))"),
        ("code", "X = np.array([1.0, 0.5])\nW1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])\n"
                 "B1 = np.array([0.1, 0.2, 0.3])\nA1 = np.dot(X, W1) + B1\nZ1 = sigmoid(A1)\n"
                 "print(A1)\nprint(Z1)"),
        ("code", "W2 = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]])\n"
                 "A2 = np.dot(Z1, W2)\nZ2 = np.tanh(A2); B2 = np.array([0.1, 0.2])\n"
                 "Z1 = np.zeros(3)\nA3 = Z1 + 1"),
    ])
    program = read_program(nb)
    kept = sources(program)
    assert "A1 = np.dot(X, W1) + B1" in kept and "B2 = np.array([0.1, 0.2])" in kept
    assert "A2 = np.dot(Z1, W2)" not in kept and "Z2 = np.tanh(A2)" not in kept
    assert "A3 = Z1 + 1" in kept  # Z1 is bound again by kept code before it
    assert program.skipped_binding("A2").text == "A2 = np.dot(Z1, W2)"
    assert program.skipped_binding("Z2").line == 3


def test_demo_data_note_in_both_languages(toy) -> None:
    from grader.grading import grade

    exercise, submission = toy
    path = submission("x = np.array([1.0, 2.0, 3.0])\n\n"
                      "def total(v):\n    return x.sum()\n")
    notes = {lang: grade(exercise, path, hidden=False, lang=lang).notes for lang in ("en", "ko")}
    line = TOY_SOLUTION.count("\n") + 2
    assert any("`total` reads `x`" in n and f"line {line}:" in n for n in notes["en"]), notes["en"]
    assert any("`total` 함수가" in n and "`x` 값을" in n for n in notes["ko"]), notes["ko"]


def test_a_one_megabyte_module_loads(tmp_path: Path) -> None:
    source = long_module(5000)
    assert 1_000_000 < len(source.encode()) < 2 * 1024**2
    path = tmp_path / "big.py"
    path.write_text(source, encoding="utf-8")
    program = read_program(path)
    assert len([s for s in program.statements if s.source.startswith("def step_")]) == 5000
    assert program.statements[-1].source == "w4999 = 0.5 * 4999"
    assert program.skipped[-1].text == "plt.plot(x4999, step_4999(x4999))"


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_oversized_source_is_unreadable(tmp_path: Path, suffix: str) -> None:
    code = "W = 0.01\n" * 250_000  # 2.25 MB of code
    path = tmp_path / f"huge{suffix}"
    if suffix == ".py":
        path.write_text(code)
    else:
        write_notebook(path, [("code", code[:len(code) // 2]), ("code", code[len(code) // 2:])])
    with pytest.raises(UnreadableSubmission, match=r"huge\.\w+ .*than 2 MB"):
        read_program(path)


def _sleep_forever() -> None:
    time.sleep(3600)


def _allocate_a_gigabyte() -> int:
    return len(bytearray(1024**3))


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _grader_bug() -> None:
    raise TypeError("a bug in the loader")


@pytest.mark.skipif(not forking_available(), reason="parsing runs in-process without fork")
@pytest.mark.parametrize("task, reason", [
    (_sleep_forever, "reading x.py took longer than 1 s"),
    (_allocate_a_gigabyte, "reading x.py needed more than 64 MB of memory"),
    (_crash, "reading x.py stopped: the reader crashed (SIGSEGV)"),
])
def test_parsing_out_of_time_memory_or_stack_costs_only_that_file(task, reason: str) -> None:
    with pytest.raises(UnreadableSubmission, match=re.escape(reason)):
        run_bounded(task, what="x.py", seconds=1, memory_bytes=64 * 1024**2)
    assert run_bounded(len, "still fine", what="y.py") == 10
    with pytest.raises(RuntimeError, match="TypeError: a bug in the loader"):
        run_bounded(_grader_bug, what="z.py")  # the grader's own failure is not the student's


@pytest.mark.skipif(not forking_available(), reason="parsing runs in-process without fork")
def test_reading_where_children_are_reaped_by_the_kernel(tmp_path: Path) -> None:
    """The warm process ignores SIGCHLD: a child is gone before it is waited for."""
    path = tmp_path / "mine.py"
    path.write_text("import numpy as np\n\ndef relu(x):\n    return np.maximum(0, x)\n")
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert sources(read_program(path))[1].startswith("def relu(x):")
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_lambda_bound_to_a_name_is_a_definition(tmp_path: Path) -> None:
    """`sigmoid = lambda x: ...` defines a function like `def`: kept, its body neither run
    nor taken for demo data; a default that calls student code is still demo code."""
    path = tmp_path / "activations.py"
    path.write_text("import numpy as np\n"
                    "relu = lambda x: np.maximum(0, x)\n"
                    "loss_W = lambda W: net.loss(x, t)\n"
                    "f = lambda x, scale=train(): x * scale\n"
                    "def g(x):\n    return relu(x) + loss_W(x)\n", encoding="utf-8")
    program = read_program(path)
    assert sources(program) == ["import numpy as np", "relu = lambda x: np.maximum(0, x)",
                                "loss_W = lambda W: net.loss(x, t)",
                                "def g(x):\n    return relu(x) + loss_W(x)"]
    assert program.skipped_binding("f").text == "f = lambda x, scale=train(): x * scale"
    assert not program.data_reads

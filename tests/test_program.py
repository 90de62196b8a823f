"""Loading definitions only from notebooks and modules as students leave them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_notebook

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
    path.write_text("try:\n    import cupy as np\nexcept ImportError:\n    import numpy as np\n")
    assert len(read_program(path).statements) == 1


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

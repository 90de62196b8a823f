"""A generated class of ex03 submissions: correct, buggy, broken, hostile; notebooks and .py.

``write_class(course, folder, n)`` writes ``n`` submissions named ``sNNNN_<kind>.py|.ipynb``.
The mix is a fixed list of 200 kinds, spread evenly (each kind as close as possible to its
share at every position), repeated as often as needed: 400 submissions are exactly the 200
twice over, and a smaller class is a prefix with about the same proportions.

Files begin as real study code does (REAL-CODE.md), in a second even spread: 80% import
matplotlib (pyplot or pylab; their notebooks carry ``%matplotlib inline`` and a plot), and a
quarter add the book's ``sys.path.append(os.pardir)`` and ``from dataset.mnist import
load_mnist``, which cannot resolve in a grader.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

import nbformat

from grader.course import Course, Exercise
from grader.validate import variant_source, variants

EXERCISE = "ex03"

# kind -> how many in a class of 200
MIX_200: dict[str, int] = {
    # correct: the reference, as a module or spread over a notebook with demo cells
    "correct_py": 35,
    "correct_nb": 35,
    # buggy (and a few correct) variants of solutions/ex03/variants.toml, .py and .ipynb
    "variant": 69,
    # broken
    "stub_nb": 10,            # the untouched stub: every function raises NotImplementedError
    "syntax_py": 8,           # a typo in one function
    "syntax_nb": 7,           # a typo in one notebook cell
    "invalid_json_nb": 5,     # a truncated .ipynb
    "empty_py": 5,
    # hostile
    "loop_toplevel_nb": 6,    # a cell with an endless loop at the top level
    "loop_in_function_py": 1, # mean_squared_error never returns (costs a timeout per call)
    "exit_toplevel_py": 4,    # os._exit(0) after the definitions
    "exit_in_function_py": 5, # cross_entropy_error calls os._exit(3)
    "sysexit_in_function_py": 3,
    "print_huge_py": 4,       # cross_entropy_error prints 10 MB before answering
    "print_flood_nb": 3,      # a demo cell printing 100,000 lines
}
assert sum(MIX_200.values()) == 200

# how a file begins -> how many in 20
TOPS_20: dict[str, int] = {"plain": 4, "pyplot": 8, "pylab": 3, "book": 5}
TOPS = {
    "plain": "",
    "pyplot": "import numpy as np\nimport matplotlib.pyplot as plt\n\n",
    "pylab": "import numpy as np\nimport matplotlib.pylab as plt\n\n",
    "book": ("import sys, os\nsys.path.append(os.pardir)  # to import the book's folders\n"
             "import numpy as np\nimport matplotlib.pyplot as plt\n"
             "from dataset.mnist import load_mnist\n\n"),
}
PLOT = "plt.bar(np.arange(10), y)\nplt.title('softmax output')\nplt.show()"

DEMO = '''# Try it
t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
print(mean_squared_error(y, t), cross_entropy_error(y, t))'''


def spread(mix: dict[str, int], n: int) -> list[str]:
    """n names, each as close to its share of mix as possible at every position."""
    total = sum(mix.values())
    base: list[str] = []
    placed: Counter = Counter()
    for i in range(total):
        name = max(mix, key=lambda k: mix[k] * (i + 1) / total - placed[k])
        placed[name] += 1
        base.append(name)
    return [base[i % len(base)] for i in range(n)]


def kinds(n: int) -> list[str]:
    return spread(MIX_200, n)


def chunks(source: str) -> list[str]:
    """Top-level statements grouped into notebook cells: the imports, then one per def."""
    tree = ast.parse(source)
    lines = source.splitlines()
    cells: list[list[str]] = [[]]
    for node in tree.body:
        start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
        text = "\n".join(lines[start - 1: node.end_lineno])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) or not cells[-1]:
            cells.append([text])
        else:
            cells[-1].append(text)
    return ["\n".join(c) for c in cells if c]


def notebook(code_cells: list[str], title: str = "Exercise 3: Loss functions") -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\nMy solution."))
    for code in code_cells:
        nb.cells.append(nbformat.v4.new_code_cell(code))
    return nbformat.writes(nb)


def as_notebook(source: str, *extra: str) -> str:
    cells = chunks(source)
    if "import matplotlib" in cells[0]:
        cells[0] = "%matplotlib inline\n" + cells[0]
        extra = (PLOT, *extra)
    return notebook([*cells, DEMO, *extra])


class Generator:
    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.reference = exercise.reference.read_text(encoding="utf-8")
        self.stub = exercise.stub
        self.variants = []
        for variant in variants(exercise):
            with variant_source(exercise, variant) as path:
                self.variants.append((variant.name, path.suffix, path.read_bytes()))
        self._next_variant = 0

    def _variant(self, index: int, top: str) -> tuple[str, bytes, str]:
        name, suffix, data = self.variants[self._next_variant % len(self.variants)]
        self._next_variant += 1
        if suffix == ".py":
            data = top.encode() + data
            if index % 2:  # every other .py variant goes in as a notebook
                return ".ipynb", as_notebook(data.decode("utf-8")).encode("utf-8"), name
        return suffix, data, name

    def make(self, kind: str, index: int, top: str = "") -> tuple[str, bytes]:
        """(suffix, content) of one submission of this kind, beginning with ``top``."""
        ref = top + self.reference
        if kind == "correct_py":
            return ".py", ref.encode()
        if kind == "correct_nb":
            return ".ipynb", as_notebook(ref).encode()
        if kind == "variant":
            return self._variant(index, top)[:2]
        if kind == "stub_nb":
            return ".ipynb", self.stub.read_bytes()
        if kind == "syntax_py":
            return ".py", ref.replace("def cross_entropy_error(y, t):",
                                      "def cross_entropy_error(y, t)").encode()
        if kind == "syntax_nb":
            cells = chunks(ref)
            cells[-1] = cells[-1].replace("batch_size = y.shape[0]", "batch_size = y.shape[0")
            return ".ipynb", notebook([*cells, DEMO]).encode()
        if kind == "invalid_json_nb":
            text = as_notebook(ref)
            return ".ipynb", text[: len(text) // 2].encode()
        if kind == "empty_py":
            return ".py", b""
        if kind == "loop_toplevel_nb":
            return ".ipynb", as_notebook(ref, "# train forever\nwhile True:\n    pass").encode()
        if kind == "loop_in_function_py":
            return ".py", (ref + "\n\ndef mean_squared_error(y, t):\n    while True:\n"
                           "        pass\n").encode()
        if kind == "exit_toplevel_py":
            return ".py", (ref + "\n\nimport os\nos._exit(0)\n").encode()
        if kind == "exit_in_function_py":
            return ".py", ref.replace("    batch_size = y.shape[0]",
                                      "    import os\n    os._exit(3)\n"
                                      "    batch_size = y.shape[0]").encode()
        if kind == "sysexit_in_function_py":
            return ".py", ref.replace("    batch_size = y.shape[0]",
                                      "    import sys\n    sys.exit('bye')\n"
                                      "    batch_size = y.shape[0]").encode()
        if kind == "print_huge_py":
            return ".py", ref.replace("    batch_size = y.shape[0]",
                                      "    print('x' * 10_000_000)\n"
                                      "    batch_size = y.shape[0]").encode()
        if kind == "print_flood_nb":
            return ".ipynb", as_notebook(ref, "for i in range(100_000):\n    print(i)").encode()
        raise ValueError(kind)


def write_class(course_root: Path, folder: Path, n: int, habits: bool = True) -> Counter:
    """Write ``n`` submissions into ``folder``; returns how many of each kind.

    ``habits=False``: the same class as clean code, every file begun as the reference is
    (no matplotlib, no book imports), the baseline of real study code.
    """
    exercise = Course(course_root).exercise(EXERCISE)
    generator = Generator(exercise)
    folder.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    tops = spread(TOPS_20, n) if habits else ["plain"] * n
    for index, (kind, top) in enumerate(zip(kinds(n), tops, strict=True)):
        label = kind
        if kind == "variant":
            suffix, data, name = generator._variant(index, TOPS[top])
            label = f"variant-{name}"
        else:
            suffix, data = generator.make(kind, index, TOPS[top])
        (folder / f"s{index:04d}_{label}{suffix}").write_bytes(data)
        counts[kind] += 1
        counts["notebooks" if suffix == ".ipynb" else "modules"] += 1
        for habit, mark in (("matplotlib", b"import matplotlib"), ("dataset", b"dataset.mnist")):
            counts[habit] += mark in data
    return counts


if __name__ == "__main__":
    print(write_class(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))

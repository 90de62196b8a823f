"""The demo class in demo-class/: what a class hands in, for every exercise of the course.

    python benchmarks/demo_class.py [--out demo-class]

Each exercise gets a dozen-odd students, each file made from solutions/exNN:

- the reference, begun as study code begins (matplotlib, the book's ``sys.path`` and dataset
  imports) with demo code at the top level, and filled into the stub notebook as students leave
  it (execution counts out of order, "Try it" cells, magics, a last cell never run);
- correct answers in other styles and the common bugs of the book's readers: variants of
  variants.toml, each written as one student's file with the variant's definitions in place of
  the reference's (the same definitions ``grader validate`` grades: tests/test_demo.py checks),
  without the course author's comments; half of them as notebooks;
- the untouched stub, a file with a syntax error, a notebook cut short, and a function that
  never returns (it costs the deadline of every check that calls it).

The folder is committed; tests/test_demo.py checks that it is exactly what this script writes.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import shutil
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from submissions import TOPS  # noqa: E402  (how study code begins)

from grader.authoring.source import solution_view  # noqa: E402
from grader.course import Course, Exercise  # noqa: E402
from grader.validate import Variant, variants  # noqa: E402

# The class: the same students hand in every exercise.
ROSTER = ("kim_minji", "lee_junho", "park_seoyeon", "choi_woojin", "jung_hayoon", "kang_dohyun",
          "yoon_sua", "sato_haruto", "tanaka_yui", "chen_jie", "wang_fang", "nguyen_an",
          "emma_jones", "liam_patel", "olivia_garcia", "han_jisoo", "oh_taeyang", "shin_yerin",
          "lim_jaehyun", "noah_smith")

# Variants handed in, per exercise: correct answers in other styles, then common bugs.
OTHER_STYLES = {
    "ex01": ["sigmoid_naive", "sigmoid_tanh", "relu_where", "step_astype", "noisy_notebook"],
    "ex02": ["softmax_keepdims", "predict_via_forward", "noisy_notebook"],
    "ex03": ["cee_take_along_axis", "cee_clip", "noisy_notebook"],
    "ex04": ["gd_returns_history", "flat_view_style", "copy_per_element_style"],
    "ex05": ["book_layers", "other_style"],
    "ex06": ["ch4_sigmoid_style", "ch5_relu_layers", "noisy_notebook"],
}
COMMON_BUGS = {
    "ex01": ["step_np_int", "step_if_scalar", "step_bool", "sigmoid_sign_flipped",
             "sigmoid_exp_ratio", "sigmoid_camelcase", "relu_python_max", "relu_inplace",
             "identity_no_return"],
    "ex02": ["softmax_whole_array", "softmax_no_max", "softmax_axis0", "soft_max_misspelled",
             "softmax_inplace", "forward_relu", "forward_no_bias", "predict_no_softmax",
             "accuracy_argmax_no_axis", "accuracy_np_float", "accuracy_int_div"],
    "ex03": ["mse_no_half", "mse_mean", "mse_square_of_sum", "cee_no_guard",
             "cee_guard_outside_log", "cee_sum_batch", "cee_one_hot_only", "cee_labels_only",
             "cee_np_float", "cee_inplace", "cross_entopy_misspelled"],
    "ex04": ["book_bug", "forward_difference", "h_1e-50", "h_1e-10", "gradient_len_loop",
             "gradient_size_loop", "gradient_rowwise", "gradient_no_restore", "gd_wrong_sign",
             "gd_fixed_steps"],
    "ex05": ["affine_grads_local", "affine_dx_not_reshaped", "affine_stores_nothing",
             "affine_dw_lowercase", "affine_db_single_sample", "relu_foward",
             "relu_forward_inplace", "sigmoid_backword", "sigmoid_missing_one_minus_y",
             "swl_forward_no_return", "swl_one_hot_only", "swl_softmax_no_max"],
    "ex06": ["np_float", "not_scaled", "lr_wrong_sign", "params_reassigned",
             "predict_softmax_axis0", "loss_sums_batch", "numerical_gradient_no_restore",
             "accuracy_compares_one_hot"],
}

# A definition that never returns, in place of the reference's: (what, code).
_ITERNEXT_FORGOTTEN = '''def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad
'''
ENDLESS = {
    "ex01": ("relu walks the elements with a while loop that only moves on past a negative one",
             '''def relu(x):
    y = np.array(x, dtype=float)
    flat = y.reshape(-1)
    i = 0
    while i < flat.size:
        if flat[i] < 0:
            flat[i] = 0
            i += 1
    return y
'''),
    "ex02": ("accuracy's while loop writes `i + batch_size` instead of `i += batch_size`",
             '''def accuracy(network, x, t, batch_size=100):
    accuracy_cnt = 0
    i = 0
    while i < len(x):
        y_batch = predict(network, x[i:i + batch_size])
        p = np.argmax(y_batch, axis=1)
        accuracy_cnt += np.sum(p == t[i:i + batch_size])
        i + batch_size
    return accuracy_cnt / len(x)
'''),
    "ex03": ("mean_squared_error's `i += 1` is indented out of its while loop",
             '''def mean_squared_error(y, t):
    diff = (y - t).reshape(-1)
    total = 0.0
    i = 0
    while i < diff.size:
        total += diff[i] ** 2
    i += 1
    return 0.5 * total
'''),
    "ex04": ("numerical_gradient never calls it.iternext(), so np.nditer never finishes",
             _ITERNEXT_FORGOTTEN),
    "ex05": ("Sigmoid.backward's `i += 1` is indented out of its while loop",
             '''class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        dx = np.zeros_like(dout, dtype=float)
        flat_dx, flat_dout, flat_out = dx.reshape(-1), dout.reshape(-1), self.out.reshape(-1)
        i = 0
        while i < flat_dx.size:
            flat_dx[i] = flat_dout[i] * (1.0 - flat_out[i]) * flat_out[i]
        i += 1
        return dx
'''),
    "ex06": ("the numerical_gradient helper never calls it.iternext(): "
             "TwoLayerNet.numerical_gradient never returns", _ITERNEXT_FORGOTTEN),
}

# Top-level demo code at the end of a .py file, as in the book's chapters (never run by the grader).
DEMO_CODE = {
    "ex01": '''x = np.arange(-5.0, 5.0, 0.1)
y = sigmoid(x)
plt.plot(x, y)
plt.ylim(-0.1, 1.1)
plt.show()
print(step_function(np.array([-1.0, 1.0, 2.0])))
''',
    "ex02": '''network = {"W1": np.full((2, 3), 0.2), "b1": np.zeros(3),
           "W2": np.full((3, 2), 0.3), "b2": np.zeros(2),
           "W3": np.eye(2), "b3": np.array([0.1, -0.1])}
x = np.array([1.0, 0.5])
print(forward(network, x), predict(network, x))
''',
    "ex03": '''t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
print(mean_squared_error(np.array(y), np.array(t)))
print(cross_entropy_error(np.array(y), np.array(t)))
''',
    "ex04": '''def function_2(x):
    return x[0] ** 2 + x[1] ** 2


print(numerical_gradient(function_2, np.array([3.0, 4.0])))
print(gradient_descent(function_2, init_x=np.array([-3.0, 4.0]), lr=0.1, step_num=100))
''',
    "ex05": '''x = np.array([[1.0, -0.5], [-2.0, 3.0]])
layer = Relu()
print(layer.forward(x))
print(layer.backward(np.ones_like(x)))
''',
    "ex06": '''(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
losses = train(network, x_train, t_train, iters_num=10000)
plt.plot(losses)
plt.show()
print(network.accuracy(x_test, t_test))
''',
}

HABITS = ("book", "pyplot", "plain", "pylab")  # keys of submissions.TOPS, in turn
PIP_CELL = ("!pip install numpy matplotlib",
            "Requirement already satisfied: numpy in ./.venv/lib/python3.11/site-packages\n"
            "Requirement already satisfied: matplotlib in ./.venv/lib/python3.11/site-packages\n")


@dataclass
class Entry:
    """One student's file: its content, its kind (see plans), what it shows (for
    demo-class/README.md) and the variant it was made from."""

    student: str
    suffix: str
    data: bytes
    kind: str
    what: str
    variant: str = ""

    @property
    def name(self) -> str:
        return self.student + self.suffix


# -- source text ----------------------------------------------------------------------------

def without_comments(source: str) -> str:
    """The code without its comments (a variant's comments are the course author's notes)."""
    lines = source.splitlines(keepends=True)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in reversed([t for t in tokens if t.type == tokenize.COMMENT]):
        row, col = token.start
        kept = lines[row - 1][:col].rstrip()
        lines[row - 1] = kept + "\n" if kept else ""
    return "".join(lines)


def without_docstring(source: str) -> str:
    """The module without its docstring (the reference's says it is the reference)."""
    tree = ast.parse(source)
    first = tree.body[0] if tree.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return "\n".join(source.splitlines()[first.end_lineno:]).lstrip("\n") + "\n"
    return source


def _span(node: ast.stmt) -> tuple[int, int]:
    start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
    return start, node.end_lineno


def _defined(node: ast.stmt) -> str | None:
    return node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else None


def replace_definitions(base: str, override: str) -> str:
    """``base`` with each function or class that ``override`` defines replaced in place by
    ``override``'s; ``override``'s other definitions and its imports that ``base`` lacks go
    after ``base``'s imports. A class that derives from the one it overrides
    (``class Affine(Affine)``) goes right after it instead. ``override`` holds nothing else
    (no top-level code)."""
    over_lines = override.splitlines()
    over_nodes = ast.parse(override).body
    if not all(_defined(n) or _is_import(n) for n in over_nodes):
        raise ValueError("an override holds only imports and definitions")
    text_of = {_defined(n): _text(over_lines, n) for n in over_nodes if _defined(n)}
    base_lines = base.splitlines()
    base_nodes = ast.parse(base).body
    patched = {_defined(n) for n in over_nodes if _derives_from_itself(n)}
    replaced = {_defined(n) for n in base_nodes if _defined(n) in text_of}
    known = {ast.dump(n) for n in base_nodes if _is_import(n)}
    extra = [_text(over_lines, n) for n in over_nodes
             if _defined(n) not in replaced and ast.dump(n) not in known]
    imports_end = max([_span(n)[1] for n in base_nodes if _is_import(n)], default=0)
    out = base_lines[:imports_end]
    if extra:
        out += ["", "", *"\n\n\n".join(extra).splitlines()]
    cursor = imports_end
    for node in base_nodes:
        name = _defined(node)
        if name in replaced:
            start, end = _span(node)
            kept = ([*base_lines[cursor:end], "", ""] if name in patched
                    else base_lines[cursor:start - 1])
            out += [*kept, *text_of[name].splitlines()]
            cursor = end
    out += base_lines[cursor:]
    return "\n".join(out).strip("\n") + "\n"


def _derives_from_itself(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        isinstance(b, ast.Name) and b.id == node.name for b in node.bases)


def _is_import(node: ast.stmt) -> bool:
    return isinstance(node, (ast.Import, ast.ImportFrom))


def _text(lines: list[str], node: ast.stmt) -> str:
    start, end = _span(node)
    return "\n".join(lines[start - 1:end])


def variant_module(exercise: Exercise, variant: Variant) -> str:
    """The variant's file as one student wrote it (see grader.validate.variant_source)."""
    own = without_comments(variant.file.read_text(encoding="utf-8"))
    if variant.base == "none":
        return own
    if variant.base == "reference":
        base = without_docstring(solution_view(exercise.reference.read_text(encoding="utf-8")))
    else:
        base = variant_module(exercise, next(v for v in variants(exercise)
                                             if v.name == variant.base))
    return replace_definitions(base, own)


def as_py(source: str, habit: str, demo: str = "") -> str:
    """A student's .py: how study code begins, the definitions, then the demo code."""
    top = TOPS[habit]
    body = source
    if top:  # the habit's imports replace a bare `import numpy as np` at the top
        body = source.replace("import numpy as np\n", "", 1)
    return top + body.lstrip("\n") + (f"\n\n{demo}" if demo else "")


def habit_for(demo: str, habit: str) -> str:
    """``habit``, unless the demo code needs the imports of another (plt, the book's loader)."""
    if "load_mnist" in demo:
        return "book"
    if "plt." in demo and "matplotlib" not in TOPS[habit]:
        return "pyplot"
    return habit


def with_syntax_error(source: str) -> str:
    """The colon at the end of the last function's or class's header forgotten."""
    last = [n for n in ast.parse(source).body if _defined(n)][-1]
    lines = source.splitlines()
    header_end = last.body[0].lineno - 2  # the line before the body
    lines[header_end] = lines[header_end].rstrip().removesuffix(":")
    return "\n".join(lines) + "\n"


# -- notebooks --------------------------------------------------------------------------------

def cell_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def fits_stub(stub: Path, source: str) -> bool:
    """Whether ``source`` defines every name the stub's cells define and the reference needs:
    a notebook made from the stub would otherwise keep the stub's placeholder."""
    mine = {_defined(n) for n in ast.parse(source).body}
    return all(name in mine for name in stub_names(stub))


def stub_names(stub: Path) -> list[str]:
    """The functions and classes the stub asks for (those that raise NotImplementedError)."""
    names = []
    for cell in json.loads(stub.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            for node in ast.parse("".join(cell["source"])).body:
                if _defined(node) and "NotImplementedError" in ast.dump(node):
                    names.append(node.name)
    return names


def student_notebook(stub: Path, source: str, habit: str, student: str,
                     pip_cell: bool = False) -> str:
    """The stub notebook as a student leaves it, with ``source``'s definitions filled in.

    Each definition the stub has is replaced in its own cell; the student's other definitions
    go in a cell after the imports; markdown and "Try it" cells stay. The cells ran in order,
    one of them again at the end, and the last (empty) one never ran.
    """
    nb = json.loads(stub.read_text(encoding="utf-8"))
    lines = source.splitlines()
    nodes = ast.parse(source).body
    mine: dict[str, str] = {}  # name -> its definitions (a class and one patching it)
    for node in nodes:
        if _defined(node):
            mine[node.name] = "\n\n\n".join(filter(None, [mine.get(node.name),
                                                           _text(lines, node)]))
    placed: set[str] = set()
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in code_cells:
        text = "".join(cell["source"]).splitlines()
        for node in reversed(ast.parse("\n".join(text)).body):
            if _defined(node) in mine:
                start, end = _span(node)
                text[start - 1:end] = mine[_defined(node)].splitlines()
                placed.add(_defined(node))
        cell["source"] = cell_lines("\n".join(text))
    imports = "\n".join(_text(lines, n) for n in nodes if _is_import(n))
    top = TOPS[habit].replace("import numpy as np\n", "").rstrip("\n")
    magic = "%matplotlib inline\n" if "matplotlib" in top else ""
    code_cells[0]["source"] = cell_lines(magic + imports + ("\n" + top if top else ""))
    at = nb["cells"].index(code_cells[0])
    others = [mine[name] for name in mine if name not in placed]
    if others:
        nb["cells"].insert(at + 1, _code_cell("\n\n\n".join(others), f"{student}-helpers"))
    if pip_cell:
        nb["cells"].insert(at, _code_cell(PIP_CELL[0], f"{student}-pip", stream=PIP_CELL[1]))
    nb["cells"].append(_code_cell("", f"{student}-scratch"))
    _number_runs([c for c in nb["cells"] if c["cell_type"] == "code"])
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _code_cell(text: str, seed: str, stream: str = "") -> dict:
    outputs = [{"name": "stdout", "output_type": "stream", "text": cell_lines(stream)}]
    return {"cell_type": "code", "execution_count": None,
            "id": hashlib.sha256(seed.encode()).hexdigest()[:8], "metadata": {},
            "outputs": outputs if stream else [], "source": cell_lines(text)}


def _number_runs(cells: list[dict]) -> None:
    """Run in order, the second cell once more at the end; the last cell never run."""
    for count, cell in enumerate(cells[:-1], start=1):
        cell["execution_count"] = count
    if len(cells) > 2:
        cells[1]["execution_count"] = len(cells)
    cells[-1]["execution_count"] = None


# -- the class --------------------------------------------------------------------------------

@dataclass
class Plan:
    """A file to write: its kind, its form (how it is written), its source, what it shows."""

    kind: str
    form: str  # py, py+demo, py+typo, notebook, notebook+cut, or file (copied as it is)
    source: str | Path  # the module's text, or the file to copy
    what: str
    variant: str = ""

    @property
    def suffix(self) -> str:
        if isinstance(self.source, Path):
            return self.source.suffix
        return ".py" if self.form.startswith("py") else ".ipynb"


def plans(ex: Exercise) -> list[Plan]:
    """What one exercise's class hands in, in the order of the roster."""
    known = {v.name: v for v in variants(ex)}
    reference = without_docstring(solution_view(ex.reference.read_text(encoding="utf-8")))
    found = [
        Plan("reference", "py+demo", reference, "correct: the reference, begun like the book's "
             "study code (sys.path, matplotlib, the dataset loader), with demo code at the top "
             "level"),
        Plan("reference", "notebook", reference,
             "correct: the reference filled into the stub notebook"),
    ]
    for number, name in enumerate(OTHER_STYLES[ex.name] + COMMON_BUGS[ex.name]):
        variant = known[name]
        if variant.file.suffix == ".ipynb":
            found.append(Plan("variant", "file", variant.file, variant.about, name))
            continue
        source = variant_module(ex, variant)
        form = ("notebook" if number % 2 and fits_stub(ex.stub, source)
                else "py+demo" if number % 4 == 0 else "py")
        found.append(Plan("variant", form, source, variant.about, name))
    loop_what, loop_code = ENDLESS[ex.name]
    return [*found,
            Plan("stub", "file", ex.stub, "the stub handed in untouched"),
            Plan("syntax error", "py+typo", reference,
                 "a syntax error: the colon after the last header is missing"),
            Plan("cut short", "notebook+cut", reference,
                 "a notebook cut short (the upload broke off): not JSON"),
            Plan("endless loop", "py", replace_definitions(reference, loop_code),
                 f"a function that never returns: {loop_what}")]


def exercise_entries(course: Course, name: str, offset: int) -> list[Entry]:
    """Every file of one exercise's class, handed in by the roster from ``offset`` on."""
    ex = course.exercise(name)
    todo = plans(ex)
    if len(todo) > len(ROSTER):
        raise ValueError(f"{name}: {len(todo)} files for {len(ROSTER)} students")
    entries = []
    for index, plan in enumerate(todo):
        student = ROSTER[(offset + index) % len(ROSTER)]
        habit = HABITS[index % len(HABITS)]
        if plan.form == "file":
            data = plan.source.read_bytes()
        elif plan.form.startswith("notebook"):
            text = student_notebook(ex.stub, plan.source, habit, student, pip_cell=index == 1)
            data = (text[: len(text) * 3 // 5] if plan.form == "notebook+cut" else text).encode()
        else:
            demo = DEMO_CODE[name] if plan.form == "py+demo" else ""
            text = as_py(plan.source, habit_for(demo, habit), demo)
            data = (with_syntax_error(text) if plan.form == "py+typo" else text).encode()
        entries.append(Entry(student, plan.suffix, data, plan.kind, plan.what, plan.variant))
    return entries


def readme(course: Course, classes: dict[str, list[Entry]]) -> str:
    lines = ["# Demo class", "",
             "What a class hands in, for every exercise: correct answers in several styles, the",
             "common bugs of the book's readers, notebooks as students leave them, a broken file",
             "and a function that never returns. Grade one exercise:", "", "```sh",
             "grader grade ex03 demo-class/ex03 --out graded/", "```", "",
             "Generated from `solutions/exNN` (the reference and the variants of `variants.toml`)",
             "by `python benchmarks/demo_class.py`; `tests/test_demo.py` checks that these files "
             "are", "what it writes: change the script, not the files.", ""]
    for name, entries in classes.items():
        lines += [f"## {name}: {course.exercise(name).title('en')}", "",
                  "| file | what it shows | variant |", "| --- | --- | --- |"]
        lines += [f"| `{e.name}` | {e.what} | {e.variant and f'`{e.variant}`'} |"
                  for e in sorted(entries, key=lambda e: e.name)]
        lines.append("")
    return "\n".join(lines)


def demo_classes(course: Course) -> dict[str, list[Entry]]:
    """Every exercise's class; each begins three students further down the roster."""
    return {name: exercise_entries(course, name, 3 * number)
            for number, name in enumerate(course.names())}


def write_demo_class(course_root: Path, folder: Path) -> dict[str, list[Entry]]:
    """Write the demo class into ``folder`` (replacing what is there); returns its entries."""
    course = Course(course_root)
    classes = demo_classes(course)
    shutil.rmtree(folder, ignore_errors=True)
    for name, entries in classes.items():
        (folder / name).mkdir(parents=True)
        for entry in entries:
            (folder / name / entry.name).write_bytes(entry.data)
    (folder / "README.md").write_text(readme(course, classes), encoding="utf-8")
    return classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-class")
    args = parser.parse_args()
    classes = write_demo_class(ROOT, args.out)
    print(f"{args.out}: " + ", ".join(f"{name} {len(e)}" for name, e in classes.items()))


if __name__ == "__main__":
    main()

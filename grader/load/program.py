"""Turn a student's notebook or module into the definitions the worker may run.

Students leave notebooks full of demo code: plots, prints, shell escapes, training loops
that run for minutes. Grading runs only definitions (imports, functions, classes, simple
assignments) and records what it skipped, so that a later NameError can be explained.
Parsing happens here, in the grader; executing happens in the worker.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

NUMERIC_MODULES = frozenset({"numpy", "math"})
SHELL_OR_MAGIC = re.compile(r"^\s*([!%]|[\w\s,]+=\s*[!%])")
NON_PYTHON_CELL_MAGICS = ("%%bash", "%%sh", "%%html", "%%javascript", "%%js", "%%writefile",
                          "%%latex", "%%markdown", "%%script", "%%svg", "%%perl", "%%ruby")
CHUNK_START = re.compile(r"^(def |class |async def |import |from |@)")


class UnreadableSubmission(Exception):
    """The file cannot be read as a notebook or a Python module."""


@dataclass(frozen=True)
class Statement:
    """One top-level statement to run in the worker, with where it came from."""

    label: str
    line: int
    source: str
    binds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """Top-level code that grading does not run, and the names it would have bound."""

    label: str
    line: int
    text: str
    binds: tuple[str, ...]


@dataclass(frozen=True)
class SyntaxProblem:
    label: str
    line: int
    message: str


@dataclass
class Program:
    """What the worker runs, and what it was told to leave out."""

    source_name: str
    statements: list[Statement] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    syntax_errors: list[SyntaxProblem] = field(default_factory=list)

    def to_wire(self) -> list[dict]:
        return [{"label": s.label, "line": s.line, "source": s.source} for s in self.statements]

    def skipped_binding(self, name: str) -> Skipped | None:
        return next((s for s in self.skipped if name in s.binds), None)

    def statement_at(self, label: str, line: int) -> Statement | None:
        return next((s for s in self.statements if (s.label, s.line) == (label, line)), None)


def read_program(path: Path) -> Program:
    """Read a ``.py`` or ``.ipynb`` file into a :class:`Program`."""
    path = Path(path)
    if path.suffix == ".ipynb":
        cells = _notebook_cells(path)
    elif path.suffix == ".py":
        try:
            cells = [(path.name, path.read_text(encoding="utf-8-sig"))]
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableSubmission(f"{path.name}: {exc}") from exc
    else:
        raise UnreadableSubmission(f"{path.name}: not a .py or .ipynb file")
    program = Program(path.name)
    numeric_aliases: set[str] = set()
    for label, source in cells:
        _add_cell(program, label, source, numeric_aliases)
    return program


def _notebook_cells(path: Path) -> list[tuple[str, str]]:
    import nbformat  # slow to import (JSON schema): only when a notebook is graded

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many types for a broken file
        raise UnreadableSubmission(f"{path.name} is not a readable notebook: {exc}") from exc
    cells = []
    number = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cells.append((f"cell {number}", source))
    return cells


def _strip_magics(source: str) -> str | None:
    """Blank IPython-only lines, keeping line numbers; None for a non-Python cell."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        if lines[0].lstrip().startswith(NON_PYTHON_CELL_MAGICS):
            return None
        lines[0] = ""
    cleaned = []
    for line in lines:
        cleaned.append("" if SHELL_OR_MAGIC.match(line) else line)
    return "\n".join(cleaned)


def _add_cell(program: Program, label: str, source: str, numeric_aliases: set[str]) -> None:
    cleaned = _strip_magics(source)
    if cleaned is None or not cleaned.strip():
        return
    for offset, chunk in _parseable_chunks(program, label, cleaned):
        try:
            tree = ast.parse(chunk)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = offset + (getattr(exc, "lineno", None) or 1)
            message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
            program.syntax_errors.append(SyntaxProblem(label, line, message))
            continue
        lines = chunk.splitlines()
        for node in tree.body:
            decorators = getattr(node, "decorator_list", [])
            start = min([d.lineno for d in decorators] + [node.lineno])
            first = offset + start
            if decorators:
                text = "\n".join(lines[start - 1 : node.end_lineno])
            else:
                text = ast.get_source_segment(chunk, node) or ""
            if _is_definition(node, numeric_aliases):
                _note_numeric_imports(node, numeric_aliases)
                program.statements.append(Statement(label, first, text, _bound_names(node)))
            elif not _is_docstring(node):
                program.skipped.append(
                    Skipped(label, first, lines[node.lineno - 1].strip()[:120], _bound_names(node))
                )


def _parseable_chunks(program: Program, label: str, source: str) -> list[tuple[int, str]]:
    """The whole cell if it parses, else pieces split at top-level definitions.

    One typo in a cell should not hide the other functions defined in the same cell.
    """
    try:
        ast.parse(source)
        return [(0, source)]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if CHUNK_START.match(line)] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    return [(a, "\n".join(lines[a:b])) for a, b in itertools.pairwise(bounds) if a < b]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _is_definition(node: ast.stmt, numeric_aliases: set[str]) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.ClassDef)):
        return True
    if isinstance(node, ast.Try):
        body = node.body + [s for h in node.handlers for s in h.body] + node.orelse
        return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) for s in body)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return node.value is not None and _is_simple(node.value, numeric_aliases)
    return False


def _is_simple(expr: ast.expr, numeric_aliases: set[str]) -> bool:
    """Literals, names and arithmetic; calls only into numpy/math (e.g. ``np.float32(1)``)."""
    for node in ast.walk(expr):
        if isinstance(node, (ast.Lambda, ast.comprehension, ast.Await, ast.Yield,
                             ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, (ast.Attribute, ast.Call)):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            if not (isinstance(root, ast.Name) and root.id in numeric_aliases):
                return False
    return True


def _note_numeric_imports(node: ast.stmt, numeric_aliases: set[str]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] in NUMERIC_MODULES:
                numeric_aliases.add(alias.asname or alias.name.split(".")[0])


def _bound_names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    names = set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update((a.asname or a.name).split(".")[0] for a in node.names)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(sub.name)
    return tuple(sorted(names))

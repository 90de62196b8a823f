"""Turn a student's notebook or module into the definitions the worker may run.

Students leave notebooks full of demo code: plots, prints, shell escapes, training loops
that run for minutes. Grading runs only definitions (imports, functions, classes, simple
assignments; ``sigmoid = lambda x: ...`` is a function definition too) and records what it
skipped, so that a later NameError can be explained. A simple assignment that reads a name
last set by skipped code (``A2 = np.dot(Z1, W2)`` after a skipped ``Z1 = sigmoid(A1)``) is
demo code too, and is skipped with it.

Kept assignments may hold demo data (``t = [0, 0, 1, 0]``). A function that reads such a
name instead of its own parameter can pass a check by accident, so the loader notes every
function that reads module-level demo data (see :meth:`_Loader.is_data` for the rule).

Parsing happens here, in the grader, inside a short-lived child process with a deadline and a
memory cap (:mod:`grader.load.bounded`); executing happens in the worker. Every step is linear
in the size of the file.
"""

from __future__ import annotations

import ast
import functools
import itertools
import json
import os
import re
import symtable
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.load.bounded import MB, UnreadableSubmission, start_bounded

__all__ = ["Program", "UnreadableSubmission", "parse_file", "read_program", "start_reading"]

NUMERIC_MODULES = frozenset({"numpy", "math"})
MAX_SOURCE_BYTES = 2 * MB      # all the code of one submission (real ones are under 100 KB)
MAX_NOTEBOOK_BYTES = 256 * MB  # a notebook with its outputs (plots, images)
MAX_DATA_READS = 10            # notes about functions reading demo data, per submission
NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks of Python's tokenizer, no others
SHELL_OR_MAGIC = re.compile(r"^\s*([!%]|[\w\s,]+=\s*[!%])")
NON_PYTHON_CELL_MAGICS = ("%%bash", "%%sh", "%%html", "%%javascript", "%%js", "%%writefile",
                          "%%latex", "%%markdown", "%%script", "%%svg", "%%perl", "%%ruby")
CHUNK_START = re.compile(r"^(def |class |async def |import |from |@)")
CHUNK_DEFINES = re.compile(r"^(?:async\s+)?(?:def|class)\s+([^\W\d]\w*)", re.M)
MAX_LINE_TEXT = 300  # characters of an offending line kept for reports
IDENTIFIER = re.compile(r"[^\W\d]\w*")
NOTEBOOK_MINOR = re.compile(rb'"nbformat_minor"\s*:\s*(\d{1,3})')
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
NOT_SIMPLE = (ast.comprehension, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


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
    """A piece of a cell that does not parse, and what a report needs to point at it."""

    label: str
    line: int
    message: str
    column: int = 0  # 1-based, as Python counts it; 0: unknown
    text: str = ""  # the offending line
    binds: tuple[str, ...] = ()  # what the piece would have defined (its `def`/`class` line)


@dataclass(frozen=True)
class DataRead:
    """A function reads a module-level name that a demo data assignment set."""

    function: str
    name: str
    label: str
    line: int
    text: str


@dataclass
class Program:
    """What the worker runs, and what it was told to leave out."""

    statements: list[Statement] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    syntax_errors: list[SyntaxProblem] = field(default_factory=list)
    data_reads: list[DataRead] = field(default_factory=list)

    def to_wire(self) -> list[dict]:
        return [{"label": s.label, "line": s.line, "source": s.source} for s in self.statements]

    def to_dict(self) -> dict:
        """Plain data for :meth:`from_dict` (faster than ``dataclasses.asdict``)."""
        return {name: [vars(item) for item in getattr(self, name)]
                for name in ("statements", "skipped", "syntax_errors", "data_reads")}

    @classmethod
    def from_dict(cls, data: dict) -> Program:
        """The program :meth:`to_dict` gave (JSON turned its tuples into lists)."""
        return cls([Statement(**{**s, "binds": tuple(s["binds"])}) for s in data["statements"]],
                   [Skipped(**{**s, "binds": tuple(s["binds"])}) for s in data["skipped"]],
                   [SyntaxProblem(**{**s, "binds": tuple(s["binds"])})
                    for s in data["syntax_errors"]],
                   [DataRead(**r) for r in data["data_reads"]])

    def skipped_binding(self, name: str) -> Skipped | None:
        return self._skipped_by_name.get(name)

    def statement_at(self, label: str, line: int) -> Statement | None:
        return self._statements_by_place.get((label, line))

    def failed_binding(self, failures: Iterable[dict[str, Any]],
                       name: str) -> dict[str, Any] | None:
        """Of the worker's load failures, the one of the kept statement that binds ``name``."""
        for failure in failures:
            statement = self.statement_at(failure["label"], failure["line"])
            if statement is not None and name in statement.binds:
                return failure
        return None

    @functools.cached_property
    def _skipped_by_name(self) -> dict[str, Skipped]:
        found: dict[str, Skipped] = {}
        for skipped in self.skipped:
            for name in skipped.binds:
                found.setdefault(name, skipped)
        return found

    @functools.cached_property
    def _statements_by_place(self) -> dict[tuple[str, int], Statement]:
        found: dict[tuple[str, int], Statement] = {}
        for statement in self.statements:
            found.setdefault((statement.label, statement.line), statement)
        return found


def read_program(path: Path) -> Program:
    """Read a ``.py`` or ``.ipynb`` file into a :class:`Program`, in a bounded child process."""
    path = Path(path)
    if path.suffix == ".ipynb":
        _prepare_nbformat(_notebook_minor(path))
    return start_reading(path)()


def start_reading(path: Path) -> Callable[[], Program]:
    """Start reading ``path`` in a bounded child process; the function returned waits for its
    :class:`Program`. ``grader check`` imports pytest meanwhile: the child imports nbformat
    itself, on the other core (:func:`read_program` prepares it once for many notebooks)."""
    task = start_bounded(_parse_to_dict, str(path), what=Path(path).name)
    return lambda: Program.from_dict(task())


def _notebook_minor(path: Path) -> int | None:
    """The ``nbformat_minor`` Jupyter writes at the end of a notebook, read from its last bytes
    only (the notebook itself is parsed in the child)."""
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as file:
            file.seek(max(0, os.fstat(file.fileno()).st_size - 256))
            found = NOTEBOOK_MINOR.search(file.read(256))
    except OSError:
        return None
    return int(found[1]) if found else None


@functools.cache
def _prepare_nbformat(minor: int | None) -> None:
    """Import nbformat and build the schema validator of that version here, once: the children
    inherit it (building it in every child cost 20 to 40 ms of CPU per notebook)."""
    import nbformat

    if minor is None or minor > nbformat.v4.nbformat_minor:
        minor = nbformat.v4.nbformat_minor
    empty = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": minor}
    nbformat.reads(json.dumps(empty), as_version=4)


def _parse_to_dict(path: str) -> dict:
    return parse_file(Path(path)).to_dict()


def parse_file(path: Path) -> Program:
    """The work of :func:`read_program`, done in the calling process."""
    path = Path(path)
    if path.suffix == ".ipynb":
        cells = _notebook_cells(path)
    elif path.suffix == ".py":
        data = _read_capped(path, MAX_SOURCE_BYTES, "Python files")
        try:
            cells = [(path.name, data.decode("utf-8-sig"))]
        except UnicodeDecodeError as exc:
            raise UnreadableSubmission(f"{path.name}: {exc}") from exc
    else:
        raise UnreadableSubmission(f"{path.name}: not a .py or .ipynb file")
    loader = _Loader()
    for label, source in cells:
        loader.add_cell(label, source)
    return loader.finish()


def _read_capped(path: Path, limit: int, kind: str) -> bytes:
    try:  # never through a symbolic link: it could point outside the submission
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise UnreadableSubmission(f"{path.name}: {exc}") from exc
    if len(data) > limit:
        raise UnreadableSubmission(
            f"{path.name} is larger than {limit // MB} MB, the most the grader reads in {kind}")
    return data


def _notebook_cells(path: Path) -> list[tuple[str, str]]:
    import nbformat

    data = _read_capped(path, MAX_NOTEBOOK_BYTES, "notebooks")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises many types for a broken file
        raise UnreadableSubmission(f"{path.name} is not a readable notebook: {exc}") from exc
    cells = []
    number = size = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        size += len(source)
        if size > MAX_SOURCE_BYTES:
            raise UnreadableSubmission(f"{path.name} holds more than {MAX_SOURCE_BYTES // MB} MB "
                                       "of code, the most the grader reads")
        cells.append((f"cell {number}", source))
    return cells


def _strip_magics(source: str) -> str | None:
    """Blank IPython-only lines, keeping line numbers; None for a non-Python cell."""
    lines = NEWLINE.split(source)
    if lines and lines[0].lstrip().startswith("%%"):
        if lines[0].lstrip().startswith(NON_PYTHON_CELL_MAGICS):
            return None
        lines[0] = ""
    return "\n".join("" if SHELL_OR_MAGIC.match(line) else line for line in lines)


class _Lines:
    """The lines of one parsed chunk, cut at the byte columns ``ast`` reports.

    ``ast.get_source_segment`` splits the whole source on every call; this keeps the split and
    encodes a line only when a non-ASCII line is cut, so that loading stays linear.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self._encoded: dict[int, bytes] = {}

    def cut(self, index: int, start: int, end: int | None = None) -> str:
        line = self.lines[index]
        if line.isascii():
            return line[start:end]
        if index not in self._encoded:
            self._encoded[index] = line.encode("utf-8")
        return self._encoded[index][start:end].decode("utf-8", errors="replace")

    def segment(self, node: ast.stmt) -> str:
        """The statement's source, decorators included."""
        first, last = node.lineno - 1, node.end_lineno - 1
        decorators = getattr(node, "decorator_list", [])
        if decorators:
            first = min(d.lineno for d in decorators) - 1
            return "\n".join(self.lines[first:last + 1])
        if first == last:
            return self.cut(first, node.col_offset, node.end_col_offset)
        return "\n".join([self.cut(first, node.col_offset), *self.lines[first + 1:last],
                          self.cut(last, 0, node.end_col_offset)])

    def summary(self, node: ast.stmt) -> str:
        """The start of the statement's first line, for messages."""
        return self.cut(node.lineno - 1, node.col_offset, node.col_offset + 480).strip()[:120]


@dataclass(frozen=True)
class _Place:
    label: str
    line: int
    text: str


class _Loader:
    """Reads cells in order, deciding for each top-level statement whether the worker runs it."""

    def __init__(self) -> None:
        self.program = Program()
        self.modules: dict[str, str] = {}   # alias of numpy or math -> module ("np": "numpy")
        self.unavailable: set[str] = set()  # names last bound by skipped code
        self.data: dict[str, _Place] = {}   # names last bound (by kept code) to demo data
        self.definitions: list[Statement] = []

    def add_cell(self, label: str, source: str) -> None:
        cleaned = _strip_magics(source)
        if cleaned is None or not cleaned.strip():
            return
        for offset, chunk, tree in self._parsed_chunks(label, cleaned):
            lines = _Lines(chunk)
            for node in tree.body:
                if not _is_docstring(node):
                    self._add(label, offset, lines, node)

    def _parsed_chunks(self, label: str, source: str) -> list[tuple[int, str, ast.Module]]:
        """The whole cell if it parses, else pieces split at top-level definitions.

        One typo in a cell should not hide the other functions defined in the same cell.
        """
        try:
            return [(0, source, ast.parse(source))]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        lines = source.split("\n")
        starts = [i for i, line in enumerate(lines) if CHUNK_START.match(line)] or [0]
        if starts[0] != 0:
            starts.insert(0, 0)
        parsed = []
        for start, end in itertools.pairwise([*starts, len(lines)]):
            chunk = "\n".join(lines[start:end])
            try:
                parsed.append((start, chunk, ast.parse(chunk)))
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                self.program.syntax_errors.append(_syntax_problem(label, start, chunk, exc))
        return parsed

    def _add(self, label: str, offset: int, lines: _Lines, node: ast.stmt) -> None:
        decorators = getattr(node, "decorator_list", [])
        line = offset + min([d.lineno for d in decorators] + [node.lineno])
        scan = _scan(node, self.modules)
        binds = scan.binds
        if not self._keeps(node, scan):
            self.program.skipped.append(Skipped(label, line, lines.summary(node), binds))
            self.unavailable.update(binds)
            return
        statement = Statement(label, line, lines.segment(node), binds)
        self.program.statements.append(statement)
        self.unavailable.difference_update(binds)
        for imported in [node] if isinstance(node, ast.Import) else _try_imports(node):
            self._note_numeric_imports(imported)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            self._note_data(node, _Place(label, line, lines.summary(node)))
        else:
            for name in binds:
                self.data.pop(name, None)
        if isinstance(node, DEFINITIONS):
            self.definitions.append(statement)

    def _keeps(self, node: ast.stmt, scan: _Scan) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom, *DEFINITIONS)):
            return True
        if isinstance(node, ast.Try):
            return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass))
                       for s in _try_statements(node))
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            return node.value is not None and scan.simple and not scan.reads & self.unavailable
        return False

    def _note_numeric_imports(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in NUMERIC_MODULES:
                bound, module = import_binding(alias)
                self.modules[bound] = module

    def _note_data(self, node: ast.Assign | ast.AnnAssign, place: _Place) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for name, value, whole in _assigned(target, node.value):
                if self.is_data(value):
                    self.data[name] = place
                elif whole:
                    self.data.pop(name, None)

    def is_data(self, value: ast.expr) -> bool:
        """Whether a kept assignment's value is demo data rather than a constant.

        It is data when it contains a list, tuple or set display with at least one element
        (``[0, 0, 1]``, ``np.array([...])``, ``{"W1": np.array([[...]])}``), a call of a NumPy
        function that builds arrays (any NumPy callable but a ufunc or a type: ``np.arange``,
        ``np.zeros``, ``np.random.rand``; not ``np.exp``, ``np.float64``, ``np.finfo``), or a
        name that is data. Scalars and what is computed from them (``EPS = 1e-7``,
        ``h = np.float64(1e-4)``, ``{"lr": 0.1}``, ``[]``) are constants.
        """
        for node in _walk_outside_lambdas(value):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts:
                return True
            if isinstance(node, ast.Name) and node.id in self.data:
                return True
            if isinstance(node, ast.Call) and self._builds_array(node.func):
                return True
        return False

    def _builds_array(self, func: ast.expr) -> bool:
        path = []
        while isinstance(func, ast.Attribute):
            path.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name) or not self.modules.get(func.id, "").startswith("numpy"):
            return False
        found = sys.modules.get(self.modules[func.id])
        for attribute in reversed(path):
            try:
                found = getattr(found, attribute)
            except Exception:  # a name NumPy does not have (np.int): the worker will say so
                return False
        return callable(found) and not isinstance(found, (type, np.ufunc))

    def finish(self) -> Program:
        """The program, with a note for each function that reads demo data."""
        reads = self.program.data_reads
        for statement in self.definitions if self.data else []:
            if not self.data.keys() & set(IDENTIFIER.findall(statement.source)):
                continue  # the common case: no need for a symbol table
            for function, name in _global_reads(statement.source):
                place = self.data.get(name)
                read = place and DataRead(function, name, place.label, place.line, place.text)
                if read and read not in reads and len(reads) < MAX_DATA_READS:
                    reads.append(read)
        return self.program


def import_binding(alias: ast.alias) -> tuple[str, str]:
    """The name one ``import`` binds and the module it stands for: ``import numpy.linalg as
    la`` binds la to numpy.linalg, ``import numpy.linalg`` binds numpy to numpy."""
    if alias.asname:
        return alias.asname, alias.name
    root = alias.name.split(".")[0]
    return root, root


def _assigned(target: ast.expr, value: ast.expr) -> Iterator[tuple[str, ast.expr, bool]]:
    """(name, value, whole) for each name a target sets; ``whole`` is False for ``x[i] = v``.

    Unpacking pairs names with values when both sides are displays of the same length, so that
    ``EPS, h = 1e-7, 1e-4`` binds two constants.
    """
    if isinstance(target, (ast.Tuple, ast.List)):
        if (isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))):
            for part, part_value in zip(target.elts, value.elts, strict=True):
                yield from _assigned(part, part_value)
        else:
            for part in target.elts:
                yield from _assigned(part, value)
    elif isinstance(target, ast.Starred):
        yield from _assigned(target.value, value)
    elif isinstance(target, ast.Name):
        yield target.id, value, True
    elif isinstance(target, (ast.Attribute, ast.Subscript)):
        root = target
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if isinstance(root, ast.Name):
            yield root.id, value, False


def _walk_outside_lambdas(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter a lambda's body: it runs only when called."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _global_reads(source: str) -> list[tuple[str, str]]:
    """(function, name) for each module-level name a definition's code reads."""
    try:
        top = symtable.symtable(source, "<definition>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return []
    found = []
    scopes = [(table, table.get_name()) for table in top.get_children()]
    while scopes:
        table, owner = scopes.pop()
        found += [(owner, s.get_name()) for s in table.get_symbols()
                  if s.is_referenced() and s.is_global()]
        is_class = table.get_type() == "class"
        scopes += [(child, f"{owner}.{child.get_name()}" if is_class else owner)
                   for child in table.get_children()]
    return sorted(found)


def _try_statements(node: ast.Try) -> list[ast.stmt]:
    """The statements of a ``try``'s body, handlers and ``else``, in order."""
    return [*node.body, *(s for h in node.handlers for s in h.body), *node.orelse]


def _try_imports(node: ast.stmt) -> list[ast.Import]:
    """The imports of a kept ``try: import cupy as np / except ImportError: import numpy as np``."""
    if not isinstance(node, ast.Try):
        return []
    return [s for s in _try_statements(node) if isinstance(s, ast.Import)]


def _syntax_problem(label: str, start: int, chunk: str, exc: Exception) -> SyntaxProblem:
    """Where a chunk starting at line ``start`` + 1 of its cell fails to parse, and why."""
    line = getattr(exc, "lineno", None) or 1
    message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    lines = chunk.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = getattr(exc, "offset", None) or 0
    if not 0 < column <= len(text) + 1:
        column = 0
    binds = tuple(dict.fromkeys(CHUNK_DEFINES.findall(chunk)))[:20]
    return SyntaxProblem(label, start + line, message[:MAX_LINE_TEXT], column,
                         text[:MAX_LINE_TEXT], binds)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


@dataclass(frozen=True)
class _Scan:
    """What one top-level statement binds and reads, from a single walk of its tree."""

    binds: tuple[str, ...]
    reads: frozenset[str]
    simple: bool  # literals, names, arithmetic, calls only into numpy/math (np.float32(1))


def _scan(node: ast.stmt, numeric_aliases: dict[str, str]) -> _Scan:
    if isinstance(node, DEFINITIONS):
        return _Scan((node.name,), frozenset(), True)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = {(a.asname or a.name).split(".")[0] for a in node.names}
        return _Scan(tuple(sorted(names)), frozenset(), True)
    stores: set[str] = set()
    reads: set[str] = set()
    simple = True
    stack: list[ast.AST] = [node]
    while stack:  # by hand rather than ast.walk: half the time on a large file
        sub = stack.pop()
        kind = type(sub)
        if kind is ast.Name:
            (stores if type(sub.ctx) is ast.Store else reads).add(sub.id)
            continue
        if kind in DEFINITIONS:  # inside `if`/`for`: only its name reaches the module
            stores.add(sub.name)
            continue
        if kind is ast.Import or kind is ast.ImportFrom:  # inside `try`
            stores.update((a.asname or a.name).split(".")[0] for a in sub.names)
            continue
        if kind is ast.Lambda:  # a definition: only its defaults run when it is bound
            stack.extend(d for d in (*sub.args.defaults, *sub.args.kw_defaults) if d)
            continue
        if kind in NOT_SIMPLE:
            simple = False
        elif kind is ast.Call and simple:
            root = sub.func
            while isinstance(root, (ast.Attribute, ast.Call)):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            simple = isinstance(root, ast.Name) and root.id in numeric_aliases
        for name in sub._fields:
            value = getattr(sub, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST) and name != "ctx":
                stack.append(value)
    return _Scan(tuple(sorted(stores)), frozenset(reads), simple)

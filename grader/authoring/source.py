"""The annotated reference: one file that is both the reference solution and the stub's source.

The reference (``solutions/exNN/solution.py``) is a plain, importable Python module, cut into
cells as in Jupytext's percent format:

- ``# %% [markdown]`` starts a markdown cell: every line is ``# text`` (or ``#``);
- ``# %%`` starts a code cell: code the stub and the reference share;
- ``# %% [stub]`` starts a code cell only the stub has (a "try it" cell): every line is
  commented out here, so the reference never runs it.

Lines before the first cell (the module docstring) are the reference's own. In a code cell a
solution region, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, is the reference's
only: the stub shows instead the commented lines that follow a ``### STUB SHOWS`` line in the
region (uncommented), or else ``raise NotImplementedError`` in a function body and nothing
elsewhere. A code cell left empty in the stub is not in it. All markers are comments, so the
reference runs as it reads; the published solution (:func:`solution_view`) drops them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MARKDOWN, CODE = "markdown", "code"
CELL_MARKER = re.compile(r"# %%(?: \[(?P<kind>[\w-]+)\])?")
BEGIN, SHOWS, END = "### BEGIN SOLUTION", "### STUB SHOWS", "### END SOLUTION"
NOT_IMPLEMENTED = "raise NotImplementedError"
DEFINITION = re.compile(r"(?:#[^\n]*\n|\s*\n)*(?:def|class|async def|@)\b")


class SourceError(ValueError):
    """The reference's annotations are malformed; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Cell:
    """A cell of the stub notebook: ``kind`` is "markdown" or "code"."""

    kind: str
    source: str


@dataclass(frozen=True)
class Annotated:
    """A reference read for its two audiences."""

    header: str  # the reference's own lines before the first cell
    stub: list[Cell]  # the student's cells
    solution: list[str]  # the reference's code cells, without markers or stub-only lines


def has_cells(text: str) -> bool:
    """Whether ``text`` is cut into cells, i.e. meant as the source of a stub."""
    return any(CELL_MARKER.fullmatch(line.rstrip()) for line in text.splitlines())


def parse(text: str) -> Annotated:
    """Read an annotated reference; :class:`SourceError` says where it is malformed."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise SourceError(exc.lineno or 1, f"not valid Python: {exc.msg}") from None
    bodies = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    lines = text.splitlines()
    starts = [(index, match["kind"]) for index, line in enumerate(lines)
              if (match := CELL_MARKER.fullmatch(line.rstrip()))]
    if not starts:
        raise SourceError(1, "no cells: start each cell of the stub with a `# %%` line "
                             "(`# %% [markdown]` for text)")
    stub, solution = [], []
    ends = [index for index, _ in starts[1:]] + [len(lines)]
    for (index, kind), end in zip(starts, ends, strict=True):
        body = list(enumerate(lines[index + 1:end], start=index + 2))  # 1-based numbers
        if kind == "markdown":
            stub.append(Cell(MARKDOWN, _block(_uncommented(body, ""))))
        elif kind == "stub":
            stub.append(Cell(CODE, _block(_uncommented(body, ""))))
        elif kind is None:
            shown, own = _code_cell(body, bodies)
            _require_python(shown, index + 1)
            if shown:
                stub.append(Cell(CODE, shown))
            if own:
                solution.append(own)
        else:
            raise SourceError(index + 1, f"unknown cell kind [{kind}]: use `# %%`, "
                                         "`# %% [markdown]` or `# %% [stub]`")
    return Annotated(_block(lines[:starts[0][0]]), stub, solution)


def solution_view(text: str) -> str:
    """The reference as students may read it after the deadline: its code, no annotations."""
    annotated = parse(text)
    code = "\n\n\n".join(annotated.solution) + "\n"
    return f"{annotated.header}\n\n{code}" if annotated.header else code


def percent_text(cells: list[Cell]) -> str:
    """Cells as a percent-format script: the stub as a .py file, and a readable form of it."""
    parts = []
    for cell in cells:
        if cell.kind == MARKDOWN:
            text = "\n".join(f"# {line}" if line else "#" for line in cell.source.splitlines())
            parts.append(f"\n# %% [markdown]\n{text}")
        else:  # two blank lines before a definition, as PEP 8 has them
            parts.append(("\n\n" if DEFINITION.match(cell.source) else "\n")
                         + f"# %%\n{cell.source}")
    return "\n".join(parts).lstrip("\n") + "\n"


@dataclass
class _Region:
    begin: int
    indent: str
    first_code: int | None = None
    shows: list[tuple[int, str]] | None = None  # None: no `### STUB SHOWS` line

    def stand_in(self, bodies: list[tuple[int, int]]) -> list[str]:
        """What the stub shows in place of the region."""
        if self.shows is not None:
            return _uncommented(self.shows, self.indent)
        line = self.first_code or self.begin
        in_function = any(first < line <= last for first, last in bodies)
        return [self.indent + NOT_IMPLEMENTED] if in_function else []


def _code_cell(body: list[tuple[int, str]],
               bodies: list[tuple[int, int]]) -> tuple[str, str]:
    """(what the stub shows, what the reference keeps) of one code cell."""
    shown: list[str] = []
    own: list[str] = []
    region: _Region | None = None
    vanished = False  # a region just closed showing nothing: the blank lines after it go too
    for number, line in body:
        marker = line.strip()
        if vanished and not marker:
            own.append(line)
            continue
        vanished = False
        if marker == BEGIN:
            if region is not None:
                raise SourceError(number, f"a solution region inside the one of line "
                                          f"{region.begin}: close that one first ({END})")
            region = _Region(number, line[:len(line) - len(line.lstrip())])
        elif marker == SHOWS:
            if region is None or region.shows is not None:
                raise SourceError(number, f"{SHOWS} belongs once inside a solution region")
            region.shows = []
        elif marker == END:
            if region is None:
                raise SourceError(number, f"{END} without {BEGIN}")
            stand_in = region.stand_in(bodies)
            shown += stand_in
            vanished, region = not stand_in, None
        elif region is None:
            shown.append(line)
            own.append(line)
        elif region.shows is None:
            own.append(line)
            if region.first_code is None and marker:
                region.first_code = number
        else:
            region.shows.append((number, line))
    if region is not None:
        raise SourceError(region.begin, f"{BEGIN} without {END} in its cell")
    return _block(shown), _block(own)


def _uncommented(body: list[tuple[int, str]], indent: str) -> list[str]:
    """Lines written as comments (``# code`` after ``indent``), as the stub shows them."""
    out = []
    for number, line in body:
        if not line.strip():
            out.append("")
        elif line.startswith(indent + "#"):
            rest = line[len(indent) + 1:]
            out.append(indent + rest.removeprefix(" ") if rest.strip() else "")
        else:
            raise SourceError(number, "expected a comment (`# ...`) here: the lines of a "
                                      "markdown cell, a [stub] cell or a STUB SHOWS part are "
                                      "comments in the reference")
    return out


def _block(lines: list[str]) -> str:
    """Lines without the blank ones at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _require_python(code: str, line: int) -> None:
    """A stub's code cell must be valid Python on its own, as a notebook cell is."""
    try:
        compile(code, "<stub cell>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise SourceError(line, f"the stub's cell would not be valid Python ({exc.msg}, "
                                f"line {exc.lineno} of the cell)") from None

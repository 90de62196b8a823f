"""The code of a submission as grading keeps it: text to show, and normalised tokens to compare.

Of the statements the loader keeps, the functions and classes are compared, so a notebook and a
module holding the same code compare equal, and demo cells and data (``t = [0, 0, 1, ...]``,
the same for every student once numbers are placeholders) are no evidence. Imports are left
out too (everyone writes the same ones) but name the modules: ``np.exp`` and ``numpy.exp`` are
the same tokens. Every identifier a student chooses becomes one placeholder, and so
do numbers and strings, so renaming and reformatting leave the token stream as it was; keywords,
operators, built-ins, module paths and the methods of arrays and built-in containers stay, since
they are what differs between independent styles.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import tokenize
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import numpy as np

from grader.load.program import (
    DEFINITIONS,
    Program,
    Statement,
    import_binding,
    read_program,
)

IDENTIFIER, NUMBER, STRING = "<name>", "<number>", "<string>"
NEWLINE, INDENT, DEDENT = "<newline>", "<indent>", "<dedent>"
#: Tokens compared per file at most: a file past this is compared on its beginning.
MAX_TOKENS = 50_000
#: Names kept as written: built-ins, and methods of arrays and built-in containers.
KEPT_NAMES = frozenset(dir(builtins)) | frozenset(
    name for kind in (np.ndarray, list, dict, str, tuple, set) for name in dir(kind)
    if not name.startswith("_"))
IGNORED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER,
                     tokenize.ERRORTOKEN})
# Python 3.12 splits an f-string into parts; earlier versions give one STRING token.
FSTRING_START = getattr(tokenize, "FSTRING_START", None)
FSTRING_END = getattr(tokenize, "FSTRING_END", None)
FIRST_SYMBOL = 0x10000  # above the surrogates: every symbol is one valid character


class Symbols:
    """One character per distinct normalised token, shared by every file of an analysis.

    The fingerprinting library hashes substrings; with one character per token, its k-grams are
    k tokens long whatever the tokens' lengths.
    """

    def __init__(self) -> None:
        self._chars: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        char = self._chars.get(token)
        if char is None:
            if FIRST_SYMBOL + len(self._chars) > 0x10FFFF:  # hostile input: a million names
                return self(IDENTIFIER)
            char = self._chars[token] = chr(FIRST_SYMBOL + len(self._chars))
        return char


@dataclass(frozen=True)
class Block:
    """One kept statement: where it came from and where it lies in :attr:`Code.text`."""

    where: str
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class Code:
    """What is compared of one file: its kept statements and their normalised tokens."""

    name: str
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    tokens: str = ""  # one symbol per token
    spans: list[tuple[int, int]] = field(default_factory=list)  # each token's place in text
    truncated: bool = False

    def region(self, first: int, stop: int) -> tuple[int, int]:
        """Where the tokens ``first`` to ``stop`` (excluded) lie in :attr:`text`."""
        return self.spans[first][0], max(end for _, end in self.spans[first:stop])


def read_code(path: Path, name: str, symbols: Symbols) -> Code:
    """The code of a notebook or module (raises UnreadableSubmission like the loader)."""
    return program_code(read_program(path), name, symbols)


def program_code(program: Program, name: str, symbols: Symbols) -> Code:
    """The functions and classes of ``program``, joined, with their tokens."""
    code = Code(name)
    kept: list[Statement] = []
    aliases: dict[str, str] = {}
    for statement in program.statements:
        node = _parsed(statement.source)
        if isinstance(node, DEFINITIONS):  # compared; top-level data and constants are not
            kept.append(statement)
        elif node is not None and (imports := _imports(node)) is not None:
            aliases.update(imports)
    parts: list[str] = []
    offset = 0
    symbol_list: list[str] = []
    for statement in kept:
        text = statement.source.replace("\r\n", "\n").replace("\r", "\n")
        code.blocks.append(Block(f"{statement.label}, line {statement.line}", offset, text))
        for token, start, end in _normalised(text, aliases):
            if len(symbol_list) >= MAX_TOKENS:
                code.truncated = True
                break
            symbol_list.append(symbols(token))
            code.spans.append((offset + start, offset + end))
        parts.append(text)
        offset += len(text) + 2
    code.text = "\n\n".join(parts)
    code.tokens = "".join(symbol_list)
    return code


def _parsed(source: str) -> ast.stmt | None:
    try:
        nodes = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return nodes[0] if nodes else None


def _imports(statement: ast.stmt) -> dict[str, str] | None:
    """The names a statement of imports binds and the module path each stands for; None when
    the statement is not imports only (a ``try`` around imports counts as imports)."""
    if not isinstance(statement, (ast.Import, ast.ImportFrom, ast.Try)):
        return None
    aliases: dict[str, str] = {}
    for node in ast.walk(statement):
        if isinstance(node, ast.Import):
            aliases.update(import_binding(alias) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"
        elif not isinstance(node, (ast.Try, ast.ExceptHandler, ast.Pass, ast.alias, ast.Name,
                                   ast.Load, ast.Attribute, ast.Tuple)):
            return None
    return aliases


def _normalised(source: str, aliases: dict[str, str]) -> list[tuple[str, int, int]]:
    """The tokens of one statement as (normalised token, start, end) offsets in ``source``."""
    line_starts = [0, *accumulate(len(line) + 1 for line in source.split("\n"))]
    out: list[tuple[str, int, int]] = []
    previous = ""
    in_module_path = False
    fstring_depth, fstring_start = 0, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            start = line_starts[tok.start[0] - 1] + tok.start[1]
            end = line_starts[tok.end[0] - 1] + tok.end[1]
            if tok.type == FSTRING_START:
                fstring_depth += 1
                fstring_start = start if fstring_depth == 1 else fstring_start
                continue
            if fstring_depth:
                if tok.type == FSTRING_END:
                    fstring_depth -= 1
                    if not fstring_depth:
                        out.append((STRING, fstring_start, end))
                continue
            if tok.type in IGNORED:
                continue
            token = tok.string
            if tok.type == tokenize.NAME:
                if keyword.iskeyword(token):
                    in_module_path = False
                elif previous == ".":
                    token = token if in_module_path or token in KEPT_NAMES else IDENTIFIER
                elif token in aliases:
                    token, in_module_path = aliases[token], True
                else:
                    in_module_path = False
                    token = token if token in KEPT_NAMES else IDENTIFIER
            elif tok.type == tokenize.NUMBER:
                token = NUMBER
            elif tok.type == tokenize.STRING:
                token = STRING
            elif tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                token = {tokenize.NEWLINE: NEWLINE, tokenize.INDENT: INDENT}.get(tok.type, DEDENT)
                start = end if tok.type == tokenize.INDENT else start  # show no margin as code
            elif token == ";":
                token = NEWLINE
            if tok.type != tokenize.NAME and token != ".":
                in_module_path = False
            previous = tok.string
            out.append((token, start, end))
    except (tokenize.TokenError, SyntaxError):  # the loader parsed it; this is a safety net
        pass
    return out

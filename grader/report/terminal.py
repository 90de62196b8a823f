"""What a student sees in the terminal after ``grader check``.

The checks come first (passed ones, then failed ones), then notes, then what to fix first, and
the score last: the end of the output is what stays on screen. Every word is in the student's
language, `code` is shown in colour without its backquotes, and nothing is cut at the end of a
line: the table folds its cells (rich's default for table cells, "ellipsis", drops characters of
double-width text at line ends). Without a terminal (a pipe, ``!grader check`` in Jupyter) the
table has no vertical rules, which fonts that draw Korean at other than two columns would break.
"""

from __future__ import annotations

import re

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from grader.report.excerpt import caret_line
from grader.report.labels import label
from grader.results import ERROR, PASSED, SubmissionResult
from grader.text import message

STATUS_STYLE = {PASSED: ("term_pass", "bold green"), ERROR: ("term_error", "bold magenta")}
FAILED_STYLE = ("term_fail", "bold red")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
OUTPUT_CHARS = 300  # of a failed check's output shown in the table


def styled(text: str, style: str = "") -> Text:
    """``text`` with its `code` spans in colour and without their backquotes; folds, never crops."""
    out = Text(style=style, overflow="fold")
    last = 0
    for span in CODE_SPAN.finditer(text):
        out.append(text[last:span.start()])
        out.append(span.group(1), style="cyan")
        last = span.end()
    out.append(text[last:])
    return out


def _points(value: float) -> str:
    return f"{value:g}"


def checks_table(result: SubmissionResult, title: str, boxed: bool) -> Table:
    """One row per check, passed ones first; a failure that has a root cause points to it."""
    lang = result.lang
    cause_of: dict[str, int] = {}
    for number, cause in enumerate(result.causes, 1):
        for check_id in cause.checks:
            cause_of.setdefault(check_id, number)
    table = Table(title=Text(f"{title} · {result.source}"), show_lines=True, expand=True,
                  box=box.HEAVY_HEAD if boxed else box.SIMPLE_HEAD)
    table.add_column(label("check", lang), ratio=3, overflow="fold")
    table.add_column(label("points", lang), justify="right", no_wrap=True)
    table.add_column(label("status", lang), no_wrap=True)
    table.add_column(label("term_why", lang), ratio=5, overflow="fold")
    ordered = sorted(result.checks, key=lambda c: c.status != PASSED)
    for check in ordered:
        key, style = STATUS_STYLE.get(check.status, FAILED_STYLE)
        why = Text(overflow="fold")
        if check.id in cause_of:
            why.append(label("term_see_cause", lang, number=cause_of[check.id]), style="bold")
        elif check.message:
            why.append_text(styled(check.message))
        if check.hint:
            why.append(("\n" if why.plain else "") + label("hint", lang) + ": ",
                       style="bold yellow")
            why.append_text(styled(check.hint))
        if check.output and check.status != PASSED and check.id not in cause_of:
            why.append(f"\n{label('term_output', lang)}: ", style="dim")
            why.append(check.output.strip()[-OUTPUT_CHARS:], style="dim")
        table.add_row(styled(check.title),
                      f"{_points(check.points)}/{_points(check.max_points)}",
                      Text(label(key, lang), style=style), why)
    return table


def causes_block(result: SubmissionResult) -> Group | None:
    """The root causes, numbered, each with its line of code and what it cost."""
    if not result.causes:
        return None
    lang = result.lang
    titles = {c.id: c.title for c in result.checks}
    lost = {c.id: c.max_points - c.points for c in result.checks}
    parts: list = [Text(label("fix_first", lang), style="bold red")]
    for number, cause in enumerate(result.causes, 1):
        line = Text(f"{number}. ", style="bold red", overflow="fold")
        parts.append(Padding(line + styled(cause.message), (0, 0, 0, 1)))
        if cause.code:
            code = [Text(label("place", lang, label=cause.label, line=cause.line), style="dim"),
                    Text(cause.code.expandtabs(4), style="cyan", no_wrap=True,
                         overflow="ellipsis")]
            if cause.column:
                code.append(Text(caret_line(cause.code, cause.column), style="bold red",
                                 no_wrap=True, overflow="ellipsis"))
            parts.append(Padding(Group(*code), (0, 0, 0, 4)))
        cost = label("cause_cost", lang, count=len(cause.checks),
                     points=_points(sum(lost.get(i, 0) for i in cause.checks)))
        names = " · ".join(titles.get(i, i) for i in cause.checks)
        parts.append(Padding(styled(f"{cost}: {names}", "dim"), (0, 0, 0, 4)))
    return Group(*parts)


def print_result(result: SubmissionResult, title: str, console: Console | None = None, *,
                 public_only: bool = False) -> None:
    """The checks, notes, root causes and score of one submission.

    ``public_only``: only the public checks ran, so passing them is no promise.
    """
    console = console or Console()
    lang = result.lang
    console.print(checks_table(result, title, boxed=console.is_terminal))
    for note in result.notes:
        console.print(Text(f"{label('term_note', lang)}: ", style="bold yellow") + styled(note))
    if result.error:
        console.print(Text(f"{label('term_error_prefix', lang)}: ", style="bold magenta")
                      + styled(result.error))
    causes = causes_block(result)
    if causes is not None:
        console.print(causes)
    passed = sum(c.status == PASSED for c in result.checks)
    console.print(Text(label("score_of", lang, score=_points(result.score),
                             max=_points(result.max_score)), style="bold")
                  + Text(" · " + label("checks_passed", lang, passed=passed,
                                       total=len(result.checks))
                         + " · " + label("seconds", lang, seconds=f"{result.duration:.1f}")))
    if public_only:
        console.print(Text(message("public_only_note", lang), style="dim"))

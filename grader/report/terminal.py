"""The terminal table a student sees after ``grader check``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.report.labels import label
from grader.results import ERROR, PASSED, SubmissionResult
from grader.text import message

STATUS_STYLE = {PASSED: ("PASS", "bold green"), ERROR: ("ERROR", "bold magenta")}


def print_result(result: SubmissionResult, title: str, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"{title} · {result.source}", show_lines=True, expand=True)
    lang = result.lang
    table.add_column(label("check", lang), ratio=3)
    table.add_column(label("points", lang), justify="right", no_wrap=True)
    table.add_column(label("status", lang), no_wrap=True)
    table.add_column(label("why_and_hint", lang), ratio=5)
    for check in result.checks:
        word, style = STATUS_STYLE.get(check.status, ("FAIL", "bold red"))
        why = Text(check.message)
        if check.hint:
            why.append(("\n" if check.message else "") + label("hint", lang) + ": ",
                       style="bold yellow")
            why.append(check.hint)
        if check.output and check.status != PASSED:
            why.append("\noutput: ", style="dim")
            why.append(check.output.strip()[-300:], style="dim")
        table.add_row(check.title, f"{check.points:g}/{check.max_points:g}",
                      Text(word, style=style), why)
    console.print(table)
    for note in result.notes:
        console.print(Text("note: ", style="bold yellow") + Text(note))
    if result.error:
        console.print(Text(f"error: {result.error}", style="bold magenta"))
    passed = sum(c.status == PASSED for c in result.checks)
    console.print(Text(label("score_of", lang, score=f"{result.score:g}",
                             max=f"{result.max_score:g}"), style="bold")
                  + Text(" · " + label("checks_passed", lang, passed=passed,
                                       total=len(result.checks))
                         + " · " + label("seconds", lang, seconds=f"{result.duration:.1f}")))
    if any(c.visibility == "public" for c in result.checks):
        console.print(Text(message("public_only_note", result.lang), style="dim"))

"""What `grader check` prints: every character of every message at 80 columns, in Korean too,
in the student's language, with what to fix first and the score at the end.

Rich's default for table cells ("ellipsis") dropped characters of double-width text at the
end of a line ("다릅니다" lost a syllable); cells now fold. The table is read back column by
column from its box characters, so a message is compared with what a student sees in its cell.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from class_samples import NEARLY_PASSING, SYNTAX_ERROR, TIMEOUT
from rich.console import Console

from grader.report.terminal import print_result
from grader.results import SubmissionResult

STUDENTS = [SYNTAX_ERROR, TIMEOUT, NEARLY_PASSING, "EOM_JIHO", "GO_YUNA", "KANG_SEOJUN",
            "HAN_DOYUN"]
ROW_RULE = re.compile(r"^[┡├└┗]")


def printed(result: SubmissionResult, width: int = 80, terminal: bool = True, **options) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None,
                      legacy_windows=False)
    print_result(result, "손실 함수", console, **options)
    return out.getvalue()


def table_cells(text: str) -> list[list[str]]:
    """The body rows of the checks table, each a list of its cells' text (lines joined)."""
    rows: list[list[str]] = []
    current: list[list[str]] = []
    in_body = False
    for line in text.splitlines():
        if line.startswith("┡"):
            in_body = True
            continue
        if not in_body:
            continue
        if ROW_RULE.match(line):
            rows.append(["".join(part) for part in current])
            current = []
            if line.startswith("└"):
                break
            continue
        cells = line.split("│")[1:-1]
        if not current:
            current = [[] for _ in cells]
        for i, cell in enumerate(cells):
            current[i].append(cell.strip())
    return rows


def squeezed(text: str) -> str:
    """The characters a reader sees: no whitespace, no backquotes (code is shown in colour)."""
    return re.sub(r"\s+", "", text.replace("`", ""))


def load(folder, student: str) -> SubmissionResult:
    return SubmissionResult.from_dict(json.loads(
        (folder / student / "grading.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("student", STUDENTS)
def test_every_character_of_a_korean_message_survives_at_80_columns(graded_class_ko, student):
    result = load(graded_class_ko, student)
    text = printed(result)
    assert max(len(line) for line in text.splitlines()) <= 80
    rows = table_cells(text)
    assert len(rows) == len(result.checks)
    by_title = {squeezed(row[0]): row for row in rows}
    covered = {i for cause in result.causes for i in cause.checks}
    for check in result.checks:
        row = by_title[squeezed(check.title)]  # the title, whole
        why = squeezed(row[3])
        if check.id not in covered:
            assert squeezed(check.message.split("\n")[0]) in why, (check.message, row[3])
        assert squeezed(check.hint) in why, (check.hint, row[3])
    for cause in result.causes:  # the block under the table, not columnar
        assert squeezed(cause.message) in squeezed(text)
    for note in result.notes:
        assert squeezed(note) in squeezed(text)


def test_the_korean_terminal_speaks_korean(graded_class_ko):
    text = printed(load(graded_class_ko, SYNTAX_ERROR), public_only=True)
    for word in ("통과", "실패", "참고: ", "먼저 고칠 것", "→ 아래 원인 1번", "이유 / 힌트",
                 "공개 검사를 통과해도"):
        assert word in text, word
    for english in ("PASS", "FAIL", "note:", "output:", "Why / hint", "Fix this first"):
        assert english not in text, english


def test_what_to_fix_first_shows_the_line_and_a_caret_then_the_score(graded_class):
    result = load(graded_class, SYNTAX_ERROR)
    text = printed(result)
    lines = text.splitlines()
    assert lines[-1].startswith("14 of 19 points · 8 of 12 checks passed")
    fix = lines.index("Fix this first")
    assert fix > max(i for i, line in enumerate(lines) if line.startswith("└"))
    code = next(i for i, line in enumerate(lines) if "return 0.5 * np.sum((y - t)**2" in line)
    assert lines[code - 1].strip() == "cell 2, line 2"
    assert lines[code + 1].index("^") == lines[code].index("return") + 19  # under "sum("
    assert "Costs 4 checks (5 points)" in text
    assert text.count("→ cause 1 below") == 4
    assert "Passing the public checks" not in text


def test_without_a_terminal_the_table_has_no_vertical_rules(graded_class):
    """`!grader check` in Jupyter: a pipe, where fonts may draw Korean at other widths."""
    text = printed(load(graded_class, TIMEOUT), terminal=False)
    assert "│" not in text and "┃" not in text
    assert "was running DO_HAEUN_ex03.py, line " in re.sub(r"\s+", " ", text)


def test_code_is_shown_without_its_backquotes(graded_class):
    text = printed(load(graded_class, "KANG_SEOJUN"))
    assert "`" not in text and "cross_entropy_error" in text


def test_a_file_name_that_reads_as_markup_is_shown_as_it_is():
    """The table's title holds the file's name, the student's: `ex03[/].py` once stopped
    `grader check` with rich's MarkupError instead of showing the results."""
    result = SubmissionResult("ex03", "ex03[/]", "ex03[/].py", lang="en")
    result.source = "ex03[/][bold].py"
    out = io.StringIO()
    print_result(result, "Loss functions", Console(file=out, width=100))
    assert "Loss functions · ex03[/][bold].py" in out.getvalue()

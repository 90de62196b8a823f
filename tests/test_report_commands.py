"""The commands' own reporting: the last lines of `grade`, what `check` says in the student's
language, `validate` showing a hidden check's full failure, and the report inside Jupyter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course

import grader.notebook


def grader_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_grade_ends_naming_summary_and_gradebook_with_the_statuses(graded_class):
    out = (graded_class.parent / "grade-en.txt").read_text(encoding="utf-8")
    lines = [line for line in out.splitlines() if line]
    assert lines[-2].startswith("Graded 10 submissions in ")
    assert lines[-2].endswith("(0 already graded): 4 graded, 6 need attention (4 did not load, "
                              "1 hit a resource limit, 1 timed out).")
    assert lines[-1] == (f"Class summary: {graded_class / 'summary.html'} · "
                         f"gradebook: {graded_class / 'gradebook.csv'}")


def test_grade_speaks_korean(graded_class_ko):
    out = (graded_class_ko.parent / "grade-ko.txt").read_text(encoding="utf-8")
    assert ("정상 채점 4개, 확인 필요 6개(불러오기 실패 4개, 자원 한도 초과 1개, "
            "시간 초과 1개)") in out
    assert f"반 전체 요약: {graded_class_ko / 'summary.html'}" in out


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_toy_course(tmp_path / "course")


def test_check_says_public_only_and_names_the_report_in_the_students_language(course, tmp_path):
    (tmp_path / "mine.py").write_text(TOY_SOLUTION)
    html = tmp_path / "report.html"
    run = grader_cli("check", "exT", str(tmp_path / "mine.py"), "--html", str(html), "--lang",
                     "ko", cwd=course)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"HTML 보고서: {html}" in run.stdout and "HTML report" not in run.stdout
    assert "공개 검사를 통과해도 비공개 검사까지 통과한다는 보장은 없습니다." in run.stdout
    assert 'id="public-only-note"' in html.read_text(encoding="utf-8")


BROKEN_HIDDEN = '''
import pytest


@pytest.mark.points(1)
def test_reference_lookup(sub, ref):
    table = {"softmax": ref.softmax}
    table["softmx"](sub)


@pytest.mark.points(1)
def test_records_an_undeclared_name(sub, record):
    record("undeclared_value", 1.5)
'''


def test_validate_prints_the_full_failure_of_a_hidden_check(course):
    (course / "solutions/exT/checks/test_hidden_more.py").write_text(BROKEN_HIDDEN)
    run = grader_cli("validate", "exT", cwd=course)
    assert run.returncode == 1
    out = run.stdout
    assert "(TypeError: )" not in out and "(KeyError: )" not in out
    assert "test_reference_lookup (error): Traceback (most recent call last):" in out
    assert 'table["softmx"](sub)' in out and "KeyError: 'softmx'" in out
    assert "record undeclared_value" in out and "record largest" not in out  # [records]


def test_notebook_check_shows_the_report_inline(course, tmp_path):
    (tmp_path / "mine.py").write_text(TOY_SOLUTION + "\ndef softmax(a):\n    return a\n")
    report = grader.notebook.check("exT", tmp_path / "mine.py", course=course, lang="ko")
    assert report.status == 1 and not report.passed
    frame = report._repr_html_()
    assert frame.count("<iframe") == 1 and 'srcdoc="&lt;!DOCTYPE html&gt;' in frame
    assert "먼저 고칠 것" in report.page and "mine.py · " in frame
    assert "<script" not in frame.lower()  # the page has none; only the frame's onload fits it
    missing = grader.notebook.check("exNOPE", course=course)
    assert missing.status == 2 and missing.page == ""
    assert "no exercise &#x27;exNOPE&#x27;" in missing._repr_html_()  # as text, escaped

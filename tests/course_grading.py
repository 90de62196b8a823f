"""Grade a small submission, written in a test, against one of the course's real exercises."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO

from grader.course import Course
from grader.grading import grade
from grader.results import CheckResult, SubmissionResult

COURSE = Course(REPO)


def grade_code(exercise: str, code: str, folder: Path, *, hidden: bool = True,
               name: str = "student.py", lang: str = "en") -> SubmissionResult:
    path = folder / name
    path.write_text(code, encoding="utf-8")
    return grade(COURSE.exercise(exercise), path, hidden=hidden, lang=lang)


def by_id(result: SubmissionResult) -> dict[str, CheckResult]:
    return {c.id: c for c in result.checks}


def passed(result: SubmissionResult) -> set[str]:
    return {c.id for c in result.checks if c.status == "passed"}

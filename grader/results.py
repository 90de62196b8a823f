"""The results of grading one submission, and their Gradescope form.

Every report (terminal, HTML, gradebook, Gradescope JSON) is rendered from these objects,
which are plain data and round-trip through JSON.

What students may see and what only instructors may see live side by side: a check's
``instructor_detail`` (the full failure of a hidden check, the traceback of a grader error) is
kept in grading.json, which only instructors get, and never reaches results.json or a report a
student reads.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.text import message

PASSED, FAILED, ERROR = "passed", "failed", "error"

# What happened to a submission as a whole, most urgent first: the grader failed; the student's
# code did not load (unreadable, a syntax error, a definition that failed); it hit a memory,
# scratch space or output limit; it ran out of time; or it was graded as usual.
GRADER_ERROR, NOT_LOADED, RESOURCE_LIMIT, TIMED_OUT, GRADED = (
    "grader_error", "did_not_load", "resource_limit", "timed_out", "graded")
STATUSES = (GRADER_ERROR, NOT_LOADED, RESOURCE_LIMIT, TIMED_OUT, GRADED)


@dataclass
class CheckResult:
    """One check: what it is worth, how it went, and what to tell the student."""

    id: str
    title: str
    visibility: str  # "public" or "hidden"
    points: float
    max_points: float
    status: str  # passed | failed | error (error: the grader itself failed)
    message: str = ""
    hint: str = ""
    hint_key: str = ""
    fault: str = ""  # what went wrong in student code: timeout, crashed, not_implemented...
    duration: float = 0.0
    table: list[dict[str, str]] | None = None
    output: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    instructor_detail: str = ""  # instructors only: the full failure, a grader error's traceback


@dataclass
class Cause:
    """One root cause behind failed checks (a syntax error, a missing function, a timeout),
    told once to the student under "fix this first" with the checks it cost."""

    kind: str  # syntax_error, load_error, missing_name, timeout, memory, exception...
    status: str  # what it makes of the submission: one of STATUSES
    message: str  # for the student, in their language
    checks: list[str] = field(default_factory=list)  # ids of the checks it failed
    label: str = ""  # where in the submission: "cell 3" or "ex03.py" ...
    line: int = 0  # ... its line (0: nowhere in particular) ...
    code: str = ""  # ... the text of that line ...
    column: int = 0  # ... and the column a caret points at (1-based; 0: none)


@dataclass
class SubmissionResult:
    """All checks of one submission plus what happened while loading it."""

    exercise: str
    student: str
    source: str
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    duration: float = 0.0
    sandbox: str = ""
    lang: str = "en"
    causes: list[Cause] = field(default_factory=list)
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # how to show record()s
    checks_digest: str = ""  # of the exercise's checks and texts, to tell versions apart
    grader_version: str = ""
    graded_at: str = ""  # ISO 8601, UTC

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def errored(self) -> bool:
        return bool(self.error) or any(c.status == ERROR for c in self.checks)

    @property
    def status(self) -> str:
        """The most urgent of STATUSES that applies: a grader error, else its causes' worst."""
        if self.errored:
            return GRADER_ERROR
        found = {cause.status for cause in self.causes}
        return next((status for status in STATUSES if status in found), GRADED)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        fields = {k: v for k, v in data.items()
                  if k not in ("score", "max_score", "checks", "causes")}
        return cls(**fields, checks=[CheckResult(**c) for c in data.get("checks", [])],
                   causes=[Cause(**c) for c in data.get("causes", [])])

    def to_gradescope(self) -> dict[str, Any]:
        """The Gradescope autograder results format (results.json)."""
        tests = []
        for number, check in enumerate(self.checks, start=1):
            lines = [check.message] if check.visibility == "public" and check.message else []
            if check.status != PASSED and check.hint:
                lines.append(message("hint_line", self.lang, hint=check.hint))
            if check.status == ERROR:
                lines.append(message("grader_failed_note", self.lang))
            tests.append({  # a name is plain text on Gradescope: code without its backquotes
                "name": check.title.replace("`", ""), "number": str(number),
                "score": check.points,
                "max_score": check.max_points, "status": "passed" if check.status == PASSED
                else "failed", "output": "\n".join(lines),
                "visibility": "visible" if check.visibility == "public" else "after_published",
            })
        output = "\n".join([c.message for c in self.causes] + self.notes
                           + ([self.error] if self.error else []))
        return {"score": self.score, "execution_time": round(self.duration, 3),
                "output": output, "visibility": "visible", "stdout_visibility": "hidden",
                "tests": tests}


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old one or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

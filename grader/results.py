"""The results of grading one submission, and their Gradescope form.

Every report (terminal, HTML, gradebook, Gradescope JSON) is rendered from these objects,
which are plain data and round-trip through JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PASSED, FAILED, ERROR = "passed", "failed", "error"


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

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def errored(self) -> bool:
        return bool(self.error) or any(c.status == ERROR for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        fields = {k: v for k, v in data.items() if k not in ("score", "max_score", "checks")}
        return cls(**fields, checks=[CheckResult(**c) for c in data.get("checks", [])])

    def to_gradescope(self) -> dict[str, Any]:
        """The Gradescope autograder results format (results.json)."""
        tests = []
        for number, check in enumerate(self.checks, start=1):
            lines = [check.message] if check.visibility == "public" and check.message else []
            if check.status != PASSED and check.hint:
                lines.append(f"Hint: {check.hint}")
            if check.status == ERROR:
                lines.append("The grader itself failed on this check; your instructor will look.")
            tests.append({
                "name": check.title, "number": str(number), "score": check.points,
                "max_score": check.max_points, "status": "passed" if check.status == PASSED
                else "failed", "output": "\n".join(lines),
                "visibility": "visible" if check.visibility == "public" else "after_published",
            })
        output = "\n".join(self.notes + ([self.error] if self.error else []))
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

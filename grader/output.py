"""The output folder of ``grader grade --out DIR``: where each file goes, and what is graded.

::

    DIR/<student>/results.json   Gradescope's results format
    DIR/<student>/report.html    the student's report
    DIR/<student>/grading.json   everything the grader knows; written last, so that a student
                                 with this file is graded (an interrupted run redoes the others)
    DIR/gradebook.csv            the run's own files, rebuilt from every grading.json
    DIR/summary.html

Student folders and the run's own files share DIR. The run's own top-level names are the two
the contract fixes (RUN_FILES) and any name that starts with ``_`` or ``.`` (the similarity
pages, temporary files); ``run_file`` hands out no other, and a student folder can have none of
them (ignoring case, as case-insensitive file systems do). Whatever the run writes at the top
level later, its name is reserved by the same rule.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.results import SubmissionResult, write_json_atomic, write_text_atomic

RESULTS = "results.json"
REPORT = "report.html"
GRADING = "grading.json"
GRADEBOOK = "gradebook.csv"
SUMMARY = "summary.html"
RUN_FILES = (GRADEBOOK, SUMMARY)
RUN_PREFIXES = ("_", ".")  # student ids never start so (batch._safe_name strips them)


def reserved(name: str) -> str | None:
    """What of the run's a top-level ``name`` belongs to, if anything."""
    if name.startswith(RUN_PREFIXES):
        return f"names starting with {' or '.join(RUN_PREFIXES)}"
    return next((run_file for run_file in RUN_FILES if run_file.casefold() == name.casefold()),
                None)


class OutputFolder:
    """One ``--out`` folder; every path in it comes from here."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def run_file(self, name: str) -> Path:
        """A top-level file or folder of the run: see the module's docstring for the rule."""
        if reserved(name) is None or Path(name).name != name:
            raise ValueError(f"{name!r} is not a name of the run's own (RUN_FILES, or _name)")
        return self.root / name

    def write_run_file(self, name: str, text: str) -> None:
        write_text_atomic(self.run_file(name), text)

    def student_folder(self, student: str) -> Path:
        clash = reserved(student)
        if clash or not student or Path(student).name != student:
            raise ValueError(f"{student!r} cannot be a student folder"
                             + (f": the run's own {clash}" if clash else ""))
        return self.root / student

    def is_graded(self, student: str) -> bool:
        return (self.student_folder(student) / GRADING).is_file()

    def save(self, result: SubmissionResult, report: str | None = None) -> None:
        """A student's files, each atomically; grading.json last, as the mark of "graded"."""
        folder = self.student_folder(result.student)
        write_json_atomic(folder / RESULTS, result.to_gradescope())
        if report is not None:
            write_text_atomic(folder / REPORT, report)
        write_json_atomic(folder / GRADING, result.to_dict())

    def results(self) -> list[SubmissionResult]:
        """Every graded student, read back from disk."""
        results = []
        for path in sorted(self.root.glob(f"*/{GRADING}")):
            try:
                results.append(SubmissionResult.from_dict(json.loads(path.read_text("utf-8"))))
            except (ValueError, TypeError, KeyError):
                continue
        return results

    def remove_temporaries(self) -> None:
        """Files half-written by a run that was killed (see ``write_text_atomic``)."""
        for stale in [*self.root.glob(".*.tmp"), *self.root.glob("*/.*.tmp")]:
            stale.unlink(missing_ok=True)

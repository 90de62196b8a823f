"""Grade a whole class: in parallel, resumable, one atomic results file per student.

The gradebook and the class summary are always rebuilt from the per-student results on
disk, so an interrupted run loses at most the submissions being graded at that moment.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.course import Exercise
from grader.grading import grade
from grader.load.locate import SOURCE_SUFFIXES, student_id
from grader.output import OutputFolder, reserved
from grader.results import SubmissionResult
from grader.worker.launchers import Launcher
from grader.worker.limits import Limits

ENTRY_SUFFIXES = (*SOURCE_SUFFIXES, ".zip")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would evaluate the cell


@dataclass(frozen=True)
class Job:
    student: str
    entry: Path


class EntryError(Exception):
    """Entries that cannot be graded under the ids they map to; nothing was graded."""


def entries(exercise: Exercise, submissions: Path, id_pattern: str | None = None, *,
            one: bool = False, name: str | None = None) -> list[Job]:
    """One job per student: a single submission, or every entry of a class folder.

    Raises EntryError, naming the entries, when two of them map to one student id or an id
    is the name of a file the run writes (see :mod:`grader.output`).
    """
    if one:
        jobs = [Job(_safe_name(name or student_id(submissions)), submissions)]
    else:
        single = submissions.is_file() or any(
            (submissions / f"{exercise.name}{s}").is_file() for s in SOURCE_SUFFIXES)
        paths = [submissions] if single else sorted(
            p for p in submissions.iterdir() if not p.name.startswith((".", "_"))
            and (p.is_dir() or p.suffix in ENTRY_SUFFIXES))
        pattern = re.compile(id_pattern) if id_pattern else None
        jobs = [Job(_safe_name(_student_of(path, pattern)), path) for path in paths]
    problems = _clashes(jobs)
    if problems:
        raise EntryError("\n".join(problems))
    return jobs


def _student_of(path: Path, pattern: re.Pattern | None) -> str:
    match = pattern.search(path.name) if pattern else None
    if match is None:
        return student_id(path)
    return match.groupdict().get("id") or (match.group(1) if match.groups() else match.group(0))


def _clashes(jobs: list[Job]) -> list[str]:
    """Entries sharing a student id (ignoring case: one folder on some file systems), and
    entries whose id is a file of the run."""
    by_id: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_id[job.student.casefold()].append(job)
    problems = []
    for same in by_id.values():
        if len(same) > 1:
            names = [repr(j.entry.name) for j in same]
            names = f"{', '.join(names[:-1])} and {names[-1]}"
            ids = " / ".join(dict.fromkeys(repr(j.student) for j in same))
            problems.append(f"entries {names} map to one student id ({ids})")
    for job in jobs:
        if clash := reserved(job.student):
            problems.append(f"entry {job.entry.name!r} maps to student id {job.student!r}, "
                            f"the name of the run's own {clash}")
    return problems


def _safe_name(name: str) -> str:
    """A student id usable as a folder name."""
    cleaned = re.sub(r"[^\w.@+-]", "_", name).strip("._") or "student"
    return cleaned[:100]


def _grade_job(exercise: Exercise, job: Job, options: dict) -> dict:
    return grade(exercise, job.entry, student=job.student, **options).to_dict()


def crashed(exercise: Exercise, job: Job, reason: str) -> SubmissionResult:
    """Results for a submission whose grading process itself died: an error, not a zero."""
    return SubmissionResult(exercise.name, job.student, job.entry.name,
                            error=f"grading process failed: {reason}")


class RunnerError(Exception):
    """A runner cannot go on; nothing more is graded (what was graded is saved)."""


class JobRunner(Protocol):
    """Where a class is graded: each job's results, yielded as they come, in any order.

    ``options`` are :func:`grader.grading.grade`'s (launcher, limits, lang). The caller writes
    what is yielded (:func:`grade_class`), so every runner's results are saved the same way.
    A runner that cannot go on raises :class:`RunnerError`.
    """

    def __call__(self, exercise: Exercise, jobs: list[Job],
                 options: dict) -> Iterator[SubmissionResult]: ...


def grade_class(exercise: Exercise, jobs: list[Job], out: Path, *, workers: int = 1,
                force: bool = False, launcher: Launcher | None = None,
                limits: Limits | None = None, lang: str = "en",
                report: Callable[[SubmissionResult], str] | None = None,
                on_result: Callable[[SubmissionResult], None] | None = None,
                runner: JobRunner | None = None) -> list[Job]:
    """Grade the jobs not graded yet into ``out`` (:mod:`grader.output`); returns them.

    ``runner`` grades them (default: :class:`LocalPool` of ``workers`` processes);
    ``report`` renders a student's report, saved with the results.
    """
    folder = OutputFolder(out)
    folder.remove_temporaries()
    todo = ungraded(jobs, folder, force=force)
    options = {"launcher": launcher, "limits": limits, "lang": lang}
    for result in (runner or LocalPool(workers))(exercise, todo, options):
        folder.save(result, report(result) if report else None)
        if on_result:
            on_result(result)
    return todo


def ungraded(jobs: list[Job], folder: OutputFolder, *, force: bool = False) -> list[Job]:
    """The jobs still to grade in ``folder`` (all of them with ``force``)."""
    return [j for j in jobs if force or not folder.is_graded(j.student)]


class LocalPool:
    """Grading processes on this machine: forked, ``workers`` at a time (one: in-process)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def __call__(self, exercise: Exercise, jobs: list[Job],
                 options: dict) -> Iterator[SubmissionResult]:
        if self.workers == 1:
            for job in jobs:
                yield SubmissionResult.from_dict(_grade_job(exercise, job, options))
            return
        pending = list(reversed(jobs))
        while pending:
            fork = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=self.workers, mp_context=fork) as pool:
                running: dict[Future, Job] = {}
                try:
                    while pending or running:
                        while pending and len(running) < self.workers * 2:
                            job = pending.pop()
                            running[pool.submit(_grade_job, exercise, job, options)] = job
                        done, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            job = running.pop(future)
                            try:
                                yield SubmissionResult.from_dict(future.result())
                            except BrokenProcessPool:
                                raise
                            except Exception as exc:
                                yield crashed(exercise, job, f"{type(exc).__name__}: {exc}")
                except BrokenProcessPool:
                    for job in running.values():
                        yield crashed(exercise, job, "the grading process was killed")


def load_results(out: Path) -> list[SubmissionResult]:
    """Every graded student in ``out``, read back from disk."""
    return OutputFolder(out).results()


def gradebook_csv(results: list[SubmissionResult]) -> str:
    """student, score, max_score, then one column of points per check, then the status
    (graded, did_not_load, timed_out, resource_limit or grader_error: grader.results).

    Text cells that a spreadsheet would read as a formula (a student id like ``@SUM(A1)`` or
    ``-2+3``) start with an apostrophe; numbers are written as they are.
    """
    check_ids: list[str] = []
    for result in results:
        check_ids += [c.id for c in result.checks if c.id not in check_ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_text_cell(h) for h in ("student", "score", "max_score", *check_ids,
                                              "status")])
    for result in sorted(results, key=lambda r: r.student):
        points = {c.id: f"{c.points:g}" for c in result.checks}
        writer.writerow([_text_cell(result.student), f"{result.score:g}",
                         f"{result.max_score:g}", *(points.get(i, "") for i in check_ids),
                         _text_cell(result.status)])
    return buffer.getvalue()


def _text_cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_START) else text

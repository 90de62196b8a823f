"""Grade a whole class: in parallel, resumable, one atomic results file per student.

The gradebook and the class summary are always rebuilt from the per-student results on
disk, so an interrupted run loses at most the submissions being graded at that moment.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import re
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from grader.course import Exercise
from grader.grading import grade
from grader.load.locate import SOURCE_SUFFIXES, student_id
from grader.results import SubmissionResult, write_json_atomic
from grader.worker.client import Launcher, Limits

ENTRY_SUFFIXES = (*SOURCE_SUFFIXES, ".zip")
RESULTS = "results.json"
GRADING = "grading.json"


@dataclass(frozen=True)
class Job:
    student: str
    entry: Path


def entries(exercise: Exercise, submissions: Path, id_pattern: str | None = None, *,
            one: bool = False, name: str | None = None) -> list[Job]:
    """One job per student: a single submission, or every entry of a class folder."""
    if one:
        return [Job(_safe_name(name or student_id(submissions)), submissions)]
    single = submissions.is_file() or any(
        (submissions / f"{exercise.name}{s}").is_file() for s in SOURCE_SUFFIXES)
    paths = [submissions] if single else sorted(
        p for p in submissions.iterdir() if not p.name.startswith((".", "_"))
        and (p.is_dir() or p.suffix in ENTRY_SUFFIXES))
    pattern = re.compile(id_pattern) if id_pattern else None
    jobs, seen = [], set()
    for path in paths:
        student = student_id(path)
        if pattern is not None and (match := pattern.search(path.name)):
            student = match.groupdict().get("id") or (match.group(1) if match.groups()
                                                      else match.group(0))
        student = _safe_name(student)
        if student in seen:
            student = _safe_name(f"{student}-{path.name}")
        seen.add(student)
        jobs.append(Job(student, path))
    return jobs


def _safe_name(name: str) -> str:
    """A student id usable as a folder name."""
    cleaned = re.sub(r"[^\w.@+-]", "_", name).strip("._") or "student"
    return cleaned[:100]


def _grade_job(exercise: Exercise, job: Job, options: dict) -> dict:
    return grade(exercise, job.entry, student=job.student, **options).to_dict()


def _crashed(exercise: Exercise, job: Job, reason: str) -> SubmissionResult:
    """Results for a submission whose grading process itself died: an error, not a zero."""
    return SubmissionResult(exercise.name, job.student, job.entry.name,
                            error=f"grading process failed: {reason}")


def grade_class(exercise: Exercise, jobs: list[Job], out: Path, *, workers: int = 1,
                force: bool = False, launcher: Launcher | None = None,
                limits: Limits | None = None, lang: str = "en",
                on_result: Callable[[SubmissionResult], None] | None = None) -> list[Job]:
    """Grade the jobs not graded yet into ``out/<student>/results.json``; returns them."""
    for stale in out.glob("*/.*.tmp"):  # left by a run killed mid-write
        stale.unlink(missing_ok=True)
    todo = [j for j in jobs if force or not (out / j.student / RESULTS).is_file()]
    options = {"launcher": launcher, "limits": limits, "lang": lang}
    for result in _run_jobs(exercise, todo, options, max(1, workers)):
        write_json_atomic(out / result.student / RESULTS, result.to_gradescope())
        write_json_atomic(out / result.student / GRADING, result.to_dict())
        if on_result:
            on_result(result)
    return todo


def _run_jobs(exercise: Exercise, jobs: list[Job], options: dict,
              workers: int) -> Iterator[SubmissionResult]:
    if workers == 1:
        for job in jobs:
            yield SubmissionResult.from_dict(_grade_job(exercise, job, options))
        return
    pending = list(reversed(jobs))
    while pending:
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=fork) as pool:
            running: dict[Future, Job] = {}
            try:
                while pending or running:
                    while pending and len(running) < workers * 2:
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
                            yield _crashed(exercise, job, f"{type(exc).__name__}: {exc}")
            except BrokenProcessPool:
                for job in running.values():
                    yield _crashed(exercise, job, "the grading process was killed")


def load_results(out: Path) -> list[SubmissionResult]:
    """Every graded student in ``out``, read back from disk."""
    results = []
    for path in sorted(out.glob(f"*/{GRADING}")):
        try:
            results.append(SubmissionResult.from_dict(json.loads(path.read_text("utf-8"))))
        except (ValueError, TypeError, KeyError):
            continue
    return results


def gradebook_csv(results: list[SubmissionResult]) -> str:
    """student, score, max_score, then one column of points per check."""
    check_ids: list[str] = []
    for result in results:
        check_ids += [c.id for c in result.checks if c.id not in check_ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *check_ids, "status"])
    for result in sorted(results, key=lambda r: r.student):
        points = {c.id: f"{c.points:g}" for c in result.checks}
        status = "error" if result.errored else "graded"
        writer.writerow([result.student, f"{result.score:g}", f"{result.max_score:g}",
                         *(points.get(i, "") for i in check_ids), status])
    return buffer.getvalue()


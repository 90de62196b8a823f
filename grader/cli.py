"""Command line: one verb per user job (list, check, grade, similarity, validate, new, stub,
release, export, data)."""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from grader.course import Course, CourseError, Exercise
from grader.results import PASSED
from grader.similarity import DEFAULT_MIN_TOKENS, DEFAULT_THRESHOLD
from grader.text import choose_lang

if TYPE_CHECKING:
    from grader.batch import JobRunner
    from grader.output import OutputFolder
    from grader.results import SubmissionResult


@functools.cache
def console() -> Console:
    """Standard output, set up on first use: a warm process forks before it knows the terminal."""
    return Console()


@functools.cache
def err_console() -> Console:
    """Standard error, never hard-wrapped: a path in an error message stays one piece to copy."""
    return Console(stderr=True, soft_wrap=True)


EXIT_OK, EXIT_FAILED, EXIT_NOT_FOUND = 0, 1, 2

lang_option = click.option("--lang", default=None,
                           help="Language of feedback: en or ko (default: $GRADER_LANG or en).")
course_option = click.option("--course", type=click.Path(file_okay=False, path_type=Path),
                             default=None, help="Course folder (default: found from the cwd).")
known_option = click.option(
    "--known", "known_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None, help="Folder of known public code (e.g. the book's common/): code found there "
    "is reported as such and not counted between students.")


def _course(course: Path | None) -> Course:
    try:
        return Course(course.resolve()) if course else Course.find()
    except CourseError as exc:
        err_console().print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_NOT_FOUND)


def _exercise(course: Course, name: str) -> Exercise:
    try:
        return course.exercise(name)
    except CourseError as exc:
        err_console().print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_NOT_FOUND)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main() -> None:
    """Autograder for the from-scratch NumPy deep-learning course."""


@main.command("list")
@course_option
@lang_option
def list_exercises(course: Path | None, lang: str | None) -> None:
    """The exercises, their checks and points."""
    from grader.checks.listing import list_checks

    lang = choose_lang(lang)
    found = _course(course)
    for exercise in found.exercises():
        checks = list_checks(exercise)
        total = sum(c.points for c in checks)
        console().print(f"[bold]{exercise.name}[/] {exercise.title(lang)} ({total:g} points)")
        for check in checks:
            title = exercise.check_title(check.id, lang) or check.id
            console().print(f"  {check.points:>4g}  {check.visibility:<6}  {title}")


@main.command()
@click.argument("exercise")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report to this file.")
@course_option
@lang_option
def check(exercise: str, path: Path | None, html_path: Path | None, course: Path | None,
          lang: str | None) -> None:
    """Run the public checks on your work (default: the notebook in assignments/EXERCISE/)."""
    from grader.worker.limits import Limits
    from grader.worker.policy import confirmed, launcher_for
    from grader.worker.worker import prestart

    lang = choose_lang(lang)
    found = _course(course)
    ex = _exercise(found, exercise)
    path = path or ex.stub
    if path is None or not path.exists():
        err_console().print(f"[bold red]error:[/] no submission found at "
                            f"{path or ex.assignment_dir}")
        sys.exit(EXIT_NOT_FOUND)
    limits = Limits()
    launcher = launcher_for("check", hide=(found.root,))
    prestart(launcher, limits)  # first: the worker boots while the rest is imported
    from grader.load.locate import opened
    from grader.load.program import UnreadableSubmission, start_reading

    try:
        with opened(path, ex.name) as source:
            reading = start_reading(source)  # in a child, while pytest is imported here
            from grader.grading import grade
            from grader.report.terminal import print_result

            program = reading()
    except UnreadableSubmission as exc:
        err_console().print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_NOT_FOUND)
    from grader.text import message
    from grader.worker.launchers import RlimitsOnlyLauncher

    launcher = confirmed(launcher, limits)  # that worker's greeting is the sandbox's probe
    if isinstance(launcher, RlimitsOnlyLauncher):  # one line, however narrow the terminal
        from grader.report.labels import label

        note = message("no_sandbox_check", lang, reason=launcher.reason)
        err_console().print(f"[yellow]{label('term_note', lang)}:[/] {escape(note)}",
                            soft_wrap=True)
    result = grade(ex, path, hidden=False, lang=lang, limits=limits, launcher=launcher,
                   program=program)
    print_result(result, ex.title(lang), console(), public_only=True)
    if html_path:
        from grader.report.html import render_student_report
        from grader.report.labels import label

        html_path.write_text(render_student_report(result, title=ex.title(lang),
                                                   public_only=True), encoding="utf-8")
        console().print(label("term_html_report", lang, path=html_path), highlight=False,
                        soft_wrap=True)
    sys.exit(EXIT_OK if all(c.status == PASSED for c in result.checks) else EXIT_FAILED)


@main.command("grade")
@click.argument("exercise")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the gradebook, results and reports.")
@click.option("--workers", type=int, default=None, help="Parallel graders (default: cores).")
@click.option("--force", is_flag=True, help="Grade again students already graded in --out.")
@click.option("--student-id", "id_pattern", default=None,
              help=r"Regex extracting the student id from entry names, e.g. '^(?P<id>[^_]+)_'.")
@click.option("--one", is_flag=True, help="SUBMISSIONS is one student's submission.")
@click.option("--student-name", default=None, help="Student id to use with --one.")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Grade even where the sandbox is unavailable (recorded in the results).")
@click.option("--similarity", "with_similarity", is_flag=True,
              help="Also compare the submissions' code (as `grader similarity`) into the summary.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Grade on a Dask cluster: its scheduler (tcp://host:8786, tls://...), or "
              "local:N for N local worker processes (pip install 'grader[dask]').")
@click.option("--worker-course", metavar="PATH", default=None,
              help="With --dask: the course folder as installed on every worker (checked by "
              "digest) instead of sending the exercise's files with the tasks.")
@known_option
@course_option
@lang_option
def grade_command(exercise: str, submissions: Path, out: Path, workers: int | None, force: bool,
                  id_pattern: str | None, one: bool, student_name: str | None,
                  allow_unsandboxed: bool, with_similarity: bool, dask_address: str | None,
                  worker_course: str | None, known_dir: Path | None, course: Path | None,
                  lang: str | None) -> None:
    """Grade every submission (folder, .py, .ipynb or .zip) with public and hidden checks."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from grader.batch import RunnerError, grade_class, gradebook_csv, ungraded
    from grader.output import GRADEBOOK, SUMMARY, OutputFolder
    from grader.report.html import render_student_report, render_summary
    from grader.results import GRADED
    from grader.worker.policy import IsolationUnavailable, launcher_for

    lang = choose_lang(lang)
    found = _course(course)
    ex = _exercise(found, exercise)
    if worker_course and not dask_address:
        raise click.UsageError("--worker-course goes with --dask")
    jobs = _entries(ex, submissions, id_pattern, one=one, name=student_name)
    runner = _dask_runner(dask_address, allow_unsandboxed, worker_course) if dask_address else None
    try:
        launcher = None if runner else launcher_for("grade", hide=(found.root, out.resolve()),
                                                    allow_unsandboxed=allow_unsandboxed)
    except IsolationUnavailable as exc:
        err_console().print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_NOT_FOUND)
    if launcher and launcher.warning:
        err_console().print(f"[yellow]warning:[/] {escape(launcher.warning)}")
    folder = OutputFolder(out)
    out.mkdir(parents=True, exist_ok=True)
    workers = 1 if launcher and launcher.one_at_a_time else workers or os.cpu_count() or 1
    attention = 0
    title = ex.title(lang)

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[attention]} need attention"), TimeRemainingColumn(),
                  console=err_console(), transient=False) as progress:
        task = progress.add_task(f"grading {ex.name}", total=len(jobs), attention=0)
        skipped = len(jobs) - len(ungraded(jobs, folder, force=force))
        progress.update(task, advance=skipped)

        def done(result: SubmissionResult) -> None:
            nonlocal attention
            attention += result.status != GRADED
            progress.update(task, advance=1, attention=attention)

        started = time.perf_counter()
        try:
            grade_class(ex, jobs, out, workers=workers, force=force, launcher=launcher, lang=lang,
                        report=lambda result: render_student_report(result, title=title),
                        on_result=done, runner=runner)
        except RunnerError as exc:
            progress.stop()
            err_console().print(f"[bold red]error:[/] {escape(str(exc))}")
            sys.exit(EXIT_NOT_FOUND)
    results = folder.results()
    folder.write_run_file(GRADEBOOK, gradebook_csv(results))
    similarity = class_similarity(ex, jobs, folder, known_dir, lang) if with_similarity else None
    folder.write_run_file(SUMMARY, render_summary(results, title=title, similarity=similarity))
    elapsed = time.perf_counter() - started
    for line in grade_summary_lines(results, graded=len(jobs) - skipped, skipped=skipped,
                                    seconds=elapsed, folder=folder, lang=lang):
        console().print(line, highlight=False, soft_wrap=True)
    sys.exit(EXIT_OK)


def grade_summary_lines(results: list[SubmissionResult], *, graded: int, skipped: int,
                        seconds: float, folder: OutputFolder, lang: str) -> list[str]:
    """The last lines of ``grade``: what was graded, how many need attention and why, and where
    the class summary and the gradebook are."""
    from collections import Counter

    from grader.output import GRADEBOOK, SUMMARY
    from grader.report.labels import label
    from grader.results import GRADED, STATUSES

    counts = Counter(r.status for r in results)
    attention = sum(n for status, n in counts.items() if status != GRADED)
    parts = [label(f"term_count_{GRADED}", lang, count=counts[GRADED])]
    if attention:
        parts.append(label("term_attention", lang, count=attention, which=", ".join(
            label(f"term_count_{s}", lang, count=counts[s]) for s in STATUSES
            if s != GRADED and counts[s])))
    return [label("term_grade_done", lang, count=graded, seconds=f"{seconds:.1f}",
                  skipped=skipped, summary=", ".join(parts)),
            label("term_grade_files", lang, summary=folder.run_file(SUMMARY),
                  gradebook=folder.run_file(GRADEBOOK))]


def _dask_runner(address: str, allow_unsandboxed: bool, worker_course: str | None) -> JobRunner:
    """``grade --dask``: the runner on that cluster (grader.cluster); Dask is imported here only."""
    try:
        from grader.cluster import ClusterError, DaskRunner
    except ImportError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        err_console().print("[bold red]error:[/] --dask needs Dask: "
                            "python -m pip install 'grader[dask]'")
        sys.exit(EXIT_NOT_FOUND)
    try:
        return DaskRunner(address, allow_unsandboxed=allow_unsandboxed,
                          worker_course=worker_course,
                          warn=lambda text: err_console().print(
                              f"[yellow]warning:[/] {escape(text)}"))
    except ClusterError as exc:
        err_console().print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(EXIT_NOT_FOUND)


def class_similarity(ex: Exercise, jobs: list, out: OutputFolder, known_dir: Path | None,
                     lang: str) -> dict | None:
    """``grade --similarity``: the similarity pages beside the summary and the summary's
    section; None (with the reason) when it cannot run, which costs the grading nothing."""
    from grader.similarity import LibraryMissing
    from grader.similarity.analysis import analyse
    from grader.similarity.render import SUMMARY_FOLDER, section_view, write_report

    try:
        analysis = analyse(ex, jobs, known_dir)
    except LibraryMissing as exc:
        err_console().print(f"[yellow]note:[/] no similarity section: {escape(str(exc))}")
        return None
    index = write_report(analysis, out.run_file(SUMMARY_FOLDER), title=ex.title(lang), lang=lang)
    _print_similarity(analysis, index)
    return section_view(analysis, prefix=f"{SUMMARY_FOLDER}/")


def _print_similarity(analysis: object, index: Path) -> None:
    skipped = len(analysis.not_compared)
    console().print(
        f"similarity: {len(analysis.codes)} submissions compared in {analysis.seconds:.1f} s: "
        f"flagged pairs {len(analysis.flagged)}, clusters {len(analysis.clusters)}, "
        f"matching known code {len(analysis.known_flagged)}"
        + (f", not compared {skipped}" if skipped else "") + f"; {index}")


@main.command("similarity")
@click.argument("exercise")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for similarity.csv, known-code.csv, index.html and the pages.")
@known_option
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD,
              show_default=True, help="Similarity at which a pair is reported.")
@click.option("--min-tokens", type=click.IntRange(1), default=DEFAULT_MIN_TOKENS,
              show_default=True, help="Matched tokens on each side needed to report a pair.")
@click.option("--student-id", "id_pattern", default=None,
              help=r"Regex extracting the student id from entry names, e.g. '^(?P<id>[^_]+)_'.")
@course_option
@lang_option
def similarity_command(exercise: str, submissions: Path, out: Path, known_dir: Path | None,
                       threshold: float, min_tokens: int, id_pattern: str | None,
                       course: Path | None, lang: str | None) -> None:
    """Compare the code of every pair of submissions, discounting the stub and known code."""
    from grader.similarity import LibraryMissing, require_copydetect

    try:
        require_copydetect()
    except LibraryMissing as exc:
        err_console().print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(EXIT_FAILED)
    from grader.similarity.analysis import analyse
    from grader.similarity.compare import Settings
    from grader.similarity.render import write_report

    lang = choose_lang(lang)
    ex = _exercise(_course(course), exercise)
    settings = Settings(threshold=threshold, min_tokens=min_tokens)
    analysis = analyse(ex, _entries(ex, submissions, id_pattern), known_dir, settings)
    _print_similarity(analysis, write_report(analysis, out, title=ex.title(lang), lang=lang))
    sys.exit(EXIT_OK)


def _entries(ex: Exercise, submissions: Path, id_pattern: str | None, **options: object) -> list:
    """The jobs of a class; entries that cannot be named stop the command (exit status 2)."""
    from grader.batch import EntryError, entries

    try:
        return entries(ex, submissions, id_pattern, **options)
    except EntryError as exc:
        err_console().print(f"[bold red]error:[/] nothing was done; rename these entries "
                            f"(or adjust --student-id):\n{escape(str(exc))}", highlight=False)
        sys.exit(EXIT_NOT_FOUND)


@main.command()
@click.argument("exercises", nargs=-1)
@course_option
def validate(exercises: tuple[str, ...], course: Path | None) -> None:
    """Prove the course: references full marks, stubs zero, variants lose what they should."""
    from rich.padding import Padding
    from rich.text import Text

    from grader.validate import validate as validate_exercise
    from grader.worker.policy import launcher_for

    found = _course(course)
    names = exercises or tuple(found.names())
    launcher = launcher_for("validate")
    failed = 0
    for name in names:
        ex = _exercise(found, name)
        for verdict in validate_exercise(ex, launcher=launcher):
            mark = "[green]ok[/]  " if verdict.ok else "[bold red]FAIL[/]"
            console().print(f"{mark} {name}: {escape(verdict.subject)}", highlight=False)
            if verdict.detail:  # in full: tracebacks and hidden checks' messages included
                console().print(Padding(Text(verdict.detail, overflow="fold"), (0, 0, 0, 7)),
                                highlight=False)
            failed += not verdict.ok
    console().print(f"{'all claims hold' if not failed else f'{failed} claims do not hold'}")
    sys.exit(EXIT_OK if not failed else EXIT_FAILED)


@main.command("new")
@click.argument("exercise")
@course_option
def new_exercise(exercise: str, course: Path | None) -> None:
    """Scaffold an exercise's two folders: an example that `grader validate` accepts as it is."""
    from grader.authoring.scaffold import ScaffoldError, new_exercise

    if course is None:
        try:
            course = Course.find().root
        except CourseError:
            course = Path.cwd()  # a new course starts here
    try:
        written = new_exercise(course.resolve(), exercise)
    except ScaffoldError as exc:
        err_console().print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(EXIT_FAILED)
    console().print(f"{len(written)} files in {course / 'assignments' / exercise} and "
                    f"{course / 'solutions' / exercise}; edit them (docs/writing-checks.md), "
                    f"then `grader stub {exercise}` and `grader validate {exercise}`")


@main.command("stub")
@click.argument("exercise")
@click.option("--py", "script", is_flag=True,
              help="Also write EXERCISE.py: the stub as a script with `# %%` cells.")
@course_option
def write_stub(exercise: str, script: bool, course: Path | None) -> None:
    """Write the student stub from the annotated reference (solutions/EXERCISE/solution.py)."""
    from grader.authoring.source import SourceError
    from grader.authoring.stub import write_stubs

    ex = _exercise(_course(course), exercise)
    try:
        written = write_stubs(ex, script=script)
    except SourceError as exc:
        err_console().print(f"[bold red]error:[/] {ex.name}/solution.py {escape(str(exc))}")
        sys.exit(EXIT_FAILED)
    for path in written:
        console().print(f"wrote {path}")


@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--solution", "solutions", multiple=True, metavar="EXERCISE",
              help="Also publish the reference of EXERCISE (after its deadline), without the "
                   "annotations; repeat for several.")
@course_option
def release(out: Path, solutions: tuple[str, ...], course: Path | None) -> None:
    """Write the student bundle: assignments and public checks, nothing from solutions/."""
    from grader.release import ReleaseError, write_release

    try:
        written = write_release(_course(course), out, solutions)
    except ReleaseError as exc:
        err_console().print(f"[bold red]error:[/] nothing was written:\n{escape(str(exc))}",
                            highlight=False)
        sys.exit(EXIT_FAILED)
    console().print(f"student bundle with {written} files in {out}")


@main.group()
def export() -> None:
    """Export checks for other platforms."""


@export.command("gradescope")
@click.argument("exercise")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@course_option
def export_gradescope(exercise: str, out: Path, course: Path | None) -> None:
    """A Gradescope autograder zip running the same checks."""
    from grader.release import write_gradescope_zip

    found = _course(course)
    write_gradescope_zip(found, _exercise(found, exercise), out)
    console().print(f"Gradescope autograder: {out}")


@main.group()
def data() -> None:
    """Datasets used by the exercises."""


@data.command("download")
@click.argument("name", type=click.Choice(["mnist"]))
def download(name: str) -> None:
    """Fetch and verify a dataset into the user's cache."""
    from grader.data.mnist import DownloadError, download_mnist

    try:
        folder = download_mnist()
    except DownloadError as exc:
        err_console().print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_FAILED)
    console().print(f"MNIST is ready in {folder}")

"""Grade one submission: load it, start its worker, run the checks, collect the results."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import grader
from grader.causes import Submission, find_causes, render_fault
from grader.checks.plugin import GraderPlugin, Outcome, is_student_fault, run_pytest
from grader.checks.proxy import Connection, StudentFault
from grader.course import Exercise
from grader.load.locate import opened, student_id
from grader.load.program import Program, UnreadableSubmission, read_program
from grader.results import ERROR, FAILED, PASSED, CheckResult, SubmissionResult
from grader.text import message, pick
from grader.worker.launchers import Launcher, RlimitsOnlyLauncher
from grader.worker.limits import Limits
from grader.worker.worker import Worker, strip_stack_dumps

__all__ = ["grade", "render_fault"]

# Failures in which a check observed the student's values: only these can show the check's
# hint. Any other cause lies upstream of the values (a missing name, an exception, a timeout,
# an unreadable file): the message names it and no formula hint distracts from it.
OBSERVED_FAULTS = {"mismatch", "custom", "not_an_array", ""}
# Events of one run (a crash, a timeout, an unreadable reply) are told under every check they
# hit; any other upstream cause is explained once.
EVENT_FAULTS = {"crashed", "timeout", "bad_reply", "object_lost"}


def grade(exercise: Exercise, entry: Path, *, hidden: bool = True, lang: str = "en",
          limits: Limits | None = None, launcher: Launcher | None = None,
          student: str | None = None, program: Program | None = None) -> SubmissionResult:
    """Run the public (and hidden) checks of ``exercise`` on one submission entry.

    ``program``: the entry's source, read already (``grader check`` reads it first, to stop on
    a file it cannot read).
    """
    started = time.perf_counter()
    result = SubmissionResult(exercise.name, student or student_id(entry), entry.name, lang=lang,
                              checks_digest=exercise.checks_digest(),
                              grader_version=grader.__version__,
                              graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    launcher = launcher or RlimitsOnlyLauncher()
    result.sandbox = launcher.mode
    try:
        with opened(entry, exercise.name) as source:
            result.source = source.name
            program = program if program is not None else read_program(source)
            conn = Connection(Worker(program.to_wire(), limits or Limits(), launcher), program)
            conn.start_early()
            _run(exercise, conn, hidden, lang, result)
    except UnreadableSubmission as exc:
        _run(exercise, Connection(None, None, unreadable=str(exc)), hidden, lang, result)
    result.duration = time.perf_counter() - started
    return result


def _run(exercise: Exercise, conn: Connection, hidden: bool, lang: str,
         result: SubmissionResult) -> None:
    paths = [exercise.public_checks]
    if hidden and exercise.hidden_checks is not None:
        paths.append(exercise.hidden_checks)
    plugin = GraderPlugin(conn, exercise.hidden_checks, exercise.reference)
    try:
        run_pytest(paths, plugin)
        if plugin.interrupted:
            raise KeyboardInterrupt  # pytest swallowed Ctrl-C: never record partial results
    finally:
        conn.close()
    outcomes = list(plugin.outcomes.values())
    result.checks = [_check_result(exercise, o, plugin, lang) for o in outcomes]
    failed = [(c, o.failure) for c, o in zip(result.checks, outcomes, strict=True)
              if c.status == FAILED]
    load_report = conn.worker.load_report if conn.worker else None
    result.causes = find_causes(failed, Submission(conn.program, (load_report or {}).get(
        "failures", [])), lang)
    _say_each_cause_once(result.checks, lang)
    result.records = _record_labels(exercise, result.checks, lang)
    result.notes += [exercise.hint(key, lang) for key in dict.fromkeys(plugin.notes)]
    told = {(c.label, c.line) for c in result.causes}  # a cause is not told again as a note
    if conn.unreadable is not None and not result.causes:
        result.notes.append(message("unreadable", lang, reason=conn.unreadable))
    elif conn.program is not None:
        result.notes += _load_notes(conn, conn.program, lang, told)
    if plugin.collection_errors:
        result.error = message("checks_not_loaded", lang,
                               errors="; ".join(plugin.collection_errors))
    elif not result.checks:
        result.error = message("no_checks", lang)


def _check_result(exercise: Exercise, outcome: Outcome, plugin: GraderPlugin,
                  lang: str) -> CheckResult:
    visibility = "hidden" if plugin.is_hidden(outcome.path) else "public"
    error = outcome.failure
    status = PASSED if error is None else FAILED if is_student_fault(error) else ERROR
    hint_key = (getattr(error, "hint", None) or outcome.hint_key) if error else ""
    check = CheckResult(
        id=outcome.check_id,
        title=exercise.check_title(outcome.check_id, lang) or outcome.docstring
        or outcome.check_id,
        visibility=visibility, points=outcome.points if status == PASSED else 0.0,
        max_points=outcome.points, status=status,
        duration=round(outcome.duration, 4) if visibility == "public" else 0.0,
        data=outcome.data)
    if status == PASSED:
        return check
    check.fault = error.key if isinstance(error, StudentFault) else ""
    if status == FAILED and check.fault in OBSERVED_FAULTS:
        check.hint_key = hint_key
        check.hint = exercise.hint(hint_key, lang)
    if status == ERROR:
        check.message = message("grader_error", lang, type=type(error).__name__,
                                message="" if visibility == "hidden" else str(error)[:300])
        check.instructor_detail = outcome.failure_trace or f"{type(error).__name__}: {error}"
    elif visibility == "public":
        check.message = render_fault(error, outcome.failure_text, lang)
        check.table = getattr(error, "details", {}).get("table")
        check.output = strip_stack_dumps(outcome.output)[-4000:]
    else:  # what a hidden check saw stays with the instructor
        check.instructor_detail = render_fault(error, outcome.failure_text, lang)
    return check


def _say_each_cause_once(checks: list[CheckResult], lang: str) -> None:
    """A cause upstream of the values (`softmax` is not defined, a syntax error, the same
    exception) is explained under the first check it fails; later ones point back to it."""
    first: dict[str, str] = {}
    for check in checks:
        if check.status != FAILED or check.fault in OBSERVED_FAULTS | EVENT_FAULTS \
                or not check.message:
            continue
        if check.message in first:
            check.message = message("same_cause", lang, title=first[check.message])
            check.output = ""
        else:
            first[check.message] = check.title


def _record_labels(exercise: Exercise, checks: list[CheckResult],
                   lang: str) -> dict[str, dict[str, str]]:
    """How reports show what checks recorded: the declarations in exercise.toml [records] of
    the names recorded (an undeclared name is kept in the results, and shown nowhere)."""
    declared = exercise.texts.get("records", {})
    labels = {}
    for name in dict.fromkeys(n for c in checks for n in c.data):
        spec = declared.get(name)
        if isinstance(spec, dict):
            labels[name] = {"title": pick(spec.get("title"), lang) or name,
                            "x": pick(spec.get("x"), lang), "unit": str(spec.get("unit", ""))}
    return labels


def _load_notes(conn: Connection, program: Program, lang: str,
                told: set[tuple[str, int]]) -> list[str]:
    """What the loader left out or saw fail, except what a cause told (``told``: places)."""
    notes = [message("note_syntax", lang, label=s.label, line=s.line, message=s.message)
             for s in program.syntax_errors if (s.label, s.line) not in told]
    report = conn.worker.load_report if conn.worker else None
    for failure in (report or {}).get("failures", []):
        if (failure["label"], failure["line"]) not in told:
            notes.append(message("note_load_failure", lang, **failure))
    if program.skipped:
        notes.append(message("note_skipped", lang, count=len(program.skipped)))
    notes += [message("note_reads_data", lang, **asdict(read)) for read in program.data_reads]
    return notes


"""Root causes: one syntax error, one missing function or one timeout, told once.

A single mistake upstream of the values fails many checks: a syntax error hides every function
defined after it in its cell, a missing function fails each check that calls it, a loop that
never ends fails each check that enters it. The student report puts these causes first ("fix
this first"), each with the place in the submission it comes from and the checks it cost; the
class summary counts them, and a submission's status comes from them.

A cause is built only from what the student's own code did (a name, a line, an exception type),
never from a check's inputs or expected values, so hidden checks can join a cause. Exceptions
are the exception: their messages may quote a hidden check's inputs, so a hidden check joins
an exception cause only when a public check failed with the very same message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from grader.checks.proxy import StudentFault
from grader.load.program import Program, SyntaxProblem
from grader.results import GRADED, NOT_LOADED, RESOURCE_LIMIT, TIMED_OUT, Cause, CheckResult
from grader.text import message

NAME_FAULTS = {"missing_name", "missing_name_near", "missing_name_other_kind", "name_is_value",
               "name_wrong_kind", "missing_attribute_near"}
EXCEPTION_FAULTS = {"student_exception", "array_truth_value", "attribute_misspelt_in_code",
                    "numpy_alias_removed", "numpy_misspelt", "numpy_no_attribute", "bad_reply"}
# The order in which causes are listed: what stops the code from loading comes first.
KIND_ORDER = ("unreadable", "empty", "syntax_error", "load_error", "load_crashed",
              "load_timeout", "memory", "scratch", "output", "missing_name", "not_implemented",
              "skipped_name", "timeout", "budget", "crashed", "exception")
STATUS_OF_KIND = {"unreadable": NOT_LOADED, "empty": NOT_LOADED, "syntax_error": NOT_LOADED,
                  "load_error": NOT_LOADED, "load_crashed": NOT_LOADED,
                  "load_timeout": TIMED_OUT, "timeout": TIMED_OUT, "budget": TIMED_OUT,
                  "memory": RESOURCE_LIMIT, "scratch": RESOURCE_LIMIT, "output": RESOURCE_LIMIT}
# A worker killed by the kernel: SIGKILL when memory ran out, SIGXFSZ past the file size limit,
# SIGXCPU past the processor time limit.
SIGNAL_KIND = {"SIGKILL": "memory", "SIGXFSZ": "scratch", "SIGXCPU": "timeout"}
CRASH_TEXT = {"memory": "cause_killed_memory", "scratch": "cause_killed_scratch",
              "timeout": "cause_killed_cpu", "load_crashed": "cause_load_crashed"}
SIGNAL = re.compile(r"\bSIG[A-Z]+\b")
NO_SPACE = ("No space left on device", "File too large", "Disk quota exceeded")
TRACE_FRAME = re.compile(r'^  File "(?P<label>[^"\n]{1,200})", line (?P<line>\d{1,9})', re.M)
NAME_ERROR = re.compile(r"name '(\w+)' is not defined")


class Place(NamedTuple):
    """A line of the submission: its label ("cell 3"), number, text, and a column (or 0)."""

    label: str = ""
    line: int = 0
    code: str = ""
    column: int = 0


@dataclass
class _Finding:
    """Why one check failed, as a root cause: failures with equal keys share one cause."""

    key: tuple
    kind: str
    text: str = ""  # the message; or, when empty, text_key rendered with the names involved
    text_key: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    place: Place = field(default_factory=Place)
    name: str = ""

    def message(self, names: list[str], lang: str) -> str:
        if self.text:
            return self.text
        return message(self.text_key, lang, names=_names(names, lang), count=len(names),
                       **self.fields)


@dataclass
class Submission:
    """What the loader and the worker learned about the code, for placing causes."""

    program: Program | None
    load_failures: list[dict[str, Any]] = field(default_factory=list)

    @functools.cached_property
    def labels(self) -> set[str]:
        return {s.label for s in self.program.statements} if self.program else set()

    def place(self, label: Any, line: Any, column: int = 0) -> Place:
        """The line ``line`` of ``label``, if the submission has it (labels from the worker
        are hostile: only the loader's are believed)."""
        if not isinstance(label, str) or type(line) is not int or label not in self.labels:
            return Place()
        return Place(label, line, self.line_text(label, line), column)

    def line_text(self, label: str, line: int) -> str:
        """The text of a line of the submission, as the loader kept it ("" if unknown)."""
        for statement in self.program.statements if self.program else []:
            lines = statement.source.split("\n")
            if statement.label == label and statement.line <= line < statement.line + len(lines):
                return lines[line - statement.line]
        return ""

    def load_failure_binding(self, name: str) -> dict[str, Any] | None:
        """The failed top-level statement that would have defined ``name``, if any."""
        return self.program.failed_binding(self.load_failures, name) if self.program else None


def find_causes(failed: Sequence[tuple[CheckResult, BaseException | None]],
                submission: Submission, lang: str) -> list[Cause]:
    """The root causes behind the failed checks, most urgent first."""
    groups: dict[tuple, tuple[_Finding, list[str], list[str], int]] = {}
    for position, (check, error) in enumerate(failed):
        finding = _finding(error, submission, lang) if isinstance(error, StudentFault) else None
        if finding is None:
            continue
        if finding.key not in groups:
            if finding.kind == "exception" and check.visibility != "public":
                continue  # its message may show the hidden inputs
            groups[finding.key] = (finding, [], [], position)
        _, checks, names, _ = groups[finding.key]
        checks.append(check.id)
        if finding.name and finding.name not in names:
            names.append(finding.name)
    ordered = sorted(groups.values(), key=lambda g: (KIND_ORDER.index(g[0].kind), g[3]))
    return [Cause(f.kind, STATUS_OF_KIND.get(f.kind, GRADED), f.message(names, lang), checks,
                  f.place.label, f.place.line, f.place.code, f.place.column)
            for f, checks, names, _ in ordered]


def render_fault(error: BaseException, assertion_text: str, lang: str, *,
                 with_traceback: bool = True) -> str:
    """The student-facing explanation of a failed check."""
    if isinstance(error, StudentFault):
        if error.key == "mismatch":
            return " ".join(message(key, lang, **fields)
                            for key, fields in error.details.get("findings", []))
        fields = dict(error.details)
        for kind in ("want", "have"):  # kinds of names, in the student's language
            if kind in fields:
                fields[kind] = message("kind_" + str(fields[kind]), lang)
        text = message(error.key, lang, **fields)
        trace = str(fields.get("traceback", "")).strip()
        if with_traceback and 'File "' in trace:  # not when it only repeats the exception
            text += "\n" + trace
        return text
    return assertion_text or str(error)


def _finding(error: StudentFault, submission: Submission, lang: str) -> _Finding | None:
    """The root cause of one failure, or None when it is none (wrong values, a lost object)."""
    key, details = error.key, error.details
    name = str(details.get("name", ""))
    if key == "unreadable":
        return _Finding(("unreadable",), "unreadable", message("unreadable", lang, **details))
    if key == "missing_name_syntax":
        problem = _syntax_problem(submission.program, name, details)
        return _Finding(("syntax", problem.label, problem.line), "syntax_error",
                        text_key="cause_syntax", name=name,
                        fields={"label": problem.label, "line": problem.line,
                                "message": problem.message},
                        place=Place(problem.label, problem.line, problem.text, problem.column))
    if key == "missing_name_failed":
        return _load_error(details, name, submission)
    if key in NAME_FAULTS:
        if submission.program is not None and not submission.program.statements:
            return _Finding(("empty",), "empty", message("cause_empty", lang))
        return _Finding((key, name, details.get("near")), "missing_name",
                        render_fault(error, "", lang, with_traceback=False), name=name)
    if key == "not_implemented":
        return _Finding(("todo", details.get("what")), "not_implemented",
                        render_fault(error, "", lang))
    if key == "uses_skipped_name":
        return _Finding(("skipped", name), "skipped_name", render_fault(error, "", lang),
                        place=submission.place(details.get("label"), details.get("line")))
    if key in ("timeout", "budget_exhausted"):
        return _timeout(error, submission, lang)
    if key == "crashed":
        return _crash(details, lang)
    if key == "bad_reply" and "larger than the limit" in str(details.get("reason", "")):
        return _Finding(("output", details.get("what")), "output",
                        message("cause_output", lang, **details))
    if key in EXCEPTION_FAULTS:
        return _exception(error, submission, lang)
    return None


def _names(names: list[str], lang: str) -> str:
    """`a`, `b` and `c` (English) or `a`, `b`, `c` (Korean)."""
    quoted = [f"`{n}`" for n in names]
    if lang == "en" and len(quoted) > 1:
        return ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return ", ".join(quoted)


def _syntax_problem(program: Program | None, name: str,
                    details: dict[str, Any]) -> SyntaxProblem:
    """The syntax error that hid ``name``: the one in the piece that defines it, else the one
    the failure named."""
    problems = program.syntax_errors if program is not None else []
    return next((p for p in problems if name in p.binds), None) or next(
        (p for p in problems if (p.label, p.line) == (details.get("label"), details.get("line"))),
        SyntaxProblem(str(details.get("label", "")), int(details.get("line") or 0),
                      str(details.get("message", ""))))


def _load_error(details: dict[str, Any], name: str, submission: Submission) -> _Finding:
    """A top-level statement that failed when loaded (``import torch``, a huge array)."""
    label, line = details.get("label"), details.get("line")
    kind = "memory" if details.get("type") == "MemoryError" else "load_error"
    return _Finding(("load", label, line), kind, text_key="cause_load_error", name=name,
                    fields={k: details.get(k) for k in ("label", "line", "type", "message")},
                    place=submission.place(label, line))


def _timeout(error: StudentFault, submission: Submission, lang: str) -> _Finding:
    """A call that ran out of time, or out of the submission's time budget, with the line
    the worker was running when it was stopped."""
    details = error.details
    place = submission.place(*(details.get("place") or ("", 0)))
    where = message("cause_stopped_at", lang, label=place.label, line=place.line) \
        if place.label else ""
    if error.key == "budget_exhausted":
        key, kind, text = ("budget",), "budget", message("budget_exhausted", lang, **details)
    elif details.get("loading"):
        key, kind = ("load_timeout",), "load_timeout"
        text = message("cause_load_timeout", lang, **details)
    else:
        key, kind = ("timeout", details.get("what")), "timeout"
        text = message("timeout", lang, **details)
    return _Finding(key, kind, f"{text} {where}".strip(), place=place)


def _crash(details: dict[str, Any], lang: str) -> _Finding:
    """A worker that died: killed for a limit, or ended by the student's code."""
    signal_name = next(iter(SIGNAL.findall(str(details.get("how", "")))), "")
    kind = SIGNAL_KIND.get(signal_name) or ("load_crashed" if details.get("loading")
                                           else "crashed")
    return _Finding(("crashed", kind, details.get("what")), kind,
                    message(CRASH_TEXT.get(kind, "crashed"), lang, **details))


def _exception(error: StudentFault, submission: Submission, lang: str) -> _Finding:
    """An exception in student code: a memory or disk limit, a definition that failed to load
    (its name is undefined now), or a bug, placed at the student's line that raised it."""
    details = error.details
    exception_type, text = details.get("type"), str(details.get("message", ""))
    if exception_type == "MemoryError":
        return _Finding(("memory", details.get("what")), "memory",
                        message("cause_memory", lang, **details))
    if exception_type in ("OSError", "IOError") and any(s in text for s in NO_SPACE):
        return _Finding(("scratch",), "scratch", message("cause_scratch", lang, **details))
    unbound = NAME_ERROR.search(text) if exception_type == "NameError" else None
    failure = submission.load_failure_binding(unbound.group(1)) if unbound else None
    if failure is not None:  # `import torch` failed at load; now `torch` is not defined
        return _load_error(failure, unbound.group(1), submission)
    frames = [(m["label"], int(m["line"])) for m in
              TRACE_FRAME.finditer(str(details.get("traceback", "")))
              if m["label"] in submission.labels]
    rendered = render_fault(error, "", lang, with_traceback=False)
    return _Finding(("exception", rendered), "exception", rendered,
                    place=submission.place(*frames[-1]) if frames else Place())

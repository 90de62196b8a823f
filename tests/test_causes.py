"""Root causes and statuses: one cause however many checks it fails, placed in the student's
code, never built from what a hidden check saw; and where a timed-out call was, read from a
stack dump that the worker writes and the grader distrusts."""

from __future__ import annotations

import pytest
from course_grading import grade_code

from grader.causes import Submission, find_causes
from grader.checks.proxy import StudentFault
from grader.load.program import Program, Statement, SyntaxProblem
from grader.results import FAILED, CheckResult, SubmissionResult
from grader.worker.worker import stopped_at, strip_stack_dumps

PROGRAM = Program(
    statements=[Statement("cell 1", 1, "import torch", ("torch",)),
                Statement("cell 2", 1, "def relu(x):\n    y = torch.relu(x)\n    return y",
                          ("relu",))],
    syntax_errors=[SyntaxProblem("cell 3", 4, "invalid syntax", 9, "    return x +* 2",
                                 ("sigmoid",))])
SUBMISSION = Submission(PROGRAM, [{"label": "cell 1", "line": 1, "type": "ModuleNotFoundError",
                                   "message": "No module named 'torch'"}])


def failed(check_id: str, visibility: str = "public") -> CheckResult:
    return CheckResult(check_id, check_id, visibility, 0, 1, FAILED)


def test_one_cause_however_many_checks_it_fails_hidden_ones_included():
    fault = StudentFault("missing_name_syntax", name="sigmoid", label="cell 3", line=4,
                         message="invalid syntax")
    causes = find_causes([(failed("a"), fault), (failed("b"), fault),
                          (failed("c", "hidden"), fault)], SUBMISSION, "en")
    assert len(causes) == 1 and causes[0].checks == ["a", "b", "c"]
    assert (causes[0].kind, causes[0].status) == ("syntax_error", "did_not_load")
    assert (causes[0].label, causes[0].line, causes[0].code, causes[0].column) == (
        "cell 3", 4, "    return x +* 2", 9)
    assert causes[0].message.endswith("so `sigmoid` is not defined.")


def test_a_name_lost_to_a_failed_import_is_that_import():
    error = StudentFault("student_exception", what="relu", type="NameError",
                         message="name 'torch' is not defined",
                         traceback='  File "cell 2", line 2, in relu\nNameError: ...')
    causes = find_causes([(failed("a"), error)], SUBMISSION, "en")
    assert causes[0].kind == "load_error" and causes[0].code == "import torch"
    assert "`ModuleNotFoundError: No module named 'torch'`" in causes[0].message


def test_an_exception_is_placed_at_the_students_line_and_hidden_ones_stay_apart():
    error = StudentFault("student_exception", what="relu", type="ValueError",
                         message="shapes (3,7) and (4,) not aligned",
                         traceback='  File "cell 2", line 2, in relu\nValueError: ...')
    causes = find_causes([(failed("hidden", "hidden"), error)], SUBMISSION, "en")
    assert causes == []  # its message may show the hidden inputs' shapes
    causes = find_causes([(failed("public"), error), (failed("hidden", "hidden"), error)],
                         SUBMISSION, "en")
    assert causes[0].checks == ["public", "hidden"]
    assert (causes[0].line, causes[0].code) == (2, "    y = torch.relu(x)")


@pytest.mark.parametrize(("fault", "kind", "status"), [
    (StudentFault("crashed", what="f", how="killed by signal SIGKILL"), "memory",
     "resource_limit"),
    (StudentFault("crashed", what="f", how="killed by signal SIGXFSZ"), "scratch",
     "resource_limit"),
    (StudentFault("crashed", what="import", how="exited with status 0", loading=True),
     "load_crashed", "did_not_load"),
    (StudentFault("crashed", what="f", how="exited with status 3"), "crashed", "graded"),
    (StudentFault("student_exception", what="f", type="MemoryError", message=""), "memory",
     "resource_limit"),
    (StudentFault("student_exception", what="f", type="OSError",
                  message="[Errno 28] No space left on device"), "scratch", "resource_limit"),
    (StudentFault("bad_reply", what="f", reason="message larger than the limit of 4 bytes"),
     "output", "resource_limit"),
    (StudentFault("timeout", what="import", seconds=20, loading=True), "load_timeout",
     "timed_out"),
    (StudentFault("budget_exhausted", seconds=40), "budget", "timed_out"),
    (StudentFault("mismatch", findings=[]), None, "graded"),
])
def test_what_each_failure_makes_of_a_submission(fault, kind, status):
    causes = find_causes([(failed("a"), fault)], SUBMISSION, "en")
    assert [c.kind for c in causes] == ([kind] if kind else [])
    result = SubmissionResult("ex", "s", "s.py", [failed("a")], causes=causes)
    assert result.status == status


def test_statuses_order_by_urgency_and_a_grader_error_comes_first():
    crash = find_causes([(failed("a"), StudentFault("timeout", what="f", seconds=1)),
                         (failed("b"), StudentFault("crashed", what="g",
                                                    how="killed by signal SIGKILL"))],
                        SUBMISSION, "en")
    assert [c.kind for c in crash] == ["memory", "timeout"]
    assert SubmissionResult("ex", "s", "s.py", causes=crash).status == "resource_limit"
    assert SubmissionResult("ex", "s", "s.py", causes=crash, error="x").status == "grader_error"


DUMP = ('Thread 0x00007f1 (most recent call first):\n  File "/usr/lib/python3/threading.py", '
        'line 331 in wait\n\nCurrent thread 0x00007f2 (most recent call first):\n'
        '  File "cell 2", line 2 in relu\n  File "/x/grader/worker/inside.py", line 95 in call\n'
        '  File "/x/grader/worker/inside.py", line 120 in serve\n')


def test_the_line_a_stopped_call_was_running_comes_from_its_stack_dump():
    labels = {"cell 1", "cell 2"}
    assert stopped_at("some output\n" + DUMP, labels) == ("cell 2", 2)
    assert stopped_at(DUMP.replace('"cell 2"', '"/etc/passwd"'), labels) is None
    forged = DUMP + DUMP.replace("line 2 in relu", "line 99 in relu")
    assert stopped_at(forged, labels) == ("cell 2", 99)  # the last dump: misleads only itself
    assert stopped_at("x" * 100_000, labels) is None
    no_inside = DUMP.replace("grader/worker/inside.py", "elsewhere.py")
    assert stopped_at(no_inside, labels) is None  # not the thread that serves the grader


def test_stack_dumps_never_reach_the_students_output():
    assert strip_stack_dumps(f"before\n{DUMP}after\n") == "before\nafter\n"
    assert strip_stack_dumps("plain output\n") == "plain output\n"


def test_a_timeout_in_real_grading_names_its_line(tmp_path):
    code = ("import numpy as np\n\ndef mean_squared_error(y, t):\n    while True:\n"
            "        pass\n")
    result = grade_code("ex03", code, tmp_path, hidden=False)
    timeout = next(c for c in result.causes if c.kind == "timeout")
    assert timeout.label == "student.py" and timeout.code.strip() in ("while True:", "pass")
    assert all("most recent call first" not in c.output for c in result.checks)
    assert result.status == "timed_out"

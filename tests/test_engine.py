"""Grading one submission end to end on a toy exercise: results, messages, robustness."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from conftest import TOY_SOLUTION

from grader.grading import grade
from grader.worker.limits import Limits

FAST = Limits(call_seconds=3, load_seconds=5)


def by_id(result):
    return {c.id: c for c in result.checks}


def test_reference_earns_full_marks(toy) -> None:
    exercise, _ = toy
    result = grade(exercise, exercise.reference, limits=FAST)
    assert [c.status for c in result.checks] == ["passed"] * 6
    assert result.score == result.max_score == 9
    checks = by_id(result)
    assert checks["test_softmax_large"].title == "softmax: large inputs"
    assert checks["test_softmax_vs_reference"].visibility == "hidden"
    assert checks["test_softmax_vs_reference"].data == {"largest": checks[
        "test_softmax_vs_reference"].data["largest"]}


def test_stub_fails_every_check_as_not_implemented(toy) -> None:
    exercise, _ = toy
    result = grade(exercise, exercise.stub, limits=FAST)
    assert result.score == 0
    checks = by_id(result)
    assert "not implemented yet" in checks["test_softmax_large"].message
    assert checks["test_softmax_large"].hint == ""
    assert "`Scale` is not defined" in checks["test_layer"].message


def test_overflowing_softmax_gets_the_hint_and_hidden_stays_quiet(toy) -> None:
    exercise, submission = toy
    path = submission("def softmax(a):\n    e = np.exp(a)\n"
                      "    return e / e.sum(axis=-1, keepdims=True)\n")
    checks = by_id(grade(exercise, path, limits=FAST))
    assert checks["test_softmax_large"].status == "failed"
    assert "nan" in checks["test_softmax_large"].message
    assert checks["test_softmax_large"].hint == "Subtract the max."
    hidden = checks["test_softmax_vs_reference"]
    assert hidden.status == "failed" and hidden.hint == "Subtract the max."
    assert hidden.message == "" and hidden.table is None and hidden.output == ""
    assert hidden.duration == 0.0
    assert checks["test_softmax_rows"].status == "passed"


def test_korean_feedback(toy) -> None:
    exercise, submission = toy
    path = submission("def softmax(a):\n    e = np.exp(a)\n    return e / e.sum()\n")
    checks = by_id(grade(exercise, path, limits=FAST, lang="ko"))
    assert checks["test_softmax_large"].hint == "최댓값을 빼세요."
    assert "nan" in checks["test_softmax_large"].message and "원소" in checks[
        "test_softmax_large"].message


def test_input_mutation_is_reported(toy) -> None:
    exercise, submission = toy
    path = submission("def softmax(a):\n    a -= a.max(axis=-1, keepdims=True)\n"
                      "    np.exp(a, out=a)\n    a /= a.sum(axis=-1, keepdims=True)\n"
                      "    return a\n")
    checks = by_id(grade(exercise, path, limits=FAST))
    assert checks["test_softmax_rows"].status == "failed"
    assert "changed its input" in checks["test_softmax_rows"].message


def test_misspelled_names_are_pointed_out(toy) -> None:
    exercise, submission = toy
    code = TOY_SOLUTION.replace("def softmax", "def soft_max").replace("def forward",
                                                                       "def foward")
    checks = by_id(grade(exercise, submission(code, base=False), limits=FAST))
    assert "but `soft_max` is" in checks["test_softmax_large"].message
    assert "there is no `forward`, but there is `foward`" in checks["test_layer"].message


def test_removed_numpy_alias_is_explained(toy) -> None:
    exercise, submission = toy
    path = submission("def total(x):\n    return x.astype(np.float).sum()\n")
    checks = by_id(grade(exercise, path, limits=FAST))
    assert "np.float" in checks["test_seeded_noise"].message
    assert "NumPy 1.24" in checks["test_seeded_noise"].message


def test_name_set_only_by_skipped_top_level_code(toy) -> None:
    exercise, submission = toy
    path = submission("scale = np.ones(3) * load_factor()\n"
                      "def total(x):\n    return x.sum() * scale.sum() / 3\n")
    checks = by_id(grade(exercise, path, limits=FAST))
    message = checks["test_seeded_noise"].message
    assert "`scale`" in message and "top-level code that grading does not run" in message


def test_crash_and_timeout_fail_only_their_checks(toy) -> None:
    exercise, submission = toy
    path = submission("import os, time\n"
                      "def apply(f, x):\n    while True:\n        pass\n"
                      "def noise(n):\n    os._exit(3)\n")
    result = grade(exercise, path, limits=Limits(call_seconds=1, load_seconds=5))
    checks = by_id(result)
    assert "did not finish within 2 s" in checks["test_apply"].message
    assert "stopped the Python process" in checks["test_seeded_noise"].message
    assert "exited with status 3" in checks["test_seeded_noise"].message
    passed = {c.id for c in result.checks if c.status == "passed"}
    assert passed == {"test_softmax_large", "test_softmax_rows", "test_layer",
                      "test_softmax_vs_reference"}


def test_module_timeout_marker_sets_the_deadline_of_its_checks(toy) -> None:
    from grader.checks.listing import list_checks

    exercise, submission = toy
    deadlines = {c.id: c.seconds_per_call for c in list_checks(exercise)}
    assert deadlines == {"test_softmax_large": None, "test_softmax_rows": None,
                         "test_layer": None, "test_apply": 2.0, "test_seeded_noise": None,
                         "test_softmax_vs_reference": 1.5}
    path = submission(TOY_SOLUTION.replace("def softmax(a):", "def softmax(a):\n"
                                           "    while a.shape == (5, 3):\n        pass"))
    result = grade(exercise, path, limits=Limits(call_seconds=60, load_seconds=5))
    assert by_id(result)["test_softmax_vs_reference"].fault == "timeout"  # only it has 5x3
    assert result.duration < 30  # stopped by its module's 1.5 s, not by the 60 s default


def test_output_is_captured_and_capped(toy) -> None:
    exercise, submission = toy
    path = submission("def apply(f, x):\n    print('x' * 200000)\n    return 0.0\n")
    check = by_id(grade(exercise, path, limits=FAST))["test_apply"]
    assert check.status == "failed"
    assert len(check.output) <= 4000 and "more bytes of output not kept" in check.output


def test_syntax_error_and_unreadable_file(toy, tmp_path: Path) -> None:
    exercise, submission = toy
    path = submission(TOY_SOLUTION.replace("def softmax(a):", "def softmax(a)"), base=False)
    result = grade(exercise, path, limits=FAST)
    assert result.causes[0].kind == "syntax_error" and result.status == "did_not_load"
    assert "Syntax error at student.py, line 6" in result.causes[0].message
    assert by_id(result)["test_layer"].status == "passed"
    assert "syntax error" in by_id(result)["test_softmax_large"].message
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{")
    result = grade(exercise, broken, limits=FAST)
    public = [c for c in result.checks if c.visibility == "public"]
    assert result.score == 0 and "could not be read" in public[0].message
    assert all(c.message == f"Same cause as “{public[0].title}” above." for c in public[1:])


def test_a_bug_in_a_check_is_an_error_not_a_failure(toy) -> None:
    exercise, _ = toy
    bad = exercise.public_checks / "test_broken.py"
    bad.write_text("import pytest\n\n@pytest.mark.points(1)\ndef test_oops(sub):\n"
                   "    return 1 / 0\n\n@pytest.mark.points(1)\ndef test_peeks(ref):\n    pass\n")
    checks = by_id(grade(exercise, exercise.reference, limits=FAST))
    assert checks["test_oops"].status == "error" and checks["test_oops"].points == 0
    assert "ZeroDivisionError" in checks["test_oops"].message
    assert checks["test_peeks"].status == "error"


def test_gradescope_form(toy) -> None:
    exercise, submission = toy
    result = grade(exercise, submission("def softmax(a):\n    return a\n"), limits=FAST)
    gs = result.to_gradescope()
    assert gs["score"] == result.score
    hidden = [t for t in gs["tests"] if t["visibility"] == "after_published"]
    assert hidden and all(t["output"] in ("", "Hint: Subtract the max.") for t in hidden)
    assert {t["status"] for t in gs["tests"]} <= {"passed", "failed"}


def test_a_check_file_that_does_not_load_is_a_grader_error(toy) -> None:
    exercise, _ = toy
    (exercise.public_checks / "test_typo.py").write_text("def test_x(sub)\n    pass\n")
    result = grade(exercise, exercise.reference, limits=FAST)
    assert result.errored and "test_typo.py" in result.error
    assert by_id(result)["test_softmax_large"].status == "passed"


def test_errors_in_methods_name_the_method(toy) -> None:
    exercise, submission = toy
    path = submission("class Scale:\n    def __init__(self, w):\n        self.params = {'w': w}\n"
                      "    def forward(self, x):\n        raise ValueError('boom')\n")
    message = by_id(grade(exercise, path, limits=FAST))["test_layer"].message
    assert message.startswith("`Scale.forward` raised `ValueError: boom`")


def test_worker_folders_of_killed_graders_are_swept() -> None:
    from grader.worker import launchers
    from grader.worker.worker import Worker

    finished = subprocess.Popen(["true"])
    finished.wait()
    dead_pid = finished.pid  # reaped: no process has it (Linux hands out pids in turn)
    orphan = Path(tempfile.gettempdir()) / f"{launchers.WORKDIR_PREFIX}{dead_pid}-left"
    ours = Path(tempfile.gettempdir()) / f"{launchers.WORKDIR_PREFIX}{os.getpid()}-in-use"
    orphan.mkdir()
    ours.mkdir()
    try:
        launchers._sweep_orphan_workdirs.cache_clear()
        with Worker([], FAST) as worker:
            worker.start()
        assert not orphan.exists() and ours.exists()
    finally:
        shutil.rmtree(orphan, ignore_errors=True)
        ours.rmdir()


def test_output_tap_settles_before_a_check_reads_it() -> None:
    """Output written before an answer belongs to the check that asked, every time."""
    from grader.worker.worker import OutputTap

    read_end, write_end = os.pipe()
    tap = OutputTap(os.fdopen(read_end, "rb", buffering=0), cap=1 << 20)
    try:
        for round_ in range(300):
            start = len(tap.kept)
            os.write(write_end, f"line {round_}\n".encode() * 50)
            tap.settle()
            assert tap.text(start) == f"line {round_}\n" * 50
    finally:
        os.close(write_end)
        tap.join(1.0)
    assert tap.total == sum(len(f"line {r}\n") * 50 for r in range(300))

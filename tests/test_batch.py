"""Batch grading: a mixed class, in parallel, killed halfway and resumed, same gradebook."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course, write_notebook

from grader.batch import entries
from grader.course import Course

BUGGY = TOY_SOLUTION.replace("a - a.max(axis=-1, keepdims=True)", "a")
HOSTILE = {
    "loops": TOY_SOLUTION + "\ndef apply(f, x):\n    while True:\n        pass\n",
    "exits": TOY_SOLUTION + "\nimport os\ndef noise(n):\n    os._exit(0)\n",
    "fakes": TOY_SOLUTION + "\nimport sys\nprint('{\"score\": 100}')\nsys.exit(0)\n"
             "def softmax(a):\n    print('PASSED'); raise SystemExit(0)\n",
}


def make_class(folder: Path, size: int) -> None:
    folder.mkdir()
    for i in range(size):
        kind = i % 6
        name = f"s{i:03d}"
        if kind == 0:
            (folder / f"{name}.py").write_text(TOY_SOLUTION)
        elif kind == 1:
            (folder / f"{name}.py").write_text(BUGGY)
        elif kind == 2:
            write_notebook(folder / f"{name}.ipynb", [("markdown", "# work"), ("code", BUGGY),
                                                      ("code", "print(softmax(np.ones(2)))")])
        elif kind == 3:
            with zipfile.ZipFile(folder / f"{name}.zip", "w") as zf:
                zf.writestr(f"{name}/exT.py", TOY_SOLUTION)
        elif kind == 4:
            (folder / f"{name}.ipynb").write_text("{ broken")
        else:
            (folder / f"{name}.py").write_text(list(HOSTILE.values())[i % 3])


def run_grade(course: Path, subs: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader", "grade", "exT", str(subs), "--out",
                             str(out), "--workers", "2"], cwd=course, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_killed_and_resumed_run_gives_the_same_gradebook(tmp_path: Path) -> None:
    course = make_toy_course(tmp_path / "course")
    subs = tmp_path / "subs"
    make_class(subs, 100)
    whole = tmp_path / "whole"
    assert run_grade(course, subs, whole).wait(timeout=900) == 0

    resumed = tmp_path / "resumed"
    first = run_grade(course, subs, resumed)
    deadline = time.monotonic() + 300
    while len(list(resumed.glob("*/results.json"))) < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    halfway = len(list(resumed.glob("*/results.json")))
    assert 30 <= halfway < 100
    for path in resumed.glob("*/*.json"):
        json.loads(path.read_text())  # nothing half-written
    second = run_grade(course, subs, resumed)
    out, err = second.communicate(timeout=900)
    assert second.returncode == 0, err
    assert f"({halfway} already graded)" in out or f"({halfway + 1} already graded)" in out
    assert (resumed / "gradebook.csv").read_text() == (whole / "gradebook.csv").read_text()
    assert not list(resumed.rglob(".*.tmp"))

    rows = (whole / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 101
    scores = {r.split(",")[0]: float(r.split(",")[1]) for r in rows[1:]}
    assert scores["s000"] == 9 and scores["s001"] == 4 and scores["s003"] == 9
    assert scores["s004"] == 0


def test_entries_and_student_ids(tmp_path: Path) -> None:
    exercise = Course(make_toy_course(tmp_path / "course")).exercise("exT")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "KIMMINJI_12345_67890_exT.ipynb").write_text("{}")
    (subs / "LEEJOON_22222_11111_exT.py").write_text("")
    (subs / ".DS_Store").write_text("")
    (subs / "notes.txt").write_text("")
    jobs = entries(exercise, subs, r"^[A-Z]+_(?P<id>\d+)_")
    assert [j.student for j in jobs] == ["12345", "22222"]
    assert [j.student for j in entries(exercise, subs)] == [
        "KIMMINJI_12345_67890_exT", "LEEJOON_22222_11111_exT"]
    one = tmp_path / "alice"
    one.mkdir()
    (one / "exT.py").write_text("")
    assert [j.student for j in entries(exercise, one)] == ["alice"]
    assert [j.student for j in entries(exercise, subs, one=True, name="x y")] == ["x_y"]


@pytest.mark.parametrize("member", ["../evil.py", "/abs.py", "a/../../b.py"])
def test_zip_paths_cannot_escape(tmp_path: Path, member: str) -> None:
    from grader.load.locate import extract_zip
    from grader.load.program import UnreadableSubmission

    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(member, "x = 1")
    with pytest.raises(UnreadableSubmission, match="unsafe path"):
        extract_zip(archive, tmp_path / "target")
    assert not (tmp_path / "evil.py").exists()


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    from grader.load.locate import extract_zip
    from grader.load.program import UnreadableSubmission

    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.py", b"0" * (60 * 1024**2))
    with pytest.raises(UnreadableSubmission, match="50 MB"):
        extract_zip(archive, tmp_path / "target")

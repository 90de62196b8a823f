"""Batch grading: a mixed class, in parallel, killed halfway and resumed, same gradebook."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course, write_notebook

from grader.batch import EntryError, entries, gradebook_csv
from grader.course import Course
from grader.output import RUN_FILES, OutputFolder, reserved
from grader.results import CheckResult, SubmissionResult

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
    while len(list(resumed.glob("*/grading.json"))) < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    halfway = len(list(resumed.glob("*/grading.json")))  # graded: written last
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


# -- student ids: one per entry, never a file of the run (issue 11 items 11-13) -----------------

def toy_exercise(tmp_path: Path):
    return Course(make_toy_course(tmp_path / "course")).exercise("exT")


def test_two_entries_mapping_to_one_id_are_an_error_naming_both(tmp_path: Path) -> None:
    """Each pair below became one student before: the second result overwrote the first."""
    exercise = toy_exercise(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a-a.py.py", "a.py", "a.ipynb", "lee.ipynb", "kim min.py", "kim_min.zip"):
        (subs / name).write_text("")
    (subs / "a-a.py").mkdir()
    with pytest.raises(EntryError) as raised:
        entries(exercise, subs)
    assert str(raised.value).splitlines() == [
        "entries 'a-a.py' and 'a-a.py.py' map to one student id ('a-a.py')",
        "entries 'a.ipynb' and 'a.py' map to one student id ('a')",
        "entries 'kim min.py' and 'kim_min.zip' map to one student id ('kim_min')"]


def test_student_id_pattern_giving_one_id_twice_is_an_error(tmp_path: Path) -> None:
    """A resubmission downloaded beside the first: both are student 20231205."""
    exercise = toy_exercise(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("KIMMINJI_20231205_assignsubmission_file_ex03.ipynb",
                 "KIMMINJI_20231205_assignsubmission_file_ex03 (1).ipynb",
                 "kimminji_20231206_assignsubmission_file_ex03.ipynb",
                 "Kimminji.py", "KIMMINJI.py"):
        (subs / name).write_text("{}")
    with pytest.raises(EntryError) as raised:
        entries(exercise, subs, r"^[A-Za-z]+_(?P<id>\d+)_")
    assert str(raised.value).splitlines() == [
        "entries 'KIMMINJI.py' and 'Kimminji.py' map to one student id ('KIMMINJI' / 'Kimminji')",
        "entries 'KIMMINJI_20231205_assignsubmission_file_ex03 (1).ipynb' and "
        "'KIMMINJI_20231205_assignsubmission_file_ex03.ipynb' map to one student id "
        "('20231205')"]


@pytest.mark.parametrize("name", ["gradebook.csv.py", "summary.html.ipynb", "Gradebook.CSV/",
                                  "SUMMARY.HTML.zip"])
def test_student_id_can_never_be_a_file_of_the_run(tmp_path: Path, name: str) -> None:
    exercise = toy_exercise(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text("")
    if name.endswith("/"):
        name = name[:-1]
        (subs / name).mkdir()
    else:
        (subs / name).write_text("")
    with pytest.raises(EntryError, match=f"entry '{re.escape(name)}' maps to student id"):
        entries(exercise, subs)
    with pytest.raises(EntryError, match=r"the name of the run's own summary\.html"):
        entries(exercise, subs / "alice.py", one=True, name="summary.html")


def test_every_top_level_name_the_run_writes_is_reserved(tmp_path: Path) -> None:
    """The contract's two files and `_`/`.` names are the run's; no student folder can take
    them, and the run can write no other name at the top level."""
    folder = OutputFolder(tmp_path)
    for name in (*RUN_FILES, "GRADEBOOK.csv", "_similarity", ".gradebook.csv.x1.tmp"):
        assert reserved(name)
        with pytest.raises(ValueError, match="cannot be a student folder"):
            folder.student_folder(name)
    assert folder.run_file("_similarity") == tmp_path / "_similarity"
    for name in ("class.json", "kim", "../gradebook.csv"):
        with pytest.raises(ValueError, match="not a name of the run's own"):
            folder.run_file(name)
    exercise = toy_exercise(tmp_path)
    entry = tmp_path / "x.py"
    entry.write_text("")
    assert [j.student for j in entries(exercise, entry, one=True, name="_similarity")] == [
        "similarity"]  # ids never start with `_` or `.`


def test_graded_means_all_of_a_students_files_were_written(tmp_path: Path) -> None:
    """A run killed between results.json and grading.json grades that student again."""
    folder = OutputFolder(tmp_path)
    result = SubmissionResult("exT", "kim", "kim.py")
    (tmp_path / "kim").mkdir()
    (tmp_path / "kim" / "results.json").write_text("{}")
    assert not folder.is_graded("kim")
    folder.save(result, "<!DOCTYPE html>")
    assert folder.is_graded("kim") and (tmp_path / "kim" / "report.html").is_file()
    assert [r.student for r in folder.results()] == ["kim"]


def test_gradebook_cells_cannot_be_formulas(tmp_path: Path) -> None:
    def graded(student: str, points: float) -> SubmissionResult:
        check = CheckResult("test_softmax", "softmax", "public", points, 2.0, "passed")
        return SubmissionResult("exT", student, f"{student}.py", checks=[check])

    students = ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1)", "-2+3", "+1", "\tcmd",
                "kim-minji", "2023@uni.ac.kr"]
    text = gradebook_csv([graded(s, 1.5) for s in students])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["student", "score", "max_score", "test_softmax", "status"]
    cells = {row[0]: row[1:] for row in rows[1:]}
    assert set(cells) == {"'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)", "'-2+3", "'+1",
                          "'\tcmd", "kim-minji", "2023@uni.ac.kr"}
    assert all(values == ["1.5", "2", "1.5", "graded"] for values in cells.values())
    assert "\n'\rx,1.5," in gradebook_csv([graded("\rx", 1.5)])

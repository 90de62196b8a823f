"""The commands, run as a user would, on the toy exercise."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course, write_notebook


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_toy_course(tmp_path / "course")


def test_list_shows_checks_and_points(course: Path) -> None:
    run = grader("list", cwd=course)
    assert run.returncode == 0, run.stderr
    assert "exT" in run.stdout and "softmax: large inputs" in run.stdout
    assert "(9 points)" in run.stdout and "hidden" in run.stdout


def test_check_exit_codes(course: Path, tmp_path: Path) -> None:
    stub = grader("check", "exT", cwd=course)
    assert stub.returncode == 1, stub.stderr
    assert "not implemented yet" in stub.stdout
    (tmp_path / "mine.py").write_text(TOY_SOLUTION)
    html = tmp_path / "report.html"
    good = grader("check", "exT", str(tmp_path / "mine.py"), "--html", str(html), cwd=course)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "6 of 6 points" in good.stdout and "hidden" not in good.stdout.lower().split("public")[0]
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert grader("check", "exNOPE", cwd=course).returncode == 2
    assert grader("check", "exT", str(tmp_path / "missing.py"), cwd=course).returncode == 2
    (tmp_path / "broken.ipynb").write_text("{")
    broken = grader("check", "exT", str(tmp_path / "broken.ipynb"), cwd=course)
    assert broken.returncode == 2 and "not a readable notebook" in broken.stderr


def test_check_runs_public_checks_only(course: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(TOY_SOLUTION)
    run = grader("check", "exT", str(tmp_path / "mine.py"), cwd=course)
    assert "of 9 points" not in run.stdout and "6 of 6 points" in run.stdout
    korean = grader("check", "exT", str(tmp_path / "mine.py"), "--lang", "ko", cwd=course)
    assert "6점 만점에 6점 · 검사 5개 중 5개 통과" in korean.stdout, korean.stdout


def test_grade_a_class_writes_every_output(course: Path, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(TOY_SOLUTION)
    (subs / "bob.py").write_text(TOY_SOLUTION.replace("a - a.max(axis=-1, keepdims=True)", "a"))
    (subs / "carol").mkdir()
    write_notebook(subs / "carol" / "exT.ipynb", [("markdown", "# hi"), ("code", TOY_SOLUTION),
                                                  ("code", "print(softmax(np.ones(3)))")])
    (subs / "dave.ipynb").write_text("not a notebook")
    with zipfile.ZipFile(subs / "erin.zip", "w") as zf:
        zf.writestr("work/exT.py", TOY_SOLUTION)
    out = tmp_path / "graded"
    run = grader("grade", "exT", str(subs), "--out", str(out), "--workers", "2", cwd=course)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert list(next(csv.reader((out / "gradebook.csv").open())))[:3] == [
        "student", "score", "max_score"]
    assert {k: float(v["score"]) for k, v in rows.items()} == {
        "alice": 9, "bob": 4, "carol": 9, "dave": 0, "erin": 9}
    results = json.loads((out / "bob" / "results.json").read_text())
    assert results["score"] == 4 and len(results["tests"]) == 6
    for student in rows:
        assert (out / student / "report.html").is_file()
    assert (out / "summary.html").is_file()
    again = grader("grade", "exT", str(subs), "--out", str(out), cwd=course)
    assert "(5 already graded)" in again.stdout


def test_grade_one_submission(course: Path, tmp_path: Path) -> None:
    (tmp_path / "solo.py").write_text(TOY_SOLUTION)
    out = tmp_path / "out"
    run = grader("grade", "exT", str(tmp_path / "solo.py"), "--out", str(out), cwd=course)
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "solo" / "results.json").read_text())["score"] == 9


def test_release_has_no_solutions(course: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    assert grader("release", "--out", str(bundle), cwd=course).returncode == 0
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert (bundle / "assignments/exT/checks/test_public.py").is_file()
    assert not any("solutions" in p.parts for p in files)
    secret = "test_softmax_vs_reference"
    assert not any(secret in p.read_text(errors="ignore") for p in files)
    run = grader("check", "exT", cwd=bundle)
    assert run.returncode == 1 and "not implemented yet" in run.stdout


def test_gradescope_export_runs_like_gradescope(course: Path, tmp_path: Path) -> None:
    archive = tmp_path / "autograder.zip"
    assert grader("export", "gradescope", "exT", "--out", str(archive), cwd=course).returncode == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        zf.extractall(root / "source")
    (root / "venv/bin").mkdir(parents=True)
    shim = root / "venv/bin/grader"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m grader \"$@\"\n")
    shim.chmod(0o755)
    (root / "venv/bin/python").symlink_to(sys.executable)
    (root / "submission").mkdir()
    (root / "submission" / "my_notebook.py").write_text(TOY_SOLUTION)
    run = subprocess.run(["bash", str(root / "source/run_autograder")], capture_output=True,
                         text=True, env={"AUTOGRADER_ROOT": str(root), "PATH": "/usr/bin:/bin"},
                         timeout=300)
    results = json.loads((root / "results/results.json").read_text())
    assert results["score"] == 9, run.stdout + run.stderr
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}

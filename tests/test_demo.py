"""The demo class (demo-class/): what benchmarks/demo_class.py writes, what each file defines, and
the README's main job grading it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.course import Course
from grader.validate import variant_source, variants
from grader.worker import bubblewrap

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "demo-class"
sys.path.insert(0, str(REPO / "benchmarks"))

import demo_class  # noqa: E402

COURSE = Course(REPO)
CLASSES = demo_class.demo_classes(COURSE)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def top_level(path: Path) -> list[ast.stmt]:
    """The file's top-level statements in order; a notebook's code cells without their magic
    and shell lines."""
    if path.suffix == ".ipynb":
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        sources = ["\n".join(line for line in cell.source.splitlines()
                             if not line.lstrip().startswith(("%", "!"))) for cell in cells]
    else:
        sources = [path.read_text(encoding="utf-8")]
    return [node for source in sources for node in ast.parse(source).body]


def definitions(path: Path) -> dict[str, str]:
    """Top-level function or class name -> its AST (the last one of that name)."""
    return {node.name: ast.dump(node) for node in top_level(path)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def bases_defined_later(path: Path) -> list[str]:
    """Classes whose base class is one of the file's own, not yet defined where they are."""
    nodes = top_level(path)
    own = {n.name for n in nodes if isinstance(n, ast.ClassDef)}
    seen: set[str] = set()
    late = []
    for node in nodes:
        if isinstance(node, ast.ClassDef):
            late += [node.name for b in node.bases
                     if isinstance(b, ast.Name) and b.id in own and b.id not in seen]
            seen.add(node.name)
    return late


def demo_helpers(name: str) -> set[str]:
    """Definitions a student file may add: the stub's own demo helpers, the demo code's."""
    ex = COURSE.exercise(name)
    return (set(definitions(ex.stub)) | set(definitions_of(demo_class.DEMO_CODE[name]))) \
        - set(definitions(ex.reference))


def definitions_of(source: str) -> dict[str, str]:
    return {node.name: ast.dump(node) for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_committed_demo_class_is_what_the_script_writes(tmp_path: Path) -> None:
    demo_class.write_demo_class(REPO, tmp_path / "demo")
    written, committed = files_under(tmp_path / "demo"), files_under(DEMO)
    assert sorted(written) == sorted(committed)
    stale = [name for name in written if written[name] != committed[name]]
    assert not stale, f"run `python benchmarks/demo_class.py`: {stale} differ"


def test_every_exercise_has_each_kind_of_submission() -> None:
    for name, entries in CLASSES.items():
        kinds = [e.kind for e in entries]
        assert {"reference", "variant", "stub", "syntax error", "cut short",
                "endless loop"} == set(kinds), name
        assert 12 <= len(entries) <= len(demo_class.ROSTER), name
        assert len({e.student for e in entries}) == len(entries), name
        suffixes = {e.suffix for e in entries if e.kind in ("reference", "variant")}
        assert suffixes == {".py", ".ipynb"}, name
        correct = [e for e in entries if e.kind == "variant" and "correct" in e.what]
        buggy = [e for e in entries if e.kind == "variant" and "correct" not in e.what]
        assert len(correct) >= 2 and len(buggy) >= 6, name


def test_variant_files_define_what_validate_grades() -> None:
    """Each variant's file has the definitions of the variant as `grader validate` builds it
    (appended to its base), plus demo helpers at most; the reference's files the reference's."""
    for name, entries in CLASSES.items():
        ex = COURSE.exercise(name)
        known = {v.name: v for v in variants(ex)}
        allowed = demo_helpers(name)
        for entry in entries:
            if entry.kind == "variant":
                with variant_source(ex, known[entry.variant]) as path:
                    expected = definitions(path)
            elif entry.kind == "reference":
                expected = definitions(ex.reference)
            elif entry.kind == "endless loop":
                expected = {**definitions(ex.reference),
                            **definitions_of(demo_class.ENDLESS[name][1])}
            else:
                continue
            got = definitions(DEMO / name / entry.name)
            assert {n: got.get(n) for n in expected} == expected, (name, entry.name)
            assert set(got) - set(expected) <= allowed, (name, entry.name)
            assert bases_defined_later(DEMO / name / entry.name) == [], (name, entry.name)


def test_notebooks_are_valid_except_the_one_cut_short() -> None:
    for entries in CLASSES.values():
        for entry in entries:
            if entry.suffix != ".ipynb":
                continue
            if entry.kind == "cut short":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(entry.data)
                continue
            nbformat.validate(nbformat.reads(entry.data.decode("utf-8"), as_version=4))


def test_readme_main_job_grades_a_demo_folder() -> None:
    """The main job's folder, and every demo file the README names, exist."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    job = re.search(r"# Main job.*\n(grader grade (\S+) (\S+) --out \S+)\n", readme)
    assert job, "the README's main job is a `grader grade` command"
    exercise, folder = job.group(2), job.group(3)
    assert exercise in COURSE.names()
    assert (REPO / folder).is_dir() and Path(folder).parts[0] == DEMO.name
    named = re.findall(r"demo-class/[\w./-]*\w", readme)
    assert [path for path in named if not (REPO / path).exists()] == []


@pytest.mark.slow
def test_main_job_grades_the_demo_class_in_the_sandbox(tmp_path: Path) -> None:
    """The README's main job, as written, on ex03: every student graded in the sandbox, each
    losing exactly what their file deserves, the endless loop only its deadlines."""
    problem = bubblewrap.problem()
    if problem:
        pytest.skip(problem)
    out = tmp_path / "graded"
    run = subprocess.run([sys.executable, "-m", "grader", "grade", "ex03", "demo-class/ex03",
                          "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "summary.html").is_file() and (out / "gradebook.csv").is_file()
    known = {v.name: v for v in variants(COURSE.exercise("ex03"))}
    for entry in CLASSES["ex03"]:
        result = json.loads((out / entry.student / "grading.json").read_text())
        failed = {c["id"]: c for c in result["checks"] if c["status"] != "passed"}
        assert result["sandbox"] == "bubblewrap", entry.name
        if entry.kind == "reference":
            assert not failed, (entry.name, failed)
        elif entry.kind == "variant":
            assert set(failed) == set(known[entry.variant].fails), entry.name
        elif entry.kind == "stub":
            assert result["score"] == 0 and len(failed) == len(result["checks"])
        elif entry.kind == "cut short":
            assert {c["fault"] for c in failed.values()} == {"unreadable"}
            assert len(failed) == len(result["checks"])
        elif entry.kind == "syntax error":  # the other function still earns its points
            assert {c["fault"] for c in failed.values()} == {"missing_name_syntax"}
            assert 0 < result["score"] < result["max_score"]
        elif entry.kind == "endless loop":
            assert failed and {c["fault"] for c in failed.values()} == {"timeout"}
            assert 0 < result["score"] < result["max_score"]

"""Package the course for others: the student bundle (with the solutions published after a
deadline) and a Gradescope autograder zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import grader
from grader.authoring.source import SourceError, has_cells, solution_view
from grader.authoring.stub import drift
from grader.course import Course, CourseError, Exercise

ENGINE_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
TEMPLATES = Path(__file__).with_name("release_templates")


def _engine_root() -> Path:
    return Path(grader.__file__).resolve().parent


class ReleaseError(Exception):
    """The bundle would not be what the course says: nothing was written."""


def write_release(course: Course, out: Path, solutions: tuple[str, ...] = ()) -> int:
    """Copy assignments/ and the engine to ``out``; nothing from solutions/ but the published
    solutions of the exercises named in ``solutions`` (their deadline passed), as students read
    them: ``assignments/EX/solution.py``, without annotations. Returns the file count.

    A stub that is not what its annotated reference makes is refused (:class:`ReleaseError`).
    """
    published = {name: _published_solution(course, name) for name in solutions}
    stale = [problem for exercise in course.exercises() for problem in _stub_problems(exercise)]
    if stale:
        raise ReleaseError("\n".join(stale))
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(course.root / "assignments", out / "assignments", ignore=ENGINE_IGNORE)
    shutil.copytree(_engine_root(), out / "grader", ignore=ENGINE_IGNORE)
    shutil.copy(TEMPLATES / "pyproject.toml", out / "pyproject.toml")
    shutil.copy(TEMPLATES / "STUDENT_README.md", out / "README.md")
    for name, text in published.items():
        (out / "assignments" / name / "solution.py").write_text(text, encoding="utf-8")
    return sum(1 for p in out.rglob("*") if p.is_file())


def _stub_problems(exercise: Exercise) -> list[str]:
    """Why the exercise's stub is not what its annotated reference makes (none without one)."""
    if exercise.reference is None or not has_cells(exercise.reference.read_text("utf-8")):
        return []
    try:
        problems = drift(exercise)
    except SourceError as exc:
        return [f"{exercise.name}: solution.py {exc}"]
    return [f"{problem}\n(run `grader stub {exercise.name}`)" for problem in problems]


def _published_solution(course: Course, name: str) -> str:
    """The reference of exercise ``name`` as students may read it: no annotations."""
    try:
        reference = course.exercise(name).reference
    except CourseError as exc:
        raise ReleaseError(str(exc)) from None
    if reference is None:
        raise ReleaseError(f"{name} has no reference solution to publish")
    text = reference.read_text(encoding="utf-8")
    try:
        return solution_view(text) if has_cells(text) else text
    except SourceError as exc:
        raise ReleaseError(f"{name}: solution.py {exc}") from None


def write_gradescope_zip(course: Course, exercise: Exercise, out: Path) -> None:
    """The zip Gradescope's autograder expects: setup.sh, run_autograder and the checks.

    Gradescope keeps this zip from students, so the hidden checks and reference go in too;
    run_autograder closes them to the user student code runs as (setup.sh creates it: see
    grader.worker.unprivileged), since Gradescope's containers cannot run bubblewrap.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("setup.sh", "run_autograder"):
            text = (TEMPLATES / name).read_text(encoding="utf-8").replace(
                "{{EXERCISE}}", exercise.name)
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            zf.writestr(info, text)
        zf.write(TEMPLATES / "pyproject.toml", "pyproject.toml")
        zf.write(TEMPLATES / "STUDENT_README.md", "README.md")
        folders = [(_engine_root(), Path("grader")),
                   (exercise.assignment_dir, Path("course/assignments") / exercise.name)]
        if exercise.solution_dir is not None:
            folders.append((exercise.solution_dir,
                            Path("course/solutions") / exercise.name))
        for folder, prefix in folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    zf.write(path, str(prefix / path.relative_to(folder)))

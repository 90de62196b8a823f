"""Package the course for others: the student bundle and a Gradescope autograder zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import grader
from grader.course import Course, Exercise

ENGINE_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
TEMPLATES = Path(__file__).with_name("release_templates")


def _engine_root() -> Path:
    return Path(grader.__file__).resolve().parent


def write_release(course: Course, out: Path) -> int:
    """Copy assignments/ and the engine to ``out``; nothing from solutions/. Returns file count."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(course.root / "assignments", out / "assignments", ignore=ENGINE_IGNORE)
    shutil.copytree(_engine_root(), out / "grader", ignore=ENGINE_IGNORE)
    shutil.copy(TEMPLATES / "pyproject.toml", out / "pyproject.toml")
    shutil.copy(TEMPLATES / "STUDENT_README.md", out / "README.md")
    return sum(1 for p in out.rglob("*") if p.is_file())


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

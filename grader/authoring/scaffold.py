"""``grader new``: a new exercise's two folders, from templates, valid out of the box.

The templates (grader/authoring/templates) hold a small, complete example exercise: an
annotated reference, a public and a hidden check, texts in every language, a mutant, a correct
variant and the do-nothing variants, so that ``grader validate`` passes before the author
changes anything, and each file shows by example what goes in it.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.authoring.stub import write_stubs
from grader.course import Course

TEMPLATES = Path(__file__).with_name("templates")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
PLACEHOLDER = "{{EXERCISE}}"


class ScaffoldError(Exception):
    """The exercise cannot be created (a bad name, or folders already there)."""


def new_exercise(root: Path, name: str) -> list[Path]:
    """Create ``assignments/<name>/`` and ``solutions/<name>/`` under ``root``, the stub
    notebook included; returns the files written."""
    if not NAME.fullmatch(name):
        raise ScaffoldError(f"{name!r} is not an exercise name: letters, digits, _ and -, "
                            f"starting with a letter (e.g. ex07)")
    targets = {"assignment": root / "assignments" / name, "solution": root / "solutions" / name}
    present = [str(folder) for folder in targets.values() if folder.exists()]
    if present:
        raise ScaffoldError(f"already there: {', '.join(present)}")
    written = []
    for kind, folder in targets.items():
        for template in sorted((TEMPLATES / kind).rglob("*")):
            if template.is_file() and "__pycache__" not in template.parts:
                path = folder / template.relative_to(TEMPLATES / kind)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(template.read_text(encoding="utf-8").replace(PLACEHOLDER, name),
                                encoding="utf-8")
                written.append(path)
    return written + write_stubs(Course(root).exercise(name))

"""Find the course's exercises on disk: the engine's only view of course content.

A course folder holds ``assignments/exNN/`` (stub, public checks, exercise.toml) and, for
instructors, ``solutions/exNN/`` (reference, hidden checks, variants). Adding an exercise
means adding those two folders; nothing here names a particular exercise.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.text import pick, read_toml

STUB_SUFFIXES = (".ipynb", ".py")  # a notebook and/or a script, in the order check prefers


class CourseError(Exception):
    """The course or exercise asked for is not there."""


@dataclass
class Exercise:
    name: str
    assignment_dir: Path
    solution_dir: Path | None
    texts: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str, assignment_dir: Path, solution_dir: Path | None) -> Exercise:
        texts: dict = {"checks": {}, "hints": {}, "records": {}}
        for folder in (assignment_dir, solution_dir):
            if folder is not None and (folder / "exercise.toml").is_file():
                data = read_toml(folder / "exercise.toml")
                texts.setdefault("title", data.get("title"))
                texts["checks"].update(data.get("checks", {}))
                texts["hints"].update(data.get("hints", {}))
                texts["records"].update(data.get("records", {}))
        return cls(name, assignment_dir, solution_dir, texts)

    @property
    def public_checks(self) -> Path:
        return self.assignment_dir / "checks"

    @property
    def hidden_checks(self) -> Path | None:
        path = self.solution_dir / "checks" if self.solution_dir else None
        return path if path is not None and path.is_dir() else None

    @property
    def stub(self) -> Path | None:
        """The stub ``grader check`` reads by default: the notebook, else the script."""
        return next(iter(self.stubs), None)

    @property
    def stubs(self) -> list[Path]:
        """The stub files students get, the notebook first."""
        return [path for suffix in STUB_SUFFIXES if (path := self.stub_file(suffix)).is_file()]

    def stub_file(self, suffix: str) -> Path:
        """Where the stub in the format of ``suffix`` (.ipynb or .py) goes."""
        return self.assignment_dir / f"{self.name}{suffix}"

    @property
    def reference(self) -> Path | None:
        path = self.solution_dir / "solution.py" if self.solution_dir else None
        return path if path is not None and path.is_file() else None

    def title(self, lang: str) -> str:
        return pick(self.texts.get("title"), lang) or self.name

    def check_title(self, check_id: str, lang: str) -> str:
        return pick(self.texts["checks"].get(check_id, {}).get("title"), lang)

    def hint(self, key: str, lang: str) -> str:
        return pick(self.texts["hints"].get(key), lang)

    def checks_digest(self) -> str:
        """A short hash of the check files, their texts and the reference the hidden checks
        compare with: results graded by other checks (or another reference) differ."""
        digest = hashlib.sha256()
        for folder in (self.public_checks, self.hidden_checks):
            for path in sorted(folder.rglob("*.py")) if folder else []:
                digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes())
        if self.reference is not None:
            digest.update(b"reference\0" + self.reference.read_bytes())
        for folder in (self.assignment_dir, self.solution_dir):
            if folder is not None and (folder / "exercise.toml").is_file():
                digest.update((folder / "exercise.toml").read_bytes())
        return digest.hexdigest()[:12]


@dataclass
class Course:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Course:
        """The course given by $GRADER_COURSE, else the nearest folder up with assignments/."""
        if os.environ.get("GRADER_COURSE"):
            return cls(Path(os.environ["GRADER_COURSE"]).resolve())
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "assignments").is_dir():
                return cls(folder)
        raise CourseError(f"no course found: no assignments/ folder in {here} or above "
                          "(run grader inside the course folder or set GRADER_COURSE)")

    def names(self) -> list[str]:
        folder = self.root / "assignments"
        return sorted(p.name for p in folder.iterdir()
                      if p.is_dir() and (p / "checks").is_dir()) if folder.is_dir() else []

    def exercise(self, name: str) -> Exercise:
        assignment = self.root / "assignments" / name
        if not (assignment / "checks").is_dir():
            known = ", ".join(self.names()) or "none"
            raise CourseError(f"no exercise {name!r} in {self.root} (exercises: {known})")
        solution = self.root / "solutions" / name
        return Exercise.load(name, assignment, solution if solution.is_dir() else None)

    def exercises(self) -> list[Exercise]:
        return [self.exercise(n) for n in self.names()]

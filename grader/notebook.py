"""``grader check`` inside Jupyter: the HTML report shown inline, under the cell.

In a notebook cell::

    import grader.notebook
    grader.notebook.check("ex03")          # the report of the public checks, inline

It runs ``grader check`` (in a process of its own, as in a terminal: the notebook's kernel
never imports the checks or runs student code) on the notebook as last saved, and shows the
report in a frame, so that its styles cannot change the notebook's. ``!grader check ex03`` works
too; without a terminal it prints a table without vertical rules, which reads well in a cell.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FRAME_HEIGHT = "80vh"  # before the frame has measured its page; it then fits it
SECONDS = 900.0


@dataclass
class Report:
    """The outcome of one check: the exit status, the report page and the terminal output."""

    exercise: str
    status: int  # 0 all passed, 1 some failed, 2 not found or unreadable
    page: str  # the HTML report ("" when there is none: see ``output``)
    output: str  # what the command printed
    checked: str  # which file, as saved when

    @property
    def passed(self) -> bool:
        return self.status == 0

    def _repr_html_(self) -> str:
        if not self.page:
            return f"<pre>{html.escape(self.output)}</pre>"
        # the page in a frame of its own: its styles and ids cannot touch the notebook's
        fit = ("this.style.height = (this.contentDocument.documentElement.scrollHeight + 24)"
               " + 'px'")
        return (f'<p style="margin: 0 0 .25rem; color: #59636e">{html.escape(self.checked)}</p>'
                f'<iframe srcdoc="{html.escape(self.page, quote=True)}" title="'
                f'{html.escape(self.exercise)}" style="width: 100%; height: {FRAME_HEIGHT}; '
                f'border: 1px solid #d1d9e0; border-radius: 8px" onload="{fit}"></iframe>')

    def __repr__(self) -> str:
        return self.output


def check(exercise: str, path: str | os.PathLike | None = None, *, lang: str | None = None,
          course: str | os.PathLike | None = None) -> Report:
    """Run the public checks of ``exercise`` on ``path`` (default: the exercise's notebook)
    and return the report, which Jupyter shows inline."""
    with tempfile.TemporaryDirectory(prefix="grader-notebook-") as folder:
        page_path = Path(folder) / "report.html"
        command = [sys.executable, "-m", "grader", "check", exercise,
                   *([str(path)] if path is not None else []), "--html", str(page_path),
                   *(["--lang", lang] if lang else []),
                   *(["--course", str(course)] if course is not None else [])]
        run = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS,
                             env={**os.environ, "COLUMNS": "100"})
        page = page_path.read_text(encoding="utf-8") if page_path.is_file() else ""
    return Report(exercise, run.returncode, page, run.stdout + run.stderr,
                  _checked(exercise, path, course))


def _checked(exercise: str, path: str | os.PathLike | None,
             course: str | os.PathLike | None) -> str:
    """Which file was checked and when it was last saved: unsaved cells are not checked."""
    if path is None:
        from grader.course import Course, CourseError

        try:
            found = Course(Path(course).resolve()) if course else Course.find()
            path = found.exercise(exercise).stub
        except CourseError:
            return ""
    if path is None or not Path(path).is_file():
        return ""
    saved = time.strftime("%H:%M:%S", time.localtime(Path(path).stat().st_mtime))
    return f"{Path(path).name} · {saved}"

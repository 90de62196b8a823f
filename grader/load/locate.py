"""Find the student's file inside a submission entry: a file, a folder or a zip."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

from grader.load.bounded import UnreadableSubmission, run_bounded

SOURCE_SUFFIXES = (".ipynb", ".py")
ZIP_MAX_FILES = 200
ZIP_MAX_BYTES = 50 * 1024**2
IGNORED_PARTS = {".ipynb_checkpoints", "__pycache__", "__MACOSX"}


def student_id(entry: Path) -> str:
    """The entry's name without suffix is the student id."""
    return entry.name[: -len(entry.suffix)] if entry.suffix and entry.is_file() else entry.name


def pick_source(folder: Path, exercise: str) -> Path:
    """The notebook or module in ``folder``: ``exNN.ipynb``/``exNN.py`` or the only one.

    Only regular files inside ``folder`` count: a symbolic link could point anywhere.
    """
    found = sorted(regular_files(folder))
    for suffix in SOURCE_SUFFIXES:
        named = folder / f"{exercise}{suffix}"
        if named in found:
            return named
    found = [p for p in found if p.suffix in SOURCE_SUFFIXES]
    notebooks = [p for p in found if p.suffix == ".ipynb"]
    candidates = notebooks or found
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UnreadableSubmission(f"no .ipynb or .py file in {folder.name}")
    names = ", ".join(p.name for p in candidates[:5])
    raise UnreadableSubmission(
        f"{folder.name} holds several files ({names}); name the one to grade {exercise}.ipynb")


def regular_files(folder: Path) -> Iterator[Path]:
    """Regular files under ``folder``, never through a symbolic link; hidden ones left out."""
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if d not in IGNORED_PARTS and not d.startswith(".")]
        for name in files:
            path = Path(top, name)
            with suppress(OSError):  # gone meanwhile: not a file to grade
                if not name.startswith(".") and stat.S_ISREG(path.lstat().st_mode):
                    yield path


@contextmanager
def opened(entry: Path, exercise: str) -> Iterator[Path]:
    """Yield the source file of a submission entry; a zip is unpacked safely first.

    Nothing outside the entry is ever read: an entry that is a symbolic link, and links
    inside a folder or a zip, are not followed.
    """
    if entry.is_symlink():
        raise UnreadableSubmission(f"{entry.name} is a symbolic link; the grader reads only "
                                   "files and folders handed in as they are")
    if entry.is_dir():
        yield pick_source(entry, exercise)
    elif entry.suffix == ".zip" and entry.is_file():
        if entry.stat().st_size > ZIP_MAX_BYTES:
            raise UnreadableSubmission(f"{entry.name} is larger than 50 MB")
        folder = Path(tempfile.mkdtemp(prefix="grader-zip-"))
        try:
            run_bounded(extract_zip, entry, folder, what=entry.name)
            yield pick_source(folder, exercise)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    elif entry.suffix in SOURCE_SUFFIXES and entry.is_file():
        yield entry
    else:
        raise UnreadableSubmission(f"{entry.name}: expected a .ipynb, .py, .zip or a folder")


def extract_zip(archive: Path, target: Path) -> None:
    """Unpack regular files only, refusing paths that escape ``target`` and zip bombs."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) > ZIP_MAX_FILES:
                raise UnreadableSubmission(f"{archive.name}: more than {ZIP_MAX_FILES} files")
            if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise UnreadableSubmission(f"{archive.name}: unpacks to more than 50 MB")
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if not parts or member.filename.startswith("/") or ".." in parts:
                    raise UnreadableSubmission(f"{archive.name}: unsafe path {member.filename!r}")
                if stat.S_ISLNK(member.external_attr >> 16):
                    continue
                dest = target.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, length=1024 * 1024)
                    if out.tell() > ZIP_MAX_BYTES:
                        raise UnreadableSubmission(f"{archive.name}: unpacks to more than 50 MB")
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableSubmission(f"{archive.name} is not a readable zip: {exc}") from exc

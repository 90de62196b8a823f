"""A warm process for ``grader check``: pytest, NumPy and the engine imported once.

A student runs ``grader check`` again and again. Most of a cold run is importing pytest and
NumPy and starting pytest; a warm process has done that already and forks one child per
command, so the command starts from a ready interpreter. The child gets the client's terminal
(its file descriptors), working folder, environment and umask, runs the usual command line
and reports the exit status. Student code still runs only in the sandboxed worker the child
starts.

This module is imported on every ``grader check``: it stays small (no third-party imports).

``GRADER_SERVER``: ``0`` never use a warm process; ``1`` always (start one if none runs);
unset: use one that runs, start one unless ``$CI`` is set. A warm process serves only the
code it was started with (see :func:`code_key`) and exits after ``GRADER_SERVER_IDLE``
seconds (default 600) without a command.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
IDLE_SECONDS = 600.0
PRELOADED = ("numpy", "pytest", "_pytest", "nbformat", "rich", "click")
MAX_SOCKET_PATH = 100  # sockaddr_un holds 108 bytes


def mode() -> str:
    """``off``, ``on`` or ``auto`` from $GRADER_SERVER; always ``off`` but on Linux."""
    value = os.environ.get("GRADER_SERVER", "").strip().lower()
    if value in ("0", "off", "no", "false") or not sys.platform.startswith("linux"):
        return "off"
    return "on" if value in ("1", "on", "yes", "true") else "auto"


def idle_seconds() -> float:
    try:
        return float(os.environ.get("GRADER_SERVER_IDLE", IDLE_SECONDS))
    except ValueError:
        return IDLE_SECONDS


def code_key(package: Path = PACKAGE) -> str:
    """Changes whenever the interpreter, a file of the grader package or one of the libraries
    it preloads changes (an upgrade or an edit): a warm process answers only for its code."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}\0{package}".encode())
    for library in PRELOADED:
        spec = importlib.util.find_spec(library)  # finds, does not import
        if spec is not None and spec.origin:
            info = os.stat(spec.origin)
            digest.update(f"{spec.origin}\0{info.st_mtime_ns}\0{info.st_size}\n".encode())
    for folder, dirs, files in sorted(os.walk(package)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            info = os.stat(os.path.join(folder, name))
            digest.update(f"{folder}/{name}\0{info.st_mtime_ns}\0{info.st_size}\n".encode())
    return digest.hexdigest()[:16]


def runtime_dir() -> Path | None:
    """A folder only this user can enter, or None when there is no safe one."""
    base = os.environ.get("GRADER_RUNTIME_DIR")
    if base:
        folder = Path(base)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "grader"
    else:
        folder = Path("/tmp") / f"grader-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not (
        info.st_mode & 0o077)
    return folder if private else None


def socket_path() -> Path | None:
    folder = runtime_dir()
    if folder is None:
        return None
    path = folder / f"check-{code_key()}.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None

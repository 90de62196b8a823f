"""Hand a command to the warm process, or say that it must run here."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

from grader.warm import PACKAGE, mode, socket_path

STDIO = (0, 1, 2)


def run_served(argv: list[str]) -> int | None:
    """The exit status of ``grader *argv`` as run by the warm process; None: run it here.

    Anything short of a started command (no warm process, a stale socket, no terminal to
    hand over) falls back to running in this process, so the warm process can only make a
    command faster, never make it fail.
    """
    wanted = mode()
    path = socket_path() if wanted != "off" else None
    if path is None or not all(_is_open(fd) for fd in STDIO):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(os.fspath(path))
    except OSError:
        sock.close()
        if wanted == "on" or not os.environ.get("CI"):
            start_server(path)
        return None
    with sock:
        return _converse(sock, argv)


def _converse(sock: socket.socket, argv: list[str]) -> int | None:
    umask = os.umask(0o077)
    os.umask(umask)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
    try:
        socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], list(STDIO))
        replies = sock.makefile("rb")
        started = json.loads(replies.readline() or b"null")
    except (OSError, ValueError):
        return None
    if not isinstance(started, dict) or not isinstance(started.get("pid"), int):
        return None  # the warm process went away before starting the command
    child = started["pid"]

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        line = replies.readline()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    try:
        status = json.loads(line)["exit"]
    except (ValueError, KeyError, TypeError):
        print("grader: the warm process stopped without finishing the command; "
              "run it again, or set GRADER_SERVER=0 to run without it", file=sys.stderr)
        return 1
    return status if isinstance(status, int) else 1


def start_server(path: Path) -> None:
    """Start a warm process in the background, in its own session; errors go to a log."""
    import subprocess

    try:
        with open(path.with_suffix(".log"), "ab") as log:
            subprocess.Popen([sys.executable, "-m", "grader.warm.server", os.fspath(path)],
                             cwd=PACKAGE.parent, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    except OSError:
        pass


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True

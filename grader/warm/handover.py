"""What ``grader check`` runs first: hand the command to the warm process, or say it runs here.

The conversation is three frames (:mod:`grader.worker.wire`): the command (argv, folder,
environment, umask) with the terminal's three descriptors; ``{"pid"}`` of the child that runs
it; ``{"exit"}`` with its status.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

from grader.warm import PACKAGE, mode, socket_path
from grader.worker.wire import Channel, ProtocolError

STDIO = (0, 1, 2)
MAX_MESSAGE = 4 * 1024 * 1024  # a command with its environment


def hand_over(argv: list[str]) -> tuple[int | None, Path | None]:
    """``(status, None)``: the warm process ran ``grader *argv``. ``(None, path)``: run it
    here, then start a warm process on ``path`` (:func:`start_warm_process`) if there is one.

    Anything short of a started command (no warm process, a stale socket, no terminal to
    hand over) runs the command here, so the warm process can only make a command faster,
    never make it fail.
    """
    wanted = mode()
    path = socket_path() if wanted != "off" else None
    if path is None or not all(_is_open(fd) for fd in STDIO):
        return None, None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(os.fspath(path))
    except OSError:
        sock.close()
        return None, path if wanted == "on" or not os.environ.get("CI") else None
    with sock:
        return _converse(Channel(sock, MAX_MESSAGE), argv), None


def _converse(channel: Channel, argv: list[str]) -> int | None:
    umask = os.umask(0o077)
    os.umask(umask)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
    try:
        channel.send(request, descriptors=STDIO)
        started, _ = channel.receive()
    except (OSError, EOFError, ProtocolError):
        return None
    if not isinstance(started.get("pid"), int):
        return None  # the warm process went away before starting the command
    child = started["pid"]

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        finished, _ = channel.receive()
        status = finished["exit"]
    except (OSError, EOFError, ProtocolError, KeyError):
        print("grader: the warm process stopped without finishing the command; "
              "run it again, or set GRADER_SERVER=0 to run without it", file=sys.stderr)
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status if isinstance(status, int) else 1


def exit_status(stop: SystemExit) -> int:
    """The status a command that raised ``stop`` ends with, as Python's own exit gives it (a
    message goes to stderr, with status 1)."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def start_warm_process(path: Path) -> None:
    """Start a warm process in the background, in its own session; errors go to a log."""
    import subprocess

    try:
        with open(path.with_suffix(".log"), "ab") as log:
            subprocess.Popen([sys.executable, "-m", "grader.warm.process", os.fspath(path)],
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

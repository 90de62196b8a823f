"""The warm process: import everything ``grader check`` needs, then fork a child per command.

Run as ``python -m grader.warm.process SOCKET`` (:mod:`grader.warm.handover` starts it). The
parent never runs a command, never imports check modules and never starts a worker: every child
is a fresh fork of the same clean state, and a command cannot leave anything behind for the
next one.

One child always stands by. It is forked right after the previous command arrived and,
guessing that the next command comes from the same folder, starts a sandboxed worker process
for it (:func:`grader.worker.worker.prestart`): the slowest part of a short check is then
done before the student asks. A worker that does not fit the command that comes is stopped
and a fitting one started, as without a warm process.

The command comes in a frame of :mod:`grader.worker.wire` with the client's three terminal
descriptors; the parent passes it to the standby child with the connection as a fourth.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import signal
import socket
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

from grader.warm import code_key, idle_seconds
from grader.warm.handover import MAX_MESSAGE, exit_status
from grader.worker.wire import Channel, ProtocolError

POLL_SECONDS = 5.0
HANDOVER_SECONDS = 5.0  # for a client to send its command


def preload() -> None:
    """Import and initialise what a ``check`` command uses, as far as no terminal is involved."""
    import nbformat

    import grader.grading
    import grader.report.terminal
    import grader.worker.policy
    from grader.checks.plugin import run_pytest
    from grader.load.program import read_program

    assert grader.grading.grade and grader.worker.policy.launcher_for  # pytest, NumPy, checks
    with tempfile.TemporaryDirectory() as empty:
        notebook = Path(empty) / "empty.ipynb"  # students hand in notebooks
        notebook.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
        read_program(notebook)  # nbformat's schema validator, built here once
        run_pytest([Path(empty)], object(), "--collect-only")  # pytest's lazy imports


def serve(path: Path, key: str, idle: float) -> None:
    """Answer commands on ``path`` until idle for ``idle`` seconds or the code changes."""
    listener = _listen(path)
    if listener is None:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # and clean up below
    inode = os.stat(path).st_ino
    standby = _fork_standby(listener, None)
    last_command = time.monotonic()
    try:
        while True:
            ready, _, _ = select.select([listener], [], [], min(POLL_SECONDS, idle))
            if ready:
                conn, _ = listener.accept()
                last_command = time.monotonic()
                request = _hand_over(conn, standby, listener)
                if request is None:
                    continue  # nothing was handed over: the standby still stands by
                print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} grader "  # to the log (stderr)
                      f"{' '.join(map(str, request['argv']))} (in {request['cwd']})",
                      file=sys.stderr, flush=True)
                standby.close()
                standby = _fork_standby(listener, request)
            elif (time.monotonic() - last_command > idle or code_key() != key
                  or not _same_file(path, inode)):
                return
    finally:
        standby.close()  # the standby reads the end of its channel and exits
        listener.close()
        if _same_file(path, inode):
            path.unlink()


def _listen(path: Path) -> socket.socket | None:
    """Bind the socket, unless another live warm process already answers on it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(2):
        try:
            old_umask = os.umask(0o177)
            try:
                listener.bind(os.fspath(path))
            finally:
                os.umask(old_umask)
            listener.listen(16)
            return listener
        except OSError:
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(os.fspath(path))
                break  # it is alive: leave it be
            except OSError:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # left by a process that died
            finally:
                probe.close()
    listener.close()
    return None


def _same_file(path: Path, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _hand_over(conn: socket.socket, standby: socket.socket,
               listener: socket.socket) -> dict | None:
    """Pass the client's connection and terminal to the standby child; the request, or None."""
    client = Channel(conn, MAX_MESSAGE, trusted_peer=True)
    try:
        if _peer_uid(conn) != os.getuid():
            return None
        request = _receive(client, 3, time.monotonic() + HANDOVER_SECONDS)
        descriptors = [conn.fileno(), *client.descriptors]
        try:
            Channel(standby, MAX_MESSAGE).send(request, descriptors=descriptors)
        except OSError:  # the standby died: a fresh child, without a prepared worker
            standby = _fork_standby(listener, None)
            Channel(standby, MAX_MESSAGE).send(request, descriptors=descriptors)
            standby.close()
        return request
    except (OSError, EOFError, ProtocolError):
        return None
    finally:
        client.close_descriptors()
        conn.close()


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _receive(channel: Channel, count: int, deadline: float | None = None) -> dict:
    """One frame that came with exactly ``count`` descriptors (``channel.descriptors``)."""
    request, _ = channel.receive(deadline)
    if len(channel.descriptors) != count:
        raise ProtocolError("a message without its descriptors")
    return request


def _fork_standby(listener: socket.socket, hint: dict | None) -> socket.socket:
    """A child that prepares for a command like ``hint`` and then runs the next one."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.fork() == 0:
        listener.close()
        ours.close()
        status = 1
        try:
            status = _standby(theirs, hint)
        finally:
            os._exit(status)
    theirs.close()
    return ours


def _standby(channel: socket.socket, hint: dict | None) -> int:
    from grader.worker.worker import discard_spares

    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if hint is not None:
            with contextlib.suppress(Exception):
                _prepare_worker(hint)
        parent = Channel(channel, MAX_MESSAGE, trusted_peer=True)
        try:
            request = _receive(parent, 4)
        except (OSError, EOFError, ProtocolError):
            return 0  # the warm process has ended
        fds = parent.take_descriptors()
        channel.close()
        return _run_command(socket.socket(fileno=fds[0]), request, fds[1:])
    finally:
        discard_spares()


def _prepare_worker(hint: dict) -> None:
    """Start the worker the command ``hint`` would have started, in its folder, and wait for
    its greeting (the command's probe of the sandbox) while no one waits for the command;
    then let it import matplotlib, which most study code imports at the top."""
    from grader.course import Course
    from grader.worker.limits import Limits
    from grader.worker.policy import launcher_for
    from grader.worker.worker import preimport, start_problem

    _take_environment(hint)
    launcher, limits = launcher_for("check", hide=(Course.find().root,)), Limits()
    if start_problem(launcher, limits) is None:
        preimport(launcher, limits, "matplotlib.pyplot")


def _take_environment(request: dict) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])


def _run_command(conn: socket.socket, request: dict, fds: list[int]) -> int:
    """Take over the client's terminal, folder and environment; run the command line."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout, sys.stderr = (io.TextIOWrapper(io.FileIO(fd, "w", closefd=False),
                                               encoding="utf-8", line_buffering=os.isatty(fd),
                                               errors="backslashreplace") for fd in (1, 2))
    _take_environment(request)
    argv = [str(arg) for arg in request["argv"]]
    sys.argv = ["grader", *argv]
    client = Channel(conn, MAX_MESSAGE)
    client.send({"pid": os.getpid()})

    from grader.cli import main

    try:
        main(args=argv, prog_name="grader")
        status = 0
    except SystemExit as stop:
        status = exit_status(stop)
    except BaseException:
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):
            stream.flush()
    with contextlib.suppress(OSError):
        client.send({"exit": status})
    return status


def main() -> None:
    path = Path(sys.argv[1])
    key = code_key()
    if path.name != f"check-{key}.sock":
        sys.exit(f"grader.warm.process: {path} is not the socket of this code ({key})")
    preload()
    serve(path, key, idle_seconds())


if __name__ == "__main__":
    main()

"""Workers forked from a zygote, a process preloaded in the sandbox (:mod:`grader.worker.zygote`).

``PreloadedLauncher(launcher)`` starts, per grading process, one zygote the way ``launcher``
starts a worker (same filesystem view, namespaces and environment, see ``for_zygote``), then
asks it for each worker. For :class:`~grader.worker.worker.Worker` nothing changes: the
forked worker greets, loads and answers as a started one, and ends through its
:class:`ForkedProcess`.

The zygote answers every request within ``ANSWER_SECONDS``, the first after its own start
(within ``Limits.load_seconds``, like a started worker's greeting). When it does not (no
worker can stop it, but a stuck zygote must not stall a class), its whole sandbox is killed,
the worker at hand fails, and the next worker comes from a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import asdict
from typing import BinaryIO

from grader.worker.launchers import STOP_SECONDS, CommandLauncher, Launcher
from grader.worker.limits import Limits
from grader.worker.wire import Channel, ProtocolError
from grader.worker.zygote import CONTROL_BYTES

ANSWER_SECONDS = 10.0  # the zygote answers within milliseconds; later, it is stuck


class ForkedProcess:
    """A worker forked by a zygote (a :class:`~grader.worker.launchers.WorkerProcess`)."""

    def __init__(self, zygote: ZygoteLink, ident: int, sock: socket.socket,
                 output: BinaryIO) -> None:
        self.pid = ident  # the zygote's number for it: its pid is in another namespace
        self.socket = sock
        self.output = output
        self.returncode: int | None = None
        self._zygote = zygote
        self._forked = threading.Event()
        self._ended = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"forked worker {self.pid}", timeout)
        assert self.returncode is not None
        return self.returncode

    def end(self) -> None:
        """Have the zygote kill the worker; if it does not say it did in time, it is stuck (a
        worker cannot stop it, but who knows): tear its whole sandbox down."""
        if self.returncode is None:
            self._zygote.kill(self.pid)
            if not self._ended.wait(ANSWER_SECONDS):
                self._zygote.stop()
        self._ended.wait(STOP_SECONDS)

    def forked(self) -> None:
        self._forked.set()

    def wait_forked(self, timeout: float) -> bool:
        """Whether the zygote said it forked the worker in time (and the worker is there)."""
        return self._forked.wait(timeout) and self.returncode is None

    def ended(self, code: int) -> None:
        self.returncode = code
        self._forked.set()
        self._ended.set()


class ZygoteLink:
    """The grader's link to one zygote: starts it, asks it for workers, hears of their ends.

    The zygote exits when the grader closes the link.
    """

    def __init__(self, launcher: CommandLauncher, program: bytes | None,
                 scratch: tuple[tuple[str, ...], int]) -> None:
        self.owner = os.getpid()
        self.launcher = launcher
        self.children: dict[int, ForkedProcess] = {}
        self.alive = True
        self.answered = False  # its start (bwrap, Python, NumPy, matplotlib) is behind it
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # the table of children
        self._sending = threading.Lock()  # one frame at a time
        self.ended = threading.Event()
        config = {"seccomp": program.hex() if program else "", "scratch": list(scratch[0]),
                  "scratch_bytes": scratch[1]}
        self.proc, ours, self.workdir = launcher.start_module(
            "grader.worker.zygote", json.dumps(config), stdout=subprocess.DEVNULL)
        self.control = Channel(ours, CONTROL_BYTES)
        threading.Thread(target=self._listen, daemon=True, name="grader-zygote").start()

    def spawn(self, limits: Limits) -> ForkedProcess:
        """Ask for a worker; an OSError if the zygote has ended or does not answer in time."""
        starting = 0.0 if self.answered else limits.load_seconds
        deadline = time.monotonic() + starting + ANSWER_SECONDS
        ours, theirs = socket.socketpair()
        read_end, write_end = os.pipe()
        with self._lock:
            ident = next(self._ids)
            proc = self.children[ident] = ForkedProcess(
                self, ident, ours, os.fdopen(read_end, "rb", buffering=0))
            alive = self.alive
        request = {"op": "spawn", "id": ident, "limits": asdict(limits),
                   "max_bytes": limits.message_bytes}
        try:
            if not alive:
                raise ConnectionError("the zygote has ended")
            with self._sending:
                self.control.send(request, (), deadline, [theirs.fileno(), write_end])
        except OSError:
            with self._lock:
                self.children.pop(ident, None)
            ours.close()
            proc.output.close()
            raise
        finally:
            theirs.close()
            os.close(write_end)
        if not proc.wait_forked(max(0.0, deadline - time.monotonic())):
            ours.close()
            proc.output.close()
            self.stop()  # stuck (or gone): its sandbox goes, and everything in it
            raise ConnectionError("the zygote did not fork the worker")
        return proc

    def kill(self, ident: int) -> None:
        with self._sending, contextlib.suppress(OSError):  # stuck: the caller gives up on it
            self.control.send({"op": "kill", "id": ident}, (),
                              time.monotonic() + ANSWER_SECONDS)

    def stop(self) -> None:
        if os.getpid() != self.owner:
            return  # a forked process's copy: shutting the socket down would stop the parent's
        with self._lock:
            self.alive = False
        with contextlib.suppress(OSError):
            self.control.sock.shutdown(socket.SHUT_RDWR)

    def _listen(self) -> None:
        while True:
            try:
                event, _ = self.control.receive()
            except (EOFError, OSError, ProtocolError):
                break
            with self._lock:
                if type(event.get("spawned")) is int:
                    proc = self.children.get(event["spawned"])
                    self.answered = True
                    if proc is not None:
                        proc.forked()
                elif (type(event.get("exited")) is int and type(event.get("code")) is int
                      and (proc := self.children.pop(event["exited"], None)) is not None):
                    proc.ended(event["code"])
        with self._lock:
            self.alive = False
            orphans, self.children = list(self.children.values()), {}
        for proc in orphans:  # the zygote died with them, or was given up
            proc.ended(-signal.SIGKILL)
        self.launcher.kill(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=ANSWER_SECONDS)
        self.control.sock.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.ended.set()


class PreloadedLauncher(Launcher):
    """Start workers as ``inner`` would, but forked from one zygote per grading process.

    The launcher travels to grading processes by pickle, once per submission: the zygotes
    live in a per-process table, not in the launcher.
    """

    def __init__(self, inner: CommandLauncher) -> None:
        self.inner = inner
        self.mode = inner.mode

    @property
    def warning(self) -> str | None:
        return self.inner.warning

    def key(self) -> tuple:
        return ("preloaded", *self.inner.key())

    def scratch(self) -> tuple[tuple[str, ...], int]:
        return self.inner.scratch()

    def start(self, limits: Limits) -> ForkedProcess:
        own = self.process_limits(limits)
        zygote = self._zygote()
        try:
            return zygote.spawn(own)
        except OSError:  # it has just ended (a worker may have killed it): once more, anew
            zygote.stop()
        return self._zygote().spawn(own)

    def close(self) -> None:
        """Stop this process's zygote (and any worker it runs); waits until it has ended."""
        with _table_lock:
            zygote = _zygotes.pop(self.key(), None)
        if zygote is not None:
            zygote.stop()
            zygote.ended.wait(STOP_SECONDS)

    def _zygote(self) -> ZygoteLink:
        key = self.key()
        with _table_lock:
            zygote = _zygotes.get(key)
            if zygote is None or not zygote.alive:
                launcher, program = self.inner.for_zygote()
                zygote = _zygotes[key] = ZygoteLink(launcher, program, self.inner.scratch())
                atexit.register(zygote.stop)
            return zygote


_zygotes: dict[tuple, ZygoteLink] = {}
_table_lock = threading.Lock()


def _forget_parent_zygotes() -> None:
    """A forked grading process starts its own zygotes: the parent's belong to the parent."""
    global _table_lock
    _zygotes.clear()
    _table_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_parent_zygotes)

"""Workers forked from a preloaded process in the sandbox (:mod:`grader.worker.zygote`).

``PreloadedLauncher(launcher)`` starts, per grading process, one zygote the way ``launcher``
starts a worker (same filesystem view, namespaces and environment, see ``for_zygote``), then
asks it for each worker. For :class:`~grader.worker.client.Worker` nothing changes: the
forked worker greets, loads and answers as a started one, and its process is waited for and
killed through :class:`ForkedProcess`.

The zygote answers every request within ``ANSWER_SECONDS``. When it does not (no worker can
stop it, but a stuck zygote must not stall a class), its whole sandbox is killed, the worker
at hand fails, and the next worker comes from a new one.
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
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import BinaryIO

from grader.worker.client import _SPAWNER, WORKDIR_PREFIX, Launcher, Limits

ANSWER_SECONDS = 10.0  # the zygote answers within milliseconds; later, it is stuck


class ForkedProcess:
    """The part of ``subprocess.Popen`` a Worker uses, for a worker forked by a zygote."""

    def __init__(self, zygote: _Zygote, ident: int) -> None:
        self.pid = ident
        self.returncode: int | None = None
        self._zygote = zygote
        self._forked = threading.Event()
        self._ended = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"forked worker {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        """Have the zygote kill the worker; if it does not say it did in time, it is stuck (a
        worker cannot stop it, but who knows): tear its whole sandbox down."""
        if self.returncode is None:
            self._zygote.kill(self.pid)
            if not self._ended.wait(ANSWER_SECONDS):
                self._zygote.stop()

    def forked(self) -> None:
        self._forked.set()

    def wait_forked(self, timeout: float) -> bool:
        """Whether the zygote said it forked the worker in time (and the worker is there)."""
        return self._forked.wait(timeout) and self.returncode is None

    def ended(self, code: int) -> None:
        self.returncode = code
        self._forked.set()
        self._ended.set()


class _Zygote:
    """One zygote process and the workers it forked; exits when the grader closes the socket."""

    def __init__(self, launcher: Launcher, program: bytes | None,
                 scratch: tuple[tuple[str, ...], int]) -> None:
        self.owner = os.getpid()
        self.launcher = launcher
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        self.children: dict[int, ForkedProcess] = {}
        self.alive = True
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.ended = threading.Event()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        boot = (f"import sys; sys.path[:0] = {launcher.worker_paths()!r}; "
                "from grader.worker.zygote import main; main()")
        config = {"seccomp": program.hex() if program else "", "scratch": list(scratch[0]),
                  "scratch_bytes": scratch[1]}
        argv = [sys.executable, "-I", "-S", "-c", boot, str(theirs.fileno()), json.dumps(config)]
        launch = launcher.prepare(argv, self.workdir)
        try:
            self.proc = _SPAWNER.popen(
                launch.argv, cwd=self.workdir, env=launcher.environment(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(), *launch.pass_fds), start_new_session=True)
        except OSError:
            ours.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        finally:
            theirs.close()
            launch.close()
        self.control = ours
        threading.Thread(target=self._listen, daemon=True, name="grader-zygote").start()

    def spawn(self, limits: Limits) -> tuple[ForkedProcess, socket.socket, BinaryIO]:
        """Ask for a worker; an OSError if the zygote has ended or does not answer in time."""
        parent, child = socket.socketpair()
        read_end, write_end = os.pipe()
        with self._lock:
            ident = next(self._ids)
            proc = self.children[ident] = ForkedProcess(self, ident)
            request = {"op": "spawn", "id": ident, "limits": asdict(limits),
                       "max_bytes": limits.message_bytes}
            try:
                if not self.alive:
                    raise ConnectionError("the preloaded process has ended")
                socket.send_fds(self.control, [json.dumps(request).encode()],
                                [child.fileno(), write_end], socket.MSG_DONTWAIT)
            except OSError:
                del self.children[ident]
                parent.close()
                os.close(read_end)
                raise
            finally:
                child.close()
                os.close(write_end)
        if not proc.wait_forked(ANSWER_SECONDS):
            parent.close()
            os.close(read_end)
            self.stop()  # stuck (or gone): its sandbox goes, and everything in it
            raise ConnectionError("the preloaded process did not fork the worker")
        return proc, parent, os.fdopen(read_end, "rb", buffering=0)

    def kill(self, ident: int) -> None:
        with contextlib.suppress(OSError):  # a full socket: the zygote is stuck, see the caller
            self.control.send(json.dumps({"op": "kill", "id": ident}).encode(),
                              socket.MSG_DONTWAIT)

    def stop(self) -> None:
        if os.getpid() != self.owner:
            return  # a forked process's copy: shutting the socket down would stop the parent's
        with self._lock:
            self.alive = False
        with contextlib.suppress(OSError):
            self.control.shutdown(socket.SHUT_RDWR)

    def _listen(self) -> None:
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            with self._lock:
                if "spawned" in message:
                    proc = self.children.get(message["spawned"])
                    if proc is not None:
                        proc.forked()
                elif (proc := self.children.pop(message["exited"], None)) is not None:
                    proc.ended(int(message["code"]))
        with self._lock:
            self.alive = False
            orphans, self.children = list(self.children.values()), {}
        for proc in orphans:  # the zygote died with them, or was given up
            proc.ended(-signal.SIGKILL)
        self.launcher.kill(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=ANSWER_SECONDS)
        self.control.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.ended.set()


class PreloadedLauncher(Launcher):
    """Start workers as ``inner`` would, but forked from one preloaded process per grader.

    The launcher travels to grading processes by pickle, once per submission: the zygotes
    live in a per-process table, not in the launcher.
    """

    def __init__(self, inner: Launcher) -> None:
        self.inner = inner
        self.mode = inner.mode

    @property
    def warning(self) -> str | None:
        return getattr(self.inner, "warning", None)

    def key(self) -> tuple:
        return ("preloaded", *self.inner.key())

    def worker_paths(self) -> list[str]:
        return self.inner.worker_paths()

    def environment(self) -> dict[str, str]:
        return self.inner.environment()

    def exit_code(self, code: int) -> int:
        return code  # the zygote reports the worker's own status

    def scratch(self) -> tuple[tuple[str, ...], int]:
        return self.inner.scratch()

    def kill(self, proc: subprocess.Popen | ForkedProcess) -> None:
        if isinstance(proc, ForkedProcess):
            proc.kill()
        else:
            self.inner.kill(proc)

    def spawn(self, limits: Limits) -> tuple[ForkedProcess, socket.socket, BinaryIO]:
        """A new worker process: its handle, the grader's end of its socket, its output."""
        zygote = self._zygote()
        try:
            return zygote.spawn(limits)
        except OSError:  # it has just ended (a worker may have killed it): once more, anew
            zygote.stop()
        return self._zygote().spawn(limits)

    def close(self) -> None:
        """Stop this process's zygote (and any worker it runs); waits until it has ended."""
        with _table_lock:
            zygote = _zygotes.pop(self.key(), None)
        if zygote is not None:
            zygote.stop()
            zygote.ended.wait(10)

    def _zygote(self) -> _Zygote:
        key = self.key()
        with _table_lock:
            zygote = _zygotes.get(key)
            if zygote is None or not zygote.alive:
                launcher, program = self.inner.for_zygote()
                zygote = _zygotes[key] = _Zygote(launcher, program, self.inner.scratch())
                atexit.register(zygote.stop)
            return zygote


def preloaded(launcher: Launcher) -> Launcher:
    """``launcher``, with workers forked from a preloaded process where that is supported."""
    supported = sys.platform.startswith("linux") and not launcher.one_at_a_time
    return PreloadedLauncher(launcher) if supported else launcher


_zygotes: dict[tuple, _Zygote] = {}
_table_lock = threading.Lock()


def _forget_parent_zygotes() -> None:
    """A forked grading process starts its own zygotes: the parent's belong to the parent."""
    global _table_lock
    _zygotes.clear()
    _table_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_parent_zygotes)

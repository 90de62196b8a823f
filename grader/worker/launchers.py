"""How worker processes start: one interface for every kind of isolation.

A :class:`Launcher` answers :meth:`~Launcher.start` with a :class:`WorkerProcess`: the grader's
end of the worker's socket, its output, and a way to end it with everything it started. How is
the launcher's business:

- :class:`CommandLauncher`: a new interpreter per worker (``python -I -S``, running
  :mod:`grader.worker.inside`), wrapped by the launcher's isolation:
  :class:`RlimitsOnlyLauncher` (here: resource limits only),
  :class:`~grader.worker.bubblewrap.BubblewrapLauncher`,
  :class:`~grader.worker.unprivileged.UnprivilegedLauncher`;
- :class:`~grader.worker.preloaded.PreloadedLauncher`: forked from a zygote that one of those
  started.

Which launcher a command gets is :func:`grader.worker.policy.launcher_for`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import grader
from grader.worker.limits import Limits

WORKDIR_PREFIX = "grader-worker-"
STOP_SECONDS = 10.0  # a killed process is reaped by then, short of a kernel in trouble


class WorkerProcess(Protocol):
    """A worker process as the grader sees it, however it was started."""

    pid: int
    socket: socket.socket  # the grader's end of the worker's socket
    output: BinaryIO  # the worker's stdout and stderr

    def poll(self) -> int | None:
        """The worker's exit status (negative: the signal that killed it), None while it runs."""

    def wait(self, timeout: float) -> int:
        """:meth:`poll` once it has ended; ``subprocess.TimeoutExpired`` if it does not."""

    def end(self) -> None:
        """Kill it and everything it started, reap it, remove its folder; safe at any time."""


class Launcher:
    """How worker processes start. Every result records :attr:`mode` (its protections)."""

    mode = ""
    warning: str | None = None  # what the instructor must know about this mode
    one_at_a_time = False  # its workers share one user: one runs at a time, each started anew

    def start(self, limits: Limits) -> WorkerProcess:
        """A new worker process: greeting comes later, no student code is loaded yet.

        Raises OSError when no process could be started.
        """
        raise NotImplementedError

    def key(self) -> tuple:
        """Equal for two launchers that start identical workers (a spare fits either)."""
        return (type(self).__name__,)

    def scratch(self) -> tuple[tuple[str, ...], int]:
        """The folders a worker can write to, private to it and in memory, and the size of each.

        Their bytes count in the worker's memory (see :meth:`process_limits`). A launcher that
        has them gives each worker forked by a zygote its own namespaces and fresh copies (see
        grader.worker.zygote). None here: an unsandboxed worker writes where the host lets it.
        """
        return (), 0

    def process_limits(self, limits: Limits) -> Limits:
        """The limits the process sets on itself: its private folders count in its memory."""
        folders, size = self.scratch()
        return replace(limits, memory_bytes=limits.memory_bytes - len(folders) * size)


@dataclass(frozen=True)
class Launch:
    """One command to start, and descriptors it reads (closed once it has started)."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()

    def close(self) -> None:
        for fd in self.pass_fds:
            with contextlib.suppress(OSError):
                os.close(fd)


class CommandLauncher(Launcher):
    """Starts each worker as a new interpreter, wrapped by :meth:`wrap` (its isolation)."""

    def start(self, limits: Limits) -> StartedProcess:
        proc, ours, workdir = self.start_module(
            "grader.worker.inside", limits.message_bytes,
            json.dumps(asdict(self.process_limits(limits))), stdout=subprocess.PIPE)
        return StartedProcess(proc, ours, workdir, self)

    def start_module(self, module: str, *args: object,
                     stdout: int) -> tuple[subprocess.Popen, socket.socket, Path]:
        """Start ``module``'s ``main()`` (see :meth:`python`) in a new folder, with one end of a
        new socket as its first argument: the process, the grader's end, the folder.

        A worker and a zygote start alike. Raises OSError when no process could be started.
        """
        workdir = new_workdir()
        ours, theirs = socket.socketpair()
        command = self.python(module, theirs.fileno(), *args)
        try:
            proc = self.spawn(command, workdir, pass_fds=(theirs.fileno(),), stdout=stdout)
        except OSError:
            ours.close()
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        finally:
            theirs.close()
        return proc, ours, workdir

    def python(self, module: str, *args: object) -> list[str]:
        """The command that runs ``module``'s ``main()`` in an interpreter that ignores the
        environment and site (``-I -S``) and finds the grader and NumPy where this launcher's
        processes see them."""
        boot = (f"import sys; sys.path[:0] = {self.worker_paths()!r}; "
                f"from {module} import main; main()")
        return [sys.executable, "-I", "-S", "-c", boot, *map(str, args)]

    def spawn(self, argv: list[str], workdir: Path, *, pass_fds: tuple[int, ...],
              stdout: int) -> subprocess.Popen:
        """Start ``argv`` wrapped, in ``workdir``, in a session of its own (stderr with stdout)."""
        launch = self.wrap(argv, workdir)
        try:
            return _SPAWNER.popen(launch.argv, cwd=workdir, env=self.environment(),
                                  stdin=subprocess.DEVNULL, stdout=stdout,
                                  stderr=subprocess.STDOUT, start_new_session=True,
                                  pass_fds=(*pass_fds, *launch.pass_fds))
        finally:
            launch.close()

    def wrap(self, argv: list[str], workdir: Path) -> Launch:
        """The command that runs ``argv`` under this launcher's isolation."""
        return Launch(argv)

    def worker_paths(self) -> list[str]:
        """The import paths of grader and NumPy as the worker sees them."""
        return import_paths()

    def environment(self) -> dict[str, str]:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg"}
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def key(self) -> tuple:
        return (*super().key(), tuple(sorted(self.environment().items())))

    def for_zygote(self) -> tuple[CommandLauncher, bytes | None]:
        """How to start a zygote (grader.worker.zygote), and the seccomp filter each worker it
        forks installs on itself (the zygote must be free to fork)."""
        return self, None

    def exit_code(self, code: int) -> int:
        """The worker's exit status from the started command's (negative: a signal)."""
        return code

    def kill(self, proc: subprocess.Popen) -> None:
        """Kill everything the started command started (the caller then reaps ``proc``)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


class StartedProcess:
    """A worker that a :class:`CommandLauncher` started as a new process."""

    def __init__(self, proc: subprocess.Popen, sock: socket.socket, workdir: Path,
                 launcher: CommandLauncher) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.socket = sock
        self.output = proc.stdout
        self.workdir = workdir
        self.launcher = launcher

    def poll(self) -> int | None:
        code = self.proc.poll()
        return None if code is None else self.launcher.exit_code(code)

    def wait(self, timeout: float) -> int:
        return self.launcher.exit_code(self.proc.wait(timeout))

    def end(self) -> None:
        self.launcher.kill(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=STOP_SECONDS)
        shutil.rmtree(self.workdir, ignore_errors=True)


class RlimitsOnlyLauncher(CommandLauncher):
    """No isolation: resource limits and the grader's deadlines only; ``reason`` says why."""

    mode = "rlimits-only"

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    @property
    def warning(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return (f"student code runs WITHOUT a sandbox{why}; only resource limits and time "
                "limits apply")


def import_paths() -> list[str]:
    """Where the worker finds grader, NumPy and other installed packages (it runs with -I -S).

    NumPy is found, not imported: ``grader check`` starts its worker before importing it.
    """
    paths = [str(Path(grader.__file__).resolve().parent.parent), str(_numpy_home()),
             sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return list(dict.fromkeys(paths))


def site_dirs() -> set[Path]:
    """The folders of installed packages and of the standard library, and NumPy's."""
    paths = sysconfig.get_paths()
    dirs = {Path(paths[key]).resolve() for key in ("purelib", "platlib", "stdlib", "platstdlib")}
    return dirs | {_numpy_home()}


def _numpy_home() -> Path:
    """The folder NumPy is installed in (found, not imported)."""
    return Path(importlib.util.find_spec("numpy").origin).resolve().parent.parent


def new_workdir() -> Path:
    """A new folder for one worker process, named after this grader process."""
    _sweep_orphan_workdirs()
    return Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))


@functools.cache
def _sweep_orphan_workdirs() -> None:
    """Remove the (empty) folders of workers whose grader was killed before it could.

    Once per process: a folder is named after the grader process that made it.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        owner = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)) and _owned(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _owned(folder: Path) -> bool:
    try:
        return folder.lstat().st_uid == os.getuid()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process
    return True


class _Spawner:
    """Starts processes from one long-lived thread of this process.

    A parent-death signal (``bwrap --die-with-parent`` uses PR_SET_PDEATHSIG) fires when the
    *thread* that started the child ends, not the process: a worker started from a short-lived
    thread (a background start) would be killed as soon as that thread finished.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        """A forked child has no spawner thread, and maybe a lock held by a lost thread."""
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue | None = None
        self._pid = 0

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._serve, args=(self._queue,), daemon=True,
                                 name="grader-spawner").start()
                self._pid = os.getpid()
            jobs = self._queue
        reply: queue.SimpleQueue = queue.SimpleQueue()
        jobs.put((reply, args, kwargs))
        started, value = reply.get()
        if not started:
            raise value
        return value

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            reply, args, kwargs = jobs.get()
            try:
                reply.put((True, subprocess.Popen(*args, **kwargs)))
            except BaseException as exc:  # handed to the caller
                reply.put((False, exc))


_SPAWNER = _Spawner()

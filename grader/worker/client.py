"""The grader's side of a worker: start it, send requests, enforce deadlines, restart it.

A worker is one process per submission, reused across checks. Every request has a
wall-clock deadline enforced here (not by signals inside the worker); on a timeout, a crash
or an exit the whole process group is killed and the next request starts a fresh worker.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import json
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

import grader
from grader.worker.protocol import (
    Channel,
    FunctionSource,
    Handle,
    ProtocolError,
    SharedBuffers,
    checked_error,
    checked_load_report,
    decode,
    encode,
)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; issue-specific sandboxes add to these, never remove."""

    call_seconds: float = 10.0
    load_seconds: float = 20.0
    memory_bytes: int = 3 * 1024**3
    cpu_seconds: int = 600
    open_files: int = 256
    file_bytes: int = 16 * 1024**2
    processes: int = 64
    message_bytes: int = 512 * 1024**2
    output_bytes: int = 64 * 1024
    reply_bytes: int = 4 * 1024**2  # what one request may bring back unless a check allows more


VALUE_FIELDS = ("target", "args", "kwargs", "value", "key")  # request fields that hold values


class WorkerFailure(Exception):
    """Student code did not give an answer; the check that asked fails."""


class StudentError(WorkerFailure):
    """Student code raised an exception."""

    def __init__(self, type_name: str, message: str, traceback: str, names: list[str] | None):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message
        self.traceback = traceback
        self.names = names or []


class WorkerDied(WorkerFailure):
    """The worker process ended (crash, exit, killed) while answering."""

    def __init__(self, description: str, output: str):
        super().__init__(description)
        self.description = description
        self.output = output


class CallTimedOut(WorkerFailure):
    """No answer in time; ``place`` is (label, line) of the student code that was running."""

    def __init__(self, seconds: float, place: tuple[str, int] | None = None):
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds = seconds
        self.place = place


class BadReply(WorkerFailure):
    """The worker answered with something that is not allowed on the wire."""


class WorkerUnavailable(Exception):
    """The grader could not start a worker at all: a fault of the grader, not the student."""


# The stacks the worker writes to its output shortly before a deadline (see
# grader.worker.server.report_stack_on_alarm), in faulthandler's format.
STACK_DUMP = re.compile(r"^(?:Current thread|Thread) 0x[0-9a-fA-F]+[^\n]{0,200}:\n"
                        r"(?:  [^\n]{0,1000}\n?){0,200}\n?", re.M)
STACK_FRAME = re.compile(r'^  File "(?P<label>[^"\n]{1,200})", line (?P<line>\d{1,9}) in ', re.M)
SERVER_FILE = "server.py"


def stopped_at(output: str, labels: set[str]) -> tuple[str, int] | None:
    """Where the main thread of a worker was in the student's code, from the last stack dump
    in ``output`` (written by the worker: hostile). Only a label of the submission is
    believed; a submission that prints a forged dump misleads only its own report."""
    for dump in reversed(list(STACK_DUMP.finditer(output))):
        frames = [(m["label"], int(m["line"])) for m in STACK_FRAME.finditer(dump.group(0))]
        if any(label.endswith(SERVER_FILE) for label, _ in frames):  # the thread serving calls
            return next(((label, line) for label, line in frames if label in labels), None)
    return None


def strip_stack_dumps(output: str) -> str:
    """``output`` without the worker's stack dumps: they are the grader's, not the student's."""
    return STACK_DUMP.sub("", output)


class OutputTap:
    """Drains the worker's stdout/stderr, keeping the first ``cap`` bytes and the last few."""

    TAIL = 32 * 1024  # the end of the output, where a stack dump before a kill is

    def __init__(self, stream: Any, cap: int) -> None:
        self.cap = cap
        self.kept = bytearray()
        self.tail = bytearray()
        self.total = 0
        self._stream = stream
        self._lock = threading.Lock()  # held while a chunk goes from the pipe to ``kept``
        self._ended = False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._stream.fileno()
        while True:
            select.select([fd], [], [])
            with self._lock:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self._ended = True
                    break
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
                self.tail = (self.tail + chunk)[-self.TAIL:]
        self._stream.close()

    def settle(self, seconds: float = 0.5) -> None:
        """Wait until everything already written to the pipe is kept.

        The worker flushes its output before it answers, so after an answer this makes the
        output of a check complete (the drain thread may otherwise still be behind).
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if self._ended or not select.select([self._stream], [], [], 0)[0]:
                    return
            time.sleep(0.001)

    def text(self, start: int = 0) -> str:
        text = self.kept[start:].decode("utf-8", "replace")
        if self.total > self.cap:
            text += f"\n[... {self.total - self.cap} more bytes of output not kept]"
        return text

    def since(self, position: int) -> str:
        """What was written after ``position`` (a past ``total``), as far as the tail reaches."""
        start = len(self.tail) - (self.total - position)
        return self.tail[max(0, start):].decode("utf-8", "replace")

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@dataclass(frozen=True)
class Launch:
    """One start of a worker: the command, and descriptors the child inherits.

    The caller passes ``pass_fds`` to the child and closes them after the start.
    """

    argv: list[str]
    pass_fds: tuple[int, ...] = ()

    def close(self) -> None:
        for fd in self.pass_fds:
            with contextlib.suppress(OSError):
                os.close(fd)


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
        done: Future = Future()
        jobs.put((done, args, kwargs))
        return done.result()

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            done, args, kwargs = jobs.get()
            try:
                done.set_result(subprocess.Popen(*args, **kwargs))
            except BaseException as exc:  # handed to the caller
                done.set_exception(exc)


_SPAWNER = _Spawner()


class Launcher:
    """How a worker process is started. The sandbox module provides stricter launchers."""

    mode = "unsandboxed"
    one_at_a_time = False  # True: its workers share one user, so one runs at a time, unforked
    warning: str | None = None  # what the instructor must know about this mode

    def command(self, argv: list[str], workdir: Path) -> list[str]:
        return argv

    def prepare(self, argv: list[str], workdir: Path) -> Launch:
        """The command for one start (a launcher may open descriptors it refers to)."""
        return Launch(self.command(argv, workdir))

    def worker_paths(self) -> list[str]:
        """The import paths of grader and NumPy as the worker sees them."""
        return import_paths()

    def exit_code(self, code: int) -> int:
        """The worker's exit status from the launched command's (negative: a signal)."""
        return code

    def kill(self, proc: subprocess.Popen) -> None:
        """Kill everything the launched command started (the caller then reaps ``proc``)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def key(self) -> tuple:
        """Equal for two launchers that start identical workers (see :func:`prestart`)."""
        return (type(self).__name__, tuple(sorted(self.environment().items())))

    def for_zygote(self) -> tuple[Launcher, bytes | None]:
        """How to start a process that forks workers (grader.worker.zygote), and the seccomp
        filter each forked worker installs on itself (the zygote must be free to fork)."""
        return self, None

    def scratch(self) -> tuple[tuple[str, ...], int]:
        """The folders a worker can write to, private to it and in memory, and the size of each.

        Their bytes count in the worker's memory: its address space is ``Limits.memory_bytes``
        minus all of them. A launcher that has them gives each worker forked by a preloaded
        process its own namespaces and fresh copies (see grader.worker.zygote). None here: an
        unsandboxed worker writes where the host lets it.
        """
        return (), 0

    def environment(self) -> dict[str, str]:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg"}
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env


WORKDIR_PREFIX = "grader-worker-"
STOP_SECONDS = 10.0
STACK_MARGIN = 0.5  # seconds before a deadline at which the worker writes its stack
_spares: list[Worker] = []


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


def prestart(launcher: Launcher, limits: Limits) -> None:
    """Start a worker process now, for the next :class:`Worker` with an equal launcher and limits.

    Starting a sandboxed interpreter and importing NumPy is most of a short check's wait; a
    process that knows what comes next pays it before the student asks, or while it imports
    pytest. No student code is loaded until a worker takes the process over. Processes no
    worker took are stopped at exit (or by :func:`discard_spares`).
    """
    if any(_fits(spare, launcher, limits) for spare in _spares):
        return
    if not _spares:
        atexit.register(discard_spares)
    spare = Worker([], limits, launcher)
    spare._launch()
    _spares.append(spare)


def discard_spares() -> None:
    """Stop the processes :func:`prestart` started that no worker took."""
    while _spares:
        _spares.pop().stop()


def _take_spare(launcher: Launcher, limits: Limits) -> Worker | None:
    for spare in list(_spares):
        if not spare.alive:
            _spares.remove(spare)
            spare.stop()
        elif _fits(spare, launcher, limits):
            _spares.remove(spare)
            return spare
    return None


def _fits(spare: Worker, launcher: Launcher, limits: Limits) -> bool:
    return spare.limits == limits and spare.launcher.key() == launcher.key()


def import_paths() -> list[str]:
    """Where the worker finds grader, NumPy and other installed packages (it runs with -I -S)."""
    paths = [str(Path(grader.__file__).resolve().parent.parent),
             str(Path(np.__file__).resolve().parent.parent),
             sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return list(dict.fromkeys(paths))


class Worker:
    """One student's worker process, started on first use and restarted after a failure."""

    def __init__(self, statements: list[dict], limits: Limits = Limits(),
                 launcher: Launcher | None = None) -> None:
        self.statements = statements
        self.limits = limits
        self.launcher = launcher or Launcher()
        self.load_report: dict | None = None
        self.generation = 0
        self.starts = 0
        self.output: OutputTap | None = None
        self._proc: subprocess.Popen | None = None
        self._channel: Channel | None = None
        self._workdir: Path | None = None
        self._ids = itertools.count(1)

    # -- life cycle ------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, seconds: float | None = None) -> dict:
        """Start the process and load the submission; returns the load report.

        ``seconds`` shortens the load's deadline (``Limits.load_seconds``): what is left of
        the submission's time budget.
        """
        self.stop()
        spare = _take_spare(self.launcher, self.limits)
        if spare is None:
            self._launch()
        else:
            self._proc, self._channel, self._workdir, self.output = (
                spare._proc, spare._channel, spare._workdir, spare.output)
        self._await_ready()
        self.starts += 1
        self.generation += 1
        load_seconds = self.limits.load_seconds if seconds is None else min(
            seconds, self.limits.load_seconds)
        self.load_report = self._exchange({"op": "load", "statements": self.statements}, [],
                                          load_seconds)
        return self.load_report

    def _process_limits(self) -> Limits:
        """The limits the process sets on itself: its private folders count in its memory."""
        folders, size = self.launcher.scratch()
        return replace(self.limits, memory_bytes=self.limits.memory_bytes - len(folders) * size)

    def _launch(self) -> None:
        """Start the process (its greeting comes later): no student code is loaded yet."""
        spawn = getattr(self.launcher, "spawn", None)
        if spawn is not None:  # forked from a preloaded process (grader.worker.forking)
            try:
                self._proc, parent, output = spawn(self._process_limits())
            except OSError as exc:
                raise WorkerUnavailable(f"could not start the worker: {exc}") from exc
            self.output = OutputTap(output, self.limits.output_bytes)
            self._channel = Channel(parent, self.limits.message_bytes)
            return
        _sweep_orphan_workdirs()
        self._workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        parent, child = socket.socketpair()
        boot = (f"import sys; sys.path[:0] = {self.launcher.worker_paths()!r}; "
                "from grader.worker.server import main; main()")
        argv = [sys.executable, "-I", "-S", "-c", boot, str(child.fileno()),
                str(self.limits.message_bytes), json.dumps(asdict(self._process_limits()))]
        launch = self.launcher.prepare(argv, self._workdir)
        try:
            self._proc = _SPAWNER.popen(
                launch.argv, cwd=self._workdir,
                env=self.launcher.environment(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(child.fileno(), *launch.pass_fds), start_new_session=True)
        except OSError as exc:
            parent.close()
            raise WorkerUnavailable(f"could not start the worker: {exc}") from exc
        finally:
            child.close()
            launch.close()
        self.output = OutputTap(self._proc.stdout, self.limits.output_bytes)
        self._channel = Channel(parent, self.limits.message_bytes)

    def _await_ready(self) -> None:
        """Wait for the worker's greeting, sent before any student code can run.

        Until then a failure is the grader's (sandbox, interpreter, limits), not the student's.
        """
        assert self._channel is not None and self._proc is not None
        try:
            hello, _ = self._channel.receive(time.monotonic() + self.limits.load_seconds)
            if hello.get("ready") is not True:
                raise ProtocolError("no greeting")
            return
        except TimeoutError:
            reason = f"no greeting within {self.limits.load_seconds:g} s"
        except (EOFError, OSError, ProtocolError) as exc:
            reason = str(exc) or type(exc).__name__
        self.stop()
        tail = self.output.text()[-1500:].strip() if self.output else ""
        raise WorkerUnavailable(f"the worker ({self.launcher.mode}) could not start: {reason}"
                                + (f"\n{tail}" if tail else ""))

    def stop(self) -> None:
        """Kill the whole process group and forget it; safe to call at any time.

        Never waits long: a process that is still there after ``STOP_SECONDS`` (it cannot be,
        after SIGKILL, short of a kernel in trouble) is left to the system.
        """
        if self._proc is not None:
            self.launcher.kill(self._proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=STOP_SECONDS)
            if self.output is not None:
                self.output.join(1.0)
        if self._channel is not None:
            self._channel.sock.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._proc = self._channel = self._workdir = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- requests --------------------------------------------------------------------------
    def request(self, op: str, timeout: float | None = None, *, reply_bytes: int | None = None,
                share_arrays: bool = False, **fields: Any) -> Any:
        """Send one request; returns the decoded answer (handles stay :class:`Handle`).

        ``reply_bytes`` bounds the answer (default ``Limits.reply_bytes``). With
        ``share_arrays`` the request's arrays travel in memory the grader keeps, and the answer
        is ``(value, after)``: ``after`` maps each field that held values to those values as
        the grader reads them back from that memory once the worker has answered, whatever the
        worker says (what a call did to its arguments, for instance).
        """
        if not self.alive:
            self.start()
        tree_fields = {}
        blobs: list[bytes] = []
        for key, value in fields.items():
            if key in VALUE_FIELDS:
                value, _ = encode(value, blobs=blobs)
            tree_fields[key] = value
        seconds = timeout if timeout is not None else self.limits.call_seconds
        if not share_arrays:
            return self._exchange({"op": op, **tree_fields}, blobs, seconds, reply_bytes)
        shared = SharedBuffers(blobs)
        try:
            value = self._exchange({"op": op, **tree_fields}, [], seconds, reply_bytes, shared)
            now = shared.read()
        finally:
            shared.close()
        return value, {key: decode(tree_fields[key], now, build_function=FunctionSource)
                       for key in fields if key in VALUE_FIELDS}

    def _exchange(self, request: dict, blobs: list[bytes], seconds: float,
                  reply_bytes: int | None = None, shared: SharedBuffers | None = None) -> Any:
        """One request and its reply, every field of which is checked before use."""
        assert self._channel is not None and self._proc is not None
        request_id = next(self._ids)
        deadline = time.monotonic() + seconds
        budget = self.limits.reply_bytes if reply_bytes is None else reply_bytes
        position = self.output.total if self.output else 0
        stack_after = seconds - min(STACK_MARGIN, seconds / 4)
        try:
            self._channel.send({**request, "id": request_id, "stack_after": stack_after}, blobs,
                               deadline, shared)
            reply, reply_blobs = self._channel.receive(deadline, budget)
            return self._answer(request, request_id, reply, reply_blobs)
        except TimeoutError:
            self.stop()  # the output is drained to its end: the stack dump is in it
            labels = {str(s["label"]) for s in self.statements}
            place = stopped_at(self.output.since(position), labels) if self.output else None
            raise CallTimedOut(seconds, place) from None
        except (EOFError, OSError):
            raise self._died() from None
        except ProtocolError as exc:
            reason = str(exc)
        # an honest worker never sends this: it is out of step, or forging. Raised outside the
        # handler, or the failure would keep the reply alive (through its context's traceback).
        self.stop()
        raise BadReply(reason)

    @staticmethod
    def _answer(request: dict, request_id: int, reply: dict, blobs: list[bytearray]) -> Any:
        if type(reply.get("id")) is not int or reply["id"] != request_id:
            raise ProtocolError("a reply to another request")
        if set(reply) == {"id", "blobs", "error"}:
            error = checked_error(reply["error"])
            raise StudentError(error["type"], error["message"], error["traceback"],
                               error.get("names"))
        if set(reply) != {"id", "blobs", "ok"}:
            raise ProtocolError("malformed reply")
        value = decode(reply["ok"], blobs)
        if request["op"] == "load":
            return checked_load_report(value, request["statements"])
        return value

    def _died(self) -> WorkerDied:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None:
            code = self.launcher.exit_code(code)
        if code is None:
            description = "the worker stopped answering"
        elif code < 0:
            description = f"killed by signal {signal.Signals(-code).name}"
        else:
            description = f"exited with status {code}"
        self.stop()
        tail = self.output.text()[-2000:] if self.output else ""
        return WorkerDied(description, tail)


__all__ = ["BadReply", "CallTimedOut", "Handle", "Launch", "Launcher", "Limits", "StudentError",
           "Worker", "WorkerDied", "WorkerFailure", "WorkerUnavailable"]

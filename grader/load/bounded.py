"""Parse untrusted files in a short-lived forked child with a deadline and a memory cap.

Reading a submission (JSON, nbformat, ``ast.parse``, zip) happens in the grader, not in the
sandbox, and hostile input can make a parser slow, exhaust memory or the C stack. Done in a
child process, the worst it can do is cost that one submission an "unreadable" result.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import json
import os
import resource
import selectors
import signal
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

READ_SECONDS = 30.0
READ_MEMORY_BYTES = 2 * 1024**3   # on top of what the grader has mapped when it forks
REPLY_MAX_BYTES = 256 * 1024**2
MB = 1024**2


class UnreadableSubmission(Exception):
    """The file cannot be read as a notebook or a Python module."""


def forking_available() -> bool:
    """Forking a process that imported NumPy is safe on Linux; elsewhere work in-process."""
    return sys.platform.startswith("linux")


def run_bounded(task: Callable[..., Any], *args: Any, what: str,
                seconds: float = READ_SECONDS, memory_bytes: int = READ_MEMORY_BYTES) -> Any:
    """``task(*args)`` run in a forked child: its value (JSON-able), or UnreadableSubmission.

    ``what`` names the input in messages. An UnreadableSubmission raised by ``task`` keeps its
    message; running out of time, memory or stack becomes one with that reason. Any other
    exception is the grader's own failure and is raised as RuntimeError.
    """
    return start_bounded(task, *args, what=what, seconds=seconds, memory_bytes=memory_bytes)()


def start_bounded(task: Callable[..., Any], *args: Any, what: str,
                  seconds: float = READ_SECONDS,
                  memory_bytes: int = READ_MEMORY_BYTES) -> Callable[[], Any]:
    """:func:`run_bounded`, started now: the function returned waits for the child's answer
    (the deadline counts from now), so that the caller can work meanwhile."""
    if not forking_available():
        return lambda: task(*args)
    deadline = time.monotonic() + seconds
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child ends in os._exit: it never returns into the caller's code
        os.close(read_end)
        _child(write_end, task, args, memory_bytes, what)
    os.close(write_end)

    def answer() -> Any:
        try:
            reply = _read_reply(read_end, deadline, what)
        finally:
            os.close(read_end)
            status = _end(pid)
        if reply is None:
            raise UnreadableSubmission(f"reading {what} took longer than {seconds:g} s")
        if not reply:
            raise UnreadableSubmission(f"reading {what} stopped: "
                                       f"{_ending(status, memory_bytes)}")
        decoded = json.loads(reply)
        if "unreadable" in decoded:
            raise UnreadableSubmission(decoded["unreadable"])
        if "error" in decoded:
            raise RuntimeError(f"reading {what} failed in the grader: {decoded['error']}")
        return decoded["value"]

    return answer


def _child(write_end: int, task: Callable[..., Any], args: tuple, memory_bytes: int,
           what: str) -> None:
    """Run the task and write its reply; never return into the parent's code."""
    try:
        gc.disable()  # short-lived: building a large AST triggers collection after collection
        faulthandler.disable()  # a crash here is the file's, told by the parent: no stack dump
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        warnings.simplefilter("ignore")  # nbformat's warnings are about the student's file
        _limit_memory(memory_bytes)
        try:
            data = json.dumps({"value": task(*args)}).encode()
        except UnreadableSubmission as exc:
            data = json.dumps({"unreadable": str(exc)}).encode()
        except MemoryError:
            data = json.dumps({"unreadable": f"reading {what} needed more than "
                                             f"{memory_bytes // MB} MB of memory"}).encode()
        except RecursionError:
            data = json.dumps({"unreadable": f"{what} is nested too deeply to be read"}).encode()
        except Exception as exc:
            data = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


def _end(pid: int) -> int:
    """Kill the child (finished or out of time, it has nothing more to say) and reap it."""
    with contextlib.suppress(ProcessLookupError):  # reaped already where SIGCHLD is ignored
        os.kill(pid, signal.SIGKILL)
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return 0


def _limit_memory(extra: int) -> None:
    """Cap the child's address space at what it shares with the grader plus ``extra``."""
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + extra if hard == resource.RLIM_INFINITY else min(mapped + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read_reply(fd: int, deadline: float, what: str) -> bytes | None:
    """Everything the child writes until it closes the pipe; None when the deadline passes."""
    chunks, size = [], 0
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                continue
            chunk = os.read(fd, MB)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > REPLY_MAX_BYTES:
                raise UnreadableSubmission(
                    f"reading {what} gave more than {REPLY_MAX_BYTES // MB} MB of definitions")
            chunks.append(chunk)
    return None


def _ending(status: int, memory_bytes: int) -> str:
    """Why a child gave no answer, as far as its exit status tells."""
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGKILL:
        name = signal.Signals(os.WTERMSIG(status)).name
        return f"the reader crashed ({name}); the file may be nested too deeply"
    return f"the reader ended without an answer (did it need more than {memory_bytes // MB} MB?)"

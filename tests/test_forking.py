"""Workers forked from a preloaded process: same answers and failures as started workers.

The exploit corpus runs against both kinds (tests/test_exploits.py); this covers the zygote's
own life: sharing, restarts, a worker that kills it, forked grading processes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import time

import pytest

from grader.worker.client import Limits, Worker, WorkerDied
from grader.worker.forking import PreloadedLauncher, _zygotes
from grader.worker.sandbox import BubblewrapLauncher, sandbox_problem

if not sys.platform.startswith("linux") or sandbox_problem() is not None:
    pytest.skip("needs a working bubblewrap", allow_module_level=True)

LIMITS = Limits(call_seconds=5, load_seconds=20)
PROGRAM = [{"label": "m.py", "line": 1, "source": """
import os, signal
def add(a, b):
    return a + b
def parent():
    return os.getppid()
def kill_parent():
    os.kill(os.getppid(), signal.SIGKILL)
def listing():
    return sorted(os.listdir('/tmp'))
def leave(name):
    open('/tmp/' + name, 'w').write('x')
    return sorted(os.listdir('/tmp'))
def exit_with(code):
    os._exit(code)
def zygote_memory():
    try:
        with open(f"/proc/{os.getppid()}/mem", "rb") as mem:
            return mem.read(1).hex()
    except OSError as exc:
        return type(exc).__name__
"""}]


@pytest.fixture
def launcher() -> PreloadedLauncher:
    preloaded = PreloadedLauncher(BubblewrapLauncher())
    yield preloaded
    preloaded.close()


def call(worker: Worker, name: str, *args: object) -> object:
    return worker.request("call", target=name, args=list(args), kwargs={})


def test_workers_share_one_zygote_and_start_clean(launcher: PreloadedLauncher) -> None:
    parents = set()
    for name in ("first", "second", "third"):
        copy = pickle.loads(pickle.dumps(launcher))  # as grading processes receive it
        with Worker(PROGRAM, LIMITS, copy) as worker:
            assert call(worker, "add", 2, 3) == 5
            parents.add(call(worker, "parent"))
            mounted = call(worker, "listing")  # a virtualenv under /tmp is mounted there
            assert not {"first", "second", "third"} & set(mounted)  # nothing left before
            assert call(worker, "leave", name) == sorted([*mounted, name])
    assert len(parents) == 1 and len(_zygotes) == 1


def test_exit_status_and_restart_after_a_crash(launcher: PreloadedLauncher) -> None:
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        with pytest.raises(WorkerDied, match="exited with status 3"):
            call(worker, "exit_with", 3)
        assert call(worker, "add", 1, 1) == 2  # restarted, forked again


def test_a_worker_that_kills_the_zygote_only_fails_itself(launcher: PreloadedLauncher) -> None:
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        first = call(worker, "parent")
        zygote = next(iter(_zygotes.values()))
        with contextlib.suppress(WorkerDied):  # the namespace may go before the answer
            call(worker, "kill_parent")
        deadline = time.monotonic() + 10
        while zygote.alive:
            assert time.monotonic() < deadline, "the grader did not notice the zygote's end"
            time.sleep(0.01)
        assert call(worker, "add", 2, 2) == 4  # restarted: a new zygote, a new worker
        assert next(iter(_zygotes.values())) is not zygote
        assert call(worker, "parent") == first  # the same pid, in a new namespace


def test_forked_grading_process_starts_its_own_zygote(launcher: PreloadedLauncher) -> None:
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "add", 1, 2) == 3
    ours = next(iter(_zygotes.values()))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a grading process of a batch
        status = 1
        try:
            with Worker(PROGRAM, LIMITS, launcher) as worker:
                ok = call(worker, "add", 4, 5) == 9
            theirs = next(iter(_zygotes.values()))
            status = 0 if ok and theirs is not ours and theirs.proc.pid != ours.proc.pid else 2
            launcher.close()
        finally:
            os.write(write, bytes([status]))
            os._exit(status)
    os.close(write)
    assert os.read(read, 1) == b"\0"
    os.waitpid(pid, 0)
    assert ours.alive  # the child's exit did not stop the parent's zygote
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "add", 1, 1) == 2


def test_a_worker_cannot_read_the_zygotes_memory(launcher: PreloadedLauncher) -> None:
    """The zygote is not dumpable: its memory is out of reach of the (same uid) workers."""
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "zygote_memory") == "PermissionError"

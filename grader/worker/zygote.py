"""The zygote: a process preloaded in the sandbox that forks workers, NumPy imported once.

Starting a worker costs a sandbox, an interpreter and ``import numpy`` (about 0.1 s of CPU),
more than grading a short submission itself. When a grader starts many workers (a class,
restarts after crashes), it starts this process once under the same launcher instead, and
asks it for a worker per submission: ``fork()`` from here costs milliseconds.

Each forked worker is as confined as a directly started one: its own session, only its own
socket and output pipe open, the seccomp filter installed before any student code runs (this
process itself runs without it, so that it can fork), then the rlimits. This process is not
dumpable, so that no process of the same user can read or write its memory.

In a sandbox that gives workers private folders (``Launcher.scratch``), the process forked for
a worker (its *keeper*) first gives it namespaces of its own, nested in the sandbox's:

- a user namespace (the same uid and gid, mapped onto themselves) that owns the others;
- a PID namespace: the worker cannot name, so cannot signal, trace or renice, this process,
  the sandbox's init, or any other worker. Its parent is outside (``getppid()`` is 0), and the
  namespace's init, a fork that only waits, ignores every signal the worker may send;
- an IPC namespace: SysV objects die with the worker;
- a mount namespace with a fresh tmpfs of the allowed size on each private folder (trees the
  sandbox mounted below one, such as a virtualenv under /tmp, are bound again), and a /proc
  that shows the worker alone: bubblewrap's /proc lists this process too, and through it a
  process of the same user could make it the out-of-memory killer's first victim or lower
  its priority.

The worker then drops every capability its user namespace gave it. Nothing is cleaned between
two workers: each one's writable folders and IPC objects are gone with its namespaces.

Protocol (frames of :mod:`grader.worker.wire`): the grader sends ``{"op": "spawn", "id",
"limits", "max_bytes"}`` with two descriptors (the worker's socket, the write end of its output
pipe), or ``{"op": "kill", "id"}``; this process answers ``{"spawned": id}`` as soon as it has
forked, and ``{"exited": id, "code"}`` (negative: killed by that signal) when a worker ends. The
grader's side is :mod:`grader.worker.preloaded`; it gives up on this process (and on its
sandbox) when an answer is late.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import socket
import stat
import sys
import traceback

from grader.worker.kernel import (
    CLONE_NEWIPC,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    MS_BIND,
    MS_MOVE,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    PR_SET_DUMPABLE,
    drop_capabilities,
    install_seccomp,
    mount,
    prctl,
    unshare,
)
from grader.worker.wire import Channel, ProtocolError

PROC_FILES = ("cpuinfo", "meminfo", "stat", "loadavg", "uptime")  # about the machine
EX_SOFTWARE = 70  # the worker could not be set up
CONTROL_BYTES = 1024**2  # a frame on the zygote's socket (its messages are small)


def _unescape(field: str) -> str:
    """A path as /proc/self/mountinfo writes it (space, tab, newline, backslash in octal)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def mounted_below(folders: tuple[str, ...]) -> list[str]:
    """Mount points strictly inside ``folders`` (topmost only: binding one takes the rest)."""
    with open("/proc/self/mountinfo") as f:
        points = [_unescape(line.split()[4]) for line in f]
    inside = [p for p in points for folder in folders if p.startswith(folder.rstrip("/") + "/")]
    return sorted({p for p in inside
                   if not any(p.startswith(q.rstrip("/") + "/") for q in inside)})


class Zygote:
    """This process: forks a worker per request of the grader, one at a time, and says when
    each has forked and when it has ended."""

    def __init__(self, control: socket.socket, program: bytes | None,
                 scratch: tuple[str, ...] = (), scratch_bytes: int = 0) -> None:
        self.control = Channel(control, CONTROL_BYTES, trusted_peer=True)
        self.program = program
        self.scratch = scratch
        self.scratch_bytes = scratch_bytes
        self.below = mounted_below(scratch)  # to bind again on each worker's fresh folders
        self.child: tuple[int, int] | None = None  # (pid, id)
        self.wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.wake_write = wake_write

    def loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.control.sock, self.wake_read], [], [])
            if self.wake_read in ready:
                os.read(self.wake_read, 4096)
                self._reap(block=False)
            if self.control.sock in ready:
                try:
                    request, _ = self.control.receive()
                except (EOFError, OSError, ProtocolError):
                    return  # the grader is gone
                fds = self.control.take_descriptors()
                if request["op"] == "spawn":
                    self._spawn(request, fds)
                elif request["op"] == "kill":
                    self._kill(request["id"])

    def _kill(self, ident: int) -> None:
        if self.child is not None and self.child[1] == ident:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child[0], signal.SIGKILL)

    def _reap(self, block: bool) -> None:
        while self.child is not None:
            pid, status = os.waitpid(self.child[0], 0 if block else os.WNOHANG)
            if pid == 0:
                return
            ident, self.child = self.child[1], None
            self._send({"exited": ident, "code": os.waitstatus_to_exitcode(status)})

    def _send(self, message: dict) -> None:
        with contextlib.suppress(OSError):
            self.control.send(message)

    def _spawn(self, request: dict, fds: list[int]) -> None:
        if self.child is not None:  # one worker at a time: the last one goes first
            self._kill(self.child[1])
            self._reap(block=True)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            return
        pid = os.fork()
        if pid == 0:
            status = EX_SOFTWARE
            try:
                self._leave_zygote()
                os.dup2(fds[1], 2)  # why a worker could not be set up shows in its output
                if self.scratch:
                    status = self._keep(request, *fds)
                else:
                    self._become_worker(request, *fds)
                    status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        self.child = (pid, request["id"])
        for fd in fds:
            os.close(fd)
        self._send({"spawned": request["id"]})

    def _leave_zygote(self) -> None:
        """In a child: this process's signal handling and control socket are not its own."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.control.sock.close()

    # -- a worker in namespaces of its own ---------------------------------------------------
    def _keep(self, request: dict, channel_fd: int, output_fd: int) -> int:
        """Be the worker's keeper: set up its namespaces, fork their init and the worker, wait
        for the worker and end as it did. Killing the keeper ends the init, so the namespace."""
        self._enter_namespaces()
        lifeline, held = os.pipe()  # the init lives until the keeper closes (or loses) ``held``
        init = os.fork()
        if init == 0:
            try:
                self._be_init(lifeline)
            finally:
                os._exit(0)
        os.close(lifeline)
        worker = os.fork()
        if worker == 0:
            status = EX_SOFTWARE
            try:
                os.close(held)
                self._become_worker(request, channel_fd, output_fd)
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        for fd in (channel_fd, output_fd):
            os.close(fd)
        _, status = os.waitpid(worker, 0)
        os.close(held)
        os.waitpid(init, 0)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:  # end by the same signal, so that the grader reports it as such
            with contextlib.suppress(OSError):  # SIGKILL has no handler to reset
                signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        return code if code >= 0 else 128 - code

    def _enter_namespaces(self) -> None:
        """New user, PID, IPC and mount namespaces; fresh private folders in the last one."""
        uid, gid = os.getuid(), os.getgid()
        unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID)
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        # held by descriptor, opened in this namespace (a bind takes mounts of its own only)
        below = [(path, os.open(path, os.O_PATH)) for path in self.below]
        for folder in self.scratch:
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV,
                   f"size={self.scratch_bytes},mode=755")
        for path, fd in below:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o444))
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            os.close(fd)

    @staticmethod
    def _be_init(lifeline: int) -> None:
        """PID 1 of the worker's namespace: holds nothing, ignores the worker, waits."""
        os.closerange(0, lifeline)
        os.closerange(lifeline + 1, os.sysconf("SC_OPEN_MAX"))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # reap whatever ends up here
        drop_capabilities()
        while os.read(lifeline, 1):
            pass

    def _private_proc(self) -> None:
        """Cover /proc with a read-only view of this process alone (``self`` and its own PID)
        and a few files about the machine. Built aside in the fresh /tmp, then moved."""
        outer = os.readlink("/proc/self")  # this process's PID where that /proc was mounted
        stage = f"{self.scratch[0]}/.proc-{outer}"
        os.mkdir(stage)
        mount("proc-view", stage, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=555")
        for name in ("self", str(os.getpid())):
            os.mkdir(f"{stage}/{name}")
            mount(f"/proc/{outer}", f"{stage}/{name}", None, MS_BIND)
        for name in PROC_FILES:
            if os.path.isfile(f"/proc/{name}"):
                os.close(os.open(f"{stage}/{name}", os.O_CREAT | os.O_WRONLY, 0o444))
                mount(f"/proc/{name}", f"{stage}/{name}", None, MS_BIND)
        os.symlink("self/mounts", f"{stage}/mounts")
        mount(None, stage, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
        mount(stage, "/proc", None, MS_MOVE)
        os.rmdir(stage)

    def _become_worker(self, request: dict, channel_fd: int, output_fd: int) -> None:
        from grader.worker import inside

        os.setsid()
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        keep = {0, 1, 2, channel_fd}
        for fd in (int(name) for name in os.listdir("/proc/self/fd")):
            if fd not in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self.scratch:
            self._private_proc()
            drop_capabilities()
        if self.program is not None:
            install_seccomp(self.program)
        # the command line of a started worker: student code sees no difference
        sys.argv = [sys.argv[0], str(channel_fd), str(request["max_bytes"]),
                    json.dumps(request["limits"])]
        inside.run(channel_fd, int(request["max_bytes"]), request["limits"])


def preload_matplotlib() -> None:
    """Import matplotlib's pyplot here, where it is installed, for every forked worker to share.

    Most study code imports it at the top, and on its own a worker spends more on that import
    (fonts included) than on grading. The backend is Agg (MPLBACKEND, from the launcher): no
    window, no display. Where matplotlib is missing or broken, nothing happens here; the
    submissions that import it are told so and keep their other definitions.
    """
    with contextlib.suppress(Exception):
        import matplotlib.pyplot  # noqa: F401


def main() -> None:
    import numpy  # noqa: F401  (what the forked workers save)

    from grader.worker import inside  # noqa: F401

    preload_matplotlib()
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    program = bytes.fromhex(config["seccomp"]) if config["seccomp"] else None
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    Zygote(control, program, tuple(config["scratch"]), int(config["scratch_bytes"])).loop()


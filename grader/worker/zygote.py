"""A preloaded process that forks workers: NumPy and the worker imported once per sandbox.

Starting a worker costs a sandbox, an interpreter and ``import numpy`` (about 0.1 s of CPU),
more than grading a short submission itself. When a grader starts many workers (a class,
restarts after crashes), it starts this process once under the same launcher instead, and
asks it for a worker per submission: ``fork()`` from here costs milliseconds.

Each forked worker is as confined as a directly started one: its own session, only its own
socket and output pipe open, the seccomp filter that refuses new processes installed before
any student code runs (this process itself runs without it, so that it can fork), then the
rlimits. What one worker could leave for the next is removed before the next starts: at most
one worker runs at a time, and /tmp and /dev/shm are emptied between two. This process is
not dumpable, so a worker (same uid) cannot read or write its memory.

Protocol (SOCK_SEQPACKET, one JSON object per message): the grader sends ``{"op": "spawn",
"id", "limits", "max_bytes"}`` with two descriptors (the worker's socket, the write end of its
output pipe), or ``{"op": "kill", "id"}``; this process answers ``{"exited": id, "code"}``
(negative: killed by that signal) when a worker ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import socket
import sys

PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2
SCRATCH = ("/tmp", "/dev/shm")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _prctl(*args: object) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(*args) != 0:
        raise OSError(ctypes.get_errno(), f"prctl{args[:2]} failed")


def install_seccomp(program: bytes) -> None:
    """Install a classic BPF filter on this process (as ``bwrap --seccomp`` does)."""
    buffer = ctypes.create_string_buffer(program)
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)


def _listing(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _empty_scratch(baseline: dict[str, set[str]]) -> None:
    """Remove what workers created in the scratch folders (never what the sandbox mounted)."""
    for folder, mounted in baseline.items():
        for name in _listing(folder) - mounted:
            path = os.path.join(folder, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)


class Zygote:
    def __init__(self, control: socket.socket, program: bytes | None) -> None:
        self.control = control
        self.program = program
        self.child: tuple[int, int] | None = None  # (pid, id)
        self.baseline = {folder: _listing(folder) for folder in SCRATCH}
        self.wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.wake_write = wake_write

    def loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.control, self.wake_read], [], [])
            if self.wake_read in ready:
                os.read(self.wake_read, 4096)
                self._reap(block=False)
            if self.control in ready:
                message, fds, _, _ = socket.recv_fds(self.control, 65536, 2)
                if not message:
                    return  # the grader is gone
                request = json.loads(message)
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
            _empty_scratch(self.baseline)
            self._send({"exited": ident, "code": os.waitstatus_to_exitcode(status)})

    def _send(self, message: dict) -> None:
        with contextlib.suppress(OSError):
            self.control.send(json.dumps(message).encode())

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
            status = 70  # EX_SOFTWARE: the worker could not be set up
            try:
                self._become_worker(request, *fds)
                status = 0
            finally:
                os._exit(status)
        self.child = (pid, request["id"])
        for fd in fds:
            os.close(fd)

    def _become_worker(self, request: dict, channel_fd: int, output_fd: int) -> None:
        from grader.worker import server

        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        self.control.close()
        keep = {0, 1, 2, channel_fd}
        for fd in (int(name) for name in os.listdir("/proc/self/fd")):
            if fd not in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self.program is not None:
            install_seccomp(self.program)
        # the command line of a started worker: student code sees no difference
        sys.argv = [sys.argv[0], str(channel_fd), str(request["max_bytes"]),
                    json.dumps(request["limits"])]
        server.run(channel_fd, int(request["max_bytes"]), request["limits"])


def main() -> None:
    import numpy  # noqa: F401  (what the forked workers save)

    from grader.worker import server  # noqa: F401

    control = socket.socket(fileno=int(sys.argv[1]))
    program = bytes.fromhex(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
    _prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    Zygote(control, program).loop()


if __name__ == "__main__":
    main()

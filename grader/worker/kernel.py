"""What the sandbox asks of the Linux kernel directly: the seccomp filter, prctl, capabilities,
namespaces and mounts.

The filter is built here once for every launcher: bubblewrap installs it on each worker it
starts (``bwrap --seccomp``), the zygote on each worker it forks (:mod:`grader.worker.zygote`),
and a worker confined as another user on itself (:mod:`grader.worker.confine`). It refuses:

- new processes (fork, vfork, clone without CLONE_THREAD; clone3 answers ENOSYS so that
  threads fall back to clone) and namespaces. This, not RLIMIT_NPROC, is what stops a fork
  bomb: RLIMIT_NPROC is ignored for processes whose real uid is root outside the namespace,
  which is the case when the grader runs as root (CI), uid mapping or not;
- what a process without capabilities has no business doing: mounting (which it could do
  again in a user namespace of its own), tracing other processes, keyrings, BPF, perf events,
  userfaultfd, io_uring;
- memory that RLIMIT_AS does not count: SysV IPC, POSIX message queues, memfd;
- network sockets: ``socket()`` of any family but AF_UNIX. The sandbox's network namespace
  holds nothing to reach, but a worker confined as another user shares the machine's (and
  Landlock, where there is any, filters TCP only, from ABI 4 on): there a grader's service
  on 127.0.0.1, such as the scheduler of a local Dask cluster, which runs the code it is
  sent, is within reach of student code.

Threads stay allowed (NumPy and student code may use them; their memory counts against
RLIMIT_AS). A foreign syscall ABI (i386, x32) kills the process.

Standard library only: this module runs beside student code.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import struct
import sys

PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x20000, 0x8000000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 0x1000, 0x2000, 0x4000, 0x40000
CAPABILITY_VERSION_3 = 0x20080522

# -- the seccomp filter ------------------------------------------------------------------------

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_CLONE = {"x86_64": (56, 435), "aarch64": (220, 435)}  # clone, clone3
_SOCKET = {"x86_64": 41, "aarch64": 198}
_AF_UNIX = 1
_REFUSED = {  # with EPERM (see the module docstring)
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
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The filter as classic BPF (what ``bwrap --seccomp`` reads), or None on an unknown CPU."""
    machine = machine or os.uname().machine
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
             (_JEQ, "socket", None, _SOCKET[machine]), (_RET, None, None, _ALLOW)]
    labels = {"clone": len(prog)}
    prog += [(_LD_W_ABS, None, None, 16),                             # args[0], low 32 bits
             (_JSET, "allow", "eperm", _CLONE_THREAD)]
    labels["socket"] = len(prog)
    prog += [(_LD_W_ABS, None, None, 16),                             # args[0]: the family
             (_JEQ, "allow", "eperm", _AF_UNIX)]
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


# -- system calls --------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def prctl(*args: object) -> None:
    _check(_libc.prctl(*args), f"prctl{args[:2]}")


def syscall(number: int, *args: object) -> int:
    """A system call libc has no function for (Landlock's); its result, or OSError."""
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def install_seccomp(program: bytes) -> None:
    """Install a classic BPF filter on this process (as ``bwrap --seccomp`` does)."""
    buffer = ctypes.create_string_buffer(program)
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)


def drop_capabilities() -> None:
    """Drop every capability: effective, permitted, inheritable, ambient and bounding sets."""
    for capability in itertools.count():
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # EINVAL: past the last capability of this kernel
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("=Ii", CAPABILITY_VERSION_3, 0)
    _check(_libc.capset(header, bytes(24)), "capset")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    def raw(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    _check(_libc.mount(raw(source), raw(target), raw(fstype), ctypes.c_ulong(flags), raw(data)),
           f"mount {target}")

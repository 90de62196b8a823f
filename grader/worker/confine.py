"""A worker confines itself, where no namespaces can: another user, Landlock, seccomp.

The unprivileged launcher (:mod:`grader.worker.unprivileged`) starts the worker as root with
one environment variable, :data:`CONFINEMENT_VARIABLE`, that says how. Before the worker
greets, so before any student code runs, :func:`confine_from_environment`:

1. refuses unless the process has one thread (Landlock and seccomp bind the calling thread),
   and sets no_new_privs;
2. restricts the filesystem with Landlock, when the kernel has it: read-only access to the
   paths listed (the Python installation, grader and NumPy, system libraries), read and
   write to /dev/null, full access to its own folder (the current one, owned by the
   student user) and nothing else; no TCP (ABI 4) and no signals or abstract sockets
   beyond its own Landlock domain (ABI 6);
3. becomes the student user: uid and gid, no supplementary groups;
4. becomes non-dumpable (its memory and descriptors are closed to other processes of that
   user) and installs the seccomp filter that refuses new processes.

It imports the standard library only: it runs beside student code.
"""

from __future__ import annotations

import ctypes
import json
import os
import stat

from grader.worker.kernel import (
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    install_seccomp,
    prctl,
    syscall,
)

CONFINEMENT_VARIABLE = "GRADER_CONFINEMENT"

# Landlock (include/uapi/linux/landlock.h); the syscall numbers are the same on every
# architecture that has them
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ABI1 = (1 << 13) - 1                       # execute ... make_sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_TCP = (1 << 0) | (1 << 1)                 # bind and connect (ABI 4)
_SCOPE_ALL = (1 << 0) | (1 << 1)               # abstract unix sockets and signals (ABI 6)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 when it has none (or it is disabled)."""
    try:
        return syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def landlock_protects(abi: int) -> list[str]:
    """What a Landlock domain of this ABI version restricts here."""
    return ["files", *(["TCP"] if abi >= 4 else []), *(["signals"] if abi >= 6 else [])]


def _file_rights(abi: int) -> int:
    """Every filesystem right the ABI knows (and so can deny)."""
    return (_FS_ABI1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
            | (_FS_IOCTL_DEV if abi >= 5 else 0))


def restrict_with_landlock(abi: int, read: list[str], read_write: list[str], own: str) -> None:
    """Deny this thread (and what it becomes) every file access but the ones listed.

    ``read``: folders or files to read (not execute); ``read_write``: files to read and
    write (devices); ``own``: a folder with every right. Paths that do not exist are skipped.
    """
    handled = _file_rights(abi)
    attr = _RulesetAttr(handled, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                      ctypes.c_uint32(0))
    try:
        truncate = _FS_TRUNCATE if abi >= 3 else 0
        rules = [(path, _FS_READ_FILE | _FS_READ_DIR) for path in read]
        rules += [(path, _FS_READ_FILE | _FS_WRITE_FILE | truncate) for path in read_write]
        rules.append((own, handled & ~_FS_EXECUTE))
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | truncate
                rule = _PathBeneath(rights, fd)
                syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0))
            finally:
                os.close(fd)
        syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def confine(spec: dict) -> None:
    """Apply ``spec`` (see the module docstring) to this process, or raise."""
    threads = os.listdir("/proc/self/task")
    if len(threads) != 1:
        raise RuntimeError(f"cannot confine a process with {len(threads)} threads")
    own = os.getcwd()
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # Landlock asks for it where root lacks CAP_SYS_ADMIN
    if spec["landlock"]:
        restrict_with_landlock(int(spec["landlock"]), spec["read"], spec["read_write"], own)
    uid, gid = int(spec["uid"]), int(spec["gid"])
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (gid,) * 3 or os.getgroups():
        raise RuntimeError("could not become the student user")
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    install_seccomp(bytes.fromhex(spec["seccomp"]))
    os.environ["HOME"] = os.environ["TMPDIR"] = own


def confine_from_environment() -> None:
    """Confine this worker as its launcher asked, if it asked (see the module docstring)."""
    text = os.environ.pop(CONFINEMENT_VARIABLE, None)
    if text is not None:
        confine(json.loads(text))

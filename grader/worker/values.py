"""The values that cross between the grader and the worker, in the frames of :mod:`.wire`.

Only plain data crosses: None, bool, int, float, str, list, tuple, dict with str keys,
NumPy scalars and base-class ndarrays of bool/int/uint/float dtype, handles to objects
that stay in the worker, and (grader to worker only) function sources. Nothing is ever
unpickled. A value is a JSON tree in the frame's header; arrays travel as its raw buffers.
The decoder is strict because the worker's side is untrusted: whatever the worker sends, the
grader gets a value or a :class:`~grader.worker.wire.ProtocolError`, and never holds more than
one copy of what it was sent. So are the checks of what the worker reports besides values (an
error, the load report), at the end of this module.

A request may instead place its arrays in a memory file the grader creates and keeps
(:class:`SharedBuffers`): the worker maps it and hands student code views of it, and the grader
reads the arrays back from the file itself after the call. That is how the grader sees what a
call did to its arguments without taking the worker's word for it.
"""

from __future__ import annotations

import fcntl
import math
import mmap
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.worker.wire import ProtocolError

ARRAY_KINDS = frozenset("biuf")
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_STR = 1_000_000
SHARED_ALIGN = 64  # each array in a shared memory file starts on a cache line


@dataclass(frozen=True)
class Handle:
    """A reference to an object that lives in the worker."""

    id: int
    type_name: str
    callable: bool = False


@dataclass(frozen=True)
class FunctionSource:
    """A function the grader defines by source, to be built and run inside the worker."""

    source: str


def encode(value: Any, register: Any = None,
           blobs: list[bytes] | None = None) -> tuple[Any, list[bytes]]:
    """Encode ``value`` as a JSON-able tree plus array buffers (appended to ``blobs``).

    ``register(obj) -> Handle`` is called for objects that are not plain data; without it,
    such objects are an error (the grader never sends them).
    """
    blobs = [] if blobs is None else blobs
    return _Encoder(register, blobs).value(value, 0), blobs


class _Encoder:
    """A class, not a recursive closure: a closure's cycle would keep the buffers until gc."""

    def __init__(self, register: Any, blobs: list[bytes]) -> None:
        self.register = register
        self.blobs = blobs

    def value(self, v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        if v is None:
            return ["n"]
        if type(v) is bool:
            return ["b", v]
        if type(v) is int:
            return ["i", str(v)]
        if type(v) is float:
            return ["f", repr(v)]
        if type(v) is str:
            return ["s", v]
        if type(v) is np.ndarray and v.dtype.kind in ARRAY_KINDS:
            self.blobs.append(v.tobytes())  # C order, whatever the strides; keeps 0-d arrays 0-d
            return ["a", v.dtype.str, list(v.shape), len(self.blobs) - 1]
        if (isinstance(v, np.generic) and type(v).__module__ == "numpy"
                and v.dtype.kind in ARRAY_KINDS):
            self.blobs.append(np.asarray(v).tobytes())
            return ["g", v.dtype.str, len(self.blobs) - 1]
        if type(v) is list:
            return ["l", [self.value(x, depth + 1) for x in v]]
        if type(v) is tuple:
            return ["t", [self.value(x, depth + 1) for x in v]]
        if type(v) is dict and all(type(k) is str for k in v):
            return ["d", [[k, self.value(x, depth + 1)] for k, x in v.items()]]
        if isinstance(v, Handle):
            return ["h", v.id, v.type_name, v.callable]
        if isinstance(v, FunctionSource):
            return ["fn", v.source]
        if self.register is None:
            raise ProtocolError(f"cannot send a value of type {type(v).__name__}")
        return self.value(self.register(v), depth)


def decode(tree: Any, blobs: list, resolve: Any = None, build_function: Any = None) -> Any:
    """Decode a tree made by :func:`encode`, accepting only the exact forms it produces.

    ``resolve(handle)`` maps handles to local objects (the worker side); without it handles
    stay :class:`Handle`. ``build_function(source)`` is only given on the worker side. Arrays
    are views of writable buffers (no copy), and copies of read-only ones.
    """
    return _Decoder(blobs, resolve, build_function).value(tree, 0)


class _Decoder:
    """A class, not a recursive closure: a closure's cycle would keep the buffers until gc."""

    def __init__(self, blobs: list, resolve: Any, build_function: Any) -> None:
        self.blobs = blobs
        self.resolve = resolve
        self.build_function = build_function
        self.budget = MAX_ITEMS
        self.used: set[int] = set()  # a buffer backs one array at most: no copies by reference

    def value(self, node: Any, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise ProtocolError("value has too many items")
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        if type(node) is not list or not node or type(node[0]) is not str:
            raise ProtocolError("malformed value")
        tag, args = node[0], node[1:]
        if tag == "n" and not args:
            return None
        if tag == "b" and len(args) == 1 and type(args[0]) is bool:
            return args[0]
        if tag == "i" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= 4300:
            return _number(int, args[0])
        if tag == "f" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= 40:
            return _number(float, args[0])
        if tag == "s" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= MAX_STR:
            return args[0]
        if tag == "a" and len(args) == 3:
            return _array(args[0], args[1], self.blob(args[2]))
        if tag == "g" and len(args) == 2:
            return _array(args[0], [], self.blob(args[1]))[()]
        if tag in ("l", "t") and len(args) == 1 and type(args[0]) is list:
            items = [self.value(x, depth + 1) for x in args[0]]
            return items if tag == "l" else tuple(items)
        if tag == "d" and len(args) == 1 and type(args[0]) is list:
            out = {}
            for pair in args[0]:
                if (type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str
                        or len(pair[0]) > MAX_STR):
                    raise ProtocolError("malformed dict")
                out[pair[0]] = self.value(pair[1], depth + 1)
            return out
        if (tag == "h" and len(args) == 3 and type(args[0]) is int and type(args[1]) is str
                and type(args[2]) is bool):
            handle = Handle(args[0], args[1][:200], args[2])
            return self.resolve(handle) if self.resolve else handle
        if tag == "fn" and self.build_function is not None and len(args) == 1:
            return self.build_function(args[0])
        raise ProtocolError(f"value of kind {tag!r} is not allowed here")

    def blob(self, index: Any) -> Any:
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise ProtocolError("array refers to a missing buffer")
        if index in self.used:
            raise ProtocolError("two arrays refer to one buffer")
        self.used.add(index)
        return self.blobs[index]


def _number(kind: type, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ProtocolError(f"malformed {kind.__name__}") from None


def _array(dtype_str: Any, shape: Any, data: Any) -> np.ndarray:
    """An array over ``data`` itself when it is writable (no copy), else a copy of it."""
    if type(dtype_str) is not str or len(dtype_str) > 8:
        raise ProtocolError("malformed dtype")
    try:
        dtype = np.dtype(dtype_str)
    except (TypeError, ValueError) as exc:
        raise ProtocolError("unknown dtype") from exc
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    if (type(shape) is not list or len(shape) > 32
            or any(type(n) is not int or n < 0 for n in shape)
            or math.prod(n for n in shape if n) * dtype.itemsize > sys.maxsize):
        raise ProtocolError("malformed shape")
    if math.prod(shape) * dtype.itemsize != len(data):
        raise ProtocolError("array size does not match its shape")
    values = np.frombuffer(data, dtype=dtype).reshape(shape)
    if not values.flags.writeable:
        values = values.copy()
    if dtype.kind == "b" and values.view(np.uint8).max(initial=0) > 1:
        raise ProtocolError("a boolean array holds bytes other than 0 and 1")
    return values


def _layout(sizes: list[int]) -> tuple[list[int], int]:
    """Offsets of buffers of ``sizes`` in a shared memory file, and the file's size."""
    offsets, end = [], 0
    for size in sizes:
        offsets.append(end)
        end += -(-size // SHARED_ALIGN) * SHARED_ALIGN
    return offsets, end


class SharedBuffers:
    """The buffers of one request, in a memory file the grader creates and keeps.

    The worker maps the file (the mapping counts against its RLIMIT_AS) and decodes views of
    it, so what student code writes into its arguments lands here; :meth:`read` is the grader
    reading them back itself. The file is sealed against shrinking and growing where the system
    allows: the worker holds a descriptor of it, and a mapping of a shrunk file would fault.
    """

    def __init__(self, blobs: list[bytes]) -> None:
        self.sizes = [len(b) for b in blobs]
        self.offsets, size = _layout(self.sizes)
        self.fd: int | None = None
        if size:
            self.fd = _memory_file(size)
            for blob, offset in zip(blobs, self.offsets, strict=True):
                _write_at(self.fd, blob, offset)
            if hasattr(fcntl, "F_ADD_SEALS"):
                fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS,
                            fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)

    def read(self) -> list[bytearray]:
        """The buffers as they are now (where the file has no seals and the worker cut it
        short, what it cut reads as zeros: the arguments changed)."""
        out = []
        for size, offset in zip(self.sizes, self.offsets, strict=True):
            buf = bytearray(size)
            view, done, got = memoryview(buf), 0, 1
            while done < size and got:
                got = os.preadv(self.fd, [view[done:]], offset + done)
                done += got
            out.append(buf)
        return out

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _memory_file(size: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("grader-shared", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    else:  # an unlinked temporary file where there is no memfd (macOS)
        with tempfile.TemporaryFile() as file:
            fd = os.dup(file.fileno())
    os.ftruncate(fd, size)
    return fd


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def map_shared(sizes: Any, fds: list[int]) -> list[Any]:
    """The worker's side of :class:`SharedBuffers`: writable views of the mapped file.

    Takes ownership of ``fds`` (the descriptors that came with the request).
    """
    try:
        if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes):
            raise ProtocolError("malformed list of shared buffers")
        offsets, size = _layout(sizes)
        if not size:
            return [bytearray() for _ in sizes]
        if len(fds) != 1:
            raise ProtocolError("shared buffers came without their memory file")
        try:
            memory = memoryview(mmap.mmap(fds[0], size))
        except OSError as exc:  # the mapping counts against the worker's RLIMIT_AS
            raise MemoryError(f"the arguments ({size} bytes) do not fit in the worker's "
                              f"memory limit") from exc
        return [memory[offset:offset + n] for offset, n in zip(offsets, sizes, strict=True)]
    finally:
        for fd in fds:
            os.close(fd)


# -- what the worker reports besides values: bounds both sides keep ---------------------------

NAME_KINDS = frozenset({"class", "function", "value"})
MAX_NAMES = 10_000          # names a load report may list
MAX_NAME = 1000             # characters of a name (of the module, or of an attribute)
MAX_ATTRIBUTES = 200        # attribute names an error may list ("did you mean ...")
ERROR_TEXTS = {"type": 100, "message": 2000, "traceback": 4000}  # characters of each field


def _text(value: Any, limit: int, what: str) -> str:
    if type(value) is not str or len(value) > limit:
        raise ProtocolError(f"malformed {what}")
    return value


def checked_error(error: Any) -> dict:
    """An error reply's description, if it has exactly the fields and bounds the worker keeps."""
    if type(error) is not dict or not set(ERROR_TEXTS) <= set(error) <= {*ERROR_TEXTS, "names"}:
        raise ProtocolError("malformed error reply")
    for key, limit in ERROR_TEXTS.items():
        _text(error[key], limit, "error reply")
    names = error.get("names", [])
    if type(names) is not list or len(names) > MAX_ATTRIBUTES:
        raise ProtocolError("malformed error reply")
    for name in names:
        _text(name, MAX_NAME, "error reply")
    return error


def checked_load_report(report: Any, statements: list[dict]) -> dict:
    """A load report, if it has the worker's exact shape and names only statements it was sent."""
    if type(report) is not dict or set(report) != {"names", "failures"}:
        raise ProtocolError("malformed load report")
    names, failures = report["names"], report["failures"]
    if type(names) is not dict or len(names) > MAX_NAMES:
        raise ProtocolError("malformed names in the load report")
    for name, kind in names.items():
        if len(name) > MAX_NAME or type(kind) is not str or kind not in NAME_KINDS:
            raise ProtocolError("malformed names in the load report")
    sent = {(s["label"], s["line"]) for s in statements}
    if type(failures) is not list or len(failures) > len(sent):
        raise ProtocolError("malformed failures in the load report")
    for failure in failures:
        if (type(failure) is not dict or set(failure) != {"label", "line", "type", "message"}
                or type(failure["label"]) is not str or type(failure["line"]) is not int
                or (failure["label"], failure["line"]) not in sent):
            raise ProtocolError("malformed failures in the load report")
        _text(failure["type"], ERROR_TEXTS["type"], "failures in the load report")
        _text(failure["message"], ERROR_TEXTS["message"], "failures in the load report")
    return report

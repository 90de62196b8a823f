"""Wire format between the grader and the worker that runs student code.

Only plain data crosses: None, bool, int, float, str, list, tuple, dict with str keys,
NumPy scalars and base-class ndarrays of bool/int/uint/float dtype, handles to objects
that stay in the worker, and (grader to worker only) function sources. Nothing is ever
unpickled. A frame is a 4-byte length, a JSON header, then the raw bytes of each array.
The decoder is strict because the worker's side of the pipe is untrusted.
"""

from __future__ import annotations

import json
import math
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

ARRAY_KINDS = frozenset("biuf")
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_STR = 1_000_000
MAX_HEADER = 8 * 1024 * 1024  # JSON is parsed whole: keep it small; arrays travel as raw bytes
LENGTH = struct.Struct("!Q")


class ProtocolError(Exception):
    """The other side sent something that is not allowed on the wire."""


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

    def enc(v: Any, depth: int) -> Any:
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
            blobs.append(v.tobytes())  # C order, whatever the strides; keeps 0-d arrays 0-d
            return ["a", v.dtype.str, list(v.shape), len(blobs) - 1]
        if (isinstance(v, np.generic) and type(v).__module__ == "numpy"
                and v.dtype.kind in ARRAY_KINDS):
            blobs.append(np.asarray(v).tobytes())
            return ["g", v.dtype.str, len(blobs) - 1]
        if type(v) is list:
            return ["l", [enc(x, depth + 1) for x in v]]
        if type(v) is tuple:
            return ["t", [enc(x, depth + 1) for x in v]]
        if type(v) is dict and all(type(k) is str for k in v):
            return ["d", [[k, enc(x, depth + 1)] for k, x in v.items()]]
        if isinstance(v, Handle):
            return ["h", v.id, v.type_name, v.callable]
        if isinstance(v, FunctionSource):
            return ["fn", v.source]
        if register is None:
            raise ProtocolError(f"cannot send a value of type {type(v).__name__}")
        return enc(register(v), depth)

    return enc(value, 0), blobs


def decode(tree: Any, blobs: list[bytes], resolve: Any = None, build_function: Any = None) -> Any:
    """Decode a tree made by :func:`encode`, accepting only the exact forms it produces.

    ``resolve(handle)`` maps handles to local objects (the worker side); without it handles
    stay :class:`Handle`. ``build_function(source)`` is only given on the worker side.
    """
    budget = [MAX_ITEMS]

    def dec(node: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
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
            return int(args[0])
        if tag == "f" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= 40:
            return float(args[0])
        if tag == "s" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= MAX_STR:
            return args[0]
        if tag == "a" and len(args) == 3:
            return _array(args[0], args[1], _blob(blobs, args[2]))
        if tag == "g" and len(args) == 2:
            return _array(args[0], [], _blob(blobs, args[1]))[()]
        if tag in ("l", "t") and len(args) == 1 and type(args[0]) is list:
            items = [dec(x, depth + 1) for x in args[0]]
            return items if tag == "l" else tuple(items)
        if tag == "d" and len(args) == 1 and type(args[0]) is list:
            out = {}
            for pair in args[0]:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise ProtocolError("malformed dict")
                out[pair[0]] = dec(pair[1], depth + 1)
            return out
        if tag == "h" and len(args) == 3 and type(args[0]) is int and type(args[1]) is str:
            handle = Handle(args[0], args[1][:200], bool(args[2]))
            return resolve(handle) if resolve else handle
        if tag == "fn" and build_function is not None and len(args) == 1:
            return build_function(args[0])
        raise ProtocolError(f"value of kind {tag!r} is not allowed here")

    return dec(tree, 0)


def _blob(blobs: list[bytes], index: Any) -> bytes:
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("array refers to a missing buffer")
    return blobs[index]


def _array(dtype_str: Any, shape: Any, data: bytes) -> np.ndarray:
    if type(dtype_str) is not str or len(dtype_str) > 8:
        raise ProtocolError("malformed dtype")
    try:
        dtype = np.dtype(dtype_str)
    except TypeError as exc:
        raise ProtocolError("unknown dtype") from exc
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    if (type(shape) is not list or len(shape) > 32
            or any(type(n) is not int or n < 0 for n in shape)):
        raise ProtocolError("malformed shape")
    if math.prod(shape) * dtype.itemsize != len(data):
        raise ProtocolError("array size does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


class Channel:
    """Length-prefixed frames over a connected socket, with a size cap on what is read."""

    def __init__(self, sock: socket.socket, max_bytes: int) -> None:
        self.sock = sock
        self.max_bytes = max_bytes
        self._deadline: float | None = None

    def send(self, header: dict, blobs: list[bytes] = (), deadline: float | None = None) -> None:
        head = json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
        self._deadline = deadline
        self._send(LENGTH.pack(len(head)) + head)
        for blob in blobs:
            self._send(blob)

    def receive(self, deadline: float | None = None) -> tuple[dict, list[bytes]]:
        """Read one frame; raises TimeoutError once ``deadline`` (monotonic) has passed."""
        self._deadline = deadline
        (size,) = LENGTH.unpack(self._exactly(LENGTH.size))
        if size > min(self.max_bytes, MAX_HEADER):
            raise ProtocolError("message header too large")
        try:
            header = json.loads(self._exactly(size))
        except ValueError as exc:
            raise ProtocolError("message header is not JSON") from exc
        sizes = header.get("blobs") if type(header) is dict else None
        if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes):
            raise ProtocolError("malformed message header")
        if sum(sizes) > self.max_bytes:
            raise ProtocolError(f"message larger than the limit of {self.max_bytes} bytes")
        return header, [self._exactly(n) for n in sizes]

    def _arm(self) -> None:
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self._arm()
            view = view[self.sock.send(view):]

    def _exactly(self, n: int) -> bytes:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            self._arm()
            k = self.sock.recv_into(view[got:], n - got)
            if k == 0:
                raise EOFError("connection closed")
            got += k
        return bytes(buf)

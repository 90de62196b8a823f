"""The one frame format of the grader's processes: worker, zygote and warm process all speak it.

A frame is an 8-byte length, a JSON header (an object whose ``"blobs"`` lists the sizes of the
raw buffers that follow), then those buffers. Descriptors may travel with a frame's first
bytes (SCM_RIGHTS), and only to a side that trusts its peer: the grader's end of a worker's
socket never accepts them.

Reading is strict because the worker's side is untrusted: whatever arrives, the reader gets a
frame or an exception (ProtocolError, EOFError, OSError, TimeoutError), never more than the
size it allows, and refuses a frame from the sizes it announces before reading its contents.
Deadlines are waited for with poll, not socket timeouts, so that one thread may read while
another writes (the zygote's socket).

Standard library only: this module runs in the worker, and on every ``grader check``.
"""

from __future__ import annotations

import array
import json
import os
import select
import socket
import struct
import time
from collections.abc import Sequence

LENGTH = struct.Struct("!Q")
MAX_HEADER = 8 * 1024 * 1024  # JSON is parsed whole: keep it small; arrays travel as buffers
MAX_BUFFERS = 100_000
# JSON values a header from an untrusted peer may hold, counted before parsing as its commas
# and opening brackets (an upper bound on its values): json.loads builds an object of some 60
# bytes for each value, whatever the bytes that spelled it. A list of 100,000 numbers needs 3.
MAX_JSON_VALUES = 400_000
MAX_DESCRIPTORS = 4


class ProtocolError(Exception):
    """The other side sent something that is not allowed on the wire."""


class Channel:
    """Frames over a connected socket, each read with a size cap and an optional deadline.

    ``trusted_peer``: accept descriptors, and headers of any structure (the worker trusts the
    grader; the zygote and the warm process trust the grader of their own user).
    """

    def __init__(self, sock: socket.socket, max_bytes: int, *, trusted_peer: bool = False) -> None:
        self.sock = sock
        self.max_bytes = max_bytes
        self.trusted_peer = trusted_peer
        self.descriptors: list[int] = []  # came with the last frame (trusted peer only)

    def send(self, header: dict, blobs: Sequence[bytes] = (), deadline: float | None = None,
             descriptors: Sequence[int] = ()) -> None:
        """Send one frame before ``deadline`` (monotonic), ``descriptors`` with its first bytes."""
        head = json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
        prefix = LENGTH.pack(len(head))
        if descriptors:
            rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", descriptors))]
            self._ready(select.POLLOUT, deadline)
            prefix = prefix[self.sock.sendmsg([prefix], rights):]
        self._send_all(prefix + head, deadline)
        for blob in blobs:
            self._send_all(blob, deadline)

    def receive(self, deadline: float | None = None,
                max_bytes: int | None = None) -> tuple[dict, list[bytearray]]:
        """Read one frame of at most ``max_bytes`` (and the channel's cap) in all.

        Raises TimeoutError once ``deadline`` (monotonic) has passed, EOFError or OSError when
        the connection fails, ProtocolError for anything else that is wrong.
        """
        limit = self.max_bytes if max_bytes is None else min(max_bytes, self.max_bytes)
        self.close_descriptors()
        (size,) = LENGTH.unpack(self._exactly(LENGTH.size, deadline, self.trusted_peer))
        if size > limit:
            raise ProtocolError(f"message larger than the limit of {limit} bytes")
        if size > MAX_HEADER:
            raise ProtocolError("message header too large")
        header = self._header(self._exactly(size, deadline))
        sizes = header.get("blobs")
        if (type(sizes) is not list or len(sizes) > MAX_BUFFERS
                or any(type(n) is not int or n < 0 for n in sizes)):
            raise ProtocolError("malformed message header")
        if size + sum(sizes) > limit:
            raise ProtocolError(f"message larger than the limit of {limit} bytes")
        return header, [self._exactly(n, deadline) for n in sizes]

    def take_descriptors(self) -> list[int]:
        """The descriptors that came with the last frame; the caller closes them."""
        fds, self.descriptors = self.descriptors, []
        return fds

    def close_descriptors(self) -> None:
        for fd in self.take_descriptors():
            os.close(fd)

    def _header(self, head: bytearray) -> dict:
        if not self.trusted_peer and (head.count(b",") + head.count(b"[") + head.count(b"{")
                                      > MAX_JSON_VALUES):
            raise ProtocolError("message header holds too many values")
        try:
            header = json.loads(head)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError("message header is not JSON") from exc
        if type(header) is not dict:
            raise ProtocolError("malformed message header")
        return header

    def _ready(self, event: int, deadline: float | None) -> None:
        """Wait until the socket is ready for ``event``; TimeoutError past ``deadline``."""
        if deadline is None:
            return  # a blocking socket waits by itself
        left = deadline - time.monotonic()
        poller = select.poll()
        poller.register(self.sock, event)
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError

    def _send_all(self, data: bytes, deadline: float | None) -> None:
        view = memoryview(data)
        while view:
            self._ready(select.POLLOUT, deadline)
            try:
                view = view[self.sock.send(view, 0 if deadline is None else socket.MSG_DONTWAIT):]
            except BlockingIOError:
                continue

    def _exactly(self, n: int, deadline: float | None, descriptors: bool = False) -> bytearray:
        """``n`` bytes, in a buffer of their own; ``descriptors``: keep any that came along."""
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        flags = 0 if deadline is None else socket.MSG_DONTWAIT
        while got < n:
            self._ready(select.POLLIN, deadline)
            try:
                if descriptors:
                    k = self._receive_with_descriptors(view[got:], flags)
                else:
                    k = self.sock.recv_into(view[got:], n - got, flags)
            except BlockingIOError:
                continue
            if k == 0:
                raise EOFError("connection closed")
            got += k
        return buf

    def _receive_with_descriptors(self, view: memoryview, flags: int) -> int:
        k, ancillary, _, _ = self.sock.recvmsg_into(
            [view], socket.CMSG_SPACE(MAX_DESCRIPTORS * 4), flags)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
                self.descriptors += fds
        return k

"""The wire format accepts exactly plain data and nothing else; whatever a worker sends, the
grader gets a value or a protocol error, holds it once, and checks every field before use."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.checks import assert_inputs_unchanged
from grader.checks.proxy import Connection, StudentFault, Submission
from grader.worker.launchers import RlimitsOnlyLauncher, StartedProcess
from grader.worker.limits import Limits
from grader.worker.values import FunctionSource, Handle, SharedBuffers, decode, encode, map_shared
from grader.worker.wire import MAX_JSON_VALUES, Channel, ProtocolError
from grader.worker.worker import BadReply, StudentError, Worker


@pytest.mark.parametrize("value", [
    None, True, 0, -(10**30), 1.5, float("inf"), "héllo", [1, (2.0, "x")], {"a": {"b": [None]}},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.array(2.5), np.zeros((0, 3)),
    np.array([True, False]), np.float32(1.25), np.uint8(7),
])
def test_round_trip(value: object) -> None:
    tree, blobs = encode(value)
    back = decode(tree, blobs)
    if isinstance(value, np.ndarray):
        assert type(back) is np.ndarray and back.dtype == value.dtype
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_non_plain_values_become_handles_in_the_worker() -> None:
    objects = []

    def register(obj: object) -> Handle:
        objects.append(obj)
        return Handle(len(objects), type(obj).__name__)

    masked = np.ma.array([1.0, 2.0], mask=[0, 1])
    tree, blobs = encode([masked, np.array([object()]), np.matrix([[1.0]])], register)
    handles = decode(tree, blobs)
    assert [h.type_name for h in handles] == ["MaskedArray", "ndarray", "matrix"]


def test_grader_never_sends_objects() -> None:
    with pytest.raises(ProtocolError):
        encode(object())


@pytest.mark.parametrize("tree, blobs", [
    (["a", "|O", [1], 0], [b"\0" * 8]),
    (["a", "<f8", [2], 0], [b"\0" * 8]),
    (["a", "<f8", [-1], 0], [b""]),
    (["a", "<f8", [1], 3], [b"\0" * 8]),
    (["x", 1], []),
    (["d", [[1, ["n"]]]], []),
    (["fn", "lambda: 0"], []),
    ("not a node", []),
    (["i", "12abc"], []),
    (["f", "one"], []),
    (["a", "<f8", [0, 2**70], 0], [b""]),              # a dimension NumPy cannot represent
    (["a", "<f8", [0, 2**40, 2**40], 0], [b""]),       # no bytes, but too big an array
    (["a", "|b1", [2], 0], [b"\x00\x02"]),             # a boolean that is not 0 or 1
    (["h", 1, "Net", "yes"], []),
    (["l", [["a", "<f8", [1], 0], ["a", "<f8", [1], 0]]], [b"\0" * 8]),  # one buffer, twice
])
def test_decoder_rejects_anything_else(tree: object, blobs: list[bytes]) -> None:
    with pytest.raises(ProtocolError):
        decode(tree, blobs)


def test_deep_nesting_is_refused() -> None:
    tree: list = ["n"]
    for _ in range(100):
        tree = ["l", [tree]]
    with pytest.raises(ProtocolError, match="deep"):
        decode(tree, [])


def test_function_sources_are_built_only_where_allowed() -> None:
    tree, blobs = encode(FunctionSource("lambda x: x + 1"))
    assert decode(tree, blobs, build_function=lambda src: eval(src))(1) == 2


# -- the decoder: anything against it is in test_protocol_fuzz.py -----------------------------

def test_decoded_array_is_the_received_buffer_not_a_copy() -> None:
    buffer = bytearray(np.arange(4.0).tobytes())
    got = decode(["a", "<f8", [2, 2], 0], [buffer])
    buffer[:8] = np.float64(7.0).tobytes()
    assert got[0, 0] == 7.0 and type(got) is np.ndarray and got.flags.writeable


# -- frames: whatever arrives, a frame or a protocol error -------------------------------------

@pytest.fixture
def pair() -> Iterator[tuple[Channel, socket.socket]]:
    """The grader's channel (strict, 1 MiB at most) and the raw socket of its peer."""
    ours, theirs = socket.socketpair()
    yield Channel(ours, 1024 * 1024), theirs
    ours.close()
    theirs.close()


def frame(head: bytes, *blobs: bytes) -> bytes:
    return struct.pack("!Q", len(head)) + head + b"".join(blobs)


@pytest.mark.parametrize("head", [
    b"not json", b"\xff\xfe\x00", b"[" * 100_000 + b"]" * 100_000, b"[]", b"17", b"null",
    b'{"id": 1}', b'{"blobs": 3}', b'{"blobs": [-1]}', b'{"blobs": [true]}', b'{"blobs": [1.5]}',
    b'{"blobs": [1e400]}', b'{"blobs": [' + b"0," * 200_000 + b"0]}",
    b'{"blobs": [], "ok": ' + b"[" * 5000 + b"]" * 5000 + b"}",
])
def test_malformed_header_is_a_protocol_error(pair: tuple[Channel, socket.socket],
                                              head: bytes) -> None:
    channel, peer = pair
    threading.Thread(target=peer.sendall, args=(frame(head),), daemon=True).start()
    with pytest.raises(ProtocolError):
        channel.receive(soon())


def test_header_of_many_small_values_is_refused_before_parsing(
        pair: tuple[Channel, socket.socket]) -> None:
    channel, peer = pair
    head = b'{"blobs": [], "ok": ["n"], "x": [' + b"0," * MAX_JSON_VALUES + b"0]}"
    threading.Thread(target=peer.sendall, args=(frame(head),), daemon=True).start()
    with pytest.raises(ProtocolError, match="too many values"):
        channel.receive(soon())


def test_oversize_frame_is_refused_from_its_announced_sizes(
        pair: tuple[Channel, socket.socket]) -> None:
    channel, peer = pair
    head = json.dumps({"id": 1, "ok": ["a", "<f8", [1000], 0], "blobs": [8000]}).encode()
    peer.sendall(frame(head))  # the 8000 bytes themselves are never sent
    with pytest.raises(ProtocolError, match="larger than the limit of 4096 bytes"):
        channel.receive(soon(), max_bytes=4096)
    peer.sendall(struct.pack("!Q", 10**12))
    with pytest.raises(ProtocolError, match="larger than the limit of 1048576 bytes"):
        channel.receive(soon())


def test_strict_side_never_accepts_descriptors(pair: tuple[Channel, socket.socket]) -> None:
    channel, peer = pair
    before = set(os.listdir("/proc/self/fd"))
    with open(os.devnull) as sent:
        head = json.dumps({"id": 1, "ok": ["n"], "blobs": []}).encode()
        socket.send_fds(peer, [frame(head)], [sent.fileno()] * 3)
    assert channel.receive(soon()) == ({"id": 1, "ok": ["n"], "blobs": []}, [])
    assert channel.descriptors == [] and set(os.listdir("/proc/self/fd")) == before


def test_descriptors_travel_with_a_frame_to_a_trusted_side() -> None:
    """How the zygote gets a worker's socket and pipe, and the warm process a terminal."""
    ours, theirs = socket.socketpair()
    read_end, write_end = os.pipe()
    with ours, theirs:
        trusted = Channel(theirs, 1 << 20, trusted_peer=True)
        Channel(ours, 1 << 20).send({"op": "spawn"}, [b"abc"], soon(), [write_end])
        os.close(write_end)
        assert trusted.receive(soon()) == ({"op": "spawn", "blobs": [3]}, [bytearray(b"abc")])
        (received,) = trusted.take_descriptors()
        os.write(received, b"through the descriptor")
        os.close(received)
        assert os.read(read_end, 100) == b"through the descriptor"
    os.close(read_end)


def test_one_thread_reads_while_another_writes_with_a_deadline() -> None:
    """The zygote's socket: a listener waits for events with no deadline while requests go
    out with one. A request's deadline must not reach the reader (a socket timeout would)."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        grader, zygote = Channel(ours, 1 << 20), Channel(theirs, 1 << 20, trusted_peer=True)
        heard: list = []
        listener = threading.Thread(target=lambda: heard.append(grader.receive()), daemon=True)
        listener.start()
        event = json.dumps({"exited": 1, "code": 0, "blobs": []}).encode()
        theirs.sendall(frame(event)[:3])  # the listener has the start of an event
        for ident in range(20):
            grader.send({"op": "kill", "id": ident}, (), time.monotonic() + 0.01)
            assert zygote.receive(soon())[0]["id"] == ident
        time.sleep(0.2)  # past every deadline the requests had
        theirs.sendall(frame(event)[3:])
        listener.join(5)
    assert heard == [({"exited": 1, "code": 0, "blobs": []}, [])]


def test_a_frame_not_sent_in_time_is_a_timeout(pair: tuple[Channel, socket.socket]) -> None:
    channel, peer = pair
    peer.sendall(struct.pack("!Q", 100) + b'{"blobs": []')  # a header cut short
    with pytest.raises(TimeoutError):
        channel.receive(time.monotonic() + 0.2)


def soon() -> float:
    return time.monotonic() + 5


# -- shared buffers: the grader reads back what the worker did ----------------------------------

def test_shared_buffers_are_read_back_by_the_grader() -> None:
    ours, theirs = socket.socketpair()
    args = [np.arange(3.0), {"W": np.ones((2, 2), np.float32), "empty": np.zeros(0)}, 5]
    tree, blobs = encode(args)
    shared = SharedBuffers(blobs)
    with ours, theirs:
        worker = Channel(theirs, 1 << 20, trusted_peer=True)
        Channel(ours, 1 << 20).send({"op": "call", "args": tree, "shared": shared.sizes}, [],
                                    None, [shared.fd])
        request, inline = worker.receive()
        views = map_shared(request["shared"], worker.take_descriptors())
        seen = decode(request["args"], inline + views)
    seen[0] *= 2                     # what a student's function does to its arguments
    seen[1]["W"][1, 1] = 9
    after = decode(tree, shared.read())
    np.testing.assert_array_equal(after[0], [0.0, 2.0, 4.0])
    assert after[1]["W"].dtype == np.float32 and after[1]["W"][1, 1] == 9
    assert after[1]["empty"].shape == (0,) and after[2] == 5
    shared.close()


def test_shared_memory_cannot_be_cut_short_by_the_worker() -> None:
    shared = SharedBuffers([b"\1" * 100])
    worker_copy = os.dup(shared.fd)
    try:
        with pytest.raises(PermissionError):
            os.ftruncate(worker_copy, 10)
        with pytest.raises(PermissionError):
            os.ftruncate(worker_copy, 1 << 30)
        assert shared.read() == [bytearray(b"\1" * 100)]
    finally:
        os.close(worker_copy)
        shared.close()


# -- replies: every field checked before use ---------------------------------------------------

STATEMENTS = [{"label": "m.py", "line": 1, "source": "x = 1"},
              {"label": "m.py", "line": 3, "source": "def f(): pass"}]
NAMES = {"x": "value", "f": "function"}


class ForgingWorker:
    """A Worker whose process is a stand-in, answering each request with a forged reply."""

    def __init__(self, forge) -> None:
        ours, theirs = socket.socketpair()
        self.worker = Worker(STATEMENTS, Limits(call_seconds=5), RlimitsOnlyLauncher())
        stand_in = subprocess.Popen(["sleep", "60"], start_new_session=True,
                                    stdout=subprocess.PIPE)
        self.worker._process = StartedProcess(stand_in, ours, Path(tempfile.mkdtemp()),
                                              self.worker.launcher)
        self.worker._channel = Channel(ours, 1 << 20)
        self.worker._greeted = True
        self._peer = Channel(theirs, 1 << 20, trusted_peer=True)
        self._forge = forge
        threading.Thread(target=self._answer, daemon=True).start()

    def _answer(self) -> None:
        try:
            request, _ = self._peer.receive()
            self._peer.send(self._forge(request["id"]))
        except (EOFError, OSError):
            pass


def ok(value: object, request_id: int) -> dict:
    return {"id": request_id, "ok": encode(value)[0]}


def error(fields: dict, request_id: int) -> dict:
    base = {"type": "ValueError", "message": "m", "traceback": "t"}
    return {"id": request_id, "error": {**base, **fields}}


FORGED_REPLIES = {
    "id of another request": lambda i: {"id": i + 1, "ok": ["n"]},
    "id as a string": lambda i: {"id": str(i), "ok": ["n"]},
    "id as a float": lambda i: {"id": float(i), "ok": ["n"]},
    "id as a list": lambda i: {"id": [i], "ok": ["n"]},
    "no id": lambda i: {"ok": ["n"]},
    "both ok and error": lambda i: {**error({}, i), "ok": ["n"]},
    "neither ok nor error": lambda i: {"id": i},
    "an unknown field": lambda i: {"id": i, "ok": ["n"], "shared": [8]},
    "error not a dict": lambda i: {"id": i, "error": ["ValueError"]},
    "error without its message": lambda i: {"id": i, "error": {"type": "E", "traceback": ""}},
    "error type a list": lambda i: error({"type": ["ValueError"]}, i),
    "error message a dict": lambda i: error({"message": {"a": 1}}, i),
    "error traceback a number": lambda i: error({"traceback": 7}, i),
    "error type too long": lambda i: error({"type": "E" * 101}, i),
    "error names a string": lambda i: error({"names": "abc"}, i),
    "error names of numbers": lambda i: error({"names": [1, 2]}, i),
    "error names too many": lambda i: error({"names": ["a"] * 201}, i),
    "error with an unknown field": lambda i: error({"extra": 1}, i),
    "array of an impossible shape": lambda i: {"id": i, "ok": ["a", "<f8", [0, 2**70], 0],
                                               "blobs": []},
}
FORGED_LOAD_REPORTS = {
    "failures=[1]": {"names": NAMES, "failures": [1]},
    "a failure without its message": {"names": NAMES, "failures": [
        {"label": "m.py", "line": 1, "type": "E"}]},
    "a failure at a statement never sent": {"names": NAMES, "failures": [
        {"label": "other.py", "line": 1, "type": "E", "message": ""}]},
    "a failure's line as text": {"names": NAMES, "failures": [
        {"label": "m.py", "line": "1", "type": "E", "message": ""}]},
    "more failures than statements": {"names": NAMES, "failures": [
        {"label": "m.py", "line": 1, "type": "E", "message": ""}] * 3},
    "a name of an unknown kind": {"names": {"x": "module"}, "failures": []},
    "names as a list": {"names": ["x"], "failures": []},
    "too many names": {"names": {f"n{i}": "value" for i in range(10_001)}, "failures": []},
    "an unknown field": {"names": NAMES, "failures": [], "extra": 1},
    "not a dict": [NAMES, []],
}


@pytest.mark.parametrize("forge", list(FORGED_REPLIES))
def test_forged_reply_is_a_bad_reply(forge: str) -> None:
    fake = ForgingWorker(FORGED_REPLIES[forge])
    with fake.worker, pytest.raises(BadReply):
        fake.worker.request("call", target="f", args=[], kwargs={})
    assert not fake.worker.alive


@pytest.mark.parametrize("forge", list(FORGED_LOAD_REPORTS))
def test_forged_load_report_is_a_bad_reply(forge: str) -> None:
    fake = ForgingWorker(lambda i: ok(FORGED_LOAD_REPORTS[forge], i))
    with fake.worker, pytest.raises(BadReply, match="load report"):
        fake.worker._exchange({"op": "load", "statements": STATEMENTS}, [], 5, False)
    assert fake.worker.load_report is None


def test_honest_replies_pass_the_checks() -> None:
    report = {"names": NAMES, "failures": [{"label": "m.py", "line": 3, "type": "NameError",
                                            "message": "name 'y' is not defined"}]}
    with ForgingWorker(lambda i: ok(report, i)).worker as worker:
        assert worker._exchange({"op": "load", "statements": STATEMENTS}, [], 5, False) == report
    with ForgingWorker(lambda i: error({"names": ["forward"]}, i)).worker as worker, \
            pytest.raises(StudentError) as raised:
        worker.request("call", target="f", args=[], kwargs={})
    assert (raised.value.type_name, raised.value.names) == ("ValueError", ["forward"])


# -- arguments observed in shared memory, on a real worker ------------------------------------

OPTIMIZER = """
import copy
import numpy as np
from grader.worker import inside

def update(params, grads, lr=0.1):
    for key in params:
        params[key] -= lr * grads[key]
    return len(params)

def scale_all(arrays):
    for a in arrays[0]:
        a *= 2
    arrays[1][0][...] = -1
    return None

_call = inside.Session.call

def _call_sending_copies(self, request, blobs):
    before = copy.deepcopy(self.value(request["args"], blobs))
    return [_call(self, request, blobs), before]

def zero(x):
    x[...] = 0
"""


def test_share_arrays_shows_the_arguments_after_the_call() -> None:
    params = {"W1": np.ones((2, 3)), "b1": np.zeros(3)}
    grads = {"W1": np.full((2, 3), 10.0), "b1": np.arange(3.0)}
    with Worker([{"label": "o.py", "line": 1, "source": OPTIMIZER}], Limits(),
                RlimitsOnlyLauncher()) as worker:
        result, after = worker.request("call", target="update", args=[params, grads],
                                       kwargs={"lr": 0.5}, share_arrays=True)
        assert result == 2 and after["kwargs"] == {"lr": 0.5}
        np.testing.assert_array_equal(after["args"][0]["W1"], np.full((2, 3), -4.0))
        np.testing.assert_array_equal(after["args"][0]["b1"], [0.0, -0.5, -1.0])
        np.testing.assert_array_equal(after["args"][1]["b1"], grads["b1"])  # untouched
        np.testing.assert_array_equal(params["W1"], np.ones((2, 3)))        # the grader's own
        nested = ([np.ones(2), np.ones(1)], (np.zeros(2),))
        _, after = worker.request("call", target="scale_all", args=[nested], kwargs={},
                                  share_arrays=True)
        (twice, minus), = after["args"]
        assert [a.tolist() for a in twice] == [[2.0, 2.0], [2.0]] and type(minus) is tuple
        assert minus[0].tolist() == [-1.0, -1.0]


def test_share_arrays_ignores_what_the_worker_says() -> None:
    lying = OPTIMIZER + "\ninside.Session.call = _call_sending_copies\n"
    with Worker([{"label": "o.py", "line": 1, "source": lying}], Limits(),
                RlimitsOnlyLauncher()) as worker:
        said, after = worker.request("call", target="zero", args=[np.ones(3)], kwargs={},
                                     share_arrays=True)
    assert said[1][0].tolist() == [1.0, 1.0, 1.0]    # the worker's claim: nothing changed
    assert after["args"][0].tolist() == [0.0, 0.0, 0.0]


def test_shared_arguments_count_against_the_workers_memory_limit() -> None:
    source = "def size(x):\n    return x.nbytes\n"
    with Worker([{"label": "s.py", "line": 1, "source": source}],
                Limits(memory_bytes=200 * 1024**2), RlimitsOnlyLauncher()) as worker:
        assert worker.request("call", target="size", args=[np.zeros(1000)], kwargs={},
                              share_arrays=True)[0] == 8000
        with pytest.raises(StudentError, match="do not fit in the worker's memory limit"):
            worker.request("call", target="size", args=[np.zeros(15_000_000)], kwargs={},
                           share_arrays=True)


MUTATORS = """
def bump_nested(params, lr=0.1):
    params["layers"][1]["W"] += lr
    return 1.0

def bump_keyword(x, out=None):
    out[...] = x
    return 2.0

def leave(params, out=None):
    return float(params["layers"][1]["W"].sum() + out.sum())
"""


def test_assert_inputs_unchanged_sees_nested_and_keyword_arguments() -> None:
    params = {"layers": [np.zeros(2), {"W": np.ones((2, 2))}]}
    conn = Connection(Worker([{"label": "m.py", "line": 1, "source": MUTATORS}], Limits(),
                             RlimitsOnlyLauncher()), None)
    sub = Submission(conn)
    try:
        with pytest.raises(StudentFault) as nested:
            assert_inputs_unchanged(sub.bump_nested, params)
        with pytest.raises(StudentFault) as keyword:
            assert_inputs_unchanged(sub.bump_keyword, np.ones(2), out=np.zeros(2))
        assert assert_inputs_unchanged(sub.leave, params, out=np.ones(3)) == 7.0
    finally:
        conn.close()
    assert nested.value.details["findings"] == [("cmp_mutated", {"argument": 1})]
    assert keyword.value.details["findings"] == [("cmp_mutated_keyword", {"argument": "out"})]
    assert params["layers"][1]["W"].tolist() == [[1.0, 1.0], [1.0, 1.0]]

"""The decoder and the frame reader against anything a worker could send: a value or a
protocol error, never another exception. Property tests (hypothesis, in the dev extra); a
bare install skips them."""

from __future__ import annotations

import contextlib
import json
import socket

import pytest

pytest.importorskip("hypothesis", reason="property tests need hypothesis (the dev extra)")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_protocol import frame, soon

from grader.worker.values import decode
from grader.worker.wire import Channel, ProtocolError

TAGS = ["n", "b", "i", "f", "s", "a", "g", "l", "t", "d", "h", "fn", "p"]
ATOMS = (st.none() | st.booleans() | st.integers() | st.integers(-(2**80), 2**80)
         | st.floats() | st.text(max_size=12)
         | st.sampled_from(["<f8", "|b1", "<i4", "(2,)f8", "f8,i4", "M8[s]", "O", "<U3", "V8",
                            "1e5", "-3", "nan", "0x10", "1_000", "\u0661"]))


def _nodes(children: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(children, max_size=4)
    return (lists | st.dictionaries(st.text(max_size=4), children, max_size=3)
            | st.builds(lambda tag, rest: [tag, *rest], st.sampled_from(TAGS), lists)
            | st.builds(lambda shape, index: ["a", "<f8", shape, index],
                        st.lists(st.integers(-1, 2**70), max_size=4), st.integers(-1, 3)))


TREES = st.recursive(ATOMS, _nodes, max_leaves=30)
BLOBS = st.lists(st.binary(max_size=32) | st.builds(bytearray, st.binary(max_size=32)),
                 max_size=4)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, BLOBS)
def test_decoder_answers_anything_with_a_value_or_a_protocol_error(tree: object,
                                                                   blobs: list) -> None:
    with contextlib.suppress(ProtocolError):
        decode(tree, blobs)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.recursive(
    ATOMS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "ok", "error", "blobs", "x"]), c, max_size=4),
    max_leaves=20).map(lambda v: json.dumps(v).encode()))
def test_any_header_gives_a_frame_or_a_protocol_error(head: bytes) -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(frame(head) + b"\0" * 64)
        theirs.shutdown(socket.SHUT_WR)
        try:
            header, blobs = Channel(ours, 1024).receive(soon())
        except (ProtocolError, EOFError):
            return
        assert type(header) is dict and all(type(b) is bytearray for b in blobs)

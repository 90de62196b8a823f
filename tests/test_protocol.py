"""The wire format accepts exactly plain data and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from grader.worker.protocol import FunctionSource, Handle, ProtocolError, decode, encode


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

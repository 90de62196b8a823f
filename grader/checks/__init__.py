"""What check authors import: comparison helpers and tools to reach student objects.

Checks are plain pytest tests; see docs/writing-checks.md. The fixtures ``sub``, ``ref``,
``rng`` and ``record`` come from the engine's plugin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.compare import Mistake, as_array, assert_close
from grader.checks.proxy import (
    RemoteObject,
    StudentFault,
    Submission,
    call_function,
    connection_of,
    function_source,
)
from grader.text import say

__all__ = ["Mistake", "RemoteObject", "as_array", "assert_close", "assert_inputs_unchanged",
           "copy_into", "fetch", "handle", "keep", "say", "seed_numpy", "worker_function"]


def assert_inputs_unchanged(func: RemoteObject, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and fail if it changed any array argument in place; returns the result.

    The arrays (also inside lists, tuples and dicts) travel in memory the grader keeps and reads
    back after the call: what the worker says about them is never asked.
    """
    result, after = call_function(func, args, kwargs, share_arrays=True)
    for position, (before, now) in enumerate(zip(args, after["args"], strict=True), start=1):
        if _changed(before, now):
            raise StudentFault("mismatch", findings=[("cmp_mutated", {"argument": position})])
    for name, before in kwargs.items():
        if _changed(before, after["kwargs"][name]):
            raise StudentFault("mismatch", findings=[("cmp_mutated_keyword", {"argument": name})])
    return result


def _changed(before: Any, now: Any) -> bool:
    """Whether an array in ``before`` differs from its counterpart in ``now`` (same structure)."""
    if isinstance(before, np.ndarray):
        return not (isinstance(now, np.ndarray) and now.shape == before.shape
                    and now.dtype == before.dtype and now.tobytes() == before.tobytes())
    if isinstance(before, (list, tuple)):
        return any(_changed(b, n) for b, n in zip(before, now, strict=True))
    if isinstance(before, dict):
        return any(_changed(b, now[key]) for key, b in before.items())
    return False


def worker_function(source: str) -> Any:
    """A function to hand to student code, built from ``source`` inside the worker."""
    return function_source(source)


def keep(func: RemoteObject) -> Any:
    """``keep(sub.f)(x)``: call ``f`` but leave the result in the worker as a remote object."""
    return lambda *args, **kwargs: call_function(func, args, kwargs, keep=True)


def handle(obj: Submission | RemoteObject, *path: str | int) -> RemoteObject:
    """A remote object for ``obj.a["b"]...`` even when it is plain data (e.g. a parameter array).

    String steps are dict keys on dicts and attributes elsewhere; integer steps are indices.
    """
    conn = connection_of(obj)
    target = None if isinstance(obj, Submission) else obj._target()
    return conn.request("locate", what="/".join(map(str, path)), target=target,
                        path=[["item" if isinstance(p, int) else "name", p] for p in path])


def copy_into(remote: RemoteObject, value: Any) -> None:
    """Overwrite an array that lives in the worker, in place, so every holder sees the change."""
    connection_of(remote).request("copy_into", what=remote.type_name, target=remote._target(),
                                  value=np.asarray(value))


def fetch(remote: RemoteObject) -> Any:
    """A local copy of a remote object that is plain data (an ndarray, a dict of arrays...)."""
    return connection_of(remote).request("fetch", what=remote.type_name, target=remote._target())


def seed_numpy(sub: Submission, seed: int) -> None:
    """``np.random.seed(seed)`` inside the worker (students use the global generator)."""
    conn = connection_of(sub)
    module = conn.request("module", what="numpy.random", name="numpy.random")
    module.seed(seed)

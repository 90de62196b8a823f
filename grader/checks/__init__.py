"""What check authors import: comparison helpers and tools to reach student objects.

Checks are plain pytest tests; see docs/writing-checks.md. The fixtures ``sub``, ``ref``,
``rng`` and ``record`` come from the engine's plugin. Everything here works alike on student
code (``sub``) and on the reference (``ref``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.compare import Mistake, as_array, assert_close
from grader.checks.proxy import (
    LocalObject,
    RemoteObject,
    StudentFault,
    Submission,
    call_function,
    callable_in_check,
    connection_of,
    function_source,
    hand_out,
    local_target,
)
from grader.text import say

__all__ = ["Mistake", "RemoteObject", "SeenCall", "as_array", "assert_close",
           "assert_inputs_unchanged", "call_and_see", "copy_into", "fetch", "handle", "keep",
           "say", "seed_numpy", "worker_function"]


@dataclass(frozen=True)
class SeenCall:
    """A call and what it left behind: its return value and its arguments after the call."""

    result: Any
    args: tuple
    kwargs: dict


def call_and_see(func: RemoteObject | LocalObject, *args: Any, **kwargs: Any) -> SeenCall:
    """Call ``func`` on copies of the arguments and return them as the call left them.

    The way to check code that works in place (``optimizer.update(params, grads)``): the
    check's own ``params`` stay as they were, ``.args[0]`` is what the call made of them.
    Student code gets its arrays (also inside lists, tuples and dicts) in memory the grader
    keeps and reads back itself after the call, so a worker cannot fake what it did.
    """
    result, after = call_function(func, args, kwargs, share_arrays=True)
    return SeenCall(result, tuple(after["args"]), after["kwargs"])


def assert_inputs_unchanged(func: RemoteObject | LocalObject, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and fail if it changed any array argument in place; returns the result."""
    seen = call_and_see(func, *args, **kwargs)
    for position, (before, now) in enumerate(zip(args, seen.args, strict=True), start=1):
        if _changed(before, now):
            raise StudentFault("mismatch", findings=[("cmp_mutated", {"argument": position})])
    for name, before in kwargs.items():
        if _changed(before, seen.kwargs[name]):
            raise StudentFault("mismatch", findings=[("cmp_mutated_keyword", {"argument": name})])
    return seen.result


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


def keep(func: RemoteObject | LocalObject) -> Any:
    """``keep(sub.f)(x)``: call ``f`` but leave the result in the worker as a remote object."""
    callable_in_check(func)  # refused now, not at the call
    return lambda *args, **kwargs: call_function(func, args, kwargs, keep=True)


def handle(obj: Submission | RemoteObject | LocalObject, *path: str | int) -> Any:
    """A remote object for ``obj.a["b"]...`` even when it is plain data (e.g. a parameter array).

    String steps are dict keys on dicts and attributes elsewhere; integer steps are indices.
    """
    if isinstance(obj, LocalObject):
        found = local_target(obj)
        for step in path:
            by_item = isinstance(step, int) or isinstance(found, dict)
            found = found[step] if by_item else getattr(found, step)
        return LocalObject(found)
    conn = connection_of(obj)
    target = None if isinstance(obj, Submission) else obj._target()
    return conn.request("locate", what="/".join(map(str, path)), target=target,
                        path=[["item" if isinstance(p, int) else "name", p] for p in path])


def copy_into(remote: RemoteObject | LocalObject, value: Any) -> None:
    """Overwrite an array that lives in the worker, in place, so every holder sees the change."""
    if isinstance(remote, LocalObject):
        np.copyto(local_target(remote), np.asarray(value))
        return
    connection_of(remote).request("copy_into", what=remote.type_name, target=remote._target(),
                                  value=np.asarray(value))


def fetch(remote: RemoteObject | LocalObject) -> Any:
    """A local copy of a remote object that is plain data (an ndarray, a dict of arrays...)."""
    if isinstance(remote, LocalObject):
        return hand_out(local_target(remote))
    return connection_of(remote).request("fetch", what=remote.type_name, target=remote._target())


def seed_numpy(sub: Submission | LocalObject, seed: int) -> None:
    """``np.random.seed(seed)`` inside the worker (students use the global generator); on
    ``ref``, in the grader, where the reference runs."""
    if isinstance(sub, LocalObject):
        np.random.seed(seed)
        return
    conn = connection_of(sub)
    module = conn.request("module", what="numpy.random", name="numpy.random")
    module.seed(seed)

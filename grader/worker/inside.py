"""The worker process: runs the student's definitions and answers the grader's requests.

With the frames, the values and the confinement it imports (and nothing else but the standard
library and NumPy, so that it starts fast), this is the only grader code that runs beside
student code. It never sees an expected value: requests carry inputs only. Everything it says
back is distrusted (:mod:`grader.worker.worker` is the grader's side). Started as ``python -I
-S`` by a launcher (its arguments: the socket's descriptor, the frame size cap, the limits as
JSON), or forked by a zygote, it confines itself, sets its rlimits, greets, then answers until
the socket closes.
"""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import importlib
import os
import signal
import socket
import sys
import traceback
import types
from typing import Any

import numpy as np

from grader.worker.confine import confine_from_environment
from grader.worker.values import (
    ERROR_TEXTS,
    MAX_ATTRIBUTES,
    MAX_NAME,
    MAX_NAMES,
    Handle,
    decode,
    encode,
    map_shared,
)
from grader.worker.wire import Channel


class Session:
    """The student's module, and the objects of it the grader holds handles to."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "submission", "__builtins__": builtins}
        self.objects: dict[int, Any] = {}
        self.labels: set[str] = set()

    # -- handles ---------------------------------------------------------------------------
    def register(self, obj: Any) -> Handle:
        self.objects[id(obj)] = obj
        name = type(obj).__name__
        if type(obj) is np.ndarray:  # a plain array that is not plain data: say why
            name = f"{name} of dtype {obj.dtype}"
        elif isinstance(obj, (types.FunctionType, types.MethodType, type)):
            name = str(getattr(obj, "__qualname__", name))  # "Affine.backward" in messages
        return Handle(id(obj), name, callable(obj))

    def resolve(self, handle: Handle) -> Any:
        try:
            return self.objects[handle.id]
        except KeyError:
            raise LookupError("the object no longer exists in the worker") from None

    def build_function(self, source: str) -> Any:
        return eval(compile(source, "<grader function>", "eval"), {"np": np, "numpy": np})

    def target(self, request: dict, blobs: list[bytes]) -> Any:
        node = request.get("target")
        if node is None:
            return types.SimpleNamespace(**self.namespace)
        target = self.value(node, blobs)
        return self.namespace[target] if type(target) is str else target

    def value(self, node: Any, blobs: list[bytes]) -> Any:
        return decode(node, blobs, resolve=self.resolve, build_function=self.build_function)

    # -- operations ------------------------------------------------------------------------
    def load(self, statements: list[dict]) -> dict:
        failures = []
        for stmt in statements:
            label = str(stmt["label"])
            self.labels.add(label)
            code_text = "\n" * (int(stmt["line"]) - 1) + str(stmt["source"])
            try:
                exec(compile(code_text, label, "exec"), self.namespace)
            except BaseException as exc:
                failures.append({"label": label, "line": int(stmt["line"]),
                                 "type": _type_name(exc), "message": _message(exc)})
        names = {}
        for name, obj in self.namespace.items():
            if (type(name) is not str or name.startswith("__") or len(name) > MAX_NAME
                    or isinstance(obj, types.ModuleType)):
                continue
            if len(names) == MAX_NAMES:
                break
            names[name] = "class" if isinstance(obj, type) else (
                "function" if callable(obj) else "value")
        return {"names": names, "failures": failures}

    def call(self, request: dict, blobs: list[bytes]) -> Any:
        func = self.target(request, blobs)
        args = self.value(request["args"], blobs)
        kwargs = self.value(request["kwargs"], blobs)
        return func(*args, **kwargs)

    def handle(self, request: dict, blobs: list[bytes]) -> tuple[Any, bool]:
        """Dispatch one request; the flag says whether the result must stay a handle."""
        op = request["op"]
        if op == "call":
            return self.call(request, blobs), bool(request.get("keep"))
        obj = self.target(request, blobs)
        if op == "getattr":
            return getattr(obj, request["name"]), False
        if op == "setattr":
            setattr(obj, request["name"], self.value(request["value"], blobs))
            return None, False
        if op == "getitem":
            return obj[self.value(request["key"], blobs)], False
        if op == "setitem":
            obj[self.value(request["key"], blobs)] = self.value(request["value"], blobs)
            return None, False
        if op == "locate":
            for kind, key in request["path"]:
                by_item = kind == "item" or isinstance(obj, dict)
                obj = obj[key] if by_item else getattr(obj, key)
            return obj, True
        if op == "copy_into":
            np.copyto(obj, self.value(request["value"], blobs))
            return None, False
        if op == "fetch":
            return obj, False
        if op == "module":
            return importlib.import_module(request["name"]), True
        raise ValueError(f"unknown request {op!r}")

    def error(self, exc: BaseException) -> dict:
        info = {"type": _type_name(exc), "message": _message(exc),
                "traceback": self.student_traceback(exc)}
        if isinstance(exc, AttributeError) and getattr(exc, "obj", None) is not None:
            info["names"] = [n for n in dir(exc.obj) if type(n) is str and len(n) <= MAX_NAME
                             and not n.startswith("__")][:MAX_ATTRIBUTES]
        return info

    def student_traceback(self, exc: BaseException) -> str:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in self.labels]
        lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
        return "".join(lines)[-ERROR_TEXTS["traceback"]:]


def _type_name(exc: BaseException) -> str:
    return type(exc).__name__[:ERROR_TEXTS["type"]]


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[:ERROR_TEXTS["message"]]
    except Exception:
        return "(the exception's message could not be read)"


def _flush_output() -> None:
    """Push student prints out before the reply, so output is attributed to its call."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def report_stack_on_alarm() -> None:
    """On SIGALRM, write every thread's stack to the output (stderr), from C: it works even
    while student code is stuck in a long C call. A request with ``stack_after`` sets the alarm
    shortly before the grader's deadline, so a timeout can say where the code was. Student code
    may disarm it; then the grader just does not know the line."""
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        faulthandler.register(signal.SIGALRM, file=os.fdopen(os.dup(2), "w"), all_threads=True)


def _alarm(seconds: object) -> None:
    if type(seconds) in (int, float) and 0 <= seconds < 1e6:
        with contextlib.suppress(OSError, ValueError):
            signal.setitimer(signal.ITIMER_REAL, float(seconds))


def serve(channel: Channel) -> None:
    session = Session()
    while True:
        try:
            request, blobs = channel.receive()
        except EOFError:
            return
        reply: dict
        out_blobs: list[bytes] = []
        _alarm(request.get("stack_after", 0))
        try:
            if "shared" in request:  # the request's buffers are all in a shared memory file
                blobs = blobs + map_shared(request["shared"], channel.take_descriptors())
            if request["op"] == "load":
                tree, out_blobs = encode(session.load(request["statements"]))
            else:
                result, keep = session.handle(request, blobs)
                if keep:
                    result = session.register(result)
                tree, out_blobs = encode(result, session.register)
            reply = {"id": request["id"], "ok": tree}
        except BaseException as exc:
            reply = {"id": request["id"], "error": session.error(exc)}
            out_blobs = []
        _alarm(0)
        _flush_output()
        channel.send(reply, out_blobs)


def apply_limits(limits: dict) -> None:
    """Set soft and hard rlimits before any student code runs, so it cannot raise them."""
    import resource

    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_CPU", "cpu_seconds"),
                      ("RLIMIT_NOFILE", "open_files"), ("RLIMIT_FSIZE", "file_bytes"),
                      ("RLIMIT_NPROC", "processes"), ("RLIMIT_CORE", None)):
        value = int(limits[key]) if key else 0
        _, hard = resource.getrlimit(getattr(resource, name))
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(getattr(resource, name), (value, value))


def run(fd: int, max_bytes: int, limits: dict) -> None:
    """Be a worker on the socket ``fd``: confinement and limits, the greeting, then requests."""
    confine_from_environment()
    apply_limits(limits)
    sock = socket.socket(fileno=fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the worker
    channel = Channel(sock, max_bytes, trusted_peer=True)
    report_stack_on_alarm()
    channel.send({"ready": True})  # before any student code: later failures are the student's
    serve(channel)


def main() -> None:
    import json

    run(int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3]))


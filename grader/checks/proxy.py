"""Proxies that let checks use student code as if it were local: ``sub.softmax(x)``.

Every operation is a request to the worker; results come back as copies of plain data or
as :class:`RemoteObject` for anything else. Problems surface as :class:`StudentFault`,
which fails the check with a message meant for the student. The reference solution (``ref``)
runs in the grader but is seen through :class:`LocalObject`, under the same rules, so that
one check reads the same through ``sub`` and ``ref``.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Any

import numpy as np

from grader.load.names import VALUE, near_names, recased, wanted_kind
from grader.load.program import Program
from grader.worker.limits import Deadlines, Limits
from grader.worker.values import FunctionSource, Handle
from grader.worker.worker import (
    BadReply,
    BudgetSpent,
    CallTimedOut,
    StudentError,
    Worker,
    WorkerDied,
)

PLAIN_SCALARS = (bool, int, float, complex, str, np.generic)

# The NumPy aliases of Python types that NumPy 1.24 removed, and what replaces each.
REMOVED_NUMPY_ALIASES = {"int": "`int` / `np.int64`", "float": "`float` / `np.float64`",
                         "bool": "`bool` / `np.bool_`", "complex": "`complex` / `np.complex128`",
                         "object": "`object`", "str": "`str`"}
NO_ATTRIBUTE = re.compile(r"^(?:module )?'(?P<owner>[\w.]+)'(?: object)? has no attribute "
                          r"'(?P<name>\w+)'")
AMBIGUOUS_TRUTH = "truth value of an array with more than one element is ambiguous"


class StudentFault(AssertionError):
    """A check failed because of the student's code; ``key`` names the engine message."""

    def __init__(self, key: str, hint: str | None = None, **details: Any) -> None:
        super().__init__(key)
        self.key = key
        self.hint = hint
        self.details = details


class Connection:
    """The worker of one submission plus what the loader learned about the submission."""

    def __init__(self, worker: Worker | None, program: Program | None,
                 unreadable: str | None = None) -> None:
        self.worker = worker
        self.program = program
        self.unreadable = unreadable
        self.deadlines = worker.deadlines if worker is not None else Deadlines(Limits())
        self.reply_bytes: int | None = None  # what one request of the running check may bring back
        self._early_start: threading.Thread | None = None
        self._early_failure: StudentFault | None = None

    @property
    def names(self) -> dict[str, str]:
        self.ensure_started()
        return self.worker.load_report["names"]

    def start_early(self) -> None:
        """Start the worker in the background while pytest starts up; failures wait for use."""
        if self.worker is None:
            return

        def start() -> None:
            try:
                self.request_raw("start")
            except StudentFault as fault:
                self._early_failure = fault
            except Exception:
                self.worker.stop()

        self._early_start = threading.Thread(target=start, daemon=True)
        self._early_start.start()

    def close(self) -> None:
        """Stop the worker (after any background start has finished)."""
        if self._early_start is not None:
            self._early_start.join()
            self._early_start = None
        if self.worker is not None:
            self.worker.stop()

    def ensure_started(self) -> None:
        if self.unreadable is not None:
            raise StudentFault("unreadable", reason=self.unreadable)
        if self._early_start is not None:
            self._early_start.join()
            self._early_start = None
            if self._early_failure is not None:
                failure, self._early_failure = self._early_failure, None
                raise failure
        if self.worker.load_report is None or not self.worker.alive:
            self.request_raw("start")

    def request_raw(self, op: str, what: str = "", **fields: Any) -> Any:
        try:
            if op == "start":
                what = what or "import"
                return self.worker.start()
            return self.worker.request(op, reply_bytes=self.reply_bytes, **fields)
        except StudentError as exc:
            raise self._explain(exc, what, asked_by_grader=op in ("getattr", "locate")) from None
        except BudgetSpent as exc:
            raise StudentFault("budget_exhausted", seconds=exc.seconds, place=exc.place) from None
        except CallTimedOut as exc:
            raise StudentFault("timeout", what=what, seconds=exc.seconds, place=exc.place,
                               loading=op == "start") from None
        except WorkerDied as exc:
            raise StudentFault("crashed", what=what, how=exc.description,
                               output=exc.output, loading=op == "start") from None
        except BadReply as exc:
            raise StudentFault("bad_reply", what=what, reason=str(exc)) from None

    def request(self, op: str, what: str = "", **fields: Any) -> Any:
        self.ensure_started()
        return self.wrap(self.request_raw(op, what, **fields))

    def wrap(self, value: Any) -> Any:
        if isinstance(value, Handle):
            return RemoteObject(self, value, self.worker.generation)
        if type(value) is list:
            return [self.wrap(v) for v in value]
        if type(value) is tuple:
            return tuple(self.wrap(v) for v in value)
        if type(value) is dict:
            return {k: self.wrap(v) for k, v in value.items()}
        return value

    def _explain(self, exc: StudentError, what: str, asked_by_grader: bool) -> StudentFault:
        """The student-facing cause of an exception raised by student code.

        ``asked_by_grader``: the grader itself looked the attribute up (``layer.dW``), so a
        missing one is a naming problem; otherwise the student's own code read it.
        """
        if exc.type_name == "NotImplementedError":
            return StudentFault("not_implemented", what=what)
        missing = NO_ATTRIBUTE.match(exc.message) if exc.type_name == "AttributeError" else None
        if missing and missing["owner"].split(".")[0] == "numpy":
            return _numpy_attribute(what, missing["owner"], missing["name"], exc.message,
                                    exc.traceback)
        if exc.type_name == "NameError" and self.program is not None:
            name = exc.message.split("'")[1] if exc.message.count("'") >= 2 else ""
            skipped = self.program.skipped_binding(name)
            if skipped is not None:
                return StudentFault("uses_skipped_name", what=what, name=name,
                                    label=skipped.label, line=skipped.line, text=skipped.text)
        if missing and exc.names:
            near = near_names(missing["name"], exc.names)
            if near and asked_by_grader:
                return StudentFault("missing_attribute_near", what=what, name=missing["name"],
                                    near=near[0])
            if near:
                return StudentFault("attribute_misspelt_in_code", what=what,
                                    name=missing["name"], near=near[0], owner=missing["owner"],
                                    traceback=exc.traceback)
        if exc.type_name == "ValueError" and AMBIGUOUS_TRUTH in exc.message:
            return StudentFault("array_truth_value", what=what, traceback=exc.traceback)
        return StudentFault("student_exception", what=what, type=exc.type_name,
                            message=exc.message, traceback=exc.traceback)


def _numpy_attribute(what: str, module: str, name: str, message: str,
                     traceback: str) -> StudentFault:
    """`np.float` (removed in NumPy 1.24) or a misspelling such as `np.arrange`.

    Other removed names come with NumPy's own explanation, which is shown as it is.
    """
    if module == "numpy" and name in REMOVED_NUMPY_ALIASES:
        return StudentFault("numpy_alias_removed", what=what, alias=name,
                            replacement=REMOVED_NUMPY_ALIASES[name], traceback=traceback)
    if "\n" in message:
        return StudentFault("student_exception", what=what, type="AttributeError",
                            message=message, traceback=traceback)
    # only modules the grader has loaded anyway: the name comes from the worker's message
    names = [n for n in dir(sys.modules.get(module)) if not n.startswith("_")]
    near = near_names(name, names, cutoff=0.85)
    prefix = "np" + module.removeprefix("numpy")
    if near:
        return StudentFault("numpy_misspelt", what=what, name=f"{prefix}.{name}",
                            near=f"{prefix}.{near[0]}", traceback=traceback)
    return StudentFault("numpy_no_attribute", what=what, name=f"{prefix}.{name}",
                        traceback=traceback)


def _unwrap(value: Any) -> Any:
    """Replace proxies by the handles they stand for, so they can be sent back."""
    if isinstance(value, RemoteObject):
        return object.__getattribute__(value, "_handle")
    if type(value) is list:
        return [_unwrap(v) for v in value]
    if type(value) is tuple:
        return tuple(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class RemoteObject:
    """An object that lives in the worker: an instance, a method, a function."""

    __slots__ = ("_conn", "_generation", "_handle")

    def __init__(self, conn: Connection, handle: Handle | str, generation: int) -> None:
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_generation", generation)

    def _target(self) -> Handle | str:
        conn = object.__getattribute__(self, "_conn")
        handle = object.__getattribute__(self, "_handle")
        if isinstance(handle, Handle):
            generation = object.__getattribute__(self, "_generation")
            if conn.worker.generation != generation or not conn.worker.alive:
                raise StudentFault("object_lost", what=self._describe())
        return handle

    def _describe(self) -> str:
        handle = object.__getattribute__(self, "_handle")
        return handle if isinstance(handle, str) else handle.type_name

    @property
    def type_name(self) -> str:
        """The class name of the remote object (for messages)."""
        return self._describe()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(args, kwargs)

    def _call(self, args: tuple, kwargs: dict, **options: Any) -> Any:
        conn = object.__getattribute__(self, "_conn")
        return conn.request("call", what=self._describe(), target=self._target(),
                            args=_unwrap(list(args)), kwargs=_unwrap(kwargs), **options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        conn = object.__getattribute__(self, "_conn")
        return conn.request("getattr", what=f"{self._describe()}.{name}", target=self._target(),
                            name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        conn = object.__getattribute__(self, "_conn")
        conn.request("setattr", what=f"{self._describe()}.{name}", target=self._target(),
                     name=name, value=_unwrap(value))

    def __getitem__(self, key: Any) -> Any:
        conn = object.__getattribute__(self, "_conn")
        return conn.request("getitem", what=f"{self._describe()}[{key!r}]",
                            target=self._target(), key=_unwrap(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        conn = object.__getattribute__(self, "_conn")
        conn.request("setitem", what=f"{self._describe()}[{key!r}]", target=self._target(),
                     key=_unwrap(key), value=_unwrap(value))

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise StudentFault("not_an_array", what=self._describe())

    def __iter__(self) -> Any:
        raise StudentFault("not_an_array", what=self._describe())

    def __repr__(self) -> str:
        return f"<student object {self._describe()}>"


class Submission:
    """The ``sub`` fixture: attribute access looks names up in the student's module."""

    def __init__(self, conn: Connection) -> None:
        object.__setattr__(self, "_conn", conn)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        conn: Connection = object.__getattribute__(self, "_conn")
        names = conn.names
        kind = names.get(name)
        if kind is None:
            raise self._missing(conn, name)
        want = wanted_kind(name)
        if kind == VALUE:
            value = conn.request("getattr", what=name, name=name)
            if want != VALUE:  # `mean_squared_error = 0.0975`: not callable
                raise StudentFault("name_is_value", name=name, want=want,
                                   type=_type_name(value))
            return value
        if want != VALUE and kind != want:  # `def Sigmoid(x)` where a class is asked for
            raise StudentFault("name_wrong_kind", name=name, want=want, have=kind)
        return RemoteObject(conn, name, conn.worker.generation)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("checks cannot change the student's module")

    @staticmethod
    def _missing(conn: Connection, name: str) -> StudentFault:
        """Why ``name`` is missing: misspelt, of another kind, lost to an error, or absent."""
        want = wanted_kind(name)
        near = near_names(name, conn.names, kind=want)
        other_kind = [n for n in recased(name, conn.names) if conn.names[n] != want]
        failure = conn.program.failed_binding(conn.worker.load_report["failures"], name)
        syntax = conn.program.syntax_errors[0] if conn.program.syntax_errors else None
        if near:
            return StudentFault("missing_name_near", name=name, near=near[0])
        if other_kind:
            return StudentFault("missing_name_other_kind", name=name, near=other_kind[0],
                                want=want, have=conn.names[other_kind[0]])
        if syntax is not None:
            return StudentFault("missing_name_syntax", name=name, label=syntax.label,
                                line=syntax.line, message=syntax.message)
        if failure is not None:
            return StudentFault("missing_name_failed", name=name, label=failure["label"],
                                line=failure["line"], type=failure["type"],
                                message=failure["message"])
        return StudentFault("missing_name", name=name)

    def __repr__(self) -> str:
        return "<student submission>"


def _type_name(value: Any) -> str:
    return value.type_name if isinstance(value, RemoteObject) else type(value).__name__


def connection_of(obj: Submission | RemoteObject) -> Connection:
    return object.__getattribute__(obj, "_conn")


class LocalObject:
    """An object of the reference solution (``ref``), handled as ``sub`` handles the student's.

    Plain data goes in and comes out as copies, and anything else comes back as another
    LocalObject: a call never changes the check's own arrays, and no array a check gets is
    shared with a reference object. In-place changes are seen as with student code, through
    ``call_and_see``.
    """

    __slots__ = ("_wrapped",)

    def __init__(self, wrapped: Any) -> None:
        object.__setattr__(self, "_wrapped", wrapped)

    @property
    def type_name(self) -> str:
        """The class name of the wrapped object (for messages)."""
        wrapped = object.__getattribute__(self, "_wrapped")
        return getattr(wrapped, "__name__", type(wrapped).__name__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(args, kwargs)

    def _call(self, args: tuple, kwargs: dict, *, keep: bool = False,
              share_arrays: bool = False) -> Any:
        """As :meth:`RemoteObject._call`: with ``share_arrays``, ``(result, after)``."""
        sent_args, sent_kwargs = _copy_in(list(args)), _copy_in(kwargs)
        result = object.__getattribute__(self, "_wrapped")(*sent_args, **sent_kwargs)
        result = LocalObject(result) if keep else hand_out(result)
        if share_arrays:
            return result, {"args": hand_out(sent_args), "kwargs": hand_out(sent_kwargs)}
        return result

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return hand_out(getattr(object.__getattribute__(self, "_wrapped"), name))

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_wrapped"), name, _copy_in(value))

    def __getitem__(self, key: Any) -> Any:
        return hand_out(object.__getattribute__(self, "_wrapped")[_copy_in(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        object.__getattribute__(self, "_wrapped")[_copy_in(key)] = _copy_in(value)

    def __repr__(self) -> str:
        return f"<reference object {self.type_name}>"


def local_target(obj: LocalObject) -> Any:
    """The reference's own object behind a :class:`LocalObject`."""
    return object.__getattribute__(obj, "_wrapped")


def _copy_in(value: Any) -> Any:
    """What reference code receives: copies of plain data, its own objects unwrapped."""
    if isinstance(value, LocalObject):
        return local_target(value)
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_copy_in(v) for v in value)
    if type(value) is dict:
        return {k: _copy_in(v) for k, v in value.items()}
    return value


def hand_out(value: Any) -> Any:
    """What a check gets from reference code: copies of plain data, proxies of the rest."""
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(hand_out(v) for v in value)
    if type(value) is dict:
        return {k: hand_out(v) for k, v in value.items()}
    if value is None or isinstance(value, PLAIN_SCALARS):
        return value
    return LocalObject(value)


def call_function(func: RemoteObject | LocalObject, args: tuple, kwargs: dict,
                  **options: Any) -> Any:
    """Call a function of student code or of the reference with request options (``keep``,
    ``share_arrays``)."""
    return callable_in_check(func)._call(args, kwargs, **options)


def callable_in_check(func: Any) -> RemoteObject | LocalObject:
    """``func`` if a check can call it with options, else a TypeError that says what to do."""
    if isinstance(func, FunctionSource):
        raise TypeError("worker_function(...) builds a function for student code to call, "
                        "not one a check can call: pass it to a student function instead, "
                        "e.g. sub.numerical_gradient(worker_function(...), x)")
    if not isinstance(func, (RemoteObject, LocalObject)):
        raise TypeError(f"expected a function of the student's code (sub.softmax, a method "
                        f"of a student object) or of the reference (ref.softmax), not "
                        f"{type(func).__name__}")
    return func


def function_source(source: str) -> FunctionSource:
    return FunctionSource(source)

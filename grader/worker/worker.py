"""The life of a worker, as the grader lives it: one process per submission, reused across its
checks, never trusted.

1. **Start.** :meth:`Worker.start` takes a spare process started ahead by :func:`prestart`
   when one fits, else asks its launcher (:mod:`grader.worker.launchers`) for a new one.
2. **Greeting.** The worker greets before any student code can run
   (:mod:`grader.worker.inside`): until then a failure is the grader's
   (:class:`WorkerUnavailable`), not the student's.
3. **Load.** The submission's definitions are sent and run; the worker reports the names it
   defines and the statements that failed, checked against what was sent.
4. **Requests.** One at a time, each with a deadline and within the submission's time budget
   (:class:`~grader.worker.limits.Deadlines`), each reply bounded in size (``reply_bytes``)
   and checked field by field (:mod:`grader.worker.values`). Arguments may travel in memory the
   grader keeps, to see what a call did to them. The output is drained by an
   :class:`OutputTap`, which keeps the start of it.
5. **Failure.** A timeout, a crash, an exit or a reply that breaks the rules ends the whole
   process and everything it started; the next request starts a fresh worker, whose
   :attr:`Worker.generation` tells objects of the old one as lost.
6. **Stop.** Killed, reaped, its folder removed; spares nobody took are stopped at exit.

Values, and with them NumPy, are imported with the first request, not with this module:
``grader check`` starts its worker first, so that the worker boots while the grader imports.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import select
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

from grader.worker.launchers import Launcher, RlimitsOnlyLauncher, WorkerProcess
from grader.worker.limits import Deadlines, Limits
from grader.worker.wire import Channel, ProtocolError

if TYPE_CHECKING:
    from grader.worker.values import SharedBuffers

VALUE_FIELDS = ("target", "args", "kwargs", "value", "key")  # request fields that hold values


class WorkerFailure(Exception):
    """Student code did not give an answer; the check that asked fails."""


class StudentError(WorkerFailure):
    """Student code raised an exception."""

    def __init__(self, type_name: str, message: str, traceback: str, names: list[str] | None):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message
        self.traceback = traceback
        self.names = names or []


class WorkerDied(WorkerFailure):
    """The worker process ended (crash, exit, killed) while answering."""

    def __init__(self, description: str, output: str):
        super().__init__(description)
        self.description = description
        self.output = output


class CallTimedOut(WorkerFailure):
    """No answer in time; ``place`` is (label, line) of the student code that was running."""

    def __init__(self, seconds: float, place: tuple[str, int] | None = None):
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds = seconds
        self.place = place


class BudgetSpent(WorkerFailure):
    """The submission's time budget is spent: nothing more is asked of its worker. ``place``:
    as :class:`CallTimedOut`'s, when a request was running out of it."""

    def __init__(self, seconds: float | None, place: tuple[str, int] | None = None):
        super().__init__(f"the time budget of {seconds:g} s is spent")
        self.seconds = seconds
        self.place = place


class BadReply(WorkerFailure):
    """The worker answered with something that is not allowed on the wire."""


class WorkerUnavailable(Exception):
    """The grader could not start a worker at all: a fault of the grader, not the student."""


# The stacks the worker writes to its output shortly before a deadline (see
# grader.worker.inside.report_stack_on_alarm), in faulthandler's format.
STACK_DUMP = re.compile(r"^(?:Current thread|Thread) 0x[0-9a-fA-F]+[^\n]{0,200}:\n"
                        r"(?:  [^\n]{0,1000}\n?){0,200}\n?", re.M)
STACK_FRAME = re.compile(r'^  File "(?P<label>[^"\n]{1,200})", line (?P<line>\d{1,9}) in ', re.M)
INSIDE_FILE = "inside.py"
STACK_MARGIN = 0.5  # seconds before a deadline at which the worker writes its stack


def stopped_at(output: str, labels: set[str]) -> tuple[str, int] | None:
    """Where the main thread of a worker was in the student's code, from the last stack dump
    in ``output`` (written by the worker: hostile). Only a label of the submission is
    believed; a submission that prints a forged dump misleads only its own report."""
    for dump in reversed(list(STACK_DUMP.finditer(output))):
        frames = [(m["label"], int(m["line"])) for m in STACK_FRAME.finditer(dump.group(0))]
        if any(label.endswith(INSIDE_FILE) for label, _ in frames):  # the thread serving calls
            return next(((label, line) for label, line in frames if label in labels), None)
    return None


def strip_stack_dumps(output: str) -> str:
    """``output`` without the worker's stack dumps: they are the grader's, not the student's."""
    return STACK_DUMP.sub("", output)


class OutputTap:
    """Drains the worker's stdout/stderr, keeping the first ``cap`` bytes and the last few."""

    TAIL = 32 * 1024  # the end of the output, where a stack dump before a kill is

    def __init__(self, stream: Any, cap: int) -> None:
        self.cap = cap
        self.kept = bytearray()
        self.tail = bytearray()
        self.total = 0
        self._stream = stream
        self._lock = threading.Lock()  # held while a chunk goes from the pipe to ``kept``
        self._ended = False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._stream.fileno()
        while True:
            select.select([fd], [], [])
            with self._lock:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self._ended = True
                    break
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
                self.tail = (self.tail + chunk)[-self.TAIL:]
        self._stream.close()

    def settle(self, seconds: float = 0.5) -> None:
        """Wait until everything already written to the pipe is kept.

        The worker flushes its output before it answers, so after an answer this makes the
        output of a check complete (the drain thread may otherwise still be behind).
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if self._ended or not select.select([self._stream], [], [], 0)[0]:
                    return
            time.sleep(0.001)

    def text(self, start: int = 0) -> str:
        text = self.kept[start:].decode("utf-8", "replace")
        if self.total > self.cap:
            text += f"\n[... {self.total - self.cap} more bytes of output not kept]"
        return text

    def since(self, position: int) -> str:
        """What was written after ``position`` (a past ``total``), as far as the tail reaches."""
        start = len(self.tail) - (self.total - position)
        return self.tail[max(0, start):].decode("utf-8", "replace")

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class Worker:
    """One student's worker process, started on first use and restarted after a failure."""

    def __init__(self, statements: list[dict], limits: Limits | None = None,
                 launcher: Launcher | None = None) -> None:
        self.statements = statements
        self.limits = limits or Limits()
        self.launcher = launcher or RlimitsOnlyLauncher()
        self.deadlines = Deadlines(self.limits)
        self.load_report: dict | None = None
        self.generation = 0
        self.output: OutputTap | None = None
        self._process: WorkerProcess | None = None
        self._channel: Channel | None = None
        self._greeted = False
        self._ids = itertools.count(1)

    # -- life cycle ------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> dict:
        """Start the process and load the submission; returns the load report."""
        seconds, cut = self._time_for(loading=True)
        self.stop()
        spare = _take_spare(self.launcher, self.limits)
        if spare is None:
            self._launch()
        else:
            self._process, self._channel, self.output, self._greeted = (
                spare._process, spare._channel, spare.output, spare._greeted)
        self.await_greeting()
        self.generation += 1
        self.load_report = self._exchange({"op": "load", "statements": self.statements}, [],
                                          seconds, cut)
        return self.load_report

    def _launch(self) -> None:
        try:
            self._process = self.launcher.start(self.limits)
        except OSError as exc:
            raise WorkerUnavailable(f"could not start the worker: {exc}") from exc
        self._greeted = False
        self.output = OutputTap(self._process.output, self.limits.output_bytes)
        self._channel = Channel(self._process.socket, self.limits.message_bytes)

    def await_greeting(self) -> None:
        """Wait for the worker's greeting (once), sent before any student code can run.

        Until then a failure is the grader's (sandbox, interpreter, limits), not the student's.
        """
        assert self._channel is not None and self._process is not None
        if self._greeted:
            return
        try:
            hello, _ = self._channel.receive(time.monotonic() + self.limits.load_seconds)
            if hello.get("ready") is not True:
                raise ProtocolError("no greeting")
            self._greeted = True
            return
        except TimeoutError:
            reason = f"no greeting within {self.limits.load_seconds:g} s"
        except (EOFError, OSError, ProtocolError) as exc:
            reason = str(exc) or type(exc).__name__
        self.stop()
        tail = self.output.text()[-1500:].strip() if self.output else ""
        raise WorkerUnavailable(f"the worker ({self.launcher.mode}) could not start: {reason}"
                                + (f"\n{tail}" if tail else ""))

    def stop(self) -> None:
        """End the process with everything it started and forget it; safe at any time."""
        if self._process is not None:
            self._process.end()
            if self.output is not None:
                self.output.join(1.0)
        if self._channel is not None:
            self._channel.sock.close()
        self._process = self._channel = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- requests --------------------------------------------------------------------------
    def request(self, op: str, *, reply_bytes: int | None = None, share_arrays: bool = False,
                **fields: Any) -> Any:
        """Send one request; returns the decoded answer (handles stay :class:`Handle`).

        Its deadline comes from :attr:`deadlines`. ``reply_bytes`` bounds the answer (default
        ``Limits.reply_bytes``). With ``share_arrays`` the request's arrays travel in memory
        the grader keeps, and the answer is ``(value, after)``: ``after`` maps each field that
        held values to those values as the grader reads them back from that memory once the
        worker has answered, whatever the worker says (what a call did to its arguments).
        """
        from grader.worker import values  # NumPy (see the module docstring)

        if not self.alive:
            self.start()
        seconds, cut = self._time_for(loading=False)
        tree_fields = {}
        blobs: list[bytes] = []
        for key, value in fields.items():
            if key in VALUE_FIELDS:
                value, _ = values.encode(value, blobs=blobs)
            tree_fields[key] = value
        request = {"op": op, **tree_fields}
        if not share_arrays:
            return self._exchange(request, blobs, seconds, cut, reply_bytes)
        shared = values.SharedBuffers(blobs)
        try:
            value = self._exchange({**request, "shared": shared.sizes}, [], seconds, cut,
                                   reply_bytes, shared)
            now = shared.read()
        finally:
            shared.close()
        return value, {key: values.decode(tree_fields[key], now,
                                          build_function=values.FunctionSource)
                       for key in fields if key in VALUE_FIELDS}

    def _time_for(self, loading: bool) -> tuple[float, bool]:
        """Seconds the next request may take, and whether the time budget cut them short."""
        seconds, cut = self.deadlines.next_request(loading)
        if seconds <= 0:
            raise BudgetSpent(self.deadlines.budget)
        return seconds, cut

    def _exchange(self, request: dict, blobs: list[bytes], seconds: float, cut: bool,
                  reply_bytes: int | None = None, shared: SharedBuffers | None = None) -> Any:
        """One request and its reply, every field of which is checked before use."""
        assert self._channel is not None and self._process is not None
        request_id = next(self._ids)
        deadline = time.monotonic() + seconds
        budget = self.limits.reply_bytes if reply_bytes is None else reply_bytes
        descriptors = [shared.fd] if shared is not None and shared.fd is not None else []
        position = self.output.total if self.output else 0
        stack_after = seconds - min(STACK_MARGIN, seconds / 4)
        try:
            self._channel.send({**request, "id": request_id, "stack_after": stack_after}, blobs,
                               deadline, descriptors)
            reply, reply_blobs = self._channel.receive(deadline, budget)
            return self._answer(request, request_id, reply, reply_blobs)
        except TimeoutError:
            self.stop()  # the output is drained to its end: the stack dump is in it
            labels = {str(s["label"]) for s in self.statements}
            place = stopped_at(self.output.since(position), labels) if self.output else None
            if cut:
                raise BudgetSpent(self.deadlines.budget, place) from None
            raise CallTimedOut(seconds, place) from None
        except (EOFError, OSError):
            raise self._died() from None
        except ProtocolError as exc:
            reason = str(exc)
        # an honest worker never sends this: it is out of step, or forging. Raised outside the
        # handler, or the failure would keep the reply alive (through its context's traceback).
        self.stop()
        raise BadReply(reason)

    @staticmethod
    def _answer(request: dict, request_id: int, reply: dict, blobs: list[bytearray]) -> Any:
        from grader.worker import values

        if type(reply.get("id")) is not int or reply["id"] != request_id:
            raise ProtocolError("a reply to another request")
        if set(reply) == {"id", "blobs", "error"}:
            error = values.checked_error(reply["error"])
            raise StudentError(error["type"], error["message"], error["traceback"],
                               error.get("names"))
        if set(reply) != {"id", "blobs", "ok"}:
            raise ProtocolError("malformed reply")
        value = values.decode(reply["ok"], blobs)
        if request["op"] == "load":
            return values.checked_load_report(value, request["statements"])
        return value

    def _died(self) -> WorkerDied:
        assert self._process is not None
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            description = "the worker stopped answering"
        elif code < 0:
            description = f"killed by signal {signal.Signals(-code).name}"
        else:
            description = f"exited with status {code}"
        self.stop()
        tail = self.output.text()[-2000:] if self.output else ""
        return WorkerDied(description, tail)


# -- spares: workers started before they are needed ----------------------------------------------

_spares: list[Worker] = []


def prestart(launcher: Launcher, limits: Limits) -> None:
    """Start a worker process now, for the next :class:`Worker` with an equal launcher and limits.

    Starting a sandboxed interpreter and importing NumPy is most of a short check's wait; a
    process that knows what comes next pays it before the student asks, or while it imports
    pytest. No student code is loaded until a worker takes the process over. Processes no
    worker took are stopped at exit (or by :func:`discard_spares`).
    """
    if any(_fits(spare, launcher, limits) for spare in _spares):
        return
    if not _spares:
        atexit.register(discard_spares)
    spare = Worker([], limits, launcher)
    spare._launch()
    _spares.append(spare)


def start_problem(launcher: Launcher, limits: Limits) -> str | None:
    """Why a worker of ``launcher`` cannot start here, or None: the greeting of its spare (one
    is started if :func:`prestart` has not)."""
    try:
        prestart(launcher, limits)
    except WorkerUnavailable as exc:
        return str(exc)
    spare = next(s for s in _spares if _fits(s, launcher, limits))
    try:
        spare.await_greeting()
    except WorkerUnavailable as exc:
        _spares.remove(spare)
        return str(exc)
    return None


def preimport(launcher: Launcher, limits: Limits, module: str) -> None:
    """Have the greeted spare for ``launcher`` and ``limits`` import ``module`` now, before any
    student code, where it is installed there.

    For a process that waits for its command (the warm process's standby): most study code
    imports matplotlib at the top, which costs a worker more than a short check. Where the
    module is missing, the spare serves as it is; one that breaks on it (a crash, a timeout)
    is stopped, and the command starts a fresh one.
    """
    spare = next((s for s in _spares if _fits(s, launcher, limits) and s._greeted), None)
    if spare is not None:
        with contextlib.suppress(WorkerFailure):
            spare.request("module", name=module)


def discard_spares() -> None:
    """Stop the processes :func:`prestart` started that no worker took."""
    while _spares:
        _spares.pop().stop()


def _take_spare(launcher: Launcher, limits: Limits) -> Worker | None:
    for spare in list(_spares):
        if not spare.alive:
            _spares.remove(spare)
            spare.stop()
        elif _fits(spare, launcher, limits):
            _spares.remove(spare)
            return spare
    return None


def _fits(spare: Worker, launcher: Launcher, limits: Limits) -> bool:
    return spare.limits == limits and spare.launcher.key() == launcher.key()

"""The pytest plugin that gives checks their fixtures and turns test reports into results."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from grader.checks import fixtures
from grader.checks.proxy import Connection, LocalObject, StudentFault
from grader.worker.worker import WorkerUnavailable

NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
TRACE_CHARS = 8000  # of a grader error's traceback kept for instructors


class GraderFault(Exception):
    """A check was written or configured wrongly: reported as an error, not a failure."""


@dataclass
class Outcome:
    """What happened to one check function (all its parametrized cases together)."""

    check_id: str
    path: Path
    points: float = 0.0
    hint_key: str = ""
    docstring: str = ""
    failure: BaseException | None = None
    failure_text: str = ""
    failure_trace: str = ""  # the traceback of a fault of the grader, for instructors
    duration: float = 0.0
    output: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class GraderPlugin:
    """Registered with ``pytest.main(plugins=[...])`` for one submission."""

    def __init__(self, conn: Connection, hidden_dir: Path | None, reference: Path | None) -> None:
        self.conn = conn
        self.hidden_dir = hidden_dir.resolve() if hidden_dir else None
        self.reference = reference
        self.outcomes: dict[str, Outcome] = {}
        self.collection_errors: list[str] = []
        self.interrupted = False
        self.notes: list[str] = []
        self._reference_module: ModuleType | None = None
        self._output_start = 0

    # -- fixtures (the session-wide ``sub`` lives in grader.checks.fixtures) -----------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[fixtures.CONNECTION] = self.conn

    @pytest.fixture
    def ref(self, request: pytest.FixtureRequest) -> LocalObject:
        """The reference solution (hidden checks only), imported in the grader and seen as
        ``sub`` sees student code (copies in and out)."""
        if not self.is_hidden(Path(request.node.path)):
            raise GraderFault("public checks must not use the reference solution")
        if self.reference is None:
            raise GraderFault("this exercise has no reference solution")
        if self._reference_module is None:
            spec = importlib.util.spec_from_file_location("grader_reference", self.reference)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._reference_module = module
        return LocalObject(self._reference_module)

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """A generator seeded from the check's name: same inputs every run."""
        return np.random.default_rng(zlib.crc32(request.node.name.encode()))

    @pytest.fixture
    def record(self, request: pytest.FixtureRequest) -> Any:
        """``record(name, value)`` keeps plain data of this check for the reports."""
        outcome = self._outcome(request.node)

        def keep(name: str, value: Any) -> None:
            outcome.data[name] = np.asarray(value).tolist() if isinstance(
                value, np.ndarray) else value

        return keep

    @pytest.fixture
    def note(self) -> Callable[[str], None]:
        """``note(key)``: tell the student something that costs no points, e.g. that a
        tolerated form was accepted. ``key`` names a text in exercise.toml [hints]; each
        note is shown once among the submission's notes."""
        return self.notes.append

    # -- hooks -----------------------------------------------------------------------------
    def is_hidden(self, path: Path) -> bool:
        """Whether a check file belongs to the hidden checks."""
        return self.hidden_dir is not None and path.resolve().is_relative_to(self.hidden_dir)

    def _outcome(self, item: pytest.Item) -> Outcome:
        check_id, points, hint_key, _ = check_markers(item)
        if check_id not in self.outcomes:
            doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
            self.outcomes[check_id] = Outcome(
                check_id, Path(item.path), points=points, hint_key=hint_key,
                docstring=doc.strip().splitlines()[0] if doc.strip() else "")
        return self.outcomes[check_id]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = report.longreprtext.strip().splitlines()
            self.collection_errors.append(f"{report.nodeid}: {lines[-1] if lines else 'error'}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.interrupted = excinfo.type is KeyboardInterrupt  # not pytest's own Interrupted

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """The submission's time budget: the load's deadline plus each check's share."""
        limits = self.conn.deadlines.limits
        self.conn.deadlines.budget = limits.load_seconds + sum(
            budget_share(item, limits.call_seconds) for item in items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        outcome = self._outcome(item)
        if item.get_closest_marker("points") is None and outcome.failure is None:
            outcome.failure = GraderFault(f"check {outcome.check_id} has no points marker")
        deadlines = self.conn.deadlines
        if deadlines.left() <= 0:  # fails at once: the worker is not asked
            raise StudentFault("budget_exhausted", seconds=deadlines.budget)
        deadlines.check_seconds = check_markers(item)[3]
        self.conn.reply_bytes = reply_budget(item)
        tap = self.conn.worker.output if self.conn.worker else None
        if tap is not None:
            tap.settle()  # the previous check's output is the previous check's
        self._output_start = len(tap.kept) if tap else 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = (yield).get_result()
        outcome = self._outcome(item)
        outcome.duration += call.duration
        if report.failed and outcome.failure is None:
            error = call.excinfo.value if call.excinfo else RuntimeError(report.longreprtext)
            outcome.failure = error
            outcome.failure_text = _short_assertion(report, error)
            if not is_student_fault(error):  # read now: _release clears the frames
                outcome.failure_trace = "".join(
                    traceback.format_exception(error))[-TRACE_CHARS:]
        if call.when == "teardown":
            tap = self.conn.worker.output if self.conn.worker else None
            if tap is not None:
                tap.settle()
                outcome.output += tap.text(self._output_start)
            _release(outcome.failure)


def _release(failure: BaseException | None) -> None:
    """Let go of what a finished check brought back from the worker.

    A failure's frames hold the check's locals (the student's results) for as long as pytest's
    records of the run live, and pytest keeps the last failure for post-mortem debugging even
    after the run: of a failure, only its message is needed.
    """
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    while failure is not None:
        for frame, _ in traceback.walk_tb(failure.__traceback__):
            with contextlib.suppress(RuntimeError):  # a frame still running keeps its locals
                frame.clear()
                if sys.version_info < (3, 13):  # f_locals was a snapshot, which clear() left
                    frame.f_locals.clear()
        failure = failure.__context__


def check_markers(item: pytest.Item) -> tuple[str, float, str, float | None]:
    """(check id, points, default hint key, seconds per call) of a collected check.

    Cases of a parametrized check share the id. The deadline is the closest ``timeout``
    marker (on the check, its class or its module's ``pytestmark``), else the worker's default.
    """
    check_id = getattr(item, "originalname", None) or item.name
    points = item.get_closest_marker("points")
    hint = item.get_closest_marker("hint")
    timeout = item.get_closest_marker("timeout")
    return (check_id, float(points.args[0]) if points and points.args else 0.0,
            str(hint.args[0]) if hint and hint.args else check_id,
            float(timeout.args[0]) if timeout and timeout.args else None)


def budget_share(item: pytest.Item, call_seconds: float) -> float:
    """Seconds a check (each case of a parametrized one) adds to the submission's time budget:
    its closest ``budget`` marker, else its per-call deadline (``timeout``, else the default)."""
    budget = item.get_closest_marker("budget")
    if budget is not None and budget.args:
        return float(budget.args[0])
    timeout = check_markers(item)[3]
    return timeout if timeout is not None else call_seconds


def reply_budget(item: pytest.Item) -> int | None:
    """Bytes one request of a check may bring back: the closest ``reply_bytes`` marker, else
    the worker's default (``Limits.reply_bytes``)."""
    marker = item.get_closest_marker("reply_bytes")
    return int(marker.args[0]) if marker and marker.args else None


def _short_assertion(report: Any, error: BaseException) -> str:
    """The message of a plain ``assert`` in a check, as pytest rewrote it."""
    if isinstance(error, StudentFault):
        return ""
    text = str(error).strip() or report.longreprtext.strip().splitlines()[-1]
    return "\n".join(text.splitlines()[:6])[:1000]


def is_student_fault(error: BaseException | None) -> bool:
    """Failures count against the student; anything else is an error of the grader."""
    return isinstance(error, AssertionError) and not isinstance(
        error, (GraderFault, WorkerUnavailable))


def pytest_args(paths: list[Path]) -> list[str]:
    """Arguments that run check files quietly, isolated from any project configuration.

    The root directory is above the exercise folder, so that check modules of different
    exercises (all named test_public.py) get different module names.
    """
    return [str(p) for p in paths] + [
        "-q", "-p", "no:cacheprovider", "-p", "no:stepwise", "-p", "no:warnings",
        "--import-mode=importlib", "--no-header", "-s", "--tb=no", "-rN",
        "--continue-on-collection-errors",
        # these two call gc.collect() several times per session: 0.1 s per submission
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        # command-line features no check uses: a fifth of a short session's start-up
        *(f"-pno:{name}" for name in ("doctest", "junitxml", "pastebin", "setuponly",
                                      "setupplan", "faulthandler", "debugging")),
        "-c", str(Path(__file__).with_name("pytest.ini")),
        "--rootdir", os.path.commonpath([p.resolve() for p in paths]) if len(paths) > 1
        else str(paths[0].resolve().parent.parent),
    ]


def run_pytest(paths: list[Path], plugin: object, *extra: str) -> int:
    """Run the check files with pytest in this process; pytest's own output is discarded.

    Installed pytest plugins are not loaded: checks need only this one, and each plugin
    costs start-up time that a student waits for. The first folder (the public checks) is
    importable during the run, so that public and hidden checks share helper modules kept
    there.
    """
    saved_stdout, saved_env = sys.stdout, os.environ.get(NO_AUTOLOAD)
    modules_before = set(sys.modules)
    os.environ[NO_AUTOLOAD] = "1"
    helpers = str(paths[0].resolve())
    sys.path.insert(0, helpers)
    try:
        with open(os.devnull, "w") as quiet:
            sys.stdout = quiet
            return int(pytest.main([*pytest_args(paths), *extra], plugins=[plugin, fixtures]))
    finally:
        sys.stdout = saved_stdout
        sys.path.remove(helpers)
        if saved_env is None:
            os.environ.pop(NO_AUTOLOAD, None)
        else:
            os.environ[NO_AUTOLOAD] = saved_env
        _forget_check_modules(set(sys.modules) - modules_before, paths)


def _forget_check_modules(names: set[str], paths: list[Path]) -> None:
    """Drop check modules from sys.modules: the next course may have files of the same name."""
    roots = [str(p.resolve()) for p in paths]
    for name in names:
        origin = getattr(sys.modules.get(name), "__file__", None) or ""
        if any(origin.startswith(root) for root in roots):
            del sys.modules[name]

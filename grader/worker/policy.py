"""Which launcher a command gets: the isolation policy, in one place (:func:`launcher_for`).

Isolation comes in three rungs; each command takes the strongest this machine offers:

1. **bubblewrap** (:mod:`grader.worker.bubblewrap`): namespaces, a filesystem of its own, no
   network, seccomp, rlimits. Every command, wherever it works.
2. **unprivileged** (:mod:`grader.worker.unprivileged`): ``grade`` run as root where bubblewrap
   cannot create namespaces (Gradescope's containers): each worker becomes a user of its own.
3. **rlimits-only** (:class:`~grader.worker.launchers.RlimitsOnlyLauncher`): resource and time
   limits only. ``check`` and ``validate`` take it with a note (one's own code, the course's
   own code); ``grade`` only when the instructor allows it (``--allow-unsandboxed``).

``grade`` and ``validate`` start a worker per submission: where supported, each is forked from
a zygote preloaded in the sandbox (:mod:`grader.worker.preloaded`). ``check`` starts one, as
early as it can, and does not probe bubblewrap first: the greeting of that worker is the
probe (:func:`confirmed`). The mode is recorded in every result (``SubmissionResult.sandbox``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from grader.worker import bubblewrap, unprivileged
from grader.worker.bubblewrap import BubblewrapLauncher
from grader.worker.launchers import CommandLauncher, Launcher, RlimitsOnlyLauncher
from grader.worker.limits import Limits
from grader.worker.preloaded import PreloadedLauncher
from grader.worker.worker import start_problem

PURPOSES = ("check", "grade", "validate")


class IsolationUnavailable(Exception):
    """``grader grade`` cannot isolate student code here and was not allowed to go without."""


def launcher_for(purpose: str, *, hide: tuple[str | Path, ...] = (),
                 allow_unsandboxed: bool = False) -> Launcher:
    """The launcher of workers for the command ``purpose`` ("check", "grade" or "validate").

    ``hide``: folders to keep out of the workers' reach (the course, the output folder).
    ``allow_unsandboxed``: ``grade`` may fall back to resource limits only; without it, it
    raises :class:`IsolationUnavailable` where neither sandbox works.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"no launcher policy for {purpose!r}")
    if purpose == "check":
        absent = bubblewrap.missing()
        return BubblewrapLauncher(hide=hide) if absent is None else RlimitsOnlyLauncher(absent)
    problem = bubblewrap.problem()
    if problem is None:
        launcher: CommandLauncher = BubblewrapLauncher(hide=hide)
    elif purpose == "grade":
        launcher = _without_bubblewrap(problem, hide, allow_unsandboxed)
    else:
        launcher = RlimitsOnlyLauncher(problem)
    return preloaded(launcher)


def _without_bubblewrap(problem: str, hide: tuple[str | Path, ...],
                        allow_unsandboxed: bool) -> CommandLauncher:
    """``grade`` where bubblewrap does not work: workers as another user, or limits only."""
    launcher, why_not = unprivileged.unprivileged_launcher(hide)
    if launcher is not None:
        return launcher
    problem = f"{problem}; {why_not}"
    if not allow_unsandboxed:
        raise IsolationUnavailable(
            f"cannot isolate student code on this machine: {problem}. Install "
            "bubblewrap on Linux, or pass --allow-unsandboxed to grade with resource "
            "limits only (recorded in the results).")
    return RlimitsOnlyLauncher(problem)


def preloaded(launcher: CommandLauncher) -> Launcher:
    """``launcher``, with workers forked from a zygote where that is supported: on Linux, for
    workers that need not run one at a time."""
    supported = sys.platform.startswith("linux") and not launcher.one_at_a_time
    return PreloadedLauncher(launcher) if supported else launcher


def confirmed(launcher: Launcher, limits: Limits) -> Launcher:
    """``check``'s launcher, once its first worker has greeted: ``launcher`` itself, or where
    that worker could not start under bubblewrap, resource limits only, with the reason.

    The worker is the one :func:`~grader.worker.worker.prestart` started for ``limits`` (one
    is started if none was): the probe costs ``check`` nothing it did not need anyway.
    """
    if not isinstance(launcher, BubblewrapLauncher):
        return launcher
    problem = start_problem(launcher, limits)
    if problem is None:
        return launcher
    last = [line for line in problem.splitlines() if line.strip()][-1]
    return RlimitsOnlyLauncher(f"bubblewrap does not work here: {last.strip()}")

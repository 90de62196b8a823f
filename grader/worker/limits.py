"""What a worker may use: memory, files, processes, output, reply sizes, and time.

:class:`Limits` are fixed for a grading run: the rlimits a worker sets on itself before any
student code runs, the sizes the grader accepts from it, the default deadlines.
:class:`Deadlines` is the one home of time for one submission: how long each request may take
and what is left of the submission's time budget. The worker's greeting, which comes before
any student code, is not the submission's: it waits ``Limits.load_seconds`` on its own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; sandboxes add to these, never remove."""

    call_seconds: float = 10.0  # a call, unless its check's ``timeout`` marker says otherwise
    load_seconds: float = 20.0  # the worker's greeting, and loading the submission
    memory_bytes: int = 3 * 1024**3
    cpu_seconds: int = 600
    open_files: int = 256
    file_bytes: int = 16 * 1024**2
    processes: int = 64
    message_bytes: int = 512 * 1024**2
    output_bytes: int = 64 * 1024
    reply_bytes: int = 4 * 1024**2  # what one request may bring back unless a check allows more


class Deadlines:
    """How long each request of one submission may take, within its time budget.

    Loading the submission may take ``Limits.load_seconds``; a call, the running check's
    deadline (:attr:`check_seconds`, from its ``timeout`` marker) or else
    ``Limits.call_seconds``. Once the checks are known, :attr:`budget` bounds them all,
    counted from the creation of this object: no request runs past it, so a slow submission
    cannot stall a class.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.check_seconds: float | None = None
        self.budget: float | None = None
        self._started = time.monotonic()

    def left(self) -> float:
        """Seconds left of the budget (infinite while there is none)."""
        if self.budget is None:
            return math.inf
        return self.budget - (time.monotonic() - self._started)

    def next_request(self, loading: bool) -> tuple[float, bool]:
        """Seconds the next request may take (0 or less: the budget is spent), and whether the
        budget cut them short."""
        if loading:
            wanted = self.limits.load_seconds
        else:
            wanted = self.check_seconds if self.check_seconds is not None \
                else self.limits.call_seconds
        left = self.left()
        return min(wanted, left), left < wanted

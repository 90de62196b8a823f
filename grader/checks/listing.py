"""List an exercise's checks and points without running any student code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.checks.plugin import check_markers, run_pytest
from grader.course import Exercise


@dataclass(frozen=True)
class CheckInfo:
    id: str
    points: float
    visibility: str
    hint_key: str
    seconds_per_call: float | None = None  # None: the worker's default deadline


class _Collector:
    def __init__(self, hidden_dir: Path | None) -> None:
        self.hidden_dir = hidden_dir.resolve() if hidden_dir else None
        self.checks: dict[str, CheckInfo] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            check_id, points, hint_key, seconds = check_markers(item)
            hidden = self.hidden_dir is not None and Path(item.path).resolve().is_relative_to(
                self.hidden_dir)
            self.checks.setdefault(check_id, CheckInfo(
                check_id, points, "hidden" if hidden else "public", hint_key, seconds))


def list_checks(exercise: Exercise) -> list[CheckInfo]:
    paths = [exercise.public_checks] + ([exercise.hidden_checks] if exercise.hidden_checks
                                        else [])
    collector = _Collector(exercise.hidden_checks)
    run_pytest(paths, collector, "--collect-only")
    return list(collector.checks.values())

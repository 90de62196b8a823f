"""Fixtures wider than one check. pytest wants those as plain functions, not plugin methods,
so they reach the plugin of the current run through the config's stash."""

from __future__ import annotations

from typing import Any

import pytest

from grader.checks.proxy import Connection, Submission

CONNECTION = pytest.StashKey[Connection]()


@pytest.fixture(scope="session")
def sub(request: pytest.FixtureRequest) -> Any:
    """The student's code, running in the worker."""
    return Submission(request.config.stash[CONNECTION])

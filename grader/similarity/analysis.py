"""One similarity analysis of a class: read every submission, the stub and the known code,
compare, group. Submissions that cannot be read are listed, never stop the run."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch import Job
from grader.course import Exercise
from grader.load.locate import IGNORED_PARTS, SOURCE_SUFFIXES, opened
from grader.load.program import UnreadableSubmission
from grader.similarity import require_copydetect
from grader.similarity.cluster import Cluster, clusters
from grader.similarity.compare import KnownMatch, PairScore, Settings, compare_class
from grader.similarity.extract import Code, Symbols, read_code


@dataclass
class Analysis:
    exercise: str
    settings: Settings
    codes: dict[str, Code] = field(default_factory=dict)  # compared submissions by student
    known_codes: dict[str, Code] = field(default_factory=dict)  # known files by display name
    not_compared: dict[str, str] = field(default_factory=dict)  # student or file -> why
    pairs: list[PairScore] = field(default_factory=list)  # every pair, highest first
    known: list[KnownMatch] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def flagged(self) -> list[PairScore]:
        return [p for p in self.pairs if p.flagged]

    @property
    def known_flagged(self) -> list[KnownMatch]:
        return [m for m in self.known if m.flagged]


def analyse(exercise: Exercise, jobs: Sequence[Job], known_dir: Path | None = None,
            settings: Settings | None = None, workers: int | None = None) -> Analysis:
    """Compare every submission of ``jobs`` with every other and with the known code, in
    ``workers`` processes (default: one per core) when the class is large."""
    require_copydetect()
    started = time.perf_counter()
    analysis = Analysis(exercise.name, settings or Settings())
    symbols = Symbols()
    stub = None
    if exercise.stub is not None:
        try:
            stub = read_code(exercise.stub, "stub", symbols)
        except UnreadableSubmission as exc:
            analysis.not_compared[f"stub {exercise.stub.name}"] = str(exc)
    for path, name in known_files(known_dir) if known_dir else []:
        try:
            analysis.known_codes[name] = read_code(path, name, symbols)
        except UnreadableSubmission as exc:
            analysis.not_compared[name] = str(exc)
    for job in jobs:
        try:
            with opened(job.entry, exercise.name) as source:
                analysis.codes[job.student] = read_code(source, job.student, symbols)
        except UnreadableSubmission as exc:
            analysis.not_compared[job.student] = str(exc)
    comparison = compare_class(list(analysis.codes.values()), stub,
                               list(analysis.known_codes.values()), analysis.settings,
                               workers or os.cpu_count() or 1)
    analysis.pairs, analysis.known = comparison.pairs, comparison.known
    analysis.clusters = clusters(analysis.pairs)
    analysis.seconds = time.perf_counter() - started
    return analysis


def known_files(folder: Path) -> list[tuple[Path, str]]:
    """The modules and notebooks under ``folder``, named ``folder/relative/path``."""
    found = sorted(p for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file()
                   and not IGNORED_PARTS & set(p.relative_to(folder).parts)
                   and not p.name.startswith("."))
    return [(p, f"{folder.name}/{p.relative_to(folder).as_posix()}") for p in found]

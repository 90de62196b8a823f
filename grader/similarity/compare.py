"""Fingerprint every file and score every pair, with copydetect's winnowing and comparison.

The k-gram hashes are computed here (deterministic, see :func:`kgram_hashes`); copydetect
winnows them (robust winnowing, as MOSS) and finds the matching regions of two files.
Boilerplate is left out of the fingerprints before comparing: every k-gram of the stub (what
the students were given), of the known public code (compared separately, so that a copy of the
book is reported as such and not as a copy of another student who copied the book too), and the
k-grams that a large part of the class shares (code that everyone writes).

Scores count tokens that remain after boilerplate: a pair's similarity is the share of both
files' remaining tokens that lie in matching regions (as Dolos defines it), and a pair is
flagged only when that share reaches the threshold AND the matching regions hold at least
``min_tokens`` tokens on each side, since short answers (a one-line sigmoid) are the same in
every independent solution.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from grader.similarity import DEFAULT_MIN_TOKENS, DEFAULT_THRESHOLD
from grader.similarity.extract import Code

Regions = tuple[tuple[int, int], ...]  # token ranges [first, stop) of a file
HASH_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial k-gram hash
#: Classes of this many submissions or more are compared in several processes.
PARALLEL_FROM = 100


@dataclass(frozen=True)
class Settings:
    """How code is fingerprinted and when a match is reported (see docs/similarity.md)."""

    k: int = 15  # matches shorter than k tokens are never seen
    window: int = 1  # winnowing window; 1 keeps every k-gram: no sampling noise in scores
    threshold: float = DEFAULT_THRESHOLD  # similarity that reports a pair or a known match...
    min_tokens: int = DEFAULT_MIN_TOKENS  # ...when at least this many tokens match on each side
    common_share: float = 0.2  # k-grams in more than this share of the class are boilerplate
    common_at_least: int = 10  # ... and in more than this many submissions

    def common_limit(self, submissions: int) -> int:
        """A k-gram found in more submissions than this is code everyone writes."""
        return max(self.common_at_least, math.ceil(self.common_share * submissions))


@dataclass(frozen=True)
class PairScore:
    """How much of two students' code matches, after boilerplate."""

    a: str
    b: str
    similarity: float
    a_share: float  # share of a's compared tokens that match b
    b_share: float
    tokens: int  # matched tokens, the smaller of the two sides
    flagged: bool
    a_regions: Regions = ()  # kept for flagged pairs only (the pages show them)
    b_regions: Regions = ()


@dataclass(frozen=True)
class KnownSource:
    """One known file a submission matches, and the regions on both sides."""

    name: str
    tokens: int  # of the student's code found in this file
    share: float  # of the student's code (minus the stub)
    known_share: float  # of this file's code found in the student's
    regions: Regions
    known_regions: Regions


@dataclass(frozen=True)
class KnownMatch:
    """How much of a student's code is found in the known public code, file by file."""

    student: str
    share: float  # of the student's code (minus the stub), over all known files together
    tokens: int
    flagged: bool
    sources: tuple[KnownSource, ...] = ()


@dataclass
class Comparison:
    pairs: list[PairScore] = field(default_factory=list)  # every pair, highest first
    known: list[KnownMatch] = field(default_factory=list)  # students with any known match


@dataclass
class Fingerprint:
    """The winnowed fingerprints of one file, with the attributes copydetect's
    ``compare_files`` reads of its own ``CodeFingerprint``."""

    filtered_code: str  # the token symbols
    k: int
    hashes: set[int]
    hash_idx: dict[int, list[int]]  # where each fingerprint starts, in tokens
    token_coverage: int  # tokens covered by the fingerprints: the code that is compared
    offsets: np.ndarray = field(default_factory=lambda: np.array([]))


def kgram_hashes(tokens: str, k: int) -> np.ndarray:
    """A hash of every k tokens, the same in every run.

    copydetect hashes k-grams with Python's ``hash()``, which is salted per process: scores
    would change a little from one run to the next, and pairs near the threshold with them.
    """
    ids = np.frombuffer(tokens.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(ids) - k + 1
    hashes = np.zeros(max(count, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k if count > 0 else 0):
            hashes = hashes * HASH_BASE + ids[offset:offset + count]
    return hashes.view(np.int64)


def fingerprint(code: Code, k: int, window: int, boilerplate: np.ndarray) -> Fingerprint:
    """Winnowed (by copydetect) k-gram hashes of ``code``, minus the ``boilerplate`` ones."""
    from copydetect.utils import get_token_coverage, winnow

    hashes, starts = winnow(kgram_hashes(code.tokens, k), window, remove_duplicates=False)
    keep = ~np.isin(hashes, boilerplate)
    hash_idx: dict[int, list[int]] = {}
    for value, start in zip(hashes[keep].tolist(), starts[keep].tolist(), strict=True):
        hash_idx.setdefault(value, []).append(start)
    coverage = int(get_token_coverage(hash_idx, k, len(code.tokens)))
    return Fingerprint(code.tokens, k, set(hash_idx), hash_idx, coverage)


def all_kgrams(codes: Sequence[Code], k: int) -> np.ndarray:
    """Every k-gram hash of ``codes`` (sorted, unique): boilerplate."""
    hashes = [kgram_hashes(code.tokens, k) for code in codes]
    return np.unique(np.concatenate(hashes)) if hashes else np.array([], dtype=np.int64)


def compare_class(codes: Sequence[Code], stub: Code | None, known: Sequence[Code],
                  settings: Settings, workers: int = 1) -> Comparison:
    """Score every pair of ``codes`` and every code against the known files."""
    stub_hashes = all_kgrams([stub] if stub else [], settings.k)
    known_files = [fingerprint(code, settings.k, settings.window, stub_hashes)
                   for code in known]
    boilerplate = np.union1d(stub_hashes, all_kgrams(known, settings.k))
    prints = [fingerprint(code, settings.k, settings.window, boilerplate) for code in codes]
    common = _common_hashes(prints, settings.common_limit(len(codes)))
    if len(common):
        boilerplate = np.union1d(boilerplate, common)
        prints = [fingerprint(code, settings.k, settings.window, boilerplate) for code in codes]
    comparison = Comparison(_all_pairs([c.name for c in codes], prints, settings, workers))
    comparison.pairs.sort(key=lambda p: (-p.similarity, -p.tokens, p.a, p.b))
    if known:
        for code in codes:
            own = fingerprint(code, settings.k, settings.window, stub_hashes)
            match = _known_match(code.name, own, known, known_files, settings)
            if match is not None:
                comparison.known.append(match)
        comparison.known.sort(key=lambda m: (-m.share, m.student))
    return comparison


def _common_hashes(fingerprints: Sequence[Fingerprint], limit: int) -> np.ndarray:
    counts = Counter(h for fp in fingerprints for h in fp.hashes)
    return np.unique(np.array([h for h, n in counts.items() if n > limit], dtype=np.int64))


def _overlap(fp_a: Fingerprint, fp_b: Fingerprint) -> tuple[int, int, Regions, Regions]:
    """Matched tokens on each side and the matching token ranges."""
    from copydetect import compare_files

    _, _, (slices_a, slices_b) = compare_files(fp_a, fp_b)
    if not len(slices_a):
        return 0, 0, (), ()
    regions_a = tuple(zip(slices_a[0].tolist(), slices_a[1].tolist(), strict=True))
    regions_b = tuple(zip(slices_b[0].tolist(), slices_b[1].tolist(), strict=True))
    return _length(regions_a), _length(regions_b), regions_a, regions_b


def _length(regions: Regions) -> int:
    return sum(stop - first for first, stop in regions)


def _all_pairs(names: list[str], prints: list[Fingerprint], settings: Settings,
               workers: int) -> list[PairScore]:
    """Every pair, in ``workers`` forked processes for a large class (each takes every
    ``workers``-th row of the triangle, so that they finish together)."""
    rows = list(range(len(names)))
    if workers <= 1 or len(rows) < PARALLEL_FROM:
        return _rows(rows, names, prints, settings)
    fork = multiprocessing.get_context("fork")  # the fingerprints are inherited, not pickled
    with ProcessPoolExecutor(workers, mp_context=fork, initializer=_inherit,
                             initargs=(names, prints, settings)) as pool:
        parts = pool.map(_inherited_rows, [rows[w::workers] for w in range(workers)])
        return [score for part in parts for score in part]


_INHERITED: tuple = ()


def _inherit(*shared: object) -> None:
    global _INHERITED
    _INHERITED = shared


def _inherited_rows(rows: list[int]) -> list[PairScore]:
    return _rows(rows, *_INHERITED)


def _rows(rows: list[int], names: list[str], prints: list[Fingerprint],
          settings: Settings) -> list[PairScore]:
    """The pairs (i, j) with i in ``rows`` and j > i."""
    coverage = [float(fp.token_coverage) for fp in prints]
    scores = []
    for i in rows:
        for j in range(i + 1, len(names)):
            tokens_a, tokens_b, regions_a, regions_b = _overlap(prints[i], prints[j])
            if not tokens_a:
                scores.append(PairScore(names[i], names[j], 0.0, 0.0, 0.0, 0, False))
                continue
            similarity = (tokens_a + tokens_b) / (coverage[i] + coverage[j])
            tokens = min(tokens_a, tokens_b)
            flagged = similarity >= settings.threshold and tokens >= settings.min_tokens
            scores.append(PairScore(
                names[i], names[j], similarity, tokens_a / coverage[i], tokens_b / coverage[j],
                tokens, flagged, regions_a if flagged else (), regions_b if flagged else ()))
    return scores


def _known_match(student: str, own: Fingerprint, known: Sequence[Code],
                 known_fps: Sequence[Fingerprint],
                 settings: Settings) -> KnownMatch | None:
    """The student's code found in the known files, all files together (a student may copy
    the book's layers.py and functions.py both)."""
    sources = []
    covered: list[tuple[int, int]] = []
    for code, fp in zip(known, known_fps, strict=True):
        tokens, known_tokens, regions, known_regions = _overlap(own, fp)
        if tokens:
            sources.append(KnownSource(code.name, tokens, tokens / float(own.token_coverage),
                                       known_tokens / float(fp.token_coverage), regions,
                                       known_regions))
            covered += regions
    if not sources:
        return None
    tokens = _length(merged(covered))
    share = tokens / float(own.token_coverage)
    flagged = share >= settings.threshold and tokens >= settings.min_tokens
    sources.sort(key=lambda s: (-s.tokens, s.name))
    return KnownMatch(student, share, tokens, flagged, tuple(sources))


def merged(regions: list[tuple[int, int]]) -> Regions:
    """Overlapping or touching ranges joined, in order."""
    joined: list[tuple[int, int]] = []
    for first, stop in sorted(regions):
        if joined and first <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], stop))
        else:
            joined.append((first, stop))
    return tuple(joined)

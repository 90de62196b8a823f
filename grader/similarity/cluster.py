"""Groups of students connected by flagged pairs: one solution handed around a group."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grader.similarity.compare import PairScore

#: A group this large or larger is reported as a cluster (a pair is already in the pair table).
SMALLEST_CLUSTER = 3


@dataclass(frozen=True)
class Cluster:
    """Students linked, directly or through others, by flagged pairs."""

    students: tuple[str, ...]
    pairs: tuple[PairScore, ...]  # the flagged pairs inside the group, highest first

    @property
    def highest(self) -> float:
        return self.pairs[0].similarity

    @property
    def lowest(self) -> float:
        return self.pairs[-1].similarity


def clusters(pairs: Iterable[PairScore], smallest: int = SMALLEST_CLUSTER) -> list[Cluster]:
    """Connected groups of at least ``smallest`` students, largest and closest first."""
    flagged = [p for p in pairs if p.flagged]
    parent: dict[str, str] = {}

    def root(student: str) -> str:
        while parent.setdefault(student, student) != student:
            parent[student] = parent[parent[student]]
            student = parent[student]
        return student

    for pair in flagged:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = {}
    for student in parent:
        groups.setdefault(root(student), []).append(student)
    found = []
    for members in groups.values():
        if len(members) >= smallest:
            inside = set(members)
            edges = sorted((p for p in flagged if p.a in inside),
                           key=lambda p: (-p.similarity, p.a, p.b))
            found.append(Cluster(tuple(sorted(members)), tuple(edges)))
    found.sort(key=lambda c: (-len(c.students), -c.highest, c.students))
    return found

"""Write an analysis: CSVs of every score, an index page, and a side-by-side page per match.

Pages are self-contained and rendered with the report templates (autoescaped: student code is
shown as text, whatever it holds). Page files are numbered by rank, so no student id ever
becomes part of a path or an address.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from grader.report.html import fmt_percent, render_page
from grader.results import write_text_atomic
from grader.similarity.analysis import Analysis
from grader.similarity.compare import KnownMatch, PairScore, Regions, merged
from grader.similarity.extract import MAX_TOKENS, Code

PAGES = "pages"
#: Where ``grade --similarity`` writes beside the class's folders: no student id starts with _.
SUMMARY_FOLDER = "_similarity"
#: The index shows this many of the closest pairs that were not flagged, for scale.
CLOSEST_UNFLAGGED = 10


def percent(share: float) -> str:
    return fmt_percent(round(100 * share))


def write_report(analysis: Analysis, out: Path, *, title: str, lang: str = "en") -> Path:
    """Write everything into ``out`` and return the index page's path."""
    pages = out / PAGES
    pages.mkdir(parents=True, exist_ok=True)
    for stale in pages.glob("*.html"):  # pages of an earlier run, numbered differently
        stale.unlink()
    write_text_atomic(out / "similarity.csv", pairs_csv(analysis.pairs))
    write_text_atomic(out / "known-code.csv", known_csv(analysis.known))
    for rank, pair in enumerate(analysis.flagged, 1):
        write_text_atomic(pages / _pair_page(rank), render_page(
            "similarity_pair.html.j2", lang, title=f"{pair.a} ↔ {pair.b}",
            page=_pair_view(analysis, pair)))
    for rank, match in enumerate(analysis.known_flagged, 1):
        for number, source in enumerate(match.sources, 1):
            write_text_atomic(pages / _known_page(rank, number), render_page(
                "similarity_pair.html.j2", lang, title=f"{match.student} ↔ {source.name}",
                page=_known_view(analysis, match, number - 1)))
    index = out / "index.html"
    write_text_atomic(index, render_page(
        "similarity_index.html.j2", lang, title=title, similarity=section_view(analysis),
        page=_index_view(analysis)))
    return index


def pairs_csv(pairs: list[PairScore]) -> str:
    """Every pair, highest first: the similarity and how much of each side matches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "similarity", "share_a", "share_b",
                     "matched_tokens", "flagged"])
    for p in pairs:
        writer.writerow([p.a, p.b, f"{p.similarity:.4f}", f"{p.a_share:.4f}",
                         f"{p.b_share:.4f}", p.tokens, int(p.flagged)])
    return buffer.getvalue()


def known_csv(matches: list[KnownMatch]) -> str:
    """Every student whose code overlaps the known code, and with which files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "known_share", "matched_tokens", "flagged", "known_files"])
    for m in matches:
        files = "; ".join(f"{s.name} ({s.tokens} tokens)" for s in m.sources)
        writer.writerow([m.student, f"{m.share:.4f}", m.tokens, int(m.flagged), files])
    return buffer.getvalue()


def section_view(analysis: Analysis, prefix: str = "") -> dict[str, Any]:
    """What the similarity section shows (on the index page, and in the class summary with
    ``prefix`` the folder of the similarity pages relative to the summary)."""
    settings = analysis.settings
    return {
        "threshold": percent(settings.threshold), "min_tokens": settings.min_tokens,
        "compared": len(analysis.codes), "pair_count": len(analysis.pairs),
        "in_summary": bool(prefix), "index_href": f"{prefix}index.html",
        "csv_href": f"{prefix}similarity.csv",
        "pairs": [dict(_pair_row(p), rank=rank, href=f"{prefix}{PAGES}/{_pair_page(rank)}")
                  for rank, p in enumerate(analysis.flagged, 1)],
        "clusters": [{"students": list(c.students), "pairs": len(c.pairs),
                      "highest": percent(c.highest), "lowest": percent(c.lowest)}
                     for c in analysis.clusters],
        "known": [{"student": m.student, "share": percent(m.share), "tokens": m.tokens,
                   "sources": [{"name": s.name, "tokens": s.tokens,
                                "href": f"{prefix}{PAGES}/{_known_page(rank, number)}"}
                               for number, s in enumerate(m.sources, 1)]}
                  for rank, m in enumerate(analysis.known_flagged, 1)],
    }


def _pair_page(rank: int) -> str:
    return f"pair-{rank:04d}.html"


def _known_page(rank: int, number: int) -> str:
    return f"known-{rank:04d}-{number}.html"


def _pair_row(pair: PairScore) -> dict[str, Any]:
    return {"a": pair.a, "b": pair.b, "similarity": percent(pair.similarity),
            "a_share": percent(pair.a_share), "b_share": percent(pair.b_share),
            "tokens": pair.tokens}


def _index_view(analysis: Analysis) -> dict[str, Any]:
    settings = analysis.settings
    closest = [_pair_row(p) for p in analysis.pairs if not p.flagged][:CLOSEST_UNFLAGGED]
    return {
        "exercise": analysis.exercise, "seconds": f"{analysis.seconds:.1f}",
        "closest": [row for row in closest if row["tokens"]],
        "not_compared": sorted(analysis.not_compared.items()),
        "known_files": sorted(analysis.known_codes),
        "k": settings.k, "window": settings.window,
        "guarantee": settings.k + settings.window - 1,
        "common_limit": settings.common_limit(len(analysis.codes)),
        "truncated": sorted(name for name, code in analysis.codes.items() if code.truncated),
        "max_tokens": MAX_TOKENS,
    }


def _side(code: Code, regions: Regions, share: float) -> dict[str, Any]:
    return {"name": code.name, "share": percent(share), "blocks": highlighted(code, regions),
            "truncated": code.truncated}


def _pair_view(analysis: Analysis, pair: PairScore) -> dict[str, Any]:
    return {**_pair_row(pair), "known": False, "max_tokens": MAX_TOKENS,
            "left": _side(analysis.codes[pair.a], pair.a_regions, pair.a_share),
            "right": _side(analysis.codes[pair.b], pair.b_regions, pair.b_share)}


def _known_view(analysis: Analysis, match: KnownMatch, number: int) -> dict[str, Any]:
    source = match.sources[number]
    return {"a": match.student, "b": source.name, "similarity": percent(source.share),
            "tokens": source.tokens, "known": True, "max_tokens": MAX_TOKENS,
            "left": _side(analysis.codes[match.student], source.regions, source.share),
            "right": _side(analysis.known_codes[source.name], source.known_regions,
                           source.known_share)}


def highlighted(code: Code, regions: Regions) -> list[dict[str, Any]]:
    """Each block of ``code`` as segments of text, each marked as matching or not."""
    ranges = merged([code.region(first, stop) for first, stop in regions if first < stop])
    blocks = []
    for block in code.blocks:
        segments, position = [], block.start
        for start, end in ranges:
            start, end = max(start, block.start), min(end, block.end)
            if start >= end:
                continue
            if start > position:
                segments.append({"text": code.text[position:start], "matched": False})
            segments.append({"text": code.text[start:end], "matched": True})
            position = end
        if position < block.end:
            segments.append({"text": code.text[position:block.end], "matched": False})
        blocks.append({"where": block.where, "segments": segments})
    return blocks

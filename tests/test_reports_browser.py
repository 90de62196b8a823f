"""The HTML reports in a real browser: headless Chromium renders them without console errors or
network requests, their key elements are visible at desktop and phone widths, and nothing
makes the phone page scroll sideways.

Chromium is driven through the Chrome DevTools Protocol over ``--remote-debugging-pipe``
(JSON messages separated by NUL bytes on file descriptors 3 and 4), so no websocket library
is needed. Console messages (``Runtime.consoleAPICalled``), uncaught exceptions
(``Runtime.exceptionThrown``), browser log entries (``Log.entryAdded``: failed loads, CSP and
security errors) and every request that is not ``file:``, ``data:`` or ``about:`` are collected;
``test_harness_detects_console_errors_network_and_low_contrast`` proves on a deliberately
broken page that each of these is caught, as is text below the WCAG contrast minimum.

Without a Chromium binary (``chromium``, ``chromium-browser``, ``google-chrome`` or
``$GRADER_CHROMIUM``) the tests are skipped; CI installs Debian's ``chromium``.
``GRADER_UPDATE_SCREENSHOTS=1 pytest tests/test_reports_browser.py`` also refreshes the
screenshots in docs/screenshots/ (install a CJK font first, e.g. Debian's fonts-noto-cjk, or
Korean text is drawn as boxes).

Beside sample pages, the reports and summary of the mixed class of tests/class_samples.py (graded
by the real command line, in English and Korean) are checked: the "fix this first" block within
the first screen, the summary's table sorting and filtering (and reading the same with scripts
off), and every link of a page resolving to a file or an element.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from class_samples import NEARLY_PASSING, SYNTAX_ERROR
from class_samples import TIMEOUT as TIMED_OUT_STUDENT

from grader.report.html import render_student_report, render_summary

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900, "mobile": False}
PHONE = {"width": 390, "height": 844, "mobile": True}
TIMEOUT = 30.0


def _samples() -> Any:
    """The sample results of tests/test_reports.py (loaded by path: tests is no package)."""
    spec = importlib.util.spec_from_file_location("report_samples",
                                                  Path(__file__).with_name("test_reports.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _samples()


def find_chromium() -> str | None:
    candidates = [os.environ.get("GRADER_CHROMIUM", "")]
    candidates += ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary found (install Debian's "
                       "`chromium` or set GRADER_CHROMIUM); CI installs it"),
    pytest.mark.skipif(sys.platform != "linux", reason="the DevTools pipe uses Linux fds 3/4"),
]


class Browser:
    """One headless Chromium, spoken to over the DevTools pipe."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            read_end = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire_fds,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.write_fd, self.read_fd = to_child_w, from_child_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    # -- protocol ---------------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium exited (status {self.process.poll()})")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        command: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self.write_fd, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, session: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        if any(e["method"] == event and e.get("sessionId") == session for e in self.events):
            return
        while True:
            reply = self._receive(deadline)
            if "method" in reply:
                self.events.append(reply)
                if reply["method"] == event and reply.get("sessionId") == session:
                    return

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.write_fd, self.read_fd):
            os.close(fd)

    # -- pages ------------------------------------------------------------------------------
    def open(self, url: str, viewport: dict[str, Any], scripts: bool = True) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        if not scripts:
            self.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {**viewport, "deviceScaleFactor": 1}, session=session)
        start = len(self.events)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return Page(self, session, start)


class Page:
    def __init__(self, browser: Browser, session: str, first_event: int) -> None:
        self.browser, self.session, self.first_event = browser, session, first_event

    def evaluate(self, expression: str) -> Any:
        reply = self.browser.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"evaluation failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, log errors, network requests."""
        self.evaluate("1")  # flush events that arrived before now
        found = []
        for event in self.browser.events[self.first_event:]:
            if event.get("sessionId") != self.session:
                continue
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in (
                    "error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", "")))
                                for a in params.get("args", []))
                found.append(f"console.{params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append("exception: " + details.get("exception", {}).get(
                    "description", details.get("text", "")))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"network request: {url}")
        return found

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth,"
                                 " document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": size[0], "height": min(size[1], 6000), "scale": 1})
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def visibility(self, selectors: list[str]) -> dict[str, str]:
        """For each selector: "ok", or why its first element is not visible on the page."""
        return self.evaluate(VISIBILITY_JS % json.dumps(selectors))


VISIBILITY_JS = """
(() => {
  const out = {};
  const pageWidth = document.documentElement.clientWidth;
  for (const selector of %s) {
    const el = document.querySelector(selector);
    if (!el) { out[selector] = "missing"; continue; }
    const box = el.getBoundingClientRect();
    let hidden = null;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === "none" || style.visibility === "hidden" || style.opacity === "0")
        { hidden = "hidden by " + e.tagName; break; }
    }
    if (!hidden && el.checkVisibility && !el.checkVisibility(
        {opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true}))
      hidden = "not rendered (inside a closed <details>, or content-visibility)";
    if (hidden) out[selector] = hidden;
    else if (box.width < 1 || box.height < 1) out[selector] = "zero size";
    else if (box.left < -1 || box.left > pageWidth) out[selector] = "off the page";
    else out[selector] = "ok";
  }
  return out;
})()
"""

CONTRAST_JS = """
(() => {
  // WCAG 2 contrast of every rendered text against the first opaque background behind it
  const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") || !el.checkVisibility()) continue;
    const text = [...el.childNodes].filter(n => n.nodeType === 3)
      .map(n => n.textContent.trim()).join("");
    if (!text) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgba(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && parseInt(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5))
      bad.push(`${el.tagName}.${el.className} "${text.slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return bad;
})()
"""

BOXES_JS = """
(() => {
  const out = {};
  for (const selector of %s) {
    const el = document.querySelector(selector);
    out[selector] = el ? el.getBoundingClientRect().toJSON() : null;
  }
  return out;
})()
"""

LINKS_JS = """
[...document.querySelectorAll("a[href]")].map(a => ({
  href: a.href, hash: a.getAttribute("href").startsWith("#") ? a.hash : "",
  target: a.getAttribute("href").startsWith("#") ?
    !!document.getElementById(decodeURIComponent(a.hash.slice(1))) : null,
}))
"""

PAGE_FACTS_JS = """
(() => ({
  lang: document.documentElement.lang,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  h1: document.querySelector("h1").textContent.trim(),
  fontSize: parseFloat(getComputedStyle(document.body).fontSize),
  svgWidths: [...document.querySelectorAll("svg")].map(s => s.getBoundingClientRect().width),
  images: document.images.length,
  scripts: document.scripts.length,
  stylesheets: [...document.styleSheets].filter(s => s.href).length,
}))()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    chrome = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    yield chrome
    chrome.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, graded_class: Path,
            graded_class_ko: Path) -> dict[str, Path]:
    """Sample pages (tests/test_reports.py) and the real reports of the mixed class."""
    folder = tmp_path_factory.mktemp("reports")
    ex03 = samples.ex03_result()
    ex06 = samples.ex06_result()
    pages = {
        "student": render_student_report(ex03, title="Exercise 3: loss functions"),
        "student-ex06": render_student_report(ex06, title="Exercise 6: a two-layer net on MNIST"),
        "student-ko": render_student_report(samples.ex03_result("ko"),
                                            title="과제 3: 손실 함수"),
        "summary-ex06": render_summary(samples.class_results(),
                                       title="Exercise 6: two-layer net, section A"),
    }
    paths = {}
    for name, html in pages.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    for lang, out in (("en", graded_class), ("ko", graded_class_ko)):
        paths[f"summary-{lang}"] = out / "summary.html"
        for kind, student in (("syntax-error", SYNTAX_ERROR), ("timeout", TIMED_OUT_STUDENT),
                              ("nearly-passing", NEARLY_PASSING)):
            paths[f"{kind}-{lang}"] = out / student / "report.html"
    return paths


STUDENT_ELEMENTS = [
    "h1", "#score .score-big", "#fix-first", "#notes li",
    '[data-check="test_cee_batch_mean"] .badge.failed',
    '[data-check="test_cee_batch_mean"] .message',
    '[data-check="test_cee_batch_mean"] .callout',
    '[data-check="test_cee_batch_mean"] table.mismatch tr.differs',
    '[data-check="test_cee_batch_mean"] details.output summary',
    "#passed summary", "#hidden-note", '[data-check="test_cee_random_labels"] .badge.vis',
    '[data-check="test_cee_random_labels"] .callout',
]
SUMMARY_ELEMENTS = [
    "h1", "#status-counts", "#attention .attention-reason", "#overview .stats",
    "#score-distribution svg",
    "#checks table", "#instructor-details", "#all-table", "#gradebook-link", "#filter",
    "#slowest table", "#sandboxes",
]
CAUSE_ELEMENTS = ["h1", "#fix-first", "#cause-1 .message", "#cause-1 pre", "#passed summary"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(("report", "elements"), [
    ("student", STUDENT_ELEMENTS),
    ("student-ko", STUDENT_ELEMENTS),
    ("student-ex06", ["h1", "#records svg", "#records .facts"]),
    ("summary-ex06", ['#checks tr[data-check="test_train_learns"]', "#timeouts table",
                      "#instructor-details details"]),
    ("summary-en", SUMMARY_ELEMENTS), ("summary-ko", SUMMARY_ELEMENTS),
    ("syntax-error-en", CAUSE_ELEMENTS), ("syntax-error-ko", CAUSE_ELEMENTS),
    ("timeout-en", CAUSE_ELEMENTS), ("timeout-ko", CAUSE_ELEMENTS),
    ("nearly-passing-en", ["h1", "#fix-first", "#fix-first .hint", "#passed summary"]),
])
def test_report_renders_cleanly_and_shows_its_key_elements(browser, reports, report, elements,
                                                           viewport, tmp_path):
    page = browser.open(reports[report].as_uri(), viewport)
    facts = page.evaluate(PAGE_FACTS_JS)
    assert facts["lang"] == ("ko" if report.endswith("-ko") else "en")
    assert facts["h1"]
    assert facts["overflow"] <= 0, "the page scrolls sideways"
    assert facts["images"] == facts["stylesheets"] == 0
    assert facts["scripts"] == (1 if report.startswith("summary") else 0)
    assert facts["fontSize"] >= 15
    assert all(w >= 250 for w in facts["svgWidths"]), facts["svgWidths"]
    visible = page.visibility(elements)
    assert all(v == "ok" for v in visible.values()), visible
    assert page.evaluate(CONTRAST_JS) == [], "text with too little contrast"
    shot = page.screenshot(tmp_path / "shot.png")
    assert shot.stat().st_size > 5000  # something was painted
    assert page.problems() == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("report", ["syntax-error-en", "syntax-error-ko", "timeout-en",
                                    "timeout-ko", "nearly-passing-en", "nearly-passing-ko",
                                    "student", "student-ko"])
def test_what_to_fix_first_is_on_the_first_screen(browser, reports, report, viewport):
    """Within the first screen: the score, and the top of the "fix this first" block with its
    first cause or failed check."""
    page = browser.open(reports[report].as_uri(), viewport)
    first = "#cause-1 .message" if "syntax" in report or "timeout" in report else \
        "#failed-checks .check"
    boxes = page.evaluate(BOXES_JS % json.dumps(["#score .score-big", "#fix-first", first]))
    for selector, box in boxes.items():
        assert box is not None, selector
        assert box["top"] >= 0 and box["top"] + 24 <= viewport["height"], (selector, box)
    assert page.problems() == []


def test_output_excerpt_is_collapsed_until_opened(browser, reports):
    page = browser.open(reports["student"].as_uri(), PHONE)
    pre = '[data-check="test_cee_batch_mean"] pre.output'
    assert page.visibility([pre])[pre] != "ok"
    page.evaluate(f"document.querySelector('{pre}').parentElement.open = true")
    assert page.visibility([pre])[pre] == "ok"
    assert "batch loss: 1.4267" in page.evaluate(f"document.querySelector('{pre}').innerText")
    assert page.problems() == []


def _column(page: Page, index: int) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#all-table tbody tr')]"
                         f".filter(r => !r.hidden).map(r => r.cells[{index}].innerText.trim())")


def test_summary_table_sorts_and_filters(browser, reports):
    page = browser.open(reports["summary-en"].as_uri(), DESKTOP)
    students = _column(page, 0)
    assert students == sorted(students) and len(students) == 10
    page.evaluate("document.querySelectorAll('#all-table thead button.sort')[2].click()")
    scores = [float(s.split(" / ")[0]) for s in _column(page, 2)]
    assert scores == sorted(scores) and len(set(scores)) > 1
    page.evaluate("document.querySelectorAll('#all-table thead button.sort')[2].click()")
    assert [float(s.split(" / ")[0]) for s in _column(page, 2)] == sorted(scores, reverse=True)
    assert page.evaluate("document.querySelectorAll('#all-table thead th')[2]"
                         ".getAttribute('aria-sort')") == "descending"
    page.evaluate("document.querySelectorAll('#all-table thead button.sort')[1].click()")
    assert _column(page, 1)[0] == "Code did not load" and _column(page, 1)[-1] == "Graded"
    page.evaluate("const f = document.getElementById('filter'); f.value = 'timed out';"
                  "f.dispatchEvent(new Event('input'))")
    assert _column(page, 0) == ["DO_HAEUN"]
    assert page.evaluate("document.getElementById('filter-count').textContent") == "1 / 10"
    assert page.problems() == []


def test_summary_reads_the_same_without_scripts(browser, reports):
    page = browser.open(reports["summary-en"].as_uri(), PHONE, scripts=False)
    assert page.visibility(["#all-table", "#attention li", "#gradebook-link"]) == {
        "#all-table": "ok", "#attention li": "ok", "#gradebook-link": "ok"}
    assert page.visibility(["#filter"])["#filter"] != "ok"  # no dead controls
    assert page.evaluate("document.querySelectorAll('#all-table button').length") == 0
    assert len(_column(page, 0)) == 10


@pytest.mark.parametrize("report", ["summary-en", "summary-ko", "syntax-error-en",
                                    "syntax-error-ko", "timeout-ko"])
def test_every_link_resolves(browser, reports, report):
    page = browser.open(reports[report].as_uri(), DESKTOP)
    links = page.evaluate(LINKS_JS)
    assert links
    for link in links:
        if link["hash"]:
            assert link["target"], link  # an element of the page has that id
        else:
            assert link["href"].startswith("file://"), link
            target = Path(unquote(link["href"].removeprefix("file://")))
            assert target.is_file(), link
    assert page.problems() == []


def test_harness_detects_console_errors_network_and_low_contrast(browser, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
        '<body><h1>broken</h1><script>console.error("deliberate console error");'
        "missingFunction();</script>"
        '<img alt="" src="http://127.0.0.1:9/x.png">'
        '<p style="color: #aaaaaa">faint text</p></body></html>', encoding="utf-8")
    page = browser.open(broken.as_uri(), DESKTOP)
    assert [c.split(":")[0] for c in page.evaluate(CONTRAST_JS)] == ['P. "faint text"']
    problems = "\n".join(page.problems())
    assert "console.error: deliberate console error" in problems
    assert "missingFunction is not defined" in problems
    assert "network request: http://127.0.0.1:9/x.png" in problems
    clean = tmp_path / "clean.html"
    clean.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                     "<title>x</title></head><body><h1>fine</h1></body></html>",
                     encoding="utf-8")
    page = browser.open(clean.as_uri(), DESKTOP)
    assert page.problems() == [] and page.evaluate(CONTRAST_JS) == []


SCREENSHOTS_OF = [  # (report, viewport, file name)
    *((f"{kind}-{lang}", viewport, f"{kind}-{lang}-{name}.png")
      for kind in ("syntax-error", "timeout", "nearly-passing", "summary")
      for lang in ("en", "ko")
      for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone"))),
    ("student-ex06", DESKTOP, "records-ex06-desktop.png"),
]


@pytest.mark.skipif(not os.environ.get("GRADER_UPDATE_SCREENSHOTS"),
                    reason="set GRADER_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots")
def test_update_screenshots(browser, reports):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    for report, viewport, name in SCREENSHOTS_OF:
        page = browser.open(reports[report].as_uri(), viewport)
        _shrink(page.screenshot(SCREENSHOTS / name, full_page=True))
        assert page.problems() == []


def _shrink(path: Path) -> None:
    """Palette PNGs are a third of the size and look the same for flat UI (Pillow optional)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)

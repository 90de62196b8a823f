"""Code similarity across a class: copies found, the stub and the book's code discounted,
independent solutions left alone, hostile code shown as text."""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from conftest import REPO, TOY_SOLUTION, make_toy_course, write_notebook

from grader.batch import Job, entries
from grader.course import Course
from grader.load.program import read_program
from grader.report.html import render_summary
from grader.similarity import INSTALL_HINT, LibraryMissing
from grader.similarity.analysis import Analysis, analyse
from grader.similarity.cluster import clusters
from grader.similarity.compare import PairScore, Settings, compare_class, kgram_hashes
from grader.similarity.extract import Code, Symbols, program_code, read_code
from grader.similarity.render import section_view, write_report

DATA = REPO / "tests" / "data" / "similarity"
BOOK = DATA / "book"
COURSE = Course(REPO)
EX05_COPIES = {("ana", "ben"), ("chloe", "dan"), ("chloe", "eve"), ("dan", "eve")}
# comparing needs the similarity extra; a bare install (pip install -e .) runs the rest
NEEDS_COPYDETECT = pytest.mark.skipif(importlib.util.find_spec("copydetect") is None,
                                      reason="copydetect (the similarity extra) is not installed")


def run_grader(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def class_of(exercise: str, known: Path | None = BOOK, **settings: object) -> Analysis:
    ex = COURSE.exercise(exercise)
    return analyse(ex, entries(ex, DATA / exercise), known, Settings(**settings))


def flagged_pairs(analysis: Analysis) -> set[tuple[str, str]]:
    return {(p.a, p.b) for p in analysis.flagged}


@pytest.fixture(scope="module")
def ex05() -> Analysis:
    pytest.importorskip("copydetect", reason="the similarity extra is not installed")
    return class_of("ex05")


# -- what is compared ---------------------------------------------------------------------------

LAYER = '''
import numpy as np
import matplotlib.pyplot as plt


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out
'''


def tokens_of(source: str, tmp_path: Path, name: str = "s.py") -> str:
    path = tmp_path / name
    path.write_text(source)
    return read_code(path, name, SYMBOLS).tokens


SYMBOLS = Symbols()


def test_a_notebook_and_a_module_of_the_same_code_compare_equal(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [
        ("markdown", "# Layers"),
        ("code", "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt"),
        ("code", "!pip install numpy"),
        ("code", LAYER.split("import matplotlib.pyplot as plt\n")[1]),
        ("code", "r = Relu()\nprint(r.forward(np.array([-1.0, 2.0])))\nplt.plot([1, 2])"),
        ("code", "t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]"),
    ])
    module = tokens_of(LAYER, tmp_path)
    assert module and read_code(notebook, "nb", SYMBOLS).tokens == module


def test_renaming_and_reformatting_do_not_change_the_tokens(tmp_path: Path) -> None:
    disguised = '''
import numpy as numpy_lib


class ReLU_layer:
    def __init__(me):
        # remember where the input was negative
        me.negative = None

    def forward(me, inp):
        me.negative = (
            inp <= 0.0
        )
        result = inp.copy();  result[me.negative] = 0
        return result  # done
'''
    assert tokens_of(disguised, tmp_path, "d.py") == tokens_of(LAYER, tmp_path)
    other_api = LAYER.replace("out = x.copy()\n        out[self.mask] = 0",
                              "out = np.where(self.mask, 0, x)")
    assert tokens_of(other_api, tmp_path, "o.py") != tokens_of(LAYER, tmp_path)


def test_module_names_and_array_methods_are_kept_and_student_names_are_not(
        tmp_path: Path) -> None:
    numpy_exp = tokens_of("import numpy\n\ndef f(v):\n    return numpy.exp(v)\n", tmp_path)
    np_exp = tokens_of("import numpy as np\n\ndef g(w):\n    return np.exp(w)\n", tmp_path, "b.py")
    np_log = tokens_of("import numpy as np\n\ndef g(w):\n    return np.log(w)\n", tmp_path, "c.py")
    method = tokens_of("def g(w):\n    return w.sum()\n", tmp_path, "d.py")
    attribute = tokens_of("def g(w):\n    return w.total()\n", tmp_path, "e.py")
    assert numpy_exp == np_exp != np_log
    assert method != attribute  # .sum is an array method; .total is a student's name


def test_demo_code_and_data_at_the_top_level_are_not_compared(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text(LAYER + "\nt = [0, 0, 1, 0]\nEPS = 1e-7\nprint(Relu().forward(t))\n")
    code = read_code(path, "s", SYMBOLS)
    assert [b.where for b in code.blocks] == ["s.py, line 6"]
    assert code.text.startswith("class Relu:") and "EPS" not in code.text


def test_hashes_are_the_same_in_every_process() -> None:
    """Python's own str hash is salted per process; scores must not change between runs."""
    script = ("from grader.similarity.compare import kgram_hashes;"
              "print(kgram_hashes('abcdefghijklmnopqrstuvwxyz' * 3, 15).tolist())")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1
    assert runs.pop().strip() == str(kgram_hashes("abcdefghijklmnopqrstuvwxyz" * 3, 15).tolist())


# -- the class of the issue ---------------------------------------------------------------------

def test_the_copied_pairs_and_the_cluster_are_flagged(ex05: Analysis) -> None:
    """ana/ben share a renamed, reformatted, reordered copy (a notebook and a module);
    chloe/dan/eve share another, renamed and reformatted."""
    assert flagged_pairs(ex05) == EX05_COPIES
    assert [c.students for c in ex05.clusters] == [("chloe", "dan", "eve")]
    assert all(p.similarity >= 0.85 and p.tokens >= 400 for p in ex05.flagged)


def test_independent_correct_solutions_are_not_flagged(ex05: Analysis) -> None:
    """Nine students who wrote the layers themselves, in styles of their own (some close to
    the book, one in the stable-sigmoid idiom the chloe group uses): far below the threshold."""
    independent = [p for p in ex05.pairs if (p.a, p.b) not in EX05_COPIES]
    assert len(independent) == 105 - 4
    assert max(p.similarity for p in independent) < 0.5  # the margin the threshold relies on
    assert not any(p.flagged for p in independent)


def test_a_copy_of_the_book_is_reported_as_known_code(ex05: Analysis) -> None:
    """fay pasted the book's layers and functions; jung_hyun typed the book's code with a Relu
    of his own. Both are matches with the known code, not copies of each other."""
    known = {m.student: m for m in ex05.known_flagged}
    assert set(known) == {"fay", "jung_hyun"}
    fay = known["fay"]
    assert fay.share > 0.95
    assert [s.name for s in fay.sources] == ["book/common/layers.py", "book/common/functions.py"]
    pair = next(p for p in ex05.pairs if {p.a, p.b} == {"fay", "jung_hyun"})
    assert pair.similarity < 0.2 and not pair.flagged


def test_the_known_code_is_left_out_between_students(ex05: Analysis) -> None:
    """Why --known matters: the book's code is what its readers share. Without it, the book's
    copy and the book's typist are much closer than independent students usually are."""
    without = class_of("ex05", known=None)
    assert without.known == []

    def fay_and_jung(analysis: Analysis) -> float:
        return next(p.similarity for p in analysis.pairs if (p.a, p.b) == ("fay", "jung_hyun"))

    assert fay_and_jung(without) > 0.6 > 0.2 > fay_and_jung(ex05)


@NEEDS_COPYDETECT
def test_short_exercise_independent_solutions_are_not_flagged() -> None:
    """ex03 is two short functions; loop_twin is a renamed, reordered copy of loop_style."""
    analysis = class_of("ex03")
    assert flagged_pairs(analysis) == {("loop_style", "loop_twin")}
    assert {m.student for m in analysis.known_flagged} == {"book_style", "book_style_too"}
    others = [p for p in analysis.pairs if not p.flagged]
    assert max(p.similarity for p in others) < 0.3


@NEEDS_COPYDETECT
def test_identical_one_liners_are_too_short_to_be_evidence(tmp_path: Path) -> None:
    """ex01's answer is four one-liners every student writes alike: however similar, the
    matched code is below the minimum, so nothing is flagged."""
    answer = ("import numpy as np\n\n\ndef step_function({v}):\n    return np.array({v} > 0, "
              "dtype=int)\n\n\ndef sigmoid({v}):\n    return 1 / (1 + np.exp(-{v}))\n\n\n"
              "def relu({v}):\n    return np.maximum(0, {v})\n\n\n"
              "def identity_function({v}):\n    return {v}\n")
    for student, name in (("kim", "x"), ("lee", "a"), ("park", "arr")):
        (tmp_path / f"{student}.py").write_text(answer.format(v=name))
    ex = COURSE.exercise("ex01")
    analysis = analyse(ex, entries(ex, tmp_path))
    assert all(p.similarity > 0.9 for p in analysis.pairs)
    assert all(p.tokens < Settings().min_tokens for p in analysis.pairs)
    assert analysis.flagged == [] and analysis.clusters == []


@NEEDS_COPYDETECT
def test_the_stub_is_not_evidence(tmp_path: Path) -> None:
    ex = COURSE.exercise("ex05")
    for student in ("a", "b", "c"):
        (tmp_path / f"{student}.ipynb").write_bytes(ex.stub.read_bytes())
    analysis = analyse(ex, entries(ex, tmp_path))
    assert [p.similarity for p in analysis.pairs] == [0.0, 0.0, 0.0]


OWN_CODE = (
    "def mean_squared_error(y, t):\n    return 0.5 * np.sum((y - t) ** 2)\n",
    "def numerical_diff(f, x):\n    h = 1e-4\n    return (f(x + h) - f(x - h)) / (2 * h)\n",
    "def step(x):\n    out = np.zeros_like(x)\n    out[x > 0] = 1\n    return out\n",
    "def predict(W, x):\n    for layer in W:\n        x = layer.forward(x)\n    return x\n",
)


@NEEDS_COPYDETECT
def test_code_most_of_the_class_shares_is_discounted(tmp_path: Path) -> None:
    """A fragment in more submissions than the limit (here: in three or four of four) counts
    as code everyone writes, like the stub."""
    codes = []
    for number, own in enumerate(OWN_CODE):
        path = tmp_path / f"s{number}.py"
        path.write_text(LAYER + "\n\n" + own)
        codes.append(read_code(path, f"s{number}", SYMBOLS))
    counted = compare_class(codes, None, [], Settings(min_tokens=1))
    discounted = compare_class(codes, None, [], Settings(min_tokens=1, common_share=0.0,
                                                         common_at_least=2))
    assert min(p.similarity for p in counted.pairs) > 0.4
    assert [p.similarity for p in discounted.pairs] == [0.0] * 6


@NEEDS_COPYDETECT
def test_a_large_class_is_compared_in_several_processes_with_the_same_result(
        ex05: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.similarity.compare as compare

    codes = list(ex05.codes.values())
    monkeypatch.setattr(compare, "PARALLEL_FROM", 2)
    together = compare_class(codes, None, [], ex05.settings, workers=3)
    assert together.pairs == compare_class(codes, None, [], ex05.settings, workers=1).pairs
    assert len(together.pairs) == 105 and {(p.a, p.b) for p in together.pairs if p.flagged} >= (
        EX05_COPIES)


def test_clusters_are_groups_connected_by_flagged_pairs() -> None:
    def pair(a: str, b: str, similarity: float, flagged: bool = True) -> PairScore:
        return PairScore(a, b, similarity, similarity, similarity, 200, flagged)

    found = clusters([pair("a", "b", 0.9), pair("b", "c", 0.8), pair("a", "c", 0.4, False),
                      pair("d", "e", 0.95), pair("c", "x", 0.5, False)])
    assert [c.students for c in found] == [("a", "b", "c")]
    assert [(p.a, p.b) for p in found[0].pairs] == [("a", "b"), ("b", "c")]
    assert (found[0].highest, found[0].lowest) == (0.9, 0.8)


# -- bad input ----------------------------------------------------------------------------------

@NEEDS_COPYDETECT
def test_unreadable_submissions_are_listed_and_the_others_compared(tmp_path: Path) -> None:
    for name in ("chloe.py", "eve.py"):
        (tmp_path / name).write_text((DATA / "ex05" / name).read_text())
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "empty").mkdir()
    (tmp_path / "typo.py").write_text("def softmax(x)\n    return x\n")
    ex = COURSE.exercise("ex05")
    analysis = analyse(ex, entries(ex, tmp_path))
    assert set(analysis.codes) == {"chloe", "eve", "typo"}
    assert set(analysis.not_compared) == {"broken", "empty"}
    assert "not a readable notebook" in analysis.not_compared["broken"]
    assert flagged_pairs(analysis) == {("chloe", "eve")}


def test_without_copydetect_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "copydetect", None)  # import copydetect now fails
    ex = COURSE.exercise("ex05")
    with pytest.raises(LibraryMissing, match=re.escape('pip install "grader[similarity]"')):
        analyse(ex, [Job("chloe", DATA / "ex05" / "chloe.py")])


# -- output ---------------------------------------------------------------------------------

HOSTILE = '''
import numpy as np


def softmax(x):
    """</code></pre><script>alert("docstring")</script>"""
    note = "<img src=x onerror=alert(1)>"  # </pre><script>alert("comment")</script>
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    total = np.sum(e, axis=-1, keepdims=True)
    if note and total.ndim > 5:
        raise ValueError(note)
    return e / total


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        y = x.copy()
        y[self.mask] = 0
        for i in range(3):
            y = y + 0 * i
        return y

    def backward(self, dout):
        d = dout.copy()
        d[self.mask] = 0
        return d
'''


@NEEDS_COPYDETECT
def test_pages_show_hostile_code_as_text(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "mallory.py").write_text(HOSTILE)
    (subs / "trudy.py").write_text(HOSTILE.replace("note", "msg").replace("total", "s"))
    known = tmp_path / "known<b>"
    known.mkdir()
    (known / "<img src=x onerror=alert(2)>.py").write_text(HOSTILE)
    ex = COURSE.exercise("ex05")
    analysis = analyse(ex, entries(ex, subs), known)
    assert flagged_pairs(analysis) == set()  # everything is known code...
    analysis = analyse(ex, entries(ex, subs))
    assert flagged_pairs(analysis) == {("mallory", "trudy")}  # ...or a copy
    out = tmp_path / "out"
    write_report(analysis, out, title="<script>alert('title')</script>")
    analysis_known = analyse(ex, entries(ex, subs), known, Settings(threshold=0.0, min_tokens=1))
    write_report(analysis_known, tmp_path / "out-known", title="known")
    pages = [*out.rglob("*.html"), *(tmp_path / "out-known").rglob("*.html")]
    assert len(pages) == 2 + 3
    for page in pages:
        html = page.read_text()
        assert "<script" not in html.lower() and "<img" not in html.lower(), page
    pair = (out / "pages" / "pair-0001.html").read_text()
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(" in pair
    assert "&lt;img src=x onerror=alert(2)&gt;.py" in (
        tmp_path / "out-known" / "pages" / "known-0001-1.html").read_text()


def test_report_files(ex05: Analysis, tmp_path: Path) -> None:
    index = write_report(ex05, tmp_path, title="Backpropagation layers")
    rows = list(csv.DictReader((tmp_path / "similarity.csv").open()))
    assert len(rows) == 105 and {(r["student_a"], r["student_b"]) for r in rows} == {
        tuple(sorted(pair)) for pair in combinations(ex05.codes, 2)} | set()
    assert {(r["student_a"], r["student_b"]) for r in rows if r["flagged"] == "1"} == EX05_COPIES
    assert float(rows[0]["similarity"]) >= float(rows[-1]["similarity"])
    known = {r["student"]: r for r in csv.DictReader((tmp_path / "known-code.csv").open())}
    assert known["fay"]["flagged"] == "1" and "book/common/layers.py" in known["fay"]["known_files"]
    html = index.read_text()
    links = re.findall(r'href="([^"]+)"', html)
    assert all(not link.startswith(("http", "//")) for link in links)
    pages = [link for link in links if link.startswith("pages/")]
    assert len(pages) == 4 + 4  # four pairs, two known-code students with two files each
    assert all((tmp_path / link).is_file() for link in pages)
    assert "src=" not in html and "<link" not in html  # self-contained
    pair = (tmp_path / "pages" / "pair-0001.html").read_text()
    assert "chloe ↔ dan" in pair and pair.count("<mark>") > 10
    assert "matches book/common/layers.py" in html


def test_highlighted_regions_cover_the_copied_code(ex05: Analysis) -> None:
    """On both sides of a copy, the marked text is most of the code that is not the stub."""
    from grader.similarity.render import highlighted

    pair = next(p for p in ex05.flagged if (p.a, p.b) == ("ana", "ben"))
    for name, regions in ((pair.a, pair.a_regions), (pair.b, pair.b_regions)):
        code = ex05.codes[name]
        marked = sum(len(s["text"]) for b in highlighted(code, regions)
                     for s in b["segments"] if s["matched"])
        shown = "".join(s["text"] for b in highlighted(code, regions) for s in b["segments"])
        assert shown == "".join(b.text for b in code.blocks)
        assert marked > 0.6 * len(shown)


def test_summary_section(ex05: Analysis) -> None:
    with_section = render_summary([], title="t", similarity=section_view(ex05, "_similarity/"))
    assert 'id="similarity"' in with_section and 'href="_similarity/pages/pair-0001.html"' in (
        with_section)
    assert "chloe, dan, eve" in re.sub(r"<[^>]+>", "", with_section)
    assert 'id="similarity"' not in render_summary([], title="t")


# -- the command line ---------------------------------------------------------------------------

def printed(run: subprocess.CompletedProcess) -> str:
    return " ".join((run.stdout + run.stderr).split())  # the console wraps long lines


@NEEDS_COPYDETECT
def test_similarity_command(tmp_path: Path) -> None:
    run = run_grader("similarity", "ex05", str(DATA / "ex05"), "--out", str(tmp_path / "out"),
                     "--known", str(BOOK), cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert "15 submissions compared" in printed(run)
    assert "flagged pairs 4, clusters 1, matching known code 2" in printed(run)
    assert (tmp_path / "out" / "index.html").is_file()
    strict = run_grader("similarity", "ex05", str(DATA / "ex05"), "--out", str(tmp_path / "o2"),
                        "--known", str(BOOK), "--threshold", "0.99", cwd=REPO)
    assert "flagged pairs 1, clusters 0" in printed(strict)  # chloe and dan: names differ only
    missing = run_grader("similarity", "ex99", str(DATA / "ex05"), "--out", str(tmp_path),
                         cwd=REPO)
    assert missing.returncode == 2


@pytest.fixture
def no_copydetect(tmp_path: Path) -> dict:
    """An environment in which ``import copydetect`` fails, as when the extra is missing."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "copydetect.py").write_text("raise ImportError('not installed')\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), str(REPO)])}


def test_similarity_command_without_copydetect(no_copydetect: dict, tmp_path: Path) -> None:
    run = run_grader("similarity", "ex05", str(DATA / "ex05"), "--out", str(tmp_path / "out"),
                     cwd=REPO, env=no_copydetect)
    assert run.returncode == 1
    assert printed(run) == f"error: {INSTALL_HINT}"
    assert not (tmp_path / "out").exists()


def grade_toy_class(tmp_path: Path, env: dict | None = None) -> tuple[Path, str]:
    course = make_toy_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    extra = '''

def batch_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    cache = (x, x_hat, mean, var, gamma, eps)
    return out, cache
'''
    (subs / "alice.py").write_text(TOY_SOLUTION + extra)
    (subs / "bob.py").write_text((TOY_SOLUTION + extra).replace("x_hat", "xn").replace(
        "cache", "saved"))
    (subs / "carol.py").write_text(TOY_SOLUTION.replace("a.max(axis=-1, keepdims=True)", "0"))
    out = tmp_path / "graded"
    run = run_grader("grade", "exT", str(subs), "--out", str(out), "--similarity", cwd=course,
                     env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "gradebook.csv").is_file()
    return out, printed(run)


@NEEDS_COPYDETECT
def test_grade_with_similarity_adds_the_section_to_the_summary(tmp_path: Path) -> None:
    out, output = grade_toy_class(tmp_path)
    summary = (out / "summary.html").read_text()
    assert 'id="similarity"' in summary and "flagged pairs 1," in output
    pages = re.findall(r'href="(_similarity/[^"]+)"', summary)
    assert "_similarity/index.html" in pages and "_similarity/pages/pair-0001.html" in pages
    assert all((out / page).is_file() for page in pages)
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]  # no "_similarity" student


def test_grade_with_similarity_without_copydetect_still_grades(no_copydetect: dict,
                                                               tmp_path: Path) -> None:
    out, output = grade_toy_class(tmp_path, env=no_copydetect)
    assert 'pip install "grader[similarity]"' in output
    assert 'id="similarity"' not in (out / "summary.html").read_text()
    assert not (out / "_similarity").exists()


def test_the_loader_is_what_similarity_reads(tmp_path: Path) -> None:
    """The compared text is the loader's statements, verbatim, for every function and class."""
    path = DATA / "ex05" / "kim_minjun.ipynb"
    program = read_program(path)
    code = program_code(program, "kim", Symbols())
    kept = [s.source for s in program.statements if s.source.startswith(("def ", "class "))]
    assert [b.text for b in code.blocks] == kept
    assert isinstance(code, Code) and len(code.spans) == len(code.tokens)

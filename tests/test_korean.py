"""Korean as a Korean speaker writes it: every text a student or instructor reads in Korean.

Korean particles depend on the word before them (값이, 결과가), so a text never shows a
placeholder such as 이(가) or 을(를): a template writes the particle as a field ({이}, {을}) and
the engine picks its form. Outside `code`, a Korean text has no untranslated English word
(identifiers, formulas, units and a few names such as NumPy are fine), no English semicolon,
and none of the wordings a reviewer flagged (기대값 for 기댓값, 돌려줘야 for 반환해야, 책의 예 for
책의 예제, 수업 요약 for 반 전체 요약).

Texts come from every catalogue (engine messages, report labels, exercise titles, hints and
record names), from the Korean templates that checks pass as ``what=`` and to ``Mistake`` (read
from the check files), and from real grading: buggy submissions of every exercise graded in
Korean, every message of their results rendered.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from class_samples import NOTEBOOK_WITH_SYNTAX_ERROR
from conftest import REPO, write_notebook
from course_grading import COURSE, grade_code

from grader.grading import grade
from grader.report.html import TRACEBACK, render_student_report
from grader.text import PARTICLES, fill, final_sound, particle, read_toml

CODE_SPAN = re.compile(r"`[^`\n]*`")
FIELD = re.compile(r"\{[^{}]*\}")
PLACEHOLDER_PARTICLE = re.compile(r"\((?:이|가|을|를|은|는|과|와|으|아|야|으로|이나|이라)\)")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
# Names and standard terms written in Latin letters in Korean technical text.
ALLOWED = {"NumPy", "MNIST", "nan", "inf", "NaN", "ReLU", "CPU", "CSV", "HTML", "JSON",
           "Gradescope", "Jupyter", "Landlock", "copydetect", "A", "B", "UTC"}
FLAGGED = ("기대값", "돌려줘", "돌려주", "수업 요약", "책의 예 ", "책의 예)", "책의 예와",
           "책의 예를")
CODE_CHARACTERS = set("_.()[]=*/+-<>|'\"0123456789²³ᵀ·^%,:")


def korean_problems(text: str) -> list[str]:
    """What a Korean reader would stumble on in ``text`` (a template or a rendered text)."""
    found = [f"placeholder particle {m.group(0)}" for m in PLACEHOLDER_PARTICLE.finditer(text)]
    found += [f"wording {w!r}" for w in FLAGGED if w in text]
    prose = FIELD.sub(" ", CODE_SPAN.sub(" ", text))
    if ";" in prose:
        found.append("English semicolon")
    for token in prose.split():
        words = LATIN_WORD.findall(token)
        if not words or CODE_CHARACTERS & set(token.strip(".,:;!?()")):
            continue  # no Latin letters, or a formula / identifier / file name / number
        for word in words:
            if len(word) > 1 and word not in ALLOWED:
                found.append(f"English word {word!r} outside code")
    return found


def _catalogue_texts(path: Path) -> list[str]:
    texts, stack = [], [read_toml(path)]
    while stack:
        entry = stack.pop()
        if isinstance(entry, dict):
            texts += [str(v) for k, v in entry.items() if k in ("ko", "ko_one")]
            stack += [v for k, v in entry.items() if k not in ("ko", "ko_one")]
    return texts


CATALOGUES = [REPO / "grader" / "messages.toml", REPO / "grader" / "report" / "labels.toml",
              *sorted(REPO.glob("assignments/*/exercise.toml")),
              *sorted(REPO.glob("solutions/*/exercise.toml"))]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(REPO)))
def test_korean_catalogue_texts_read_naturally(path: Path) -> None:
    texts = _catalogue_texts(path)
    assert texts
    problems = {text: korean_problems(text) for text in texts}
    assert {t: p for t, p in problems.items() if p} == {}


def _check_files() -> list[Path]:
    return sorted([*REPO.glob("assignments/*/checks/*.py"), *REPO.glob("solutions/*/checks/*.py")])


def _literal(node: ast.AST) -> str | None:
    """A string literal, or an f-string with its fields written as {field}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{field}" for v in node.values)
    return None


def test_checks_name_their_values_in_korean_or_as_code() -> None:
    """``what=`` and ``Mistake(...)`` in check code: plain strings must be code only (one
    backquoted span); words come through ``say(en, ko)``, whose Korean template reads well."""
    problems = []
    seen_korean = 0
    for path in _check_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "say" and len(node.args) >= 2:
                korean = _literal(node.args[1])
                if korean is None:
                    problems.append(f"{where}: say() needs literal templates")
                    continue
                seen_korean += 1
                problems += [f"{where}: {p}" for p in korean_problems(korean)]
            texts = [kw.value for kw in node.keywords if kw.arg == "what"]
            if name == "Mistake" and node.args:
                texts.append(node.args[0])
            for text in texts:
                literal = _literal(text)
                if literal is not None and not re.fullmatch(r"`[^`]+`", literal):
                    problems.append(f"{where}: {literal!r} is neither code nor say(en, ko)")
    assert seen_korean > 50
    assert problems == []


# -- particles ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "name", "expected"), [
    ("값", "이", "값이"), ("결과", "이", "결과가"), ("손실", "을", "손실을"),
    ("배치", "를", "배치를"),
    ("서울", "으로", "서울로"), ("입력", "으로", "입력으로"), ("단계", "으로", "단계로"),
    ("3", "이", "3이"), ("2", "이", "2가"), ("10", "으로", "10으로"), ("7", "으로", "7로"),
    ("`softmax`", "을", "`softmax`를"), ("`f(x)`", "이", "`f(x)`가"), ("“입력”", "과", "“입력”과"),
    ("`Affine`", "이", "`Affine`이"), ("`gradient`", "은", "`gradient`는"),
    ("`label`", "으로", "`label`로"), ("`step`", "이", "`step`이"), ("(3, 4)", "이", "(3, 4)가"),
])
def test_particles_follow_the_sound_of_the_word_before(word, name, expected) -> None:
    assert word + particle(word, name) == expected


def test_particle_fields_in_templates_take_the_right_form() -> None:
    assert fill("{what}{이} 틀렸습니다.", "ko", what="손실") == "손실이 틀렸습니다."
    assert fill("{what}{이} 틀렸습니다.", "ko", what={"en": "the loss", "ko": "결과"}) == \
        "결과가 틀렸습니다."
    assert fill("“{title}”{과} 같은 원인", "ko", title="1000 근처의 입력") == \
        "“1000 근처의 입력”과 같은 원인"
    assert fill("{n}개{를} 썼습니다", "ko", n=3) == "3개를 썼습니다"
    assert set(PARTICLES) == {"이", "을", "은", "과", "으로", "이나", "이라"}
    assert final_sound("") == "vowel" and final_sound("`a`") == "vowel"


def test_hostile_text_cannot_break_a_message() -> None:
    """Student text may hold the marks particles use: it still formats, whole."""
    forged = fill("{text}{을}", "ko", text="\x00zz\x00값")
    assert forged == "\x00zz\x00값을"
    assert "\x00" not in fill("{a}{이} 틀렸습니다", "ko", a="결과")


# -- whole messages from real grading -----------------------------------------------------------

SUBMISSIONS = {
    "ex01": "import numpy as np\n\ndef step_function(x):\n    return x > 0\n\n"
            "def sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))\n\n"
            "def relu(x):\n    x[x < 0] = 0\n    return x\n",
    "ex02": "import numpy as np\n\ndef softmax(a):\n    return np.exp(a) / np.sum(np.exp(a))\n\n"
            "def forward(network, x):\n    return x\n",
    "ex03": "import numpy as np\n\ndef mean_squared_error(y, t):\n    return np.sum((y - t)**2)\n\n"
            "def cross_entropy_error(y, t):\n    return -np.sum(t * np.log(y))\n",
    "ex04": "import numpy as np\n\ndef numerical_diff(f, x):\n    h = 1e-4\n"
            "    return (f(x + h) - f(x - h)) / 2 * h\n\n"
            "def numerical_gradient(f, x):\n    grad = np.zeros_like(x)\n"
            "    for i in range(len(x)):\n        tmp = x[i]\n        x[i] = tmp + 1e-4\n"
            "        a = f(x)\n        x[i] = tmp - 1e-4\n        b = f(x)\n"
            "        grad[i] = (a - b) / 2e-4\n    return grad\n",
    "ex05": "import numpy as np\n\nclass Relu:\n    def forward(self, x):\n        return x\n\n"
            "class Affine:\n    def __init__(self, W, b):\n        self.W, self.b = W, b\n"
            "    def forward(self, x):\n        return np.dot(x, self.W) + self.b\n"
            "    def backward(self, dout):\n        dW = np.dot(self.x.T, dout)\n"
            "        return np.dot(dout, self.W.T)\n",
}


@pytest.mark.parametrize("exercise", [*sorted(SUBMISSIONS), "notebook"])
def test_messages_of_real_grading_read_naturally_in_korean(exercise, tmp_path) -> None:
    if exercise == "notebook":  # places are cells of a notebook, named in Korean
        path = write_notebook(tmp_path / "ex03.ipynb", NOTEBOOK_WITH_SYNTAX_ERROR)
        result = grade(COURSE.exercise("ex03"), path, lang="ko")
        assert any("2번 셀의 2번째 줄" in c.message for c in result.causes)
    else:
        result = grade_code(exercise, SUBMISSIONS[exercise], tmp_path, lang="ko")
    texts = [c.message for c in result.checks] + [c.hint for c in result.checks] + \
        [c.title for c in result.checks] + [c.message for c in result.causes] + result.notes
    texts += [c.instructor_detail.split("\n")[0] for c in result.checks
              if c.visibility == "hidden" and c.status == "failed"]
    assert sum(bool(t) for t in texts) > 10
    problems = {t: korean_problems(_without_python_text(t)) for t in texts if t}
    assert {t: p for t, p in problems.items() if p} == {}
    page = render_student_report(result, title="과제")
    assert "\x00" not in page and "(가)" not in page and "(를)" not in page


def _without_python_text(text: str) -> str:
    """A message without the traceback Python wrote after it (shown apart, as code)."""
    return TRACEBACK.split(text)[0]

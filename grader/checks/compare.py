"""Compare a student's result with the expected one and explain the difference like a TA.

Findings are structured (a message key and its fields) so that they can be shown in the
student's language; the words live in ``grader/messages.toml``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.proxy import RemoteObject, StudentFault

Finding = tuple[str, dict[str, Any]]
Text = str | dict[str, str]  # plain, or in several languages: {"en": ..., "ko": ...}
TABLE_SIZE = 6
THE_RESULT = {"en": "the result", "ko": "결과"}


class Mistake(StudentFault):
    """Raise in a check to fail it with your own message and, optionally, a hint key.

    The message is shown as it is, or in the student's language when it is given in several
    (``{"en": ..., "ko": ...}``, as :func:`grader.text.say` makes).
    """

    def __init__(self, message: Text, hint: str | None = None) -> None:
        super().__init__("custom", hint=hint, text=message)


def as_array(value: Any, what: Text) -> np.ndarray:
    """The student's value as an ndarray, or a failure that says what it was instead."""
    if value is None:
        raise StudentFault("mismatch", findings=[("cmp_none", {"what": what})])
    if isinstance(value, RemoteObject):
        raise StudentFault("mismatch", findings=[
            ("cmp_not_array", {"what": what, "type": value.type_name})])
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(_floats(value), dtype=float)
        except _NotANumber as exc:
            raise StudentFault("mismatch", findings=[("cmp_not_numbers", {
                "what": what, "type": type(value).__name__, "item": exc.type_name})]) from None
        except ValueError:  # ragged: rows of different lengths
            pass
    raise StudentFault("mismatch", findings=[
        ("cmp_not_array", {"what": what, "type": type(value).__name__})])


class _NotANumber(Exception):
    def __init__(self, item: Any) -> None:
        self.type_name = item.type_name if isinstance(item, RemoteObject) else type(item).__name__
        super().__init__(self.type_name)


def _floats(value: Any) -> Any:
    """Nested lists and tuples of numbers (or numeric arrays) as nested lists of floats, an
    integer beyond the range of a float as an infinity (as float arithmetic would make it).
    Anything else, text that NumPy would parse ("4.0") or None included, is not a number:
    _NotANumber."""
    if isinstance(value, (list, tuple)):
        return [_floats(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(float)
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    raise _NotANumber(value)


def assert_close(got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-8,
                 what: Text = THE_RESULT, hint: str | None = None,
                 batch_size: int | None = None) -> None:
    """Fail with an explanation unless ``got`` has the expected shape and values.

    ``what`` names the value in messages: code (`` "`relu(x)`" ``) or words in every language
    of the course (``{"en": "the loss of a batch", "ko": "배치의 손실"}``).
    """
    expected = np.asarray(expected)
    try:
        actual = as_array(got, what)
    except StudentFault as fault:
        fault.hint = hint or fault.hint
        raise
    findings = explain(actual, expected, rtol=rtol, atol=atol, what=what, batch_size=batch_size)
    if findings:
        raise StudentFault("mismatch", hint=hint, findings=findings,
                           table=side_by_side(actual, expected))


def explain(got: np.ndarray, expected: np.ndarray, *, rtol: float, atol: float, what: Text,
            batch_size: int | None = None) -> list[Finding]:
    """Why ``got`` is not ``expected``; an empty list means it is close enough."""
    if got.dtype.kind not in "biuf":
        return [("cmp_dtype", {"what": what, "got": str(got.dtype),
                               "expected": {"en": "numbers", "ko": "숫자"}})]
    if got.shape != expected.shape:
        return _explain_shape(got, expected, rtol, atol, what)
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(all="ignore"):
        return _explain_values(g, e, got.dtype, expected.dtype, rtol, atol, what, batch_size)


def _explain_values(g: np.ndarray, e: np.ndarray, got_dtype: np.dtype,
                    expected_dtype: np.dtype, rtol: float, atol: float, what: Text,
                    batch_size: int | None) -> list[Finding]:
    """Findings for same-shaped values. nan never equals anything, not even an expected nan:
    an expectation that is nan came from broken code and cannot be matched."""
    findings: list[Finding] = []
    for kind, bad in (("nan", np.isnan(g)), ("inf", np.isinf(g) & (g != e))):
        if bad.all():  # nothing was computed: no guess at a cause
            findings.append(("cmp_" + kind + ("_all" if g.size > 1 else "_value"),
                             {"what": what, "size": g.size}))
        elif bad.any():
            findings.append(("cmp_" + kind, {
                "what": what, "count": int(bad.sum()), "size": g.size,
                "index": _index(np.argwhere(bad)[0]) if g.ndim else "()"}))
    if findings:
        return findings
    close = np.isclose(g, e, rtol=rtol, atol=atol)
    if close.all():
        return []
    diff = np.where(close, 0.0, np.abs(g - e))
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = np.unravel_index(int(np.argmax(diff)), g.shape) if g.ndim else ()
    scale = abs(float(e[worst]))
    patterns = _patterns(g, e, close, rtol, atol, batch_size)
    # a named factor or sign says more than a relative error, and "relative 3" beside
    # "4 times" reads as a contradiction: show only one of them. Relative to an expected 0
    # means nothing.
    ratio_named = bool(patterns) and patterns[0][0] in ("cmp_factor", "cmp_sign")
    kind = "cmp_scalar" if g.size == 1 else "cmp_values"  # one number has no "positions"
    findings.append((kind + "_abs" if ratio_named or not scale else kind, {
        "what": what, "count": int((~close).sum()), "size": g.size, "index": _index(worst),
        "expected": float(e[worst]), "got": float(g[worst]),
        "abs_err": float(diff[worst]), "rel_err": float(diff[worst]) / (scale or 1.0)}))
    if got_dtype.kind != expected_dtype.kind and expected_dtype.kind == "f":
        findings.append(("cmp_dtype", {"what": what, "got": str(got_dtype),
                                       "expected": str(expected_dtype)}))
    return findings + patterns


def _explain_shape(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                   what: Text) -> list[Finding]:
    findings: list[Finding] = [("cmp_shape", {"what": what, "got": _shape(got.shape),
                                              "expected": _shape(expected.shape)})]
    if expected.ndim == 0 and got.size > 1:
        findings.append(("cmp_not_reduced", {}))
    elif got.ndim == 2 and got.T.shape == expected.shape and np.allclose(got.T, expected, rtol,
                                                                          atol):
        findings.append(("cmp_transposed", {}))
    elif got.size == expected.size and np.allclose(got.reshape(expected.shape), expected, rtol,
                                                   atol):
        findings.append(("cmp_reshape", {"expected": _shape(expected.shape)}))
    elif got.ndim < expected.ndim and got.size in expected.shape:
        findings.append(("cmp_reduced_axis", {}))
    return findings


def _patterns(g: np.ndarray, e: np.ndarray, close: np.ndarray, rtol: float, atol: float,
              batch_size: int | None) -> list[Finding]:
    """Recognisable shapes of an error, named only when they explain every difference."""
    if g.ndim == 2 and g.shape[0] == g.shape[1] and np.allclose(g, e.T, rtol, atol):
        return [("cmp_transposed", {})]
    if g.size > 1 and not g.any():
        return [("cmp_all_zero", {})]
    if g.size > 1 and (g == g.flat[0]).all() and not (e == e.flat[0]).all():
        return [("cmp_constant", {"value": float(g.flat[0])})]
    should_be_zero = np.abs(e) <= atol
    if should_be_zero[~close].all():
        return [("cmp_should_be_zero", {"count": int((~close).sum())})]
    factor = _constant_factor(g, e, rtol, atol, batch_size)
    if factor is not None:
        if np.isclose(factor, -1.0):
            return [("cmp_sign", {})]
        found: list[Finding] = [("cmp_factor", {"factor": factor})]
        if batch_size and batch_size > 1 and (np.isclose(factor, batch_size)
                                              or np.isclose(factor, 1 / batch_size)):
            found.append(("cmp_factor_batch", {"batch_size": batch_size}))
        return found
    offset = g - e
    if g.size > 1 and np.allclose(offset, offset.flat[0], rtol, atol):
        return [("cmp_offset", {"offset": float(offset.flat[0])})]
    if g.ndim == 2 and min(g.shape) >= 2 and not should_be_zero.any():
        return _axis_pattern(g / e)
    return []


def _constant_factor(g: np.ndarray, e: np.ndarray, rtol: float, atol: float,
                     batch_size: int | None) -> float | None:
    """The factor between got and expected when it is the same everywhere and means
    something: not about 1 (that is no finding), not 0, inf or absurdly large."""
    nonzero = np.abs(e) > atol
    if not nonzero.any():
        return None
    ratios = g[nonzero] / e[nonzero]
    if not np.isfinite(ratios).all():
        return None
    factor = float(np.median(ratios))
    if not 1e-12 < abs(factor) < 1e12 or np.isclose(factor, 1.0, rtol=1e-3, atol=0):
        return None
    if not np.allclose(g, factor * e, rtol=max(rtol, 1e-6) * 10, atol=atol):
        return None  # the factor must explain every entry, the zeros too
    if ratios.size == 1 and not _is_simple_factor(factor, batch_size):
        return None
    return factor


def _axis_pattern(ratio: np.ndarray) -> list[Finding]:
    """Each row (or column) off by its own factor, as when normalising over the wrong axis.

    Needs at least two rows and two columns: with a single row, "each column has its own
    factor" holds for any error at all.
    """
    for axis, name in ((1, "row"), (0, "column")):
        along = ratio / ratio.mean(axis=axis, keepdims=True)
        if np.allclose(along, 1.0, rtol=1e-6):
            return [("cmp_axis_" + name, {})]
    with np.errstate(divide="ignore"):
        log_ratio = np.log(np.abs(ratio))
    residual = (log_ratio - log_ratio.mean(axis=0, keepdims=True)
                - log_ratio.mean(axis=1, keepdims=True) + log_ratio.mean())
    if ratio.size >= 6 and np.isfinite(residual).all() and np.allclose(residual, 0.0, atol=1e-6):
        return [("cmp_axis_mixed", {})]
    return []


def _is_simple_factor(factor: float, batch_size: int | None) -> bool:
    """For a single number any ratio is "constant": only name the ones a usual mistake
    explains, 2 (a missing or extra half) and the batch size (a sum instead of a mean)."""
    return any(np.isclose(value, 2.0) or bool(batch_size and np.isclose(value, batch_size))
               for value in (abs(factor), 1 / abs(factor)))


def side_by_side(got: np.ndarray, expected: np.ndarray) -> list[dict[str, str]] | None:
    """A few entries of expected vs got around the worst difference, for reports (none for a
    single number: the message says it all)."""
    if got.shape != expected.shape or got.dtype.kind not in "biuf" or got.size <= 1:
        return None
    g = got.astype(np.float64).ravel()
    e = expected.astype(np.float64).ravel()
    with np.errstate(invalid="ignore"):
        diff = np.nan_to_num(np.abs(g - e), nan=np.inf)
    start = max(0, min(int(np.argmax(diff)) - TABLE_SIZE // 2, g.size - TABLE_SIZE))
    rows = []
    for flat in range(start, min(start + TABLE_SIZE, g.size)):
        index = np.unravel_index(flat, got.shape) if got.ndim else ()
        rows.append({"index": _index(index), "expected": f"{e[flat]:.6g}", "got": f"{g[flat]:.6g}"})
    return rows


def _index(index: Any) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if len(index) else "()"


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))

"""The comparison helper explains mismatches the way a teaching assistant would."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import assert_close
from grader.checks.proxy import StudentFault


def findings(got: object, expected: object, **kwargs: object) -> list[str]:
    with pytest.raises(StudentFault) as info:
        assert_close(got, expected, **kwargs)
    return [key for key, _ in info.value.details["findings"]]


def test_close_values_pass() -> None:
    assert_close(np.array([1.0, 2.0 + 1e-9]), [1.0, 2.0])
    assert_close(np.float64(0.5), 0.5)


def test_none_means_a_missing_return() -> None:
    assert findings(None, [1.0]) == ["cmp_none"]


def test_shape_and_transpose() -> None:
    x = np.arange(6.0).reshape(2, 3)
    assert findings(x.T, x) == ["cmp_shape", "cmp_transposed"]
    assert findings(x.ravel(), x) == ["cmp_shape", "cmp_reshape"]
    assert findings(np.ones(4), 1.0) == ["cmp_shape", "cmp_not_reduced"]


def test_constant_broadcast_does_not_pass() -> None:
    assert findings(np.float64(1 / 3), np.full(3, 1 / 3)) == ["cmp_shape"]


def test_nan_and_inf_are_named() -> None:
    assert findings(np.array([np.nan, 1.0]), [0.5, 1.0]) == ["cmp_nan"]
    assert findings(np.array([np.inf, 1.0]), [0.5, 1.0]) == ["cmp_inf"]


def test_constant_factor_and_batch_size() -> None:
    e = np.array([0.5, 1.5, 2.0])
    assert findings(e * 2, e) == ["cmp_values_abs", "cmp_factor"]
    assert findings(e * 4, e, batch_size=4) == ["cmp_values_abs", "cmp_factor",
                                                 "cmp_factor_batch"]
    assert findings(-e, e) == ["cmp_values_abs", "cmp_sign"]
    assert findings(e + 0.3, e) == ["cmp_values", "cmp_offset"]


def test_wrong_normalisation_axis_is_recognised() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 5))
    e = np.exp(a)
    rows = e / e.sum(axis=1, keepdims=True)
    assert findings(e / e.sum(), rows)[-1] == "cmp_axis_row"
    assert findings(e / e.sum(axis=0, keepdims=True), rows)[-1] == "cmp_axis_mixed"


def test_square_transpose_is_recognised() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert findings(x.T, x) == ["cmp_values", "cmp_transposed"]


def test_integer_result_where_floats_expected() -> None:
    assert "cmp_dtype" in findings(np.array([0, 1]), np.array([0.2, 0.8]))


def test_non_numeric_values_are_refused() -> None:
    assert findings("0.5", 0.5) == ["cmp_not_array"]
    assert findings(np.array(["a"]), ["a"]) == ["cmp_dtype"]
    # a list is numbers only: text NumPy would parse, bytes or None are not
    for items in (["4.0", "7.0"], [b"4", b"7"], [None, 7.0], [[4.0], ["7.0"]]):
        assert findings(items, [[4.0], [7.0]] if type(items[0]) is list else [4.0, 7.0]) == [
            "cmp_not_numbers"], items


def test_list_of_integers_beyond_floats_is_infinite() -> None:
    """10**400 in a list once raised OverflowError in the grader: a grader error."""
    assert findings([10**400, -(10**400)], [1.0, 2.0]) == ["cmp_inf_all"]
    assert_close([np.array([4.0]), (np.int8(7),)], [[4.0], [7.0]])  # arrays and NumPy scalars


def test_side_by_side_table_centres_on_the_worst_entry() -> None:
    e = np.zeros(20)
    g = e.copy()
    g[15] = 1.0
    with pytest.raises(StudentFault) as info:
        assert_close(g, e)
    table = info.value.details["table"]
    assert len(table) == 6 and {"index": "[15]", "expected": "0", "got": "1"} in table


def test_a_single_number_names_only_factors_a_mistake_explains() -> None:
    assert findings(np.float64(1.0), 0.5) == ["cmp_scalar_abs", "cmp_factor"]
    assert findings(np.float64(0.7), 0.5) == ["cmp_scalar"]
    assert findings(np.float64(0.125), 0.5, batch_size=4)[-1] == "cmp_factor_batch"


def test_zero_dimensional_arrays_keep_their_shape() -> None:
    from grader.worker.values import decode, encode

    for value in (np.array(0.5), np.arange(6.0).reshape(2, 3).T):
        back = decode(*encode(value))
        assert back.shape == value.shape
        np.testing.assert_array_equal(back, value)


def test_nan_never_equals_nan() -> None:
    """An expectation that is nan came from broken code: it can never be matched."""
    assert findings(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) == ["cmp_nan"]
    assert findings(np.full(3, np.nan), np.full(3, np.nan)) == ["cmp_nan_all"]
    assert "cmp_values" in findings(np.array([0.5, 1.0]), np.array([np.nan, 1.0]))
    assert_close(np.array([np.inf, 1.0]), np.array([np.inf, 1.0]))


def test_a_factor_is_named_only_when_it_explains_every_entry() -> None:
    e = np.array([[0.0, 1.5], [2.0, 0.0]])
    never_zeroed = np.array([[-0.3, 1.5], [2.0, -1.2]])  # right wherever e is not 0
    assert findings(never_zeroed, e) == ["cmp_values_abs", "cmp_should_be_zero"]
    assert findings(np.full((2, 2), 1e6), e) == ["cmp_values_abs", "cmp_constant"]
    assert findings(np.float64(0.7), 0.2) == ["cmp_scalar"]  # 3.5 times: no known mistake


def test_no_wrong_axis_for_a_single_row() -> None:
    x = np.array([[0.0, 2.0, -2.0]])
    sigmoid = 1 / (1 + np.exp(-x))
    assert findings(1 / sigmoid, sigmoid) == ["cmp_values"]
    assert findings(1 / sigmoid, sigmoid)[-1] != "cmp_axis_column"


def test_a_named_factor_is_not_contradicted_by_a_relative_error() -> None:
    from grader.grading import render_fault

    with pytest.raises(StudentFault) as info:
        assert_close(np.array([2.0, 4.0, 8.0]), [0.5, 1.0, 2.0], what="dx")
    text = render_fault(info.value, "", "en")
    assert "about 4 times" in text and "relative" not in text


def test_huge_and_tiny_values_are_explained_not_crashed_on() -> None:
    assert findings(np.float64(1e308), 0.0975) == ["cmp_scalar"]
    assert findings(np.array([1e308, -1e308]), np.array([3e-300, 2e-300]))[0] == "cmp_values"
    assert findings(np.array([1e308, 1e308]), np.array([1.0, 2.0]))[-1] == "cmp_constant"

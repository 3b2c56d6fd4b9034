"""The exercise-checking machinery: messages say what is wrong and where."""

import warnings

import numpy as np

from conv_backprop.exercises import Case, check_function, compare


def test_compare_names_shape_and_first_mismatch():
    assert compare("dx", np.ones((2, 3)), np.ones((2, 3))) == ""
    assert "wrong shape, expected (2, 3), got (3, 2)" in compare("dx", np.ones((3, 2)), np.ones((2, 3)))
    got = np.zeros((2, 3))
    got[1, 2] = 5.0
    msg = compare("dx", got, np.zeros((2, 3)))
    assert "1 of 6 entries differ; first at index (1, 2): expected 0, got 5" in msg
    assert "got None" in compare("dx", None, np.zeros(2))


def test_compare_handles_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        msg = compare("p", np.full(3, np.nan), np.ones(3))
    assert "3 of 3 entries differ" in msg and "nan or inf" in msg


def test_check_function_reports_failures_exceptions_and_stubs():
    cases = [Case("small", (1,)), Case("stride 2", (5,))]
    ok = check_function("demo", lambda a: 2 * a, lambda a: 2 * a, cases)
    assert ok.passed and str(ok).startswith("✅")
    bad = check_function("demo", lambda a: 2 * a, lambda a: 2 * a if a < 3 else 3 * a, cases)
    assert not bad.passed and "✗ stride 2: result: expected 15, got 10" in str(bad)

    def stub(a):
        raise NotImplementedError("write it")

    assert "not implemented yet (write it)" in str(check_function("demo", stub, lambda a: a, cases))
    crash = check_function("demo", lambda a: [][a], lambda a: a, cases)
    assert "raised IndexError" in str(crash) and crash.failures == 2
    assert not check_function("demo", stub, lambda a: a, []).passed  # no case, no pass

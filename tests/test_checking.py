"""The exercise-checking machinery: messages say what is wrong and where."""

import math
import signal
import threading
import time
import warnings

import numpy as np
import pytest

from conv_backprop.exercises import Case, check_function, checker, checking, compare


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

    stubbed = str(check_function("demo", stub, lambda a: a, cases))
    assert "not implemented yet (write it)" in stubbed
    assert stubbed.count("not implemented yet") == 1, "a stub's message is said once, not once per case"
    assert "the cases waiting for your function: small; stride 2" in stubbed
    crash = check_function("demo", lambda a: [][a], lambda a: a, cases)
    assert "raised IndexError" in str(crash) and crash.failures == 2
    assert not check_function("demo", stub, lambda a: a, []).passed  # no case, no pass


# --------------------------------------------------------------------------- learner robustness


def _relu_backward(dout, x):
    dx = np.array(dout, dtype=float)
    dx[np.asarray(x) <= 0] = 0.0
    return dx


RELU_CASES = [Case("kink", (np.array([1.0, -2.0, 3.0]), np.array([-1.0, 0.0, 2.0])))]


def test_an_input_changed_in_place_fails_and_is_named():
    def classic(dout, x):  # the right values, but the caller's dout is overwritten
        dout[x <= 0] = 0
        return dout

    report = check_function("relu", classic, _relu_backward, RELU_CASES)
    assert not report.passed
    assert ("✗ kink: your function changed its input `dout` in place; the caller's data must stay "
            "as it was — work on a copy (e.g. `dout = dout.copy()` first)") in str(report)
    # keyword arguments and list arguments are watched too
    cases = [Case("kw", (np.ones(2),), {"scale": [1.0, 2.0]})]

    def appends(z, scale):
        scale.append(3.0)
        return z

    assert "changed its input `scale` in place" in str(check_function("kw", appends, lambda z, scale: z, cases))


def test_learner_and_reference_get_separate_copies():
    original = np.array([1.0, -2.0, 3.0])
    cases = [Case("c", (original,))]
    seen = []

    def reference(z):
        seen.append(z)
        expected = z * 2
        z[:] = 99.0  # a reference that scribbles on its copy changes nothing for the learner
        return expected

    def learner(z):
        seen.append(z)
        return z * 2

    assert check_function("copies", learner, reference, cases).passed
    assert seen[0] is not original and seen[1] is not original and seen[0] is not seen[1]
    assert np.array_equal(original, [1.0, -2.0, 3.0])


@pytest.mark.parametrize("got, fragment", [
    (10**400, "expected numbers, got an int of about 401 digits: too large to be a floating-point number"),
    (1 + 0j, "expected real numbers, got complex (1+0j)"),
    (np.array([1.0, 2.0]) + 0j, "expected real numbers, got complex array([1.+0.j, 2.+0.j])"),
    ("3", "expected numbers, got text '3' (return the number itself, not a string)"),
    (np.array(["1", "2"]), "expected numbers, got text"),
    (True, "expected numbers, got a bool True"),
    (np.array([True, False]), "expected numbers, got an array of bools"),
    ([1, None], "expected numbers, got None in [1, None]"),
    ([[1, 2], [3]], "that numpy cannot read as an array"),
])
def test_compare_reports_what_is_not_numbers(got, fragment):
    expected = np.array([1.0, 2.0]) if isinstance(got, (np.ndarray, list)) else 1.0
    msg = compare("r", got, expected)
    assert fragment in msg, msg


def test_compare_never_raises_on_strange_objects():
    class Unreadable:
        def __array__(self, *a, **k):
            raise RuntimeError("no array")

        def __repr__(self):
            raise RuntimeError("no repr")

    assert "got an Unreadable that numpy cannot read as an array (RuntimeError: no array)" in \
        compare("r", Unreadable(), np.zeros(2))
    assert "expected a sequence of 2 values, got <Unreadable object>" in compare("r", Unreadable(), (1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "entries are nan or inf" in compare("r", np.array([np.inf, -np.inf]), np.array([np.inf, 1.0]))


def test_bools_are_accepted_only_where_a_mask_is_expected():
    mask = np.array([True, False, True])
    assert compare("m", mask, mask) == ""
    assert compare("m", mask.astype(float), mask) == ""  # 0/1 numbers against a mask
    assert compare("m", np.array([1, 1, 1]), mask).startswith("m: 1 of 3 entries differ")
    assert "got an array of bools" in compare("m", mask, mask.astype(float))
    assert "got a bool True" in compare("n", True, 1)  # a bool is not the int 1 here


def test_a_result_instead_of_a_function_is_explained():
    @checker
    def check_db(learner):
        return check_function("db", learner, lambda d: d, [Case("c", (1.0,))])

    report = check_db(np.zeros(3))
    assert not report.passed and report.cases == 0
    assert str(report) == ("❌ check_db expects your function, not its result (got an ndarray) — "
                           "pass `my_db`, without calling it: check_db(my_db).")
    assert not check_db(learner=None).passed  # by keyword too
    with pytest.raises(TypeError, match=r"check_db expects your function as its argument, e\.g\. "
                                        r"check_db\(my_db\); got no argument"):
        check_db()
    # check_function alone says so too
    assert "expects your function, not its result (got an int)" in str(check_function("x", 3, abs, []))


def test_a_reference_or_checker_that_fails_is_a_report_not_a_crash():
    def broken_reference(z):
        raise KeyError("oops")

    report = check_function("x", lambda z: z, broken_reference, [Case("c", (1,))])
    assert not report.passed
    assert "the checker could not work out the expected answer (KeyError: 'oops')" in str(report)

    @checker
    def check_broken(learner):
        raise RuntimeError("a bug in the checker")

    report = check_broken(lambda z: z)
    assert not report.passed and "check_broken could not run (RuntimeError: a bug in the checker)" in str(report)


def test_an_exception_quotes_the_learners_own_line_not_numpys():
    def my_db(dout):
        total = dout.sum(axis=(0, 2, 3))
        return np.concatenate([total, np.zeros((2, 2))])  # raises inside numpy

    text = str(check_function("db", my_db, lambda d: d.sum(axis=(0, 2, 3)), [Case("c", (np.ones((1, 2, 2, 2)),))]))
    assert "raised ValueError" in text
    assert "(line " in text and "return np.concatenate([total, np.zeros((2, 2))])" in text, text
    # a call with the wrong number of arguments names no line of the checker's own code
    text = str(check_function("db", lambda a, b: a, lambda d: d, [Case("c", (1.0,))]))
    assert "raised TypeError" in text and "(line" not in text, text


NEEDS_ALARM = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers on this platform")


@NEEDS_ALARM
def test_a_hanging_function_is_stopped_and_the_rest_is_skipped():
    def spins(z):
        while True:
            try:
                time.sleep(0.01)
            except:  # noqa: E722 — even a bare except cannot keep it running
                pass

    cases = [Case("first", (1,)), Case("second", (2,))]
    handler = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    report = check_function("loop", spins, lambda z: z, cases, time_limit=0.1)
    assert time.monotonic() - start < 5
    text = str(report)
    assert report.failures == 2
    assert "✗ first: your function did not finish within 0.1 s on this case: an infinite loop?" in text
    assert "✗ second: not run (your function ran out of time on an earlier case)" in text
    assert signal.getsignal(signal.SIGALRM) == handler  # the previous handler is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@NEEDS_ALARM
def test_the_time_limit_restores_the_previous_handler_and_timer():
    fired = []

    def previous(signum, frame):
        fired.append(signum)

    old = signal.signal(signal.SIGALRM, previous)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)  # someone else's timer, running
        report = check_function("quick", lambda z: z, lambda z: z, [Case("c", (1,))], time_limit=5)
        assert report.passed
        assert signal.getsignal(signal.SIGALRM) is previous
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < remaining <= 0.6  # re-armed with what was left of it
        time.sleep(0.8)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_off_the_main_thread_the_cases_run_without_a_limit():
    results = []
    thread = threading.Thread(target=lambda: results.append(
        check_function("t", lambda z: z, lambda z: z, [Case("c", (1,))], time_limit=0.01)))
    thread.start()
    thread.join(10)
    assert results and results[0].passed


@NEEDS_ALARM
def test_time_limit_is_validated_and_configurable():
    @checker
    def check_slow(learner):
        return check_function("slow", learner, lambda z: z, [Case("c", (1,))])

    def slow(z):
        time.sleep(0.3)
        return z

    assert "did not finish within 0.05 s" in str(check_slow(slow, time_limit=0.05))
    assert check_slow(slow, time_limit=math.inf).passed
    assert checking.TIME_LIMIT == 10.0
    with pytest.raises(ValueError, match=r"time_limit must be a positive number of seconds .*got -1"):
        check_slow(slow, time_limit=-1)
    with pytest.raises(TypeError, match=r"time_limit must be a positive number of seconds .*got '5'"):
        check_slow(slow, time_limit="5")


def _notebook_cell(source: str, ns: dict, number: int = 7) -> str:
    """Run ``source`` as JupyterLab runs a cell: compiled under a file name of the kernel's
    (ipykernel's ``/tmp/ipykernel_<pid>/<n>.py``) whose lines linecache knows."""
    import linecache

    filename = f"/tmp/ipykernel_4242/{number}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)
    return filename


def test_a_notebook_learners_innermost_own_line_is_quoted():
    from conv_backprop.exercises import nb02, nb04

    ns = {"np": np}
    _notebook_cell(
        "def add_ring(total):\n"
        "    return np.concatenate([total, np.zeros((2, 2))])  # raises inside numpy\n"
        "\n"
        "def my_db(dout):\n"
        "    total = dout.sum(axis=(0, 2, 3))\n"
        "    return add_ring(total)\n", ns)
    text = str(nb04.check_db(ns["my_db"]))
    assert "raised ValueError" in text, text
    # the innermost frame of the learner's code (their helper), not numpy's, not the caller's
    assert "(line 2: return np.concatenate([total, np.zeros((2, 2))])  # raises inside numpy)" in text, text
    assert "return add_ring(total)" not in text

    # a call into this package that refuses its input: the learner's own line that called it
    _notebook_cell(
        "import conv_backprop as cb\n"
        "def my_conv_forward(x, w, b, stride, padding, dilation):\n"
        "    return cb.conv2d_forward(x, w, b, stride=0)\n", ns, number=8)
    text = str(nb02.check_conv_forward(ns["my_conv_forward"]))
    assert "raised ValueError" in text and "stride" in text, text
    assert "(line 3: return cb.conv2d_forward(x, w, b, stride=0))" in text, text

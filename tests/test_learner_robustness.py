"""Every checker of every notebook (nb00 … nb10) against wrong learner functions of every kind.

House rule: a learner's wrong function gets a report, never a crash or a hang. Each test runs
all the checkers on one kind of mistake: an input changed in place, a result that is not
numbers (a huge int, an object numpy cannot read, complex values, text), a function's result
passed instead of the function, a function that never returns, one that calls ``sys.exit``.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
import sys
import time

from pathlib import Path

import numpy as np
import pytest

from conv_backprop import exercises
from conv_backprop.exercises import CheckReport

MODULES = [importlib.import_module(f"conv_backprop.exercises.{m.name}")
           for m in sorted(pkgutil.iter_modules(exercises.__path__), key=lambda m: m.name)
           if re.fullmatch(r"nb\d\d[a-z]?", m.name)]  # one module per notebook (nb05b: a split notebook)
CHECKERS = [(mod, name[len("check_"):]) for mod in MODULES for name in mod.__all__ if name.startswith("check_")]
IDS = [f"{m.__name__.rsplit('.', 1)[1]}.{n}" for m, n in CHECKERS]


def _check(mod, name):
    return getattr(mod, "check_" + name)


def _solution(mod, name):
    return getattr(mod, "solution_" + name)


def test_every_checker_is_covered():
    assert len(MODULES) >= 14 and len(CHECKERS) >= 57, "the glob matched too little"


def _report_of(check, learner, **kw) -> tuple[CheckReport, str]:
    report = check(learner, **kw)  # must not raise
    assert isinstance(report, CheckReport)
    text = str(report)
    assert text.startswith("❌") and not report.passed, text
    return report, text


class Unreadable:
    """A result numpy cannot turn into an array, whose repr fails too."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array here")

    def __len__(self):
        raise RuntimeError("no length either")

    def __repr__(self):
        raise RuntimeError("no repr either")


def _float_arrays(args):
    return [a for a in args if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size]


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_changing_an_input_in_place_fails_and_names_it(mod, name):
    solution = _solution(mod, name)
    seen = {}

    def overwrites_first_array(*args, **kwargs):
        result = solution(*copy.deepcopy(args), **copy.deepcopy(kwargs))  # the right answer...
        arrays = _float_arrays(args)
        if arrays:
            arrays[0][...] = 0.0  # ...but the caller's array is zeroed (dout[x <= 0] = 0; return dout)
            seen["mutated"] = True
        return result

    report = _check(mod, name)(overwrites_first_array)
    if not seen:
        assert report.passed, str(report)  # no array input: nothing to change in place
        return
    text = str(report)
    assert not report.passed, f"{name}: an input changed in place went unnoticed\n{text}"
    assert "changed its input `args[" in text and "in place" in text and "work on a copy" in text, text


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_results_that_are_not_numbers_are_reported(mod, name):
    check = _check(mod, name)
    _, text = _report_of(check, lambda *a, **k: 10**400)
    assert "too large" in text or "expected a sequence" in text or "expected a tuple" in text \
        or "pairs" in text, text
    _, text = _report_of(check, lambda *a, **k: Unreadable())
    assert "Unreadable" in text, text
    _, text = _report_of(check, lambda *a, **k: "3")
    assert "text" in text or "expected a sequence" in text or "expected a tuple" in text \
        or "pairs" in text, text


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_complex_results_fail_even_when_the_real_part_is_right(mod, name):
    solution = _solution(mod, name)

    def as_complex(*args, **kwargs):
        result = solution(*args, **kwargs)
        if isinstance(result, tuple):
            return tuple(np.asarray(v) + 0j for v in result)
        if isinstance(result, list):
            return [complex(v) if np.isscalar(v) else np.asarray(v) + 0j for v in result]
        return np.asarray(result) + 0j if result is not None else 0j

    _, text = _report_of(_check(mod, name), as_complex)
    assert "expected real numbers, got complex" in text, text


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_a_result_passed_instead_of_the_function_is_explained(mod, name):
    check = _check(mod, name)
    for value, kind in ((np.zeros(3), "an ndarray"), (2.5, "a float"), (None, "None"), ((1, 2), "a tuple")):
        report, text = _report_of(check, value)
        assert report.cases == 0
        assert text == (f"❌ check_{name} expects your function, not its result (got {kind}) — pass "
                        f"`my_{name}`, without calling it: check_{name}(my_{name})."), text


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="no interval timers here")
@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_a_function_that_never_returns_is_stopped(mod, name):
    def spins(*args, **kwargs):
        while True:
            pass

    start = time.monotonic()
    report, text = _report_of(_check(mod, name), spins, time_limit=0.05)
    assert time.monotonic() - start < 5
    assert "did not finish within 0.05 s on this case: an infinite loop?" in text, text
    assert "(stopped at line" in text and "while True:" in text, text
    assert report.failures == report.cases
    assert text.count("not run (your function ran out of time on an earlier case)") == report.cases - 1


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_exit_and_exceptions_inside_numpy_are_reports(mod, name):
    _, text = _report_of(_check(mod, name), lambda *a, **k: sys.exit(3))
    assert "raised SystemExit: 3" in text

    def bad_axis(*args, **kwargs):
        return np.sum(np.zeros((2, 2)), axis=5)  # raises deep inside numpy

    _, text = _report_of(_check(mod, name), bad_axis)
    assert "raised AxisError" in text and "(line " in text and "axis=5" in text, text


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_the_reference_still_passes_with_the_same_output(mod, name):
    report = _check(mod, name)(_solution(mod, name))
    assert report.passed, str(report)
    assert str(report).startswith("✅") and "✗" not in str(report)


def test_the_in_place_check_is_not_vacuous():
    # 29 of the 47 checkers pass float arrays to the learner; each of them must catch the bug.
    with_arrays = 0
    for mod, name in CHECKERS:
        seen = []
        solution = _solution(mod, name)

        def spy(*args, **kwargs):
            seen.extend(_float_arrays(args))
            return solution(*args, **kwargs)

        _check(mod, name)(spy)
        with_arrays += bool(seen)
    assert with_arrays >= 25

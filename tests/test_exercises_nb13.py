"""Tests of the exercise module of notebook 13 (1-D convolution).

The reference solutions pass; classic wrong answers fail with a message (round instead of
floor, a dx that forgets the padding offset, zeros inserted after the last entry too, dw without
the stride); NotImplementedError fails and says so. The solutions are also checked against
brute-force perturbation and finite differences here.
"""

from __future__ import annotations

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop.exercises import nb13

NAMES = ["output_length", "forward", "dx", "zero_insert", "dw"]


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("write your answer here")


def test_every_exercise_is_listed():
    checks = {n[len("check_"):] for n in nb13.__all__ if n.startswith("check_")}
    assert checks == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes(name):
    report = getattr(nb13, f"check_{name}")(getattr(nb13, f"solution_{name}"))
    assert report.passed, str(report)
    assert report.cases >= 4 and str(report).startswith("✅")


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_fails(name):
    report = getattr(nb13, f"check_{name}")(_not_implemented)
    assert not report.passed and report.failures == report.cases
    assert "not implemented yet" in str(report)


def test_classic_mistakes_fail():
    rounded = lambda L, K, s, p, d: int(round((L + 2 * p - d * (K - 1) - 1) / s)) + 1  # noqa: E731
    assert not nb13.check_output_length(rounded).passed
    no_offset = lambda dout, w, L, s, p, d: nb13.solution_dx(dout, w, L + p, s, 0, d)[:L]  # noqa: E731
    assert not nb13.check_dx(no_offset).passed
    trailing = lambda dout, s: np.repeat(dout, s) * np.tile([1] + [0] * (s - 1), len(dout))  # noqa: E731
    report = nb13.check_zero_insert(trailing)
    assert not report.passed and "shape" in str(report)
    no_stride = lambda dout, x, K, s, p, d: nb13.solution_dw(dout, x, K, 1, p, d)  # noqa: E731
    assert not nb13.check_dw(no_stride).passed


def test_solutions_against_perturbation_and_finite_differences(margins):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(10), rng.standard_normal(3)
    out = nb13.solution_forward(x, w, 2, 1, 1)
    dout = rng.standard_normal(out.shape)
    # linear in x and w: centred differences exact up to rounding (~1e-15) at h = 0.5
    nx = cb.numerical_gradient(lambda v: nb13.solution_forward(v, w, 2, 1, 1), x, dout, 0.5)
    nw = cb.numerical_gradient(lambda v: nb13.solution_forward(x, v, 2, 1, 1), w, dout, 0.5)
    margins.below("nb13 dx", cb.rel_error(nb13.solution_dx(dout, w, 10, 2, 1, 1), nx), 1e-7)
    margins.below("nb13 dw", cb.rel_error(nb13.solution_dw(dout, x, 3, 2, 1, 1), nw), 1e-7)
    assert list(nb13.solution_zero_insert(np.array([1.0, 2.0, 3.0]), 2)) == [1, 0, 2, 0, 3]

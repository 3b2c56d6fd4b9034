"""Tests of the exercise module of notebook 13 (1-D convolution).

The reference solutions pass; the classic wrong answers, written as a learner would (round or
ceiling instead of floor, the + 1 forgotten, the kernel not rotated, the stride ignored in dx (no
zero insertion), the padding not cropped or cropped at the wrong end, a loop bound off by one,
zeros after the last entry, the batch averaged), fail with a report that names the mistake, and
the case whose title names that mistake fails; NotImplementedError fails and says so. The solutions are also checked against
brute-force perturbation and finite differences here.
"""

from __future__ import annotations

import math

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
    def no_stride(dout, x, K, s, p, d):
        xpad = np.pad(x, ((0, 0), (p, p)))
        return np.array([sum(dout[n, i] * xpad[n, i + u * d] for n in range(len(x)) for i in range(dout.shape[1]))
                         for u in range(K)])

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
    margins.below("nb13 dw", cb.rel_error(nb13.solution_dw(dout[None], x[None], 3, 2, 1, 1), nw), 1e-7)
    # a batch: the loss is the sum of the sequences' losses, so dw is the sum of their dw
    xs, douts = rng.standard_normal((3, 10)), rng.standard_normal((3, len(out)))
    parts = sum(nb13.solution_dw(douts[n:n + 1], xs[n:n + 1], 3, 2, 1, 1) for n in range(3))
    np.testing.assert_allclose(nb13.solution_dw(douts, xs, 3, 2, 1, 1), parts, rtol=1e-12, atol=1e-12)
    assert list(nb13.solution_zero_insert(np.array([1.0, 2.0, 3.0]), 2)) == [1, 0, 2, 0, 3]


# ----------------------------------------------------------------------------- the mistakes, named


def test_output_length_mistakes_are_named(mistakes):
    mistakes.named(nb13.check_output_length(lambda L, K, s, p, d: (L + 2 * p - d * (K - 1) - 1) // s),
           "the + 1 forgotten (a bound off by one)")
    report = nb13.check_output_length(lambda L, K, s, p, d: round((L + 2 * p - d * (K - 1) - 1) / s) + 1)
    mistakes.named(report, "the division rounded")
    mistakes.case_fails(report, "L = 9, K = 1, stride 3: ⌊8/3⌋ + 1 = 3 (floor, not round)")
    mistakes.named(nb13.check_output_length(lambda L, K, s, p, d: math.ceil((L + 2 * p - d * (K - 1) - 1) / s) + 1),
           "a ceiling instead of a floor")
    report = nb13.check_output_length(lambda L, K, s, p, d: (L + 2 * p - K) // s + 1)
    mistakes.named(report, "the dilation ignored")
    mistakes.case_fails(report, "L = 11, K = 3, dilation 2")
    mistakes.named(nb13.check_output_length(lambda L, K, s, p, d: (L + p - d * (K - 1) - 1) // s + 1),
           "the padding counted once")


def _forward(x, w, stride, padding, dilation, last=0):
    xpad = np.pad(x, padding)
    L_out = (len(xpad) - dilation * (len(w) - 1) - 1) // stride + 1
    return np.array([sum(xpad[i * stride + u * dilation] * w[u] for u in range(len(w))) for i in range(L_out - last)])


def test_forward_mistakes_are_named(mistakes):
    def with_convolve(x, w, s, p, d):
        return np.convolve(np.pad(x, p), w, "valid")[::s] if d == 1 else _forward(x, w[::-1], s, p, d)

    mistakes.named(nb13.check_forward(with_convolve), "the kernel reversed (np.convolve, a true convolution)")
    mistakes.named(nb13.check_forward(lambda x, w, s, p, d: _forward(x, w, 1, p, d)), "the stride ignored")
    mistakes.named(nb13.check_forward(lambda x, w, s, p, d: _forward(x, w, s, 0, d)), "the padding forgotten")
    mistakes.named(nb13.check_forward(lambda x, w, s, p, d: _forward(x, w, s, p, 1)), "the dilation ignored")
    mistakes.named(nb13.check_forward(lambda x, w, s, p, d: _forward(x, w, s, p, d, last=1)),
           "the last output left out (a loop bound off by one)")


def _dxpad(dout, w, L, s, p, d, outputs=None):
    dxpad = np.zeros(L + 2 * p)
    for i in range(len(dout) if outputs is None else outputs):
        for u in range(len(w)):
            dxpad[i * s + u * d] += dout[i] * w[u]
    return dxpad


def test_dx_mistakes_are_named(mistakes):
    def correlation_form(dout, w, L, s, p, d, rotate=False, insert=True):
        # notebook 13's second route: zero-insert, pad by K − 1, correlate (d = 1)
        if d != 1:
            return _dxpad(dout, w, L, s, p, d)[p:p + L]
        K = len(w)
        up = np.zeros((len(dout) - 1) * s + 1) if insert else np.zeros(len(dout))
        up[::s if insert else 1] = dout
        full = np.correlate(np.pad(up, K - 1), w[::-1] if rotate else w, "valid")
        full = np.concatenate([full, np.zeros(L + 2 * p - len(full))])
        return full[p:p + L]

    assert nb13.check_dx(lambda *a: correlation_form(*a, rotate=True)).passed
    mistakes.named(nb13.check_dx(correlation_form), "the kernel not rotated")
    report = nb13.check_dx(lambda *a: correlation_form(*a, rotate=True, insert=False))
    mistakes.named(report, "the stride ignored: dout needs s − 1 zeros inserted")
    mistakes.case_fails(report, "L = 7, K = 3, stride 2")
    report = nb13.check_dx(lambda dout, w, L, s, p, d: _dxpad(dout, w, L, s, p, d))
    mistakes.named(report, "the padding not cropped")
    mistakes.case_fails(report, "L = 10, K = 3, stride 2, padding 1")
    mistakes.named(nb13.check_dx(lambda dout, w, L, s, p, d: _dxpad(dout, w, L, s, p, d)[:L]),
           "the padding cropped at the wrong end")
    mistakes.named(nb13.check_dx(lambda dout, w, L, s, p, d: _dxpad(dout, w, L, s, p, d, len(dout) - 1)[p:p + L]),
           "the last output left out (a loop bound off by one)")
    mistakes.named(nb13.check_dx(lambda dout, w, L, s, p, d: _dxpad(dout, w, L, s, p, 1)[p:p + L]), "the dilation ignored")


def test_zero_insert_mistakes_are_named(mistakes):
    report = nb13.check_zero_insert(lambda dout, s: np.kron(dout, np.eye(s)[0]))
    mistakes.named(report, "zeros after the last entry too")
    mistakes.case_fails(report, "dout of 4, stride 3: two zeros between neighbours, none after the last entry")
    mistakes.case_fails(report, "a single entry, stride 2: nothing to insert, not even after it")

    def s_zeros(dout, s):
        up = np.zeros((len(dout) - 1) * (s + 1) + 1)
        up[::s + 1] = dout
        return up

    mistakes.named(nb13.check_zero_insert(s_zeros), "s zeros between neighbours instead of s − 1")
    mistakes.named(nb13.check_zero_insert(lambda dout, s: dout.copy()), "the stride ignored: dout returned unchanged")


def _dw(dout, x, K, s, p, d, outputs=None):
    xpad = np.pad(x, ((0, 0), (p, p)))
    n_out = dout.shape[1] if outputs is None else outputs
    return np.array([sum(dout[n, i] * xpad[n, i * s + u * d] for n in range(len(x)) for i in range(n_out))
                     for u in range(K)])


def test_dw_mistakes_are_named(mistakes):
    report = nb13.check_dw(lambda dout, x, K, s, p, d: _dw(dout, x, K, s, p, d) / len(x))
    mistakes.named(report, "dw averaged over the batch instead of summed")
    mistakes.case_fails(report, "L = 10, K = 3, stride 2, padding 1: the last entry is dropped; a batch of 3 (summed, not averaged)")
    mistakes.named(nb13.check_dw(lambda dout, x, K, s, p, d: _dw(dout[:1], x[:1], K, s, p, d)),
           "only the first sequence of the batch summed")

    def rotated(dout, x, K, s, p, d):
        # the true-convolution convention of some slides: tap u meets xpad[i·s + (K − 1 − u)·d]
        xpad = np.pad(x, ((0, 0), (p, p)))
        return np.array([sum(dout[n, i] * xpad[n, i * s + (K - 1 - u) * d]
                             for n in range(len(x)) for i in range(dout.shape[1])) for u in range(K)])

    mistakes.named(nb13.check_dw(rotated), "dw reversed (the true-convolution convention)")
    mistakes.named(nb13.check_dw(lambda dout, x, K, s, p, d: _dw(dout, x, K, 1, p, d)), "the stride ignored")

    def unpadded(dout, x, K, s, p, d):
        xr = np.pad(x, ((0, 0), (0, 2 * p)))  # x read from index 0, zeros past its end
        return _dw(dout, xr, K, s, 0, d)

    mistakes.named(nb13.check_dw(unpadded), "x read without its padding")
    mistakes.named(nb13.check_dw(lambda dout, x, K, s, p, d: _dw(dout, x, K, s, p, d, dout.shape[1] - 1)),
           "the last output left out (a loop bound off by one)")

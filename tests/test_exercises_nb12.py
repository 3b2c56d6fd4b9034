"""Tests of the exercise module of notebook 12 (grouped and depthwise convolution).

For every exercise: the reference solution passes its checker; the classic wrong answers
(groups slicing by f // G or f % G, a plain layer's cost, a kernel that forgets the depthwise
multiplier) fail with a message that names what differs; NotImplementedError fails and says so.
The solutions are also checked against independent oracles here: brute force and finite
differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop.exercises import nb12

NAMES = ["channels_read", "grouped_forward", "grouped_backward", "cost", "separable_kernel"]


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("write your answer here")


def test_every_exercise_is_listed():
    checks = {n[len("check_"):] for n in nb12.__all__ if n.startswith("check_")}
    assert checks == set(NAMES) and 3 <= len(checks) <= 6


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes(name):
    report = getattr(nb12, f"check_{name}")(getattr(nb12, f"solution_{name}"))
    assert report.passed, str(report)
    assert report.cases >= 4
    assert str(report).startswith("✅")


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_fails(name):
    report = getattr(nb12, f"check_{name}")(_not_implemented)
    assert not report.passed and report.failures == report.cases
    assert "not implemented yet" in str(report)


def test_wrong_group_index_fails():
    by_g = lambda f, C, F, G: list(range((f // G) * (C // G), (f // G + 1) * (C // G)))  # noqa: E731
    by_mod = lambda f, C, F, G: list(range((f % G) * (C // G), (f % G + 1) * (C // G)))  # noqa: E731
    for wrong in (by_g, by_mod):
        report = nb12.check_channels_read(wrong)
        assert not report.passed and "expected" in str(report)


def test_forward_that_reads_only_the_first_group_fails():
    def first_group(x, w, b, stride, padding, groups):
        # every filter reads channels 0 … C/G − 1: the groups slicing forgotten
        x0 = np.concatenate([x[:, : w.shape[1]]] * groups, axis=1)
        return nb12.solution_grouped_forward(x0, w, b, stride, padding, groups)

    report = nb12.check_grouped_forward(first_group)
    assert report.failures == 4  # all but the plain layer
    assert "✓ groups = 1: the plain layer" in str(report)


def test_backward_without_group_slicing_fails():
    def no_slicing(dout, x, w, stride, padding, groups):
        dx, dw, db = nb12.solution_grouped_backward(dout, x, w, stride, padding, groups)
        return dx[:, ::-1], dw, db  # channels of the wrong group

    report = nb12.check_grouped_backward(no_slicing)
    assert not report.passed and "dx" in str(report)


def test_plain_cost_fails_for_groups():
    report = nb12.check_cost(lambda C, F, HH, WW, Ho, Wo, G: (F * C * HH * WW + F, F * Ho * Wo * C * HH * WW))
    assert report.failures == 3 and "parameters: expected" in str(report)


def test_separable_kernel_without_multiplier_fails():
    def ignores_m(k, p, C):
        return p[:, :C, 0, 0][:, :, None, None] * k[:C, 0][None]

    report = nb12.check_separable_kernel(ignores_m)
    assert not report.passed
    assert "M = 2" in str(report).split("✗", 1)[1]


def test_solutions_against_brute_force_and_finite_differences(margins):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)
    out = nb12.solution_grouped_forward(x, w, b, 2, 1, 2)
    # brute force: a grouped layer is two plain layers on the channel halves (notebook 12)
    halves = [cb.conv2d_forward_naive(x[:, 2 * g : 2 * g + 2], w[3 * g : 3 * g + 3], b[3 * g : 3 * g + 3], 2, 1)
              for g in range(2)]
    margins.close("nb12 forward", out, np.concatenate(halves, axis=1), rtol=1e-10, atol=1e-10)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = nb12.solution_grouped_backward(dout, x, w, 2, 1, 2)
    # linear in x and w: no truncation, rounding ~1e-11 relative at h = 0.5; threshold 1e-7
    nx = cb.numerical_gradient(lambda v: nb12.solution_grouped_forward(v, w, b, 2, 1, 2), x, dout, 0.5)
    nw = cb.numerical_gradient(lambda v: nb12.solution_grouped_forward(x, v, b, 2, 1, 2), w, dout, 0.5)
    margins.below("nb12 dx", cb.rel_error(dx, nx), 1e-7)
    margins.below("nb12 dw", cb.rel_error(dw, nw), 1e-7)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12)
    assert nb12.solution_cost(32, 64, 3, 3, 16, 16, 1) == (64 * 32 * 9 + 64, 64 * 256 * 32 * 9)

"""Tests of the exercise module of notebook 11 (transposed convolution).

For every exercise: the reference solution passes its checker; plausible wrong answers (the
pitfalls the notebook teaches: the weight layout, +2·output_padding, no rotation, padding not
cropped) fail with a message naming the case; NotImplementedError fails and says so; a learner
changing an input in place or passing a result instead of a function gets a report, never a
crash. The solutions are also checked directly against independent oracles: scalar brute force
and finite differences.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop.exercises import nb11

NAMES = ["output_size", "scatter_forward", "correlation_forward", "transposed_backward", "overlap_counts"]


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("write your answer here")


def _fails_with(report, *fragments):
    text = str(report)
    assert not report.passed, text
    assert text.startswith("❌"), text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def test_every_exercise_is_listed():
    checks = {n[len("check_"):] for n in nb11.__all__ if n.startswith("check_")}
    assert checks == set(NAMES) and 3 <= len(checks) <= 6


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes(name):
    report = getattr(nb11, f"check_{name}")(getattr(nb11, f"solution_{name}"))
    assert report.passed and report.cases >= 4, str(report)
    assert str(report).startswith("✅")


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_fails(name):
    report = getattr(nb11, f"check_{name}")(_not_implemented)
    assert not report.passed and report.failures == report.cases
    assert "not implemented yet" in str(report)


@pytest.mark.parametrize("name", NAMES)
def test_learner_mistakes_are_reported_not_raised(name):
    check, solution = getattr(nb11, f"check_{name}"), getattr(nb11, f"solution_{name}")
    _fails_with(check(solution(*[4, 3, 2, 1, 1, 1][: 6 if name == "output_size" else 3])
                      if name in ("output_size", "overlap_counts") else 42), "expects your function")

    def overwrites(*args):
        result = solution(*copy.deepcopy(args))
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                a[...] = 0.0
                break
        return result

    report = check(overwrites)
    if any(isinstance(a, np.ndarray) for a in _first_case_args(name)):
        _fails_with(report, "changed")
    else:
        assert report.passed, str(report)


def _first_case_args(name):
    seen = []

    def spy(*args):
        seen.append(args)
        raise NotImplementedError

    getattr(nb11, f"check_{name}")(spy)
    return seen[0]


def test_wrong_answers_name_the_pitfall():
    _fails_with(nb11.check_output_size(lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + 2 * op + 1),
                "output_padding adds rows at one end only")
    _fails_with(nb11.check_output_size(lambda n, k, s, p, op, d: (n - 1) * s - p + d * (k - 1) + op + 1),
                "padding crops p on BOTH sides")
    _fails_with(nb11.check_output_size(lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + k + op),
                "dilation 2")

    def conv_layout(x, w, s, p, op):  # reads w as a convolution's (F, C, HH, WW)
        return nb11.solution_scatter_forward(x, np.asarray(w).transpose(1, 0, 2, 3), s, p, op)
    _fails_with(nb11.check_scatter_forward(conv_layout), "C_in = 2, C_out = 3: w is (C_in, C_out, HH, WW)")

    def no_crop(x, w, s, p, op):  # forgets that padding crops
        return nb11.solution_scatter_forward(x, w, s, 0, op)
    _fails_with(nb11.check_scatter_forward(no_crop), "padding 1 crops", "wrong shape")

    def no_rotation(x, w, s, p, op):
        return nb11.solution_correlation_forward(x, np.asarray(w)[:, :, ::-1, ::-1], s, p, op)
    _fails_with(nb11.check_correlation_forward(no_rotation), "not symmetric: forgot to rotate")

    def db_mean(dout, x, w, s, p, op):
        dx, dw, db = nb11.solution_transposed_backward(dout, x, w, s, p, op)
        return dx, dw, db / len(x)
    report = nb11.check_transposed_backward(db_mean)
    _fails_with(report, "batch 2: dw and db sum over the batch", "db:")

    _fails_with(nb11.check_overlap_counts(lambda n, k, s: np.ones((n - 1) * s + k, dtype=int)),
                "uneven: the checkerboard")


def _brute_forward(x, w, s, p, op):
    s, p, op = (v if isinstance(v, tuple) else (v, v) for v in (s, p, op))
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    Ho, Wo = (H - 1) * s[0] - 2 * p[0] + HH + op[0], (W - 1) * s[1] - 2 * p[1] + WW + op[1]
    out = np.zeros((N, C_out, Ho, Wo))
    for n, c, i, j, o, u, v in itertools.product(range(N), range(C_in), range(H), range(W), range(C_out),
                                                 range(HH), range(WW)):
        r, q = i * s[0] + u - p[0], j * s[1] + v - p[1]
        if 0 <= r < Ho and 0 <= q < Wo:
            out[n, o, r, q] += x[n, c, i, j] * w[c, o, u, v]
    return out


@pytest.mark.parametrize("s, p, op", [(2, 1, 1), ((3, 1), (0, 1), (2, 0)), (1, 0, 0)])
def test_solutions_against_brute_force_and_finite_differences(s, p, op, margins):
    rng = np.random.default_rng(11)
    x, w = rng.normal(size=(2, 2, 3, 3)), rng.normal(size=(2, 3, 3, 2))
    expected = _brute_forward(x, w, s, p, op)
    # two float64 sums of ≤ 50 products of O(1) values: rounding ≲ 1e-14; rtol = atol = 1e-10
    for solution in (nb11.solution_scatter_forward, nb11.solution_correlation_forward):
        margins.close(f"nb11 {solution.__name__}", solution(x, w, s, p, op), expected, rtol=1e-10, atol=1e-10)
    dout = rng.normal(size=expected.shape)
    dx, dw, db = nb11.solution_transposed_backward(dout, x, w, s, p, op)
    # the loss is linear in x, w and b: no truncation error; h = 0.5 leaves rounding ~1e-11
    # relative on the smallest entries (docs/testing.md), threshold 1e-7
    f = cb.conv_transpose2d_forward
    nx = cb.numerical_gradient(lambda v: f(v, w, np.zeros(3), s, p, op), x, dout, 0.5)
    nw = cb.numerical_gradient(lambda v: f(x, v, np.zeros(3), s, p, op), w, dout, 0.5)
    margins.below("nb11 dx", cb.rel_error(dx, nx), 1e-7)
    margins.below("nb11 dw", cb.rel_error(dw, nw), 1e-7)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_overlap_counts_and_output_size_by_brute_force():
    for n, k, s in itertools.product(range(1, 5), range(1, 5), range(1, 4)):
        counts = np.zeros((n - 1) * s + k, dtype=int)
        for i, u in itertools.product(range(n), range(k)):
            counts[i * s + u] += 1
        np.testing.assert_array_equal(nb11.solution_overlap_counts(n, k, s), counts)
        for p, op, d in itertools.product(range(2), range(s), range(1, 3)):
            size = nb11.solution_output_size(n, k, s, p, op, d)
            if size >= 1:
                # the buffer's positions 0 … full − 1, cropped by p at both ends, op more at the end
                full = (n - 1) * s + d * (k - 1) + 1
                assert size == len(range(p, full - p + op))

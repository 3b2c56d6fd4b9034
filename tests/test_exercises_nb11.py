"""Tests of the exercise module of notebook 11 (transposed convolution).

For every exercise: the reference solution passes its checker; plausible wrong answers (the
pitfalls the notebook teaches: the weight layout, +2·output_padding, no rotation, padding not
cropped) fail with a message naming the case; NotImplementedError fails and says so; a learner
changing an input in place or passing a result instead of a function gets a report, never a
crash. The solutions are also checked directly against independent oracles: scalar brute force
and finite differences.

Diagnosis: every mistake a checker declares, written here again as a learner would write it
(scalar loops, ``np.pad``, ``cb.conv2d_forward``; independently of the module's own wrong
variants), fails and is named ("this looks like …"), and every declared mistake has such a
learner's version here. Every case fails the wrong answer its title names.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop.exercises import Mistake, nb11

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


# ----------------------------------------------------------------------------- learners' wrong answers
#
# Each function below is a wrong answer as a learner would write it. The scatter and backward
# ones are scalar loops over every index (as the brute force above), with the one line the
# learner got wrong; the correlation ones build z with np.pad and call cb.conv2d_forward, which
# exercise 3 allows.


def _pairs(*values):
    return [v if isinstance(v, tuple) else (v, v) for v in values]


def _weight(w, kernel, c, o, u, v):
    """The weight a learner reads for input channel c, output channel o, tap (u, v)."""
    if kernel == "w[o,c]":
        return w[o, c, u, v]  # a convolution's layout: raises IndexError when C_in ≠ C_out
    if kernel == "rotated":
        return w[c, o, w.shape[2] - 1 - u, w.shape[3] - 1 - v]
    return w[c, o, u, v]


def _learner_scatter(x, w, stride, padding, output_padding, *, kernel="w[c,o]", row=None, size=None,
                     assign=False):
    """A learner's scalar scatter loop. ``row(i, u, s, p, op)`` is where the learner puts tap u of
    input i (right: i·s + u − p), ``size(n, k, s, p, op)`` the output size the learner allocates
    (right: (n − 1)·s − 2p + k + op), ``kernel`` how the learner reads the weight."""
    row = row or (lambda i, u, s, p, op: i * s + u - p)
    size = size or (lambda n, k, s, p, op: (n - 1) * s - 2 * p + k + op)
    (sh, sw), (ph, pw), (oh, ow) = _pairs(stride, padding, output_padding)
    N, C_in, H, W = x.shape
    C_out = w.shape[0] if kernel == "w[o,c]" else w.shape[1]
    HH, WW = w.shape[2:]
    Ho, Wo = size(H, HH, sh, ph, oh), size(W, WW, sw, pw, ow)
    out = np.zeros((N, C_out, Ho, Wo))
    for n, c, i, j, o, u, v in itertools.product(range(N), range(C_in), range(H), range(W), range(C_out),
                                                 range(HH), range(WW)):
        r, q = row(i, u, sh, ph, oh), row(j, v, sw, pw, ow)
        if 0 <= r < Ho and 0 <= q < Wo:
            weight = _weight(w, kernel, c, o, u, v)
            if assign:  # the copy overwrites what earlier copies wrote here
                out[n, o, r, q] = x[n, c, i, j] * w[c, o, u, v]
            else:
                out[n, o, r, q] += x[n, c, i, j] * weight
    return out


def scatter_conv_layout(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, kernel="w[o,c]")


def scatter_assign(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, assign=True)


def scatter_stride_ignored(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, row=lambda i, u, s, p, op: i + u - p)


def scatter_rotated(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, kernel="rotated")


def scatter_not_cropped(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, row=lambda i, u, s, p, op: i * s + u,
                            size=lambda n, k, s, p, op: (n - 1) * s + k + op)


def scatter_padding_added(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, row=lambda i, u, s, p, op: i * s + u + p,
                            size=lambda n, k, s, p, op: (n - 1) * s + 2 * p + k + op)


def scatter_op_ignored(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, size=lambda n, k, s, p, op: (n - 1) * s - 2 * p + k)


def scatter_op_at_top(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op, row=lambda i, u, s, p, op: i * s + u - p + op)


def scatter_transposed(x, w, s, p, op):
    return _learner_scatter(x, w, s, p, op).transpose(0, 1, 3, 2)


def scatter_row_settings_only(x, w, s, p, op):
    # handles pairs by taking their first entry for both axes
    first = [v[0] if isinstance(v, tuple) else v for v in (s, p, op)]
    return _learner_scatter(x, w, *first)


def scatter_first_example(x, w, s, p, op):
    out = _learner_scatter(x, w, s, p, op)
    out[1:] = out[0]
    return out


def _learner_z(x, k, s, p, op, *, insert=True, pad_sign=-1, op_end=True, clamp=False):
    """A learner's z: zeros inserted, then k − 1 − p (pad_sign −1) zeros around and op more at
    the end (``op_end``; False: at the start; None: nowhere). Negative amounts crop, unless
    ``clamp`` (the learner pads max(0, ·) instead)."""
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = _pairs(k, s, p, op)
    if insert:
        z = np.zeros((*x.shape[:2], (x.shape[2] - 1) * sh + 1, (x.shape[3] - 1) * sw + 1))
        z[:, :, ::sh, ::sw] = x
    else:
        z = x
    t, l = kh - 1 + pad_sign * ph, kw - 1 + pad_sign * pw
    amounts = [t, t, l, l]
    if op_end is True:
        amounts[1], amounts[3] = t + oh, l + ow
    elif op_end is False:
        amounts[0], amounts[2] = t + oh, l + ow
    if clamp:
        amounts = [max(a, 0) for a in amounts]
    top, bottom, left, right = amounts
    z = np.pad(z, ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))))
    return z[:, :, max(-top, 0):z.shape[2] - max(-bottom, 0), max(-left, 0):z.shape[3] - max(-right, 0)]


def _correlate(z, kernel):
    return cb.conv2d_forward(z, np.ascontiguousarray(kernel), np.zeros(kernel.shape[0]))


def correlation_not_rotated(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op), w.transpose(1, 0, 2, 3))


def correlation_not_swapped(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op), w[:, :, ::-1, ::-1])


def correlation_no_zero_insertion(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op, insert=False), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def correlation_padding_added(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op, pad_sign=+1), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def correlation_op_ignored(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op, op_end=None), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def correlation_op_at_top(x, w, s, p, op):
    return _correlate(_learner_z(x, w.shape[2:], s, p, op, op_end=False), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def correlation_transposed(x, w, s, p, op):
    right = _correlate(_learner_z(x, w.shape[2:], s, p, op), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return right.transpose(0, 1, 3, 2)


def correlation_clamped(x, w, s, p, op):
    # pads max(0, k − 1 − p): never crops
    return _correlate(_learner_z(x, w.shape[2:], s, p, op, clamp=True), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def _learner_backward(dout, x, w, stride, padding, output_padding, *, kernel="w[c,o]", row=None,
                      skip_op=False):
    """A learner's scalar backward loop: every (n, c, i, j, o, u, v) pairs input (i, j) with the
    output its tap (u, v) reached, ``row(i, u, s, p)`` (right: i·s + u − p)."""
    row = row or (lambda i, u, s, p: i * s + u - p)
    (sh, sw), (ph, pw), (oh, ow) = _pairs(stride, padding, output_padding)
    N, C_in, H, W = x.shape
    C_out, HH, WW = w.shape[1:]
    Ho, Wo = dout.shape[2:]
    if skip_op:  # the learner loops over the output without its output_padding rows and columns
        Ho, Wo = Ho - oh, Wo - ow
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, c, i, j, o, u, v in itertools.product(range(N), range(C_in), range(H), range(W), range(C_out),
                                                 range(HH), range(WW)):
        r, q = row(i, u, sh, ph), row(j, v, sw, pw)
        if 0 <= r < Ho and 0 <= q < Wo:
            weight = _weight(w, kernel, c, o, u, v)
            dx[n, c, i, j] += dout[n, o, r, q] * weight
            dw[c, o, u, v] += dout[n, o, r, q] * x[n, c, i, j]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def backward_conv_layout(dout, x, w, s, p, op):
    return _learner_backward(dout, x, w, s, p, op, kernel="w[o,c]")


def backward_dw_conv_layout(dout, x, w, s, p, op):
    dx, dw, db = _learner_backward(dout, x, w, s, p, op)
    return dx, dw.transpose(1, 0, 2, 3), db


def backward_rotated(dout, x, w, s, p, op):
    return _learner_backward(dout, x, w, s, p, op, kernel="rotated")


def backward_stride_ignored(dout, x, w, s, p, op):
    return _learner_backward(dout, x, w, s, p, op, row=lambda i, u, s, p: i + u - p)


def backward_padding_ignored(dout, x, w, s, p, op):
    return _learner_backward(dout, x, w, s, p, op, row=lambda i, u, s, p: i * s + u)


def backward_op_left_out(dout, x, w, s, p, op):
    return _learner_backward(dout, x, w, s, p, op, skip_op=True)


def backward_averaged(dout, x, w, s, p, op):
    dx, dw, db = _learner_backward(dout, x, w, s, p, op)
    return dx, dw / len(x), db / len(x)


def counts_assign(n, k, s):
    counts = np.zeros((n - 1) * s + k, dtype=int)
    for i in range(n):
        counts[i * s:i * s + k] = 1
    return counts


def counts_stride_ignored(n, k, s):
    counts = np.zeros((n - 1) * s + k, dtype=int)
    for i in range(n):
        counts[i:i + k] += 1
    return counts


def counts_interior_everywhere(n, k, s):
    return np.full((n - 1) * s + k, int(np.ceil(k / s)))


def counts_upsample_length(n, k, s):
    counts = np.zeros(n * s, dtype=int)
    for i in range(n):
        for u in range(k):
            if i * s + u < n * s:
                counts[i * s + u] += 1
    return counts


LEARNERS = [
    ("output_size", lambda n, k, s, p, op, d: (n + 2 * p - d * (k - 1) - 1) // s + 1, "the convolution's formula"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s + 2 * p + d * (k - 1) + op + 1, "padding added instead of cropped"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s - p + d * (k - 1) + op + 1, "padding cropped on one side only"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + 1, "output_padding ignored"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + 2 * op + 1, "output_padding added on both sides"),
    ("output_size", lambda n, k, s, p, op, d: n - 2 * p + d * (k - 1) + op, "the stride ignored"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + k + op, "the dilation ignored"),
    ("output_size", lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + op, "the + 1 forgotten"),
    ("scatter_forward", scatter_conv_layout, "the weights read in a convolution's (C_out, C_in, HH, WW) layout"),
    ("scatter_forward", scatter_assign, "`=` instead of `+=`"),
    ("scatter_forward", scatter_stride_ignored, "the stride ignored"),
    ("scatter_forward", scatter_rotated, "the kernel rotated by 180°"),
    ("scatter_forward", scatter_not_cropped, "the padding not cropped"),
    ("scatter_forward", scatter_padding_added, "padding added instead of cropped"),
    ("scatter_forward", scatter_op_ignored, "output_padding ignored"),
    ("scatter_forward", scatter_op_at_top, "output_padding applied on the wrong side"),
    ("scatter_forward", scatter_transposed, "a transposed result"),
    ("correlation_forward", correlation_not_rotated, "the kernel not rotated by 180° in the correlation view"),
    ("correlation_forward", correlation_not_swapped, "the weights read in a convolution's (C_out, C_in, HH, WW) layout"),
    ("correlation_forward", correlation_no_zero_insertion, "zero insertion missing (the stride ignored)"),
    ("correlation_forward", correlation_padding_added, "padding added instead of cropped"),
    ("correlation_forward", correlation_op_ignored, "output_padding ignored"),
    ("correlation_forward", correlation_op_at_top, "output_padding applied on the wrong side"),
    ("correlation_forward", correlation_transposed, "a transposed result"),
    ("transposed_backward", backward_conv_layout, "w read in a convolution's (C_out, C_in, HH, WW) layout"),
    ("transposed_backward", backward_dw_conv_layout, "dw in a convolution's (C_out, C_in, HH, WW) layout"),
    ("transposed_backward", backward_rotated, "the kernel rotated in dx"),
    ("transposed_backward", backward_stride_ignored, "the stride ignored"),
    ("transposed_backward", backward_padding_ignored, "the padding ignored"),
    ("transposed_backward", backward_op_left_out, "output_padding's rows and columns left out"),
    ("transposed_backward", backward_averaged, "dw and db averaged over the batch instead of summed"),
    ("overlap_counts", counts_assign, "`=` instead of `+=`"),
    ("overlap_counts", counts_stride_ignored, "the stride ignored"),
    ("overlap_counts", counts_interior_everywhere, "the interior count ⌈k/s⌉ everywhere"),
    ("overlap_counts", counts_upsample_length, "the output taken as n·s long"),
]


@pytest.mark.parametrize("name, wrong, phrase", LEARNERS,
                         ids=[f"{n}-{getattr(f, '__name__', 'lambda')}-{k}" for k, (n, f, _) in enumerate(LEARNERS)])
def test_each_learners_mistake_is_named(name, wrong, phrase):
    report = getattr(nb11, f"check_{name}")(wrong)
    text = str(report)
    assert not report.passed, text
    assert "this looks like " + phrase in text, f"{phrase!r} not named:\n{text}"
    for line in text.splitlines():  # named only on the cases that fail
        if "this looks like" in line:
            assert line.lstrip().startswith("✗"), line


def _declared(name):
    seen = []
    real = nb11.check_function

    def spy(*args, **kwargs):
        seen.extend(kwargs.get("mistakes", ()))
        return real(*args, **kwargs)

    nb11.check_function = spy
    try:
        getattr(nb11, f"check_{name}")(getattr(nb11, f"solution_{name}"))
    finally:
        nb11.check_function = real
    return seen


@pytest.mark.parametrize("name", NAMES)
def test_every_declared_mistake_has_a_learners_version_here(name):
    declared = _declared(name)
    assert declared and all(isinstance(m, Mistake) for m in declared)
    phrases = [phrase for n, _, phrase in LEARNERS if n == name]
    for mistake in declared:
        assert any(mistake.text.startswith(phrase) for phrase in phrases), mistake.text
    assert len(phrases) == len(declared)


def test_the_transposed_convolution_pitfalls_are_all_declared():
    texts = {name: " | ".join(m.text for m in _declared(name)) for name in NAMES}
    forward = texts["scatter_forward"] + texts["correlation_forward"]
    for pitfall in ("(C_out, C_in, HH, WW) layout", "not rotated", "zero insertion missing",
                    "padding added instead of cropped", "output_padding ignored",
                    "output_padding applied on the wrong side", "a transposed result"):
        assert pitfall in forward, pitfall
    assert "(C_out, C_in, HH, WW) layout" in texts["transposed_backward"]


# ----------------------------------------------------------------------------- every case discriminates

CASE_WRONGS = {
    "output_size": {
        "stride 1, no padding": LEARNERS[7][1],                         # + 1 forgotten
        "stride 2, kernel 3: copies start 2 apart": LEARNERS[5][1],     # stride ignored
        "stride 2, kernel 4, padding 1": LEARNERS[1][1],                # padding added
        "padding crops p on BOTH sides": LEARNERS[2][1],                # −p
        "output_padding adds rows at one end only": LEARNERS[4][1],     # +2·op
        "dilation 2": LEARNERS[6][1],                                   # dilation ignored
        "stride 3, 1×1 kernel: gaps": LEARNERS[5][1],                   # stride ignored
    },
    "scatter_forward": {
        "stride 1, kernel 2, one channel: the copies overlap and add up": [scatter_assign],
        "stride 2, kernel 3: neighbouring copies overlap": [scatter_assign],
        "stride 3, kernel 2: gaps between the copies": [scatter_stride_ignored],
        "padding 1 crops": [scatter_not_cropped, scatter_padding_added],
        "output_padding 1 adds a row and a column at the bottom/right": [scatter_op_ignored, scatter_op_at_top],
        "C_in = 2, C_out = 3": [scatter_conv_layout],
        "C_in = C_out = 2": [scatter_conv_layout],
        "batch 2, rows and columns set apart": [scatter_row_settings_only, scatter_first_example],
    },
    "correlation_forward": {
        "stride 1, kernel 2, one channel": [correlation_not_rotated],
        "a kernel that is not symmetric": [correlation_not_rotated],
        "stride 2, kernel 3: neighbouring copies overlap": [correlation_no_zero_insertion],
        "stride 3, kernel 2: gaps between the copies": [correlation_no_zero_insertion],
        "padding 1 crops": [correlation_padding_added],
        "output_padding 1 adds a row and a column at the bottom/right": [correlation_op_ignored, correlation_op_at_top],
        "C_in = 2, C_out = 3": [correlation_not_swapped],
        "C_in = C_out = 2": [correlation_not_swapped],
        "batch 2, rows and columns set apart": [scatter_row_settings_only, scatter_first_example],
        "padding 3 > k − 1 = 1: crop instead of pad": [correlation_clamped],
    },
    "transposed_backward": {
        "stride 1, kernel 2, one channel: dx reads w as it is": [backward_rotated],
        "stride 2, kernel 3": [backward_stride_ignored],
        "padding 1: the cropped ring": [backward_padding_ignored],
        "output_padding 1: the extra row/column has a gradient too": [backward_op_left_out],
        "C_in = 2, C_out = 3: dw has w's layout": [backward_dw_conv_layout],
        "C_in = C_out = 2": [backward_conv_layout],
        "batch 2: dw and db sum over the batch": [backward_averaged],
    },
    "overlap_counts": {
        "stride 1: counts rise": [counts_assign],
        "stride 2, kernel 3": [counts_interior_everywhere, counts_assign],
        "stride 2, kernel 4": [counts_interior_everywhere],
        "stride 3, kernel 2: gaps of 0": [counts_stride_ignored],
        "stride 3, kernel 5": [counts_interior_everywhere],
        "one input": [counts_upsample_length],
    },
}


@pytest.mark.parametrize("name", NAMES)
def test_each_case_fails_the_wrong_answer_its_title_names(name):
    solution = getattr(nb11, f"solution_{name}")
    check = getattr(nb11, f"check_{name}")
    titles = [line.strip()[2:] for line in str(check(solution)).splitlines()[1:]]
    wrongs = CASE_WRONGS[name]
    assert len(titles) == len(wrongs), titles
    for start, fns in wrongs.items():
        matching = [t for t in titles if t.startswith(start)]
        assert len(matching) == 1, (start, titles)
        for wrong in (fns if isinstance(fns, list) else [fns]):
            text = str(check(wrong))
            assert f"✗ {matching[0]}" in text, f"{start}: passes {getattr(wrong, '__name__', wrong)}\n{text}"


def test_the_learners_versions_are_right_when_the_bug_is_absent():
    # the skeletons themselves are right: with no bug they pass (so a named mistake is the bug's)
    assert nb11.check_scatter_forward(lambda x, w, s, p, op: _learner_scatter(x, w, s, p, op)).passed
    assert nb11.check_correlation_forward(
        lambda x, w, s, p, op: _correlate(_learner_z(x, w.shape[2:], s, p, op), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))).passed
    assert nb11.check_transposed_backward(lambda *a: _learner_backward(*a)).passed


@pytest.mark.parametrize("name", NAMES)
def test_graded_hints_and_the_solution_on_request(name, capsys):
    hints = nb11.HINTS[name]
    assert len(hints) == 3 and len(set(hints)) == 3
    nb11.hint(name, 3)
    assert capsys.readouterr().out.startswith(f"Hint 3 of 3 for {name}: {hints[2]}")
    nb11.solution(name)
    out = capsys.readouterr().out
    assert f"def solution_{name}(" in out and "_variant" not in out and "Mistake" not in out

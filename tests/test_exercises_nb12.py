"""Tests of the exercise module of notebook 12 (grouped and depthwise convolution).

For every exercise: the reference solution passes its checker; the classic wrong answers
(groups slicing by f // G or f % G, a group's channels taken as every G-th channel, the group's
offset forgotten, depthwise dw summed over channels, db per group, a plain layer's cost, a
transposed result, a kernel that forgets the depthwise multiplier), written as a learner would,
fail with a report that names the mistake, and the case whose title names that mistake fails;
NotImplementedError fails and says so.
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


# ----------------------------------------------------------------------------- the mistakes, named
#
# Each classic mistake of these layers, written here as a learner would write it (loops and
# slices, independently of the wrong variants the checkers declare), fails its checker with a
# report that names it.


def _forward_loops(x, w, b, stride, padding, groups, channels):
    """A learner's grouped forward pass, reading the channels ``channels(g, C, G)`` for group g."""
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    Ho, Wo = (H + 2 * padding - HH) // stride + 1, (W + 2 * padding - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for f in range(F):
        g = f // (F // groups)
        xg = xpad[:, channels(g, C, groups)]
        for i in range(Ho):
            for j in range(Wo):
                out[:, f, i, j] = np.sum(xg[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW] * w[f],
                                         axis=(1, 2, 3)) + b[f]
    return out


def _backward_loops(dout, x, w, stride, padding, groups, *, channels=None, dw_channels=None):
    """A learner's grouped backward pass; ``channels`` / ``dw_channels`` choose the channels each
    group's dx / dw use (the right block when None)."""
    block = lambda g, C, G: list(range(g * (C // G), (g + 1) * (C // G)))  # noqa: E731
    channels = channels or block
    dw_channels = dw_channels or channels
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad, dw = np.zeros(xpad.shape), np.zeros(w.shape)
    for f in range(F):
        g = f // (F // groups)
        cx, cw = channels(g, C, groups), dw_channels(g, C, groups)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                gr = dout[:, f, i, j][:, None, None, None]
                dxpad[:, cx, rows, cols] += gr * w[f]
                dw[f] += np.sum(gr * xpad[:, cw, rows, cols], axis=0)
    return dxpad[:, :, padding:padding + H, padding:padding + W], dw, dout.sum(axis=(0, 2, 3))


def test_channels_read_mistakes_are_named(mistakes):
    block = lambda g, C, G: list(range(g * (C // G), (g + 1) * (C // G)))  # noqa: E731
    mistakes.named(nb12.check_channels_read(lambda f, C, F, G: block(f // G, C, G)), "the group taken as f // G")
    report = nb12.check_channels_read(lambda f, C, F, G: block(f % G, C, G))
    mistakes.named(report, "filters dealt to the groups in turn (f % G)")
    mistakes.case_fails(report, "f = 1 of F = 4, C = 4, groups = 2: filters go to groups in blocks")
    report = nb12.check_channels_read(lambda f, C, F, G: list(range(f // (F // G), C, G)))
    mistakes.named(report, "the channels of group g taken as every G-th channel")
    mistakes.case_fails(report, "f = 2 of F = 3, C = 6, groups = 3: one filter per group, a block of 2 channels")
    report = nb12.check_channels_read(lambda f, C, F, G: list(range(C)))
    mistakes.named(report, "every channel read, as in a plain layer")
    mistakes.case_fails(report, "f = 1 of F = 4, C = 4, groups = 4 (depthwise): one channel, not all of them")


def test_grouped_forward_mistakes_are_named(mistakes):
    strided = lambda g, C, G: list(range(g, C, G))  # noqa: E731
    first = lambda g, C, G: list(range(C // G))  # noqa: E731
    report = nb12.check_grouped_forward(lambda x, w, b, s, p, G: _forward_loops(x, w, b, s, p, G, strided))
    mistakes.named(report, "the channels of group g taken as every G-th channel")
    mistakes.case_fails(report, "2 groups, C = 4, F = 6 (3 filters per group), padding 1: group 1 reads the block")
    mistakes.named(nb12.check_grouped_forward(lambda x, w, b, s, p, G: _forward_loops(x, w, b, s, p, G, first)),
           "every filter reading channels 0 … C/G − 1")
    nhwc = lambda *a: nb12.solution_grouped_forward(*a).transpose(0, 2, 3, 1)  # noqa: E731
    mistakes.named(nb12.check_grouped_forward(nhwc), "a transposed result: out in NHWC order")


def test_grouped_backward_mistakes_are_named(mistakes):
    strided = lambda g, C, G: list(range(g, C, G))  # noqa: E731
    first = lambda g, C, G: list(range(C // G))  # noqa: E731
    text = mistakes.named(nb12.check_grouped_backward(
        lambda d, x, w, s, p, G: _backward_loops(d, x, w, s, p, G, channels=strided)),
        "the channels of group g taken as every G-th channel")
    assert "dx: " in text and "dw: " in text and "db: " not in text
    text = mistakes.named(nb12.check_grouped_backward(
        lambda d, x, w, s, p, G: _backward_loops(d, x, w, s, p, G, dw_channels=first)),
        "dw[f, k] paired with channel k (a global channel index)")
    assert "dx: " not in text

    def dw_over_all_channels(dout, x, w, s, p, G):
        # the depthwise learner's dw: every channel's products added into the filter's one kernel
        dx, _, db = nb12.solution_grouped_backward(dout, x, w, s, p, G)
        F, Cg, HH, WW = w.shape
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        dw = np.zeros(w.shape)
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = xpad[:, :, i * s:i * s + HH, j * s:j * s + WW]  # all C channels
                    prod = np.sum(dout[:, f, i, j][:, None, None, None] * window, axis=0)
                    dw[f] += prod.reshape(G, Cg, HH, WW).sum(axis=0)
        return dx, dw, db

    report = nb12.check_grouped_backward(dw_over_all_channels)
    mistakes.named(report, "dw summed over the channels of every group (for a depthwise layer: over all channels)")
    mistakes.case_fails(report, "depthwise: C = 3, F = 3, groups = 3")

    def db_per_group(dout, x, w, s, p, G):
        dx, dw, _ = nb12.solution_grouped_backward(dout, x, w, s, p, G)
        F = w.shape[0]
        return dx, dw, np.array([dout[:, g * (F // G):(g + 1) * (F // G)].sum() for g in range(G)])

    mistakes.named(nb12.check_grouped_backward(db_per_group), "db per group instead of per filter")

    def dw_transposed(dout, x, w, s, p, G):
        dx, _, db = nb12.solution_grouped_backward(dout, x, w, s, p, G)
        F, Cg, HH, WW = w.shape
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        dw = np.zeros((Cg, F, HH, WW))  # (channels, filters): the axes of w swapped
        for f in range(F):
            c0 = (f // (F // G)) * Cg
            for u in range(HH):
                for v in range(WW):
                    met = xpad[:, c0:c0 + Cg, u:u + s * (dout.shape[2] - 1) + 1:s, v:v + s * (dout.shape[3] - 1) + 1:s]
                    dw[:, f, u, v] = np.einsum("nij,ncij->c", dout[:, f], met)
        return dx, dw, db

    mistakes.named(nb12.check_grouped_backward(dw_transposed), "a transposed dw: (C/G, F, HH, WW)")

    def averaged(dout, x, w, s, p, G):
        dx, dw, db = nb12.solution_grouped_backward(dout, x, w, s, p, G)
        return dx, dw / len(x), db / len(x)

    mistakes.named(nb12.check_grouped_backward(averaged), "averaged over the batch instead of summed")


def test_cost_mistakes_are_named(mistakes):
    report = nb12.check_cost(lambda C, F, HH, WW, Ho, Wo, G: (F * C * HH * WW + F, F * Ho * Wo * C * HH * WW))
    mistakes.named(report, "counted as for a plain layer")
    mistakes.case_fails(report, "depthwise: C = F = 32, groups = 32, 5×5 kernel, 8×8 outputs: one channel per filter")
    mistakes.named(nb12.check_cost(lambda C, F, HH, WW, Ho, Wo, G: ((F // G) * (C // G) * HH * WW + F // G,
                                                           (F // G) * Ho * Wo * (C // G) * HH * WW)),
           "one group counted")
    mistakes.named(nb12.check_cost(lambda C, F, HH, WW, Ho, Wo, G: (F * (C // G) * HH * WW, F * Ho * Wo * (C // G) * HH * WW)),
           "the F biases left out")
    mistakes.named(nb12.check_cost(lambda C, F, HH, WW, Ho, Wo, G: (F * Ho * Wo * (C // G) * HH * WW, F * (C // G) * HH * WW + F)),
           "the pair in the wrong order")


def test_separable_kernel_mistakes_are_named(mistakes):
    def ignores_m(k, p, C):
        return p[:, :C, 0, 0][:, :, None, None] * k[:C, 0][None]

    report = nb12.check_separable_kernel(ignores_m)
    mistakes.named(report, "the multiplier M ignored")
    mistakes.case_fails(report, "C = 2, M = 2, F = 3")

    def interleaved(k, p, C):
        M = k.shape[0] // C
        w = np.zeros((p.shape[0], C, *k.shape[2:]))
        for f in range(p.shape[0]):
            for c in range(C):
                for m in range(M):
                    w[f, c] += p[f, c + m * C, 0, 0] * k[c + m * C, 0]  # filters c, c + C, …
        return w

    report = nb12.check_separable_kernel(interleaved)
    mistakes.named(report, "the depthwise filters of channel c taken as c, c + C")
    mistakes.case_fails(report, "C = 2, M = 2, F = 3, 3×3: depthwise filters 0, 1 read channel 0 (a block)")

    def channels_first(k, p, C):
        M = k.shape[0] // C
        return np.einsum("fcm,cmuv->cfuv", p[:, :, 0, 0].reshape(p.shape[0], C, M), k[:, 0].reshape(C, M, *k.shape[2:]))

    mistakes.named(nb12.check_separable_kernel(channels_first), "a transposed result: (C, F, HH, WW)")

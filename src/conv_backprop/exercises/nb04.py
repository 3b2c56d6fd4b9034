"""Exercises for ``notebooks/04-backward-dw-db.ipynb``: ∂L/∂w and ∂L/∂b.

dw[f, c, u, v] = Σ_n Σ_i Σ_j dout[n, f, i, j] · xpad[n, c, i·s + u·d, j·s + v·d]
db[f]          = Σ_n Σ_i Σ_j dout[n, f, i, j]
The batch is summed (not averaged): the loss of a batch is the sum of its items' losses.
Kernel taps are (u, v): u the row tap, v the column tap; b is the bias.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help
from ..conv import conv2d_backward_naive

__all__ = [
    "solution_db",
    "check_db",
    "solution_dw_entry",
    "check_dw_entry",
    "solution_conv_dw",
    "check_conv_dw",
    "solution_conv_backward",
    "check_conv_backward",
    "hint",
    "solution",
    "progress",
]


def _problem(rng, x_shape, w_shape, stride, padding, dilation):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    Ho = (x_shape[2] + 2 * padding - dilation * (w_shape[2] - 1) - 1) // stride + 1
    Wo = (x_shape[3] + 2 * padding - dilation * (w_shape[3] - 1) - 1) // stride + 1
    dout = rng.standard_normal((x_shape[0], w_shape[0], Ho, Wo))
    return dout, x, w


# (description, x_shape, w_shape, stride, padding, dilation)
_SETTINGS = [
    ("the CS231n post shapes: x (4, 3, 5, 5), w (2, 3, 3, 3), padding 1", (4, 3, 5, 5), (2, 3, 3, 3), 1, 1, 1),
    ("batch 3, stride 2 with a dropped row and column", (3, 2, 6, 6), (2, 2, 3, 3), 2, 0, 1),
    ("non-square kernel 2×3, 4 filters, padding 2", (2, 1, 5, 6), (4, 1, 2, 3), 1, 2, 1),
    ("dilation 2 and stride 2, padding 1", (2, 2, 7, 7), (3, 2, 3, 3), 2, 1, 2),
    ("stride 3 > kernel 2: inputs between windows never reach dw", (1, 2, 8, 8), (2, 2, 2, 2), 3, 0, 1),
]


# --------------------------------------------------------------------------- exercise 1


def solution_db(dout):
    """db (F,) from dout (N, F, H_out, W_out): every output of filter f adds b[f] once."""
    return dout.sum(axis=(0, 2, 3))


@checker
def check_db(learner) -> CheckReport:
    """Check ``learner(dout) -> db``."""
    rng = np.random.default_rng(5)
    cases = [
        Case("dout (4, 2, 5, 5) as in the CS231n post", (rng.standard_normal((4, 2, 5, 5)),)),
        Case("batch 3, 5 filters, non-square 2×4 output (sum over the batch, not the mean)",
             (rng.standard_normal((3, 5, 2, 4)),)),
        Case("one item, one filter, a 1×1 output", (rng.standard_normal((1, 1, 1, 1)),)),
        Case("batch 2, F 3 ≠ H_out 4 (sum over the right axes)", (rng.standard_normal((2, 3, 4, 4)),)),
    ]
    reference = lambda dout: conv2d_backward_naive(  # noqa: E731 — the naive loops' db
        dout, np.zeros((dout.shape[0], 1, dout.shape[2], dout.shape[3])),
        np.zeros((dout.shape[1], 1, 1, 1)))[2]
    mistakes = [
        Mistake("db averaged over the batch instead of summed (off by a factor of N): the batch's "
                "loss is the sum of its examples' losses", lambda dout: reference(dout) / dout.shape[0]),
        Mistake("db averaged over the positions too (a mean over N, H_out and W_out instead of a sum)",
                lambda dout: reference(dout) / (dout.shape[0] * dout.shape[2] * dout.shape[3])),
        Mistake("the sum taken over the wrong axes: keep axis 1 (the filters), sum over 0, 2 and 3",
                lambda dout: dout.sum(axis=(0, 1, 2))),
    ]
    return check_function("db", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_dw_entry(dout, x, f, c, u, v, stride, padding, dilation):
    """One entry dw[f, c, u, v]: every output of filter f pairs w[f, c, u, v] with one x value.

    dout (N, F, H_out, W_out), x (N, C, H, W) → float.
    """
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, F, H_out, W_out = dout.shape
    total = 0.0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                total += dout[n, f, i, j] * xpad[n, c, i * stride + u * dilation, j * stride + v * dilation]
    return total


def _case_key(dout, x, f, c, u, v):
    return (np.shape(dout), np.shape(x), f, c, u, v)


@checker
def check_dw_entry(learner) -> CheckReport:
    """Check ``learner(dout, x, f, c, u, v, stride, padding, dilation) -> float``."""
    rng = np.random.default_rng(6)
    cases, kernel_shapes = [], {}
    for (desc, xs, ws, s, p, d), (f, c, u, v) in zip(
        _SETTINGS, [(1, 2, 0, 0), (0, 1, 2, 1), (3, 0, 1, 2), (2, 1, 2, 2), (1, 0, 1, 1)]
    ):
        dout, x, w = _problem(rng, xs, ws, s, p, d)
        kernel_shapes[_case_key(dout, x, f, c, u, v)] = ws
        cases.append(Case(f"{desc}; entry dw[{f}, {c}, {u}, {v}]", (dout, x, f, c, u, v, s, p, d)))

    def reference(dout, x, f, c, u, v, s, p, d):
        # The naive loops' full dw (it needs the kernel's shape, which the case remembers; the
        # reference gets a copy of the case's arrays, so it is found by shapes and entry).
        w = np.zeros(kernel_shapes[_case_key(dout, x, f, c, u, v)])
        return conv2d_backward_naive(dout, x, w, s, p, d)[1][f, c, u, v]

    def averaged(dout, x, *rest):
        return reference(dout, x, *rest) / x.shape[0]

    def unpadded(dout, x, f, c, u, v, s, p, d):
        # x read without its padding ring: the rows shift by p (zeros where the ring was read)
        xshift = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))
        return solution_dw_entry(dout, xshift, f, c, u, v, s, 0, d)

    def first_example(dout, x, *rest):
        return solution_dw_entry(dout[:1], x[:1], *rest)

    mistakes = [
        Mistake("dw averaged over the batch instead of summed (off by a factor of N): the batch's "
                "loss is the sum of its examples' losses", averaged),
        Mistake("x read without its padding: output (i, j) meets xpad[n, c, i·s + u·d, j·s + v·d], "
                "in padded coordinates", unpadded),
        Mistake("only the first example of the batch summed: every example n adds its share", first_example),
        Mistake("the stride ignored: output (i, j) reads rows from i·s and columns from j·s on",
                lambda dout, x, f, c, u, v, s, p, d: solution_dw_entry(dout, x, f, c, u, v, 1, p, d)),
    ]
    return check_function("one entry of dw", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_conv_dw(dout, x, kernel_size, stride, padding, dilation):
    """dw (F, C, HH, WW) as a correlation of xpad with dout, summed over the batch.

    dout (N, F, H_out, W_out), x (N, C, H, W), kernel_size (HH, WW). For each tap (u, v) the
    x values it met form a strided slice of xpad of the shape of dout's spatial grid.
    """
    HH, WW = kernel_size
    N, F, H_out, W_out = dout.shape
    C = x.shape[1]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((F, C, HH, WW))
    for u in range(HH):
        for v in range(WW):
            r, c = u * dilation, v * dilation
            met = xpad[:, :, r : r + stride * (H_out - 1) + 1 : stride, c : c + stride * (W_out - 1) + 1 : stride]
            dw[:, :, u, v] = np.einsum("nfij,ncij->fc", dout, met)  # (N, C, H_out, W_out) · dout
    return dw


@checker
def check_conv_dw(learner) -> CheckReport:
    """Check ``learner(dout, x, kernel_size, stride, padding, dilation) -> dw``."""
    rng = np.random.default_rng(7)
    cases = []
    for desc, xs, ws, s, p, d in _SETTINGS:
        dout, x, w = _problem(rng, xs, ws, s, p, d)
        cases.append(Case(desc, (dout, x, ws[2:], s, p, d)))

    def reference(dout, x, kernel_size, s, p, d):
        w = np.zeros((dout.shape[1], x.shape[1], *kernel_size))
        return conv2d_backward_naive(dout, x, w, s, p, d)[1]

    mistakes = [
        Mistake("dw averaged over the batch instead of summed (off by a factor of N): the batch's "
                "loss is the sum of its examples' losses",
                lambda dout, x, *rest: reference(dout, x, *rest) / x.shape[0]),
        Mistake("dw rotated by 180° (the true-convolution convention of the NPTEL slides): with a "
                "cross-correlation forward pass, tap (u, v) meets xpad[n, c, i·s + u·d, j·s + v·d]",
                lambda *args: reference(*args)[:, :, ::-1, ::-1]),
    ]
    return check_function("dw", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_conv_backward(dout, x, w, stride, padding, dilation):
    """The whole backward pass in one loop nest: (dx, dw, db), scatter form.

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, HH, WW) →
    dx (N, C, H, W), dw (F, C, HH, WW), db (F,).
    """
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad = np.zeros(xpad.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    eh, ew = dilation * (HH - 1) + 1, dilation * (WW - 1) + 1
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + eh, dilation)
                    cols = slice(j * stride, j * stride + ew, dilation)
                    g = dout[n, f, i, j]
                    dxpad[n, :, rows, cols] += g * w[f]
                    dw[f] += g * xpad[n, :, rows, cols]
                    db[f] += g
    H, W = x.shape[2:]
    return dxpad[:, :, padding : padding + H, padding : padding + W], dw, db


@checker
def check_conv_backward(learner) -> CheckReport:
    """Check ``learner(dout, x, w, stride, padding, dilation) -> (dx, dw, db)``."""
    rng = np.random.default_rng(8)
    cases = [Case(desc, (*_problem(rng, xs, ws, s, p, d), s, p, d)) for desc, xs, ws, s, p, d in _SETTINGS]
    def averaged(dout, x, w, s, p, d):
        dx, dw, db = conv2d_backward_naive(dout, x, w, s, p, d)
        return dx, dw / x.shape[0], db / x.shape[0]

    def ring_kept(dout, x, w, s, p, d):
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        return conv2d_backward_naive(dout, xpad, w, s, 0, d)

    def assigned(dout, x, w, s, p, d):
        dx, dw, db = conv2d_backward_naive(dout, x, w, s, p, d)
        N, F, Ho, Wo = dout.shape
        HH, WW = w.shape[2:]
        dxpad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * p, x.shape[3] + 2 * p))
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        rows = slice(i * s, i * s + d * (HH - 1) + 1, d)
                        cols = slice(j * s, j * s + d * (WW - 1) + 1, d)
                        dxpad[n, :, rows, cols] = dout[n, f, i, j] * w[f]
        return dxpad[:, :, p : p + x.shape[2], p : p + x.shape[3]], dw, db

    mistakes = [
        Mistake("averaged over the batch instead of summed (off by a factor of N): the batch's loss "
                "is the sum of its examples' losses", averaged),
        Mistake("the padding ring not discarded: dx has the shape of x", ring_kept),
        Mistake("`=` instead of `+=` for dx: overlapping windows (and several filters) each add "
                "their share to the same input", assigned),
    ]
    return check_function("backward pass", learner, conv2d_backward_naive, cases, names=("dx", "dw", "db"),
                          mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "db": (
        "The bias b[f] is added once to every output of filter f: every example n and every "
        "position (i, j). What does each of those outputs send back to b[f]?",
        "Each output sends its dout unchanged (∂out/∂b[f] = 1). So db[f] adds dout[n, f, i, j] "
        "over n, i and j. Sum over the batch: do not average it.",
        "return dout.sum(axis=(0, 2, 3))",
    ),
    "dw_entry": (
        "w[f, c, u, v] is used by every output of filter f, in every example. Which x value does "
        "it meet at output (n, f, i, j)?",
        "At output (n, f, i, j) it meets xpad[n, c, i·s + u·d, j·s + v·d] (pad x first). So "
        "dw[f, c, u, v] adds dout[n, f, i, j] times that value over n, i, j.",
        "xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))); total = sum of "
        "dout[n, f, i, j] * xpad[n, c, i*s + u*d, j*s + v*d] over n, i, j; return total",
    ),
    "conv_dw": (
        "Do the previous exercise for every (f, c, u, v), or better: for one tap (u, v), which x "
        "values did all the outputs meet?",
        "For tap (u, v) they form a strided slice of xpad: rows u·d, u·d + s, …, H_out of them, and "
        "likewise for columns. Pair that slice with dout and sum over n, i, j.",
        "met = xpad[:, :, u*d : u*d + s*(H_out - 1) + 1 : s, v*d : v*d + s*(W_out - 1) + 1 : s]; "
        "dw[:, :, u, v] = np.einsum('nfij,ncij->fc', dout, met)",
    ),
    "conv_backward": (
        "Loop over every output (n, f, i, j) once, and let it send gradient to all three: the "
        "window of x it read, the filter it used, and the bias.",
        "Output (n, f, i, j) adds dout·w[f] to the window of dxpad it read, dout·(that window of "
        "xpad) to dw[f], and dout to db[f]. Use += everywhere, then crop the padding off dxpad.",
        "g = dout[n, f, i, j]; dxpad[n, :, rows, cols] += g * w[f]; dw[f] += g * xpad[n, :, rows, cols]; "
        "db[f] += g, with rows = slice(i*s, i*s + d*(HH-1) + 1, d) and cols likewise; "
        "return dxpad[:, :, p:p+H, p:p+W], dw, db",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Exercises for ``notebooks/04-backward-dw-db.ipynb``: ∂L/∂w and ∂L/∂b.

dw[f, c, a, b] = Σ_n Σ_i Σ_j dout[n, f, i, j] · xpad[n, c, i·s + a·d, j·s + b·d]
db[f]          = Σ_n Σ_i Σ_j dout[n, f, i, j]
The batch is summed (not averaged): the loss of a batch is the sum of its items' losses.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, check_function, checker
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
    return check_function("db", learner, reference, cases)


# --------------------------------------------------------------------------- exercise 2


def solution_dw_entry(dout, x, f, c, a, b, stride, padding, dilation):
    """One entry dw[f, c, a, b]: every output of filter f pairs w[f, c, a, b] with one x value.

    dout (N, F, H_out, W_out), x (N, C, H, W) → float.
    """
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, F, H_out, W_out = dout.shape
    total = 0.0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                total += dout[n, f, i, j] * xpad[n, c, i * stride + a * dilation, j * stride + b * dilation]
    return total


def _case_key(dout, x, f, c, a, b):
    return (np.shape(dout), np.shape(x), f, c, a, b)


@checker
def check_dw_entry(learner) -> CheckReport:
    """Check ``learner(dout, x, f, c, a, b, stride, padding, dilation) -> float``."""
    rng = np.random.default_rng(6)
    cases, kernel_shapes = [], {}
    for (desc, xs, ws, s, p, d), (f, c, a, b) in zip(
        _SETTINGS, [(1, 2, 0, 0), (0, 1, 2, 1), (3, 0, 1, 2), (2, 1, 2, 2), (1, 0, 1, 1)]
    ):
        dout, x, w = _problem(rng, xs, ws, s, p, d)
        kernel_shapes[_case_key(dout, x, f, c, a, b)] = ws
        cases.append(Case(f"{desc}; entry dw[{f}, {c}, {a}, {b}]", (dout, x, f, c, a, b, s, p, d)))

    def reference(dout, x, f, c, a, b, s, p, d):
        # The naive loops' full dw (it needs the kernel's shape, which the case remembers; the
        # reference gets a copy of the case's arrays, so it is found by shapes and entry).
        w = np.zeros(kernel_shapes[_case_key(dout, x, f, c, a, b)])
        return conv2d_backward_naive(dout, x, w, s, p, d)[1][f, c, a, b]

    return check_function("one entry of dw", learner, reference, cases)


# --------------------------------------------------------------------------- exercise 3


def solution_conv_dw(dout, x, kernel_size, stride, padding, dilation):
    """dw (F, C, HH, WW) as a correlation of xpad with dout, summed over the batch.

    dout (N, F, H_out, W_out), x (N, C, H, W), kernel_size (HH, WW). For each tap (a, b) the
    x values it met form a strided slice of xpad of the shape of dout's spatial grid.
    """
    HH, WW = kernel_size
    N, F, H_out, W_out = dout.shape
    C = x.shape[1]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((F, C, HH, WW))
    for a in range(HH):
        for b in range(WW):
            r, c = a * dilation, b * dilation
            met = xpad[:, :, r : r + stride * (H_out - 1) + 1 : stride, c : c + stride * (W_out - 1) + 1 : stride]
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, met)  # (N, C, H_out, W_out) · dout
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

    return check_function("dw", learner, reference, cases)


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
    return check_function("backward pass", learner, conv2d_backward_naive, cases, names=("dx", "dw", "db"))

"""Exercises of ``notebooks/06-vectorising-im2col.ipynb``: reference solutions and checkers.

Each ``check_*`` function runs the learner's function on hidden cases (stride 2, padding,
overlap, non-square kernels, several channels, batch > 1) and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`.

Column layout (the package's): ``cols[(c·HH + a)·WW + b, (n·H_out + i)·W_out + j] =
xpad[n, c, i·s + a, j·s + b]``; cols has shape (C·HH·WW, N·H_out·W_out).
"""

from __future__ import annotations

import numpy as np

from .. import conv as _conv
from ..im2col import col2im as _col2im
from ..im2col import im2col as _im2col
from .checking import Case, CheckReport, check_function, checker, int_pair

__all__ = [
    "solution_im2col_position",
    "check_im2col_position",
    "solution_im2col",
    "check_im2col",
    "solution_col2im",
    "check_col2im",
    "solution_conv_backward_matmul",
    "check_conv_backward_matmul",
    "solution_coverage",
    "check_coverage",
]


def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


# --------------------------------------------------------------------------- exercise 1


def solution_im2col_position(n, c, i, j, a, b, C, HH, WW, H_out, W_out):
    """Where ``xpad[n, c, i·s + a, j·s + b]`` (window (i, j), tap (a, b)) sits in ``cols``.

    Returns ``(row, col)`` with ``row = (c·HH + a)·WW + b`` and ``col = (n·H_out + i)·W_out + j``.
    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    return ((c * HH + a) * WW + b, (n * H_out + i) * W_out + j)


def _im2col_position_reference(n, c, i, j, a, b, C, HH, WW, H_out, W_out):
    """Find the entry by search: im2col of an input whose entries are their own flat index."""
    N = n + 1
    H, W = H_out + HH - 1, W_out + WW - 1  # stride 1, no padding
    x = np.arange(N * C * H * W, dtype=float).reshape(N, C, H, W)
    cols = _im2col(x, (HH, WW))
    target = x[n, c, i + a, j + b]
    rows, col_idx = np.nonzero(cols == target)
    for r, k in zip(rows, col_idx):
        # the same input entry appears in several windows; pick window (i, j) of example n
        if k == (n * H_out + i) * W_out + j:
            return (int(r), int(k))
    raise AssertionError("reference search failed")  # pragma: no cover


@checker
def check_im2col_position(learner) -> CheckReport:
    """Check ``learner(n, c, i, j, a, b, C, HH, WW, H_out, W_out) -> (row, col)``."""
    cases = [
        Case("first window, first tap", (0, 0, 0, 0, 0, 0, 1, 3, 3, 4, 4)),
        Case("one channel, window (1, 2), tap (2, 0)", (0, 0, 1, 2, 2, 0, 1, 3, 3, 4, 4)),
        Case("channel 2 of 3: rows skip whole kernels", (0, 2, 0, 1, 1, 1, 3, 2, 2, 3, 3)),
        Case("example 1 of a batch: columns skip whole images", (1, 0, 2, 0, 0, 1, 2, 3, 3, 3, 5)),
        Case("non-square 2×4 kernel, non-square output", (2, 1, 1, 3, 1, 2, 2, 2, 4, 3, 5)),
    ]
    return check_function("Exercise 1: where an entry lands in cols", learner,
                          _im2col_position_reference, cases)


# --------------------------------------------------------------------------- exercise 2


def solution_im2col(x, kernel_size, stride, padding):
    """im2col with loops: x (N, C, H, W) → cols (C·HH·WW, N·H_out·W_out), dilation 1.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = _out(H, kh, sh, ph), _out(W, kw, sw, pw)
    cols = np.zeros((C * kh * kw, N * Ho * Wo))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                window = xpad[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (C, kh, kw)
                cols[:, (n * Ho + i) * Wo + j] = window.ravel()  # ravel order is (c, a, b)
    return cols


def _x_cases(rng):
    return [
        ("3×3 kernel, stride 1, one channel", (1, 1, 4, 5), 3, 1, 0),
        ("padding 1", (1, 1, 4, 4), 3, 1, 1),
        ("stride 2 on 6×6: the last row is dropped", (1, 1, 6, 6), 3, 2, 0),
        ("non-square 2×3 kernel, stride (2, 1), padding (1, 0)", (1, 2, 5, 6), (2, 3), (2, 1), (1, 0)),
        ("batch 2, 3 channels", (2, 3, 5, 4), 2, 1, 1),
        ("batch 3, stride 3, padding 2", (3, 2, 7, 7), 3, 3, 2),
    ]


@checker
def check_im2col(learner) -> CheckReport:
    """Check ``learner(x, kernel_size, stride, padding) -> cols`` against :func:`conv_backprop.im2col`."""
    rng = np.random.default_rng(601)
    cases = [Case(d, (rng.normal(size=s), k, st, p)) for d, s, k, st, p in _x_cases(rng)]
    return check_function("Exercise 2: im2col", learner, _im2col, cases)


# --------------------------------------------------------------------------- exercise 3


def solution_col2im(cols, x_shape, kernel_size, stride, padding):
    """col2im with loops: add each column back onto its window, then drop the padding ring.

    cols : (C·HH·WW, N·H_out·W_out); x_shape : (N, C, H, W). Returns (N, C, H, W).
    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    cols = np.asarray(cols, dtype=float)
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)
    Ho, Wo = _out(H, kh, sh, ph), _out(W, kw, sw, pw)
    xpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, kh, kw)
                xpad[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += col  # += : windows overlap
    return xpad[:, :, ph : ph + H, pw : pw + W]


@checker
def check_col2im(learner) -> CheckReport:
    """Check ``learner(cols, x_shape, kernel_size, stride, padding)`` against :func:`conv_backprop.col2im`."""
    rng = np.random.default_rng(602)
    cases = []
    for d, s, k, st, p in _x_cases(rng):
        kh, kw = int_pair(k)
        rows = s[1] * kh * kw
        ncols = s[0] * _out(s[2], kh, int_pair(st)[0], int_pair(p)[0]) * _out(s[3], kw, int_pair(st)[1], int_pair(p)[1])
        cases.append(Case(d, (rng.normal(size=(rows, ncols)), s, k, st, p)))
    return check_function("Exercise 3: col2im", learner, _col2im, cases)


# --------------------------------------------------------------------------- exercise 4


def solution_conv_backward_matmul(dout, x, w, stride, padding):
    """(dx, dw, db) with matrix products: ``dw = D colsᵀ``, ``dx = col2im(w_matᵀ D)``, ``db = Σ D``.

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, HH, WW) →
    dx (N, C, H, W), dw (F, C, HH, WW), db (F,).
    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    F = w.shape[0]
    cols = solution_im2col(x, w.shape[2:], stride, padding)  # (C·HH·WW, N·Ho·Wo)
    D = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N·Ho·Wo), same column order as cols
    dw = (D @ cols.T).reshape(w.shape)
    dx = solution_col2im(w.reshape(F, -1).T @ D, x.shape, w.shape[2:], stride, padding)
    return dx, dw, D.sum(axis=1)


@checker
def check_conv_backward_matmul(learner) -> CheckReport:
    """Check ``learner(dout, x, w, stride, padding) -> (dx, dw, db)`` against the naive loops."""
    rng = np.random.default_rng(603)

    def case(desc, x_shape, w_shape, s, p):
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
        out = _conv.conv2d_forward(x, w, np.zeros(w_shape[0]), s, p)
        return Case(desc, (rng.normal(size=out.shape), x, w, s, p))

    cases = [
        case("one channel, stride 1", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
        case("3 channels, 2 filters, padding 1 (the CS231n post's layer, smaller batch)", (2, 3, 5, 5), (2, 3, 3, 3), 1, 1),
        case("stride 2 on 6×6: a dropped row", (1, 2, 6, 6), (3, 2, 3, 3), 2, 0),
        case("non-square 2×3 kernel, stride (1, 2), padding (1, 1)", (2, 2, 5, 7), (2, 2, 2, 3), (1, 2), (1, 1)),
        case("batch 3, stride 3, padding 2", (3, 1, 7, 6), (2, 1, 3, 2), 3, 2),
    ]
    return check_function("Exercise 4: the backward pass as matrix products", learner,
                          lambda d, x, w, s, p: _conv.conv2d_backward_naive(d, x, w, s, p), cases,
                          names=("dx", "dw", "db"))


# --------------------------------------------------------------------------- exercise 5


def solution_coverage(x_shape, kernel_size, stride, padding):
    """How many windows cover each input entry: (N, C, H, W) array of counts.

    Along one axis entry q is in window i when ``i·s ≤ q + p ≤ i·s + k − 1``; the 2-D count is the
    product of the two axis counts. Equals ``col2im(im2col(ones))``.
    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)

    def axis_counts(size, k, s, p):
        n_out = _out(size, k, s, p)
        return np.array([sum(1 for i in range(n_out) if i * s <= q + p <= i * s + k - 1)
                         for q in range(size)], dtype=float)

    grid = np.outer(axis_counts(H, kh, sh, ph), axis_counts(W, kw, sw, pw))
    return np.broadcast_to(grid, (N, C, H, W)).copy()


def _coverage_reference(x_shape, kernel_size, stride, padding):
    """Brute force: mark every window of every output position and count."""
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)
    counts = np.zeros((H + 2 * ph, W + 2 * pw))
    for i in range(_out(H, kh, sh, ph)):
        for j in range(_out(W, kw, sw, pw)):
            counts[i * sh : i * sh + kh, j * sw : j * sw + kw] += 1
    return np.broadcast_to(counts[ph : ph + H, pw : pw + W], (N, C, H, W)).copy()


@checker
def check_coverage(learner) -> CheckReport:
    """Check ``learner(x_shape, kernel_size, stride, padding) -> counts (N, C, H, W)``."""
    cases = [
        Case("3×3 kernel, stride 1 on 5×5", ((1, 1, 5, 5), 3, 1, 0)),
        Case("kernel = stride = 2 on 4×4: every entry once", ((1, 1, 4, 4), 2, 2, 0)),
        Case("stride 2 on 6×6: the last row and column are in no window", ((1, 1, 6, 6), 3, 2, 0)),
        Case("padding 1, stride 1", ((1, 1, 4, 4), 3, 1, 1)),
        Case("non-square 2×3 kernel, stride (1, 2), batch 2, 2 channels", ((2, 2, 5, 7), (2, 3), (1, 2), 0)),
        Case("stride 3 > kernel 2: gaps between windows", ((1, 1, 8, 8), 2, 3, 0)),
    ]
    return check_function("Exercise 5: how many windows cover each entry", learner,
                          _coverage_reference, cases)

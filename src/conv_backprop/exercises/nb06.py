"""Exercises of ``notebooks/06-vectorising-im2col.ipynb``: reference solutions and checkers.

Each ``check_*`` function runs the learner's function on hidden cases (stride 2, padding,
overlap, non-square kernels, several channels, batch > 1) and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`.

Column layout (the package's): ``cols[(c·HH + u)·WW + v, (n·H_out + i)·W_out + j] =
xpad[n, c, i·s + u, j·s + v]``; cols has shape (C·HH·WW, N·H_out·W_out). Kernel taps are
(u, v): u the row tap, v the column tap.
"""

from __future__ import annotations

import numpy as np

from .. import conv as _conv
from ..im2col import col2im as _col2im
from ..im2col import im2col as _im2col
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help, int_pair

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
    "hint",
    "solution",
    "progress",
]


def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


# --------------------------------------------------------------------------- exercise 1


def solution_im2col_position(n, c, i, j, u, v, C, HH, WW, H_out, W_out):
    """Where ``xpad[n, c, i·s + u, j·s + v]`` (window (i, j), tap (u, v)) sits in ``cols``.

    Returns ``(row, col)`` with ``row = (c·HH + u)·WW + v`` and ``col = (n·H_out + i)·W_out + j``.
    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    return ((c * HH + u) * WW + v, (n * H_out + i) * W_out + j)


def _im2col_position_reference(n, c, i, j, u, v, C, HH, WW, H_out, W_out):
    """Find the entry by search: im2col of an input whose entries are their own flat index."""
    N = n + 1
    H, W = H_out + HH - 1, W_out + WW - 1  # stride 1, no padding
    x = np.arange(N * C * H * W, dtype=float).reshape(N, C, H, W)
    cols = _im2col(x, (HH, WW))
    target = x[n, c, i + u, j + v]
    rows, col_idx = np.nonzero(cols == target)
    for r, k in zip(rows, col_idx):
        # the same input entry appears in several windows; pick window (i, j) of example n
        if k == (n * H_out + i) * W_out + j:
            return (int(r), int(k))
    raise AssertionError("reference search failed")  # pragma: no cover


@checker
def check_im2col_position(learner) -> CheckReport:
    """Check ``learner(n, c, i, j, u, v, C, HH, WW, H_out, W_out) -> (row, col)``.

    Each case fails a wrong answer its title names (tests/test_diagnosis.py checks that): 0-based
    indices; row-major taps and windows; whole kernels per channel, in (c, u, v) order; whole
    images per example; WW and W_out (not HH and H_out) as the row lengths.
    """
    cases = [
        Case("first window, first tap: row 0, column 0 (0-based)", (0, 0, 0, 0, 0, 0, 1, 3, 3, 4, 4)),
        Case("one channel, window (1, 2), tap (2, 0): taps and windows in row-major order",
             (0, 0, 1, 2, 2, 0, 1, 3, 3, 4, 4)),
        Case("channel 2 of 3, tap (0, 1) of a 2×3 kernel: rows skip whole kernels, in (c, u, v) order",
             (0, 2, 0, 1, 0, 1, 3, 2, 3, 3, 3)),
        Case("example 1 of a batch: columns skip whole images", (1, 0, 2, 0, 0, 1, 2, 3, 3, 3, 5)),
        Case("non-square 2×4 kernel, non-square 3×5 output: rows of WW taps, rows of W_out windows",
             (2, 1, 1, 3, 1, 2, 2, 2, 4, 3, 5)),
    ]
    mistakes = [
        Mistake("im2col rows in (u, v, c) order (the im2col post's NHWC order): here a row is "
                "(c·HH + u)·WW + v, whole kernels channel after channel",
                lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((u * WW + v) * C + c, (n * Ho + i) * Wo + j)),
        Mistake("1-based indices: rows and columns of cols count from 0",
                lambda *a: tuple(k + 1 for k in solution_im2col_position(*a))),
        Mistake("the example n left out of the column: each example's windows come after all "
                "the windows of the examples before it",
                lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * HH + u) * WW + v, i * Wo + j)),
        Mistake("HH and WW (or H_out and W_out) swapped: a row of taps is WW long, a row of windows W_out",
                lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * WW + u) * HH + v, (n * Wo + i) * Ho + j)),
        Mistake("column-major order (u + v·HH, i + j·H_out): numpy's ravel is row-major",
                lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * WW + v) * HH + u, (n * Wo + j) * Ho + i)),
    ]
    return check_function("Exercise 1: where an entry lands in cols", learner,
                          _im2col_position_reference, cases, mistakes=mistakes)


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
                cols[:, (n * Ho + i) * Wo + j] = window.ravel()  # ravel order is (c, u, v)
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

    def uvc(x, k, st, p):
        cols = _im2col(x, k, st, p)
        C = x.shape[1]
        kh, kw = int_pair(k)
        return cols.reshape(C, kh, kw, -1).transpose(1, 2, 0, 3).reshape(C * kh * kw, -1)

    def ijn(x, k, st, p):
        cols = _im2col(x, k, st, p)
        N = x.shape[0]
        return cols.reshape(cols.shape[0], N, -1).transpose(0, 2, 1).reshape(cols.shape[0], -1)

    mistakes = [
        Mistake("im2col rows in the wrong order: (u, v, c) (the im2col post's NHWC order) instead "
                "of (c, u, v); ravel each window of shape (C, HH, WW) as it is", uvc),
        Mistake("a transposed result: cols has one row per (c, u, v), C·HH·WW rows, and one "
                "column per window, N·H_out·W_out columns", lambda *a: _im2col(*a).T),
        Mistake("columns in (i, j, n) order: the column of window (i, j) of example n is "
                "(n·H_out + i)·W_out + j, examples first", ijn),
        Mistake("the padding ignored: pad x before cutting out the windows",
                lambda x, k, st, p: _im2col(x, k, st, 0)),
    ]
    return check_function("Exercise 2: im2col", learner, _im2col, cases, mistakes=mistakes)


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

    def assign(cols, x_shape, k, st, p):
        N, C, H, W = x_shape
        (kh, kw), (sh, sw), (ph, pw) = int_pair(k), int_pair(st), int_pair(p)
        Ho, Wo = _out(H, kh, sh, ph), _out(W, kw, sw, pw)
        xpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    xpad[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw] = \
                        cols[:, (n * Ho + i) * Wo + j].reshape(C, kh, kw)
        return xpad[:, :, ph : ph + H, pw : pw + W]

    def ring_kept(cols, x_shape, k, st, p):
        N, C, H, W = x_shape
        (ph, pw) = int_pair(p)
        # the padded grid with padding 0 has the same windows
        return _col2im(cols, (N, C, H + 2 * ph, W + 2 * pw), k, st, 0)

    mistakes = [
        Mistake("`=` instead of `+=`: where windows overlap, an entry must collect every "
                "window's share", assign),
        Mistake("the padding ring not discarded: the result has the shape of x", ring_kept),
    ]
    return check_function("Exercise 3: col2im", learner, _col2im, cases, mistakes=mistakes)


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
    def reference(d, x, w, s, p):
        return _conv.conv2d_backward_naive(d, x, w, s, p)

    def averaged(d, x, w, s, p):
        dx, dw, db = reference(d, x, w, s, p)
        return dx, dw / x.shape[0], db / x.shape[0]

    def rotated(d, x, w, s, p):
        dx, dw, db = reference(d, x, w, s, p)
        return reference(d, x, w[:, :, ::-1, ::-1], s, p)[0], dw, db

    mistakes = [
        Mistake("averaged over the batch instead of summed (off by a factor of N): the batch's loss "
                "is the sum of its examples' losses", averaged),
        Mistake("the kernel rotated for dx: with im2col, dx = col2im(w_matᵀ · D), the kernel "
                "as it is; the rotation is only needed in the flipped-kernel form", rotated),
    ]
    return check_function("Exercise 4: the backward pass as matrix products", learner,
                          reference, cases, names=("dx", "dw", "db"), mistakes=mistakes)


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
    def ring_kept(x_shape, k, st, p):
        N, C, H, W = x_shape
        (ph, pw) = int_pair(p)
        return _coverage_reference((N, C, H + 2 * ph, W + 2 * pw), k, st, 0)

    mistakes = [
        Mistake("the padding ring not discarded: the counts have the shape of x", ring_kept),
        Mistake("the windows counted as if the stride were 1",
                lambda x_shape, k, st, p: _coverage_reference(x_shape, k, 1, p)),
    ]
    return check_function("Exercise 5: how many windows cover each entry", learner,
                          _coverage_reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "im2col_position": (
        "cols has one row per (channel, tap) and one column per (example, window). Count, in "
        "row-major order, how many rows come before (c, u, v) and how many columns before (n, i, j).",
        "Before channel c come c whole kernels of HH·WW rows; inside it, u rows of WW taps, then v. "
        "Before example n come n whole images of H_out·W_out windows; then i rows of W_out, then j.",
        "return ((c*HH + u)*WW + v, (n*H_out + i)*W_out + j)",
    ),
    "im2col": (
        "Pad x, then visit every window (n, i, j) and write its C×HH×WW values as one column.",
        "Window (i, j) of example n is xpad[n, :, i*s : i*s + HH, j*s : j*s + WW]; ravel() flattens it "
        "in (c, u, v) order, the row order of cols. Its column is (n*H_out + i)*W_out + j.",
        "cols = zeros((C*kh*kw, N*Ho*Wo)); for n, i, j: cols[:, (n*Ho + i)*Wo + j] = "
        "xpad[n, :, i*sh:i*sh + kh, j*sw:j*sw + kw].ravel(); return cols",
    ),
    "col2im": (
        "col2im undoes the bookkeeping of im2col, but adds: every column goes back onto its "
        "window, and windows that overlap add up.",
        "Start from zeros of the padded shape; for each (n, i, j), reshape column "
        "(n*H_out + i)*W_out + j to (C, HH, WW) and add (+=) it onto its window. Drop the ring at the end.",
        "xpad[n, :, i*sh:i*sh + kh, j*sw:j*sw + kw] += cols[:, (n*Ho + i)*Wo + j].reshape(C, kh, kw); "
        "return xpad[:, :, ph:ph + H, pw:pw + W]",
    ),
    "conv_backward_matmul": (
        "The forward pass is out = w_mat @ cols, with w_mat = w.reshape(F, −1). Differentiate "
        "a matrix product: each factor's gradient is dout times the other one, transposed.",
        "Reshape dout to D of shape (F, N·H_out·W_out), columns in the order of cols: "
        "dout.transpose(1, 0, 2, 3).reshape(F, −1). Then dw = D @ colsᵀ and dcols = w_matᵀ @ D.",
        "dw = (D @ cols.T).reshape(w.shape); dx = my_col2im(w.reshape(F, -1).T @ D, x.shape, "
        "w.shape[2:], stride, padding); db = D.sum(axis=1)",
    ),
    "coverage": (
        "col2im of im2col of ones counts, for every entry, the windows that hold it. Can you "
        "count along one axis first?",
        "Along one axis, entry q is in window i when i·s ≤ q + p ≤ i·s + k − 1. The 2-D count is the "
        "product of the row count and the column count.",
        "count(q) = sum(1 for i in range(n_out) if i*s <= q + p <= i*s + k - 1) per axis; "
        "grid = np.outer(row_counts, col_counts); return np.broadcast_to(grid, (N, C, H, W)).copy()",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

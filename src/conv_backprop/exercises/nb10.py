"""Exercises of ``notebooks/10-errata-and-pitfalls.ipynb``: reference solutions and checkers.

Each exercise is the *fixed* version of a classic bug; each checker runs hidden cases chosen so
that the buggy version fails (a stride that does not divide, ceil vs floor, batch > 1, stride 2,
non-symmetric kernels) and returns a :class:`~conv_backprop.exercises.checking.CheckReport`.

(The output size with floor, once exercise 2 here, is notebook 01's first exercise: ``nb01``.)
"""

from __future__ import annotations

import numpy as np

from .. import conv as _conv
from ..indices import stackexchange_bounds_corrected as _bounds_corrected
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help

__all__ = [
    "solution_stackexchange_bounds",
    "check_stackexchange_bounds",
    "solution_dw_batch",
    "check_dw_batch",
    "solution_im2col_post_backward",
    "check_im2col_post_backward",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- exercise 1


def solution_stackexchange_bounds(p, f_r, s, n_out):
    """The StackExchange question's bounds, corrected (1-based, no padding): the outputs ``i`` that input row ``p``
    reaches satisfy ``1 ≤ p − (i − 1)·s ≤ f_r`` and ``1 ≤ i ≤ n_out``.

    Returns ``(i_lower, i_upper)`` with ``i_lower = max(1, ⌈(p − f_r)/s⌉ + 1)`` and
    ``i_upper = min(n_out, ⌊(p − 1)/s⌋ + 1)``; ``i_lower > i_upper`` means no output.
    Derived in ``notebooks/10-errata-and-pitfalls.ipynb`` (and notebook 03).
    """
    lower = -(-(p - f_r) // s) + 1  # ceil((p − f_r) / s) + 1 in integer arithmetic
    upper = (p - 1) // s + 1
    return (max(1, lower), min(n_out, upper))


@checker
def check_stackexchange_bounds(learner) -> CheckReport:
    """Check ``learner(p, f_r, s, n_out) -> (i_lower, i_upper)`` against the corrected bounds."""
    cases = [
        Case("s = 1: floor and ceiling agree", (3, 3, 1, 5)),
        Case("s = 2, f_r = 3, p = 6: only i = 3 (the published floor also admits i = 2)", (6, 3, 2, 4)),
        Case("s = 2, f_r = 3, p = 1: the first row, clamp to i ≥ 1", (1, 3, 2, 4)),
        Case("s = 3, f_r = 2, p = 3: falls between windows, i_lower > i_upper", (3, 2, 3, 3)),
        Case("s = 2, f_r = 3, p = 9 with n_out = 4: clamp to i ≤ n_out", (9, 3, 2, 4)),
        Case("s = 3, f_r = 5, p = 7", (7, 5, 3, 4)),
    ]
    def published(p, f_r, s, n_out):
        lo, hi = (p - f_r) // s + 1, (p - 1) // s + 1
        return (max(1, lo), min(n_out, hi))

    def unclamped(p, f_r, s, n_out):
        return (-(-(p - f_r) // s) + 1, (p - 1) // s + 1)

    mistakes = [
        Mistake("a floor where a ceiling is needed for the lower bound (the published formula): "
                "i − 1 ≥ (p − f_r)/s holds from the ceiling of (p − f_r)/s on", published),
        Mistake("the bounds not clamped to the outputs that exist, 1 … n_out", unclamped),
    ]
    return check_function("Exercise 1: the StackExchange question's bounds, corrected", learner,
                          _bounds_corrected, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_dw_batch(dout, x, w_shape, stride, padding):
    """dw for a whole batch: the **sum** over examples (never the mean), with loops.

    dout (N, F, H_out, W_out), x (N, C, H, W), w_shape (F, C, HH, WW) → dw (F, C, HH, WW).
    Derived in ``notebooks/04-backward-dw-db.ipynb``; the averaging pitfall in notebook 10.
    """
    dout, x = np.asarray(dout, dtype=float), np.asarray(x, dtype=float)
    F, C, HH, WW = w_shape
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dw = np.zeros(w_shape)
    N, _, Ho, Wo = dout.shape
    for u in range(HH):
        for v in range(WW):
            patch = xpad[:, :, u : u + sh * (Ho - 1) + 1 : sh, v : v + sw * (Wo - 1) + 1 : sw]
            dw[:, :, u, v] = np.einsum("nfij,ncij->fc", dout, patch)  # sums over n, i, j
    return dw


@checker
def check_dw_batch(learner) -> CheckReport:
    """Check ``learner(dout, x, w_shape, stride, padding) -> dw`` against the naive loops."""
    rng = np.random.default_rng(1001)

    def case(desc, x_shape, w_shape, s, p):
        x = rng.normal(size=x_shape)
        out_shape = _conv.conv2d_forward(x, np.zeros(w_shape), np.zeros(w_shape[0]), s, p).shape
        return Case(desc, (rng.normal(size=out_shape), x, w_shape, s, p))

    cases = [
        case("batch 1 (sum and mean agree here)", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
        case("batch 4, the CS231n post's layer (3 channels, 2 filters, padding 1)", (4, 3, 5, 5), (2, 3, 3, 3), 1, 1),
        case("batch 3, stride 2 on 6×6", (3, 2, 6, 6), (2, 2, 3, 3), 2, 0),
        case("batch 2, non-square kernel, stride (1, 2), padding (1, 0)", (2, 2, 5, 7), (3, 2, 2, 3), (1, 2), (1, 0)),
    ]

    def reference(dout, x, w_shape, s, p):
        return _conv.conv2d_backward_naive(dout, x, np.zeros(w_shape), s, p)[1]

    mistakes = [
        Mistake("dw averaged over the batch instead of summed (off by a factor of N): the batch's "
                "loss is the sum of its examples' losses",
                lambda dout, x, *rest: reference(dout, x, *rest) / x.shape[0]),
    ]
    return check_function("Exercise 2: dw over a batch", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_im2col_post_backward(dz, x, w, ker_shape, stride, padding):
    """The im2col post's backward pass with every erratum fixed, in its own NHWC layout.

    dz (B, H_out, W_out, F), x (B, H, W, C) unpadded, w (F, kh·kw·C) with each row ordered
    (u, v, c) (the post's own NHWC order; u, v the kernel's row and column taps). Returns ``(wgrad (F, kh·kw·C), dx (B, H, W, C))``. Requires ``padding ≤ k − 1``.
    Derived in ``notebooks/06-vectorising-im2col.ipynb``; summarised in notebook 10.
    """
    dz, x, w = (np.asarray(a, dtype=float) for a in (dz, x, w))
    B, H, W, C = x.shape
    kh, kw = ker_shape
    _, Ho, Wo, F = dz.shape
    s, p = stride, padding
    xpad = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))  # fix: use the padded x
    w4 = w.reshape(F, kh, kw, C)
    wgrad = np.zeros_like(w4)
    for u in range(kh):
        for v in range(kw):
            patch = xpad[:, u : u + s * (Ho - 1) + 1 : s, v : v + s * (Wo - 1) + 1 : s, :]
            wgrad[:, u, v, :] = np.einsum("bijf,bijc->fc", dz, patch)  # summed over the batch
    # dx: zero-insert (fix), pad by k − 1 − p (+ unused rows), correlate with the rotated kernel (fix)
    dzz = np.zeros((B, H + kh - 1, W + kw - 1, F))
    dzz[:, kh - 1 - p : kh - 1 - p + s * (Ho - 1) + 1 : s, kw - 1 - p : kw - 1 - p + s * (Wo - 1) + 1 : s] = dz
    w_rot = w4[:, ::-1, ::-1, :]
    dx = np.zeros((B, H, W, C))
    for u in range(kh):
        for v in range(kw):
            dx += np.einsum("bijf,fc->bijc", dzz[:, u : u + H, v : v + W, :], w_rot[:, u, v, :])
    return wgrad.reshape(F, -1), dx


def _im2col_post_reference(dz, x, w, ker_shape, stride, padding):
    kh, kw = ker_shape
    F, C = w.shape[0], x.shape[3]
    w_nchw = w.reshape(F, kh, kw, C).transpose(0, 3, 1, 2)
    dx, dw, _ = _conv.conv2d_backward_naive(dz.transpose(0, 3, 1, 2), x.transpose(0, 3, 1, 2),
                                            w_nchw, stride, padding)
    return dw.transpose(0, 2, 3, 1).reshape(F, -1), dx.transpose(0, 2, 3, 1)


@checker
def check_im2col_post_backward(learner) -> CheckReport:
    """Check ``learner(dz, x, w, ker_shape, stride, padding) -> (wgrad, dx)`` in NHWC."""
    rng = np.random.default_rng(1002)

    def case(desc, B, H, W, C, F, kh, kw, s, p):
        x = rng.normal(size=(B, H, W, C))
        w = rng.normal(size=(F, kh * kw * C))
        Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        return Case(desc, (rng.normal(size=(B, Ho, Wo, F)), x, w, (kh, kw), s, p))

    cases = [
        case("stride 1, no padding, non-symmetric kernel", 1, 5, 5, 1, 1, 3, 3, 1, 0),
        case("stride 1, padding 1 ('same'), 3 channels, 2 filters", 2, 5, 6, 3, 2, 3, 3, 1, 1),
        case("stride 2, padding 1 on 7×6: a dropped row", 2, 7, 6, 2, 3, 3, 3, 2, 1),
        case("non-square 2×3 kernel, stride 2", 1, 6, 7, 2, 2, 2, 3, 2, 0),
        case("batch 3, stride 3, padding 2", 3, 8, 8, 1, 2, 3, 3, 3, 2),
    ]
    def rotate(w, ker_shape, C):
        kh, kw = ker_shape
        F = np.shape(w)[0]
        return np.asarray(w).reshape(F, kh, kw, C)[:, ::-1, ::-1, :].reshape(F, -1)

    def not_rotated(dz, x, w, ker_shape, s, p):
        wgrad, _ = _im2col_post_reference(dz, x, w, ker_shape, s, p)
        _, dx = _im2col_post_reference(dz, x, rotate(w, ker_shape, x.shape[3]), ker_shape, s, p)
        return wgrad, dx

    def averaged(dz, x, w, ker_shape, s, p):
        wgrad, dx = _im2col_post_reference(dz, x, w, ker_shape, s, p)
        return wgrad / x.shape[0], dx

    def unpadded_x(dz, x, w, ker_shape, s, p):
        # wgrad from x without its padding ring: the windows read x shifted by p
        B, H, W, C = x.shape
        xs = np.pad(x, ((0, 0), (0, 2 * p), (0, 2 * p), (0, 0)))
        wgrad, _ = _im2col_post_reference(dz, xs, w, ker_shape, s, 0)
        return wgrad, _im2col_post_reference(dz, x, w, ker_shape, s, p)[1]

    mistakes = [
        Mistake("dx with the kernel not rotated: the full correlation of the prepared dz needs w "
                "rotated by 180°", not_rotated),
        Mistake("wgrad averaged over the batch instead of summed (off by a factor of N)", averaged),
        Mistake("wgrad from the unpadded x: the forward pass read the padded x, so must its gradient",
                unpadded_x),
    ]
    return check_function("Exercise 3: the im2col post's backward pass, fixed", learner, _im2col_post_reference,
                          cases, names=("wgrad", "dx"), mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "stackexchange_bounds": (
        "In the question's 1-based notation output i reads input rows (i − 1)·s + 1 … (i − 1)·s + f_r. "
        "Write 'row p is among them' as two inequalities on i.",
        "1 ≤ p − (i − 1)·s ≤ f_r. The upper bound on i needs a floor, the lower bound a ceiling; "
        "then clamp to 1 … n_out.",
        "lower = -(-(p - f_r) // s) + 1; upper = (p - 1) // s + 1; return (max(1, lower), min(n_out, upper))",
    ),
    "dw_batch": (
        "The batch's loss is the sum of its examples' losses, so each example adds its own dw. "
        "Is anything divided by N?",
        "For each tap (u, v), the x values the outputs met form a strided slice of xpad; pair it with "
        "dout and sum over n, i and j.",
        "patch = xpad[:, :, u : u + sh*(Ho - 1) + 1 : sh, v : v + sw*(Wo - 1) + 1 : sw]; "
        "dw[:, :, u, v] = np.einsum('nfij,ncij->fc', dout, patch)",
    ),
    "im2col_post_backward": (
        "Fix the post's errata one at a time: use the padded x for wgrad; insert zeros into dz for "
        "stride > 1; rotate the kernel for dx. Everything stays in NHWC.",
        "wgrad: for each tap (u, v), einsum dz with the strided slice of xpad over b, i, j. dx: place "
        "dz at rows k − 1 − p + i·s of a zero array of H + kh − 1 rows, then correlate with w rotated "
        "by 180°, summing over F.",
        "w4 = w.reshape(F, kh, kw, C); w_rot = w4[:, ::-1, ::-1, :]; "
        "dx += np.einsum('bijf,fc->bijc', dzz[:, u:u + H, v:v + W, :], w_rot[:, u, v, :]) for every (u, v)",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

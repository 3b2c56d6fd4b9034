"""Exercises of ``notebooks/05-flipped-kernel-identity.ipynb``: reference solutions and checkers.

The flip and the channels (stride 1, no padding). Stride, dilation and the convolution matrix
moved with the second half of the notebook to ``nb05b``.

Each ``check_*`` function calls the learner's function on hidden cases (non-square and
non-symmetric kernels, several channels with C ≠ F and C = F, batch > 1) and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`.

Shapes (notation of notebook 00): dout (N, F, H_out, W_out), w (F, C, HH, WW),
x (N, C, H, W). Kernel taps are (u, v): u the row tap, v the column tap.
"""

from __future__ import annotations

import numpy as np

from .. import conv as _conv
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help

__all__ = [
    "solution_rotated_tap",
    "check_rotated_tap",
    "solution_dx_full",
    "check_dx_full",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- exercise 1


def solution_rotated_tap(u, v, HH, WW):
    """Where tap ``(u, v)`` of an ``HH × WW`` kernel lands after a 180° rotation.

    ``w_rot[HH − 1 − u, WW − 1 − v] = w[u, v]``, so the answer is ``(HH − 1 − u, WW − 1 − v)``.
    Derived in ``notebooks/05-flipped-kernel-identity.ipynb``.
    """
    return (HH - 1 - u, WW - 1 - v)


@checker
def check_rotated_tap(learner) -> CheckReport:
    """Check ``learner(u, v, HH, WW) -> (u_rot, v_rot)`` on square and non-square kernels."""
    cases = [
        Case("3×3 kernel, centre tap (1, 1)", (1, 1, 3, 3)),
        Case("3×3 kernel, corner tap (0, 0)", (0, 0, 3, 3)),
        Case("3×3 kernel, tap (0, 2)", (0, 2, 3, 3)),
        Case("non-square 2×4 kernel, tap (0, 1)", (0, 1, 2, 4)),
        Case("non-square 5×2 kernel, tap (3, 0)", (3, 0, 5, 2)),
        Case("1×1 kernel", (0, 0, 1, 1)),
    ]
    mistakes = [
        Mistake("off by one: the last row of an HH-row kernel is HH − 1, so tap u goes to HH − 1 − u",
                lambda u, v, HH, WW: (HH - u, WW - v)),
        Mistake("only the rows flipped: a 180° rotation flips the rows and the columns",
                lambda u, v, HH, WW: (HH - 1 - u, v)),
        Mistake("only the columns flipped: a 180° rotation flips the rows and the columns",
                lambda u, v, HH, WW: (u, WW - 1 - v)),
        Mistake("HH used for both axes: the column tap flips with WW", lambda u, v, HH, WW: (HH - 1 - u, HH - 1 - v)),
        Mistake("the tap transposed (v, u) instead of rotated", lambda u, v, HH, WW: (v, u)),
    ]
    return check_function("Exercise 1: the rotated tap", learner, solution_rotated_tap, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_dx_full(dout, w):
    """dx at stride 1, no padding: a full cross-correlation of dout with the rotated, swapped kernel.

    dout : (N, F, H_out, W_out); w : (F, C, HH, WW).
    Returns dx : (N, C, H_out + HH − 1, W_out + WW − 1), the shape of x.
    Derived in ``notebooks/05-flipped-kernel-identity.ipynb``.
    """
    dout, w = np.asarray(dout, dtype=float), np.asarray(w, dtype=float)
    F, C, HH, WW = w.shape
    N, _, Ho, Wo = dout.shape
    dout_pad = np.pad(dout, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))  # valid → full
    w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # rotated by 180°, (C, F, HH, WW)
    H, W = Ho + HH - 1, Wo + WW - 1
    dx = np.zeros((N, C, H, W))
    for q in range(H):
        for r in range(W):
            patch = dout_pad[:, :, q : q + HH, r : r + WW]  # (N, F, HH, WW)
            dx[:, :, q, r] = np.einsum("nfuv,cfuv->nc", patch, w_back)
    return dx


def _dx_full_reference(dout, w):
    """The naive loops of notebook 03 on an x of the right shape (a different route)."""
    dout, w = np.asarray(dout, dtype=float), np.asarray(w, dtype=float)
    N, _, Ho, Wo = dout.shape
    F, C, HH, WW = w.shape
    x = np.zeros((N, C, Ho + HH - 1, Wo + WW - 1))
    return _conv.conv2d_backward_naive(dout, x, w)[0]


@checker
def check_dx_full(learner) -> CheckReport:
    """Check ``learner(dout, w) -> dx`` (stride 1, no padding) against the naive loops."""
    rng = np.random.default_rng(505)

    def case(desc, N, F, C, Ho, Wo, HH, WW):
        return Case(desc, (rng.normal(size=(N, F, Ho, Wo)), rng.normal(size=(F, C, HH, WW))))

    cases = [
        case("one channel, non-symmetric 2×3 kernel", 1, 1, 1, 4, 4, 2, 3),
        case("one channel, 3×3 kernel, 1×1 dout (dx is the kernel, rotated back)", 1, 1, 1, 1, 1, 3, 3),
        case("3 input and 2 output channels: channels swap", 1, 2, 3, 3, 4, 3, 3),
        case("2 input and 2 output channels: the right shape even if in and out are not swapped",
             1, 2, 2, 3, 3, 2, 2),
        case("batch 2, 4 filters, 3 channels, non-square 3×2 kernel", 2, 4, 3, 3, 4, 3, 2),
    ]

    def not_rotated(dout, w):
        return _dx_full_reference(dout, np.asarray(w)[:, :, ::-1, ::-1])

    def not_swapped(dout, w):
        w = np.asarray(w)
        return _dx_full_reference(dout, w.transpose(1, 0, 2, 3))

    def valid(dout, w):  # no padding by k − 1: only the windows inside dout
        w = np.asarray(w, dtype=float)
        w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        return _conv.conv2d_forward(np.asarray(dout, dtype=float), w_back, np.zeros(w.shape[1]))

    mistakes = [
        Mistake("the kernel not rotated: dx correlates the padded dout with w rotated by 180° "
                "(w[:, :, ::-1, ::-1])", not_rotated),
        Mistake("in and out channels not swapped: input channel c collects Σ_f over the filters, "
                "with w_rot[f, c], not w_rot[c, f]", not_swapped),
        Mistake("valid instead of full: pad dout by k − 1 on every side first, so that dx has the "
                "shape of x", valid),
    ]
    return check_function("Exercise 2: dx at stride 1, with channels", learner, _dx_full_reference,
                          cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "rotated_tap": (
        "A 180° rotation flips the kernel upside down and left to right. Where does the first row "
        "go? And the last?",
        "Row 0 goes to row HH − 1, row HH − 1 to row 0: row u goes to HH − 1 − u. Columns do the "
        "same with WW.",
        "return (HH - 1 - u, WW - 1 - v)",
    ),
    "dx_full": (
        "dx has the shape of x: H = H_out + HH − 1 rows. Which operation of this notebook gives that "
        "size from dout, and with which kernel?",
        "Pad dout by HH − 1 rows and WW − 1 columns of zeros on every side, rotate the kernel by "
        "180° and swap its channel axes: w_back has shape (C, F, HH, WW).",
        "dout_pad = np.pad(dout, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1))); "
        "w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3); "
        "dx[:, :, q, r] = np.einsum('nfuv,cfuv->nc', dout_pad[:, :, q:q+HH, r:r+WW], w_back)",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Exercises for ``notebooks/02-forward-3d-dot-product.ipynb``: the forward pass by hand.

Notation of notebook 00: x (N, C, H, W), w (F, C, HH, WW), b (F,), out (N, F, H_out, W_out);
``out[n, f, i, j] = Σ_{c, a, b} xpad[n, c, i·s + a·d, j·s + b·d] · w[f, c, a, b] + b[f]``.
Stride, padding and dilation are ints here (the same along rows and columns).
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, check_function, checker
from ..conv import conv2d_forward_naive

__all__ = [
    "solution_output_shape",
    "check_output_shape",
    "solution_one_output",
    "check_one_output",
    "solution_tap_met",
    "check_tap_met",
    "solution_conv_forward",
    "check_conv_forward",
]


def _data(seed, x_shape, w_shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])


# --------------------------------------------------------------------------- exercise 1


def solution_output_shape(x_shape, w_shape, stride, padding, dilation):
    """(N, F, H_out, W_out) of the forward pass of x (N, C, H, W) with w (F, C, HH, WW)."""
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape
    H_out = (H + 2 * padding - dilation * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (WW - 1) - 1) // stride + 1
    return (N, F, H_out, W_out)


def _ref_output_shape(x_shape, w_shape, stride, padding, dilation):
    x = np.zeros(x_shape)
    w = np.zeros(w_shape)
    return tuple(conv2d_forward_naive(x, w, np.zeros(w_shape[0]), stride, padding, dilation).shape)


@checker
def check_output_shape(learner) -> CheckReport:
    """Check ``learner(x_shape, w_shape, stride, padding, dilation) -> (N, F, H_out, W_out)``."""
    cases = [
        Case("the CS231n post: x (4, 3, 5, 5), w (2, 3, 3, 3), stride 1, padding 1", ((4, 3, 5, 5), (2, 3, 3, 3), 1, 1, 1)),
        Case("the NPTEL slides in NCHW: x (1, 3, 32, 32), w (6, 3, 5, 5), stride 1, padding 0",
             ((1, 3, 32, 32), (6, 3, 5, 5), 1, 0, 1)),
        Case("non-square kernel (2, 1, 3, 2) on x (2, 1, 6, 8), stride 2 (the floor drops a row)",
             ((2, 1, 6, 8), (2, 1, 3, 2), 2, 0, 1)),
        Case("dilation 2: x (1, 2, 9, 8), w (5, 2, 3, 3), padding 1", ((1, 2, 9, 8), (5, 2, 3, 3), 1, 1, 2)),
        Case("F differs from C: x (3, 4, 5, 5), w (7, 4, 1, 1)", ((3, 4, 5, 5), (7, 4, 1, 1), 1, 0, 1)),
    ]
    return check_function("output shape", learner, _ref_output_shape, cases, atol=0, rtol=0)


# --------------------------------------------------------------------------- exercise 2


def solution_one_output(xpad, w, b, n, f, i, j, stride, dilation):
    """out[n, f, i, j] as one 3-D dot product of w[f] (C, HH, WW) with its window of xpad."""
    HH, WW = w.shape[2:]
    r, c = i * stride, j * stride
    window = xpad[n, :, r : r + dilation * (HH - 1) + 1 : dilation, c : c + dilation * (WW - 1) + 1 : dilation]
    return float(np.sum(window * w[f]) + b[f])


def _ref_one_output(xpad, w, b, n, f, i, j, stride, dilation):
    # Six nested loops collapsed to three (c, a, bb), written literally.
    total = b[f]
    C, HH, WW = w.shape[1:]
    for c in range(C):
        for a in range(HH):
            for bb in range(WW):
                total += xpad[n, c, i * stride + a * dilation, j * stride + bb * dilation] * w[f, c, a, bb]
    return float(total)


@checker
def check_one_output(learner) -> CheckReport:
    """Check ``learner(xpad, w, b, n, f, i, j, stride, dilation) -> float``."""
    def case(desc, seed, xpad_shape, w_shape, n, f, i, j, stride, dilation):
        xpad, w, b = _data(seed, xpad_shape, w_shape)
        return Case(desc, (xpad, w, b, n, f, i, j, stride, dilation))

    cases = [
        case("the CS231n post's out[0, 0, 0, 0]: xpad (4, 3, 7, 7), w (2, 3, 3, 3)", 1, (4, 3, 7, 7), (2, 3, 3, 3), 0, 0, 0, 0, 1, 1),
        case("an inner output out[2, 1, 3, 1]", 2, (4, 3, 7, 7), (2, 3, 3, 3), 2, 1, 3, 1, 1, 1),
        case("stride 2: out[0, 0, 1, 2] starts at row 2, column 4", 3, (1, 2, 7, 9), (1, 2, 3, 3), 0, 0, 1, 2, 2, 1),
        case("non-square kernel 2×3, several channels, out[1, 2, 2, 0]", 4, (2, 3, 5, 6), (3, 3, 2, 3), 1, 2, 2, 0, 1, 1),
        case("dilation 2: taps two apart, out[0, 1, 1, 1]", 5, (1, 2, 8, 8), (2, 2, 3, 3), 0, 1, 1, 1, 1, 2),
        case("stride 2 and dilation 2 together, out[0, 0, 1, 1]", 6, (1, 1, 9, 9), (1, 1, 3, 2), 0, 0, 1, 1, 2, 2),
    ]
    return check_function("one output", learner, _ref_one_output, cases)


# --------------------------------------------------------------------------- exercise 3


def solution_tap_met(q, i, kernel_size, stride, padding, dilation):
    """Which kernel tap a does input row q (0-based, unpadded) meet at output row i?

    Output i reads padded rows i·s + a·d; input q sits at padded row q + p. So a = (q + p − i·s)/d
    when that is a whole number in [0, kernel_size); otherwise q is not in the window: None.
    """
    offset = q + padding - i * stride
    if offset < 0 or offset % dilation:
        return None
    a = offset // dilation
    return a if a < kernel_size else None


def _ref_tap_met(q, i, kernel_size, stride, padding, dilation):
    for a in range(kernel_size):
        if i * stride + a * dilation == q + padding:
            return a
    return None


@checker
def check_tap_met(learner) -> CheckReport:
    """Check ``learner(q, i, kernel_size, stride, padding, dilation) -> int or None``."""
    def ref(*args):
        return _ref_tap_met(*args)

    def wrap(fn):
        # compare() works on numbers: map None to -1 so a wrong None/number is reported clearly.
        def call(*args):
            got = fn(*args)
            return -1 if got is None else got
        call.__wrapped__ = fn  # reports name the learner's own parameters
        return call

    cases = [
        Case("q=0, i=0, kernel 3, stride 1, padding 1 → tap 1 (padding shifts by one)", (0, 0, 3, 1, 1, 1)),
        Case("q=0, i=1, kernel 3, stride 1, padding 1 → tap 0", (0, 1, 3, 1, 1, 1)),
        Case("q=4, i=1, kernel 3, stride 2, padding 0 → tap 2", (4, 1, 3, 2, 0, 1)),
        Case("q=5, i=1, kernel 3, stride 2, padding 0 → outside the window (return None)", (5, 1, 3, 2, 0, 1)),
        Case("q=1, i=3, kernel 3, stride 1, padding 0 → the window starts after q (None)", (1, 3, 3, 1, 0, 1)),
        Case("dilation 2: q=3, i=1, kernel 3, padding 0 → tap 1", (3, 1, 3, 1, 0, 2)),
        Case("dilation 2: q=2, i=1, kernel 3, padding 0 → falls in a gap between taps (None)", (2, 1, 3, 1, 0, 2)),
    ]
    report = check_function("which tap an input meets (None shown as -1)", wrap(learner), wrap(ref), cases,
                            atol=0, rtol=0)
    return report


# --------------------------------------------------------------------------- exercise 4


def solution_conv_forward(x, w, b, stride, padding, dilation):
    """The full forward pass with loops: x (N, C, H, W), w (F, C, HH, WW), b (F,) → (N, F, H_out, W_out)."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    _, _, H_out, W_out = solution_output_shape(x.shape, w.shape, stride, padding, dilation)
    out = np.empty((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, f, i, j] = solution_one_output(xpad, w, b, n, f, i, j, stride, dilation)
    return out


@checker
def check_conv_forward(learner) -> CheckReport:
    """Check ``learner(x, w, b, stride, padding, dilation) -> out`` against the naive loops."""
    def case(desc, seed, x_shape, w_shape, stride, padding, dilation):
        x, w, b = _data(seed, x_shape, w_shape)
        return Case(desc, (x, w, b, stride, padding, dilation))

    cases = [
        case("the CS231n post shapes: x (4, 3, 5, 5), w (2, 3, 3, 3), padding 1", 10, (4, 3, 5, 5), (2, 3, 3, 3), 1, 1, 1),
        case("stride 2 on an even size (the floor drops a row): x (1, 2, 6, 6), w (3, 2, 3, 3)", 11,
             (1, 2, 6, 6), (3, 2, 3, 3), 2, 0, 1),
        case("non-square kernel 2×3 and input 5×7, batch 2", 12, (2, 2, 5, 7), (2, 2, 2, 3), 1, 0, 1),
        case("padding 2 with stride 2", 13, (1, 3, 5, 5), (2, 3, 3, 3), 2, 2, 1),
        case("dilation 2 with padding 1", 14, (2, 1, 7, 6), (2, 1, 3, 2), 1, 1, 2),
    ]
    return check_function("forward pass", learner, conv2d_forward_naive, cases)

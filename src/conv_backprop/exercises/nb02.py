"""Exercises for ``notebooks/02-forward-3d-dot-product.ipynb``: the forward pass by hand.

Notation of notebook 00: x (N, C, H, W), w (F, C, HH, WW), b (F,), out (N, F, H_out, W_out);
``out[n, f, i, j] = Σ_{c, u, v} xpad[n, c, i·s + u·d, j·s + v·d] · w[f, c, u, v] + b[f]``
(kernel taps (u, v): u the row tap, v the column tap; b is the bias).
Stride, padding and dilation are ints here (the same along rows and columns).
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help
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
    "hint",
    "solution",
    "progress",
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
    def nhwc(*args):
        N, F, Ho, Wo = _ref_output_shape(*args)
        return (N, Ho, Wo, F)

    def channels_in(x_shape, w_shape, *rest):
        N, F, Ho, Wo = _ref_output_shape(x_shape, w_shape, *rest)
        return (N, x_shape[1], Ho, Wo)

    def ceil(x_shape, w_shape, s, p, d):
        size = lambda n, k: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1  # noqa: E731
        return (x_shape[0], w_shape[0], size(x_shape[2], w_shape[2]), size(x_shape[3], w_shape[3]))

    mistakes = [
        Mistake("NHWC instead of NCHW: the course's layout is (N, F, H_out, W_out), channels second", nhwc),
        Mistake("C (the input's channels) where F (the number of filters) belongs: each filter "
                "makes one output channel", channels_in),
        Mistake("a ceiling where a floor is needed in the output size", ceil),
    ]
    cases = [
        Case("the CS231n post: x (4, 3, 5, 5), w (2, 3, 3, 3), stride 1, padding 1", ((4, 3, 5, 5), (2, 3, 3, 3), 1, 1, 1)),
        Case("the NPTEL slides in NCHW: x (1, 3, 32, 32), w (6, 3, 5, 5), stride 1, padding 0",
             ((1, 3, 32, 32), (6, 3, 5, 5), 1, 0, 1)),
        Case("non-square kernel (2, 1, 3, 2) on x (2, 1, 6, 8), stride 2 (the floor drops a row)",
             ((2, 1, 6, 8), (2, 1, 3, 2), 2, 0, 1)),
        Case("dilation 2: x (1, 2, 9, 8), w (5, 2, 3, 3), padding 1", ((1, 2, 9, 8), (5, 2, 3, 3), 1, 1, 2)),
        Case("F differs from C: x (3, 4, 5, 5), w (7, 4, 1, 1)", ((3, 4, 5, 5), (7, 4, 1, 1), 1, 0, 1)),
    ]
    return check_function("output shape", learner, _ref_output_shape, cases, atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_one_output(xpad, w, b, n, f, i, j, stride, dilation):
    """out[n, f, i, j] as one 3-D dot product of w[f] (C, HH, WW) with its window of xpad."""
    HH, WW = w.shape[2:]
    r, c = i * stride, j * stride
    window = xpad[n, :, r : r + dilation * (HH - 1) + 1 : dilation, c : c + dilation * (WW - 1) + 1 : dilation]
    return float(np.sum(window * w[f]) + b[f])


def _ref_one_output(xpad, w, b, n, f, i, j, stride, dilation):
    # Six nested loops collapsed to three (c, u, v), written literally.
    total = b[f]
    C, HH, WW = w.shape[1:]
    for c in range(C):
        for u in range(HH):
            for v in range(WW):
                total += xpad[n, c, i * stride + u * dilation, j * stride + v * dilation] * w[f, c, u, v]
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
    def no_bias(xpad, w, b, *rest):
        return _ref_one_output(xpad, w, np.zeros_like(b), *rest)

    def no_stride(xpad, w, b, n, f, i, j, s, d):
        return _ref_one_output(xpad, w, b, n, f, i, j, 1, d)

    def no_dilation(xpad, w, b, n, f, i, j, s, d):
        return _ref_one_output(xpad, w, b, n, f, i, j, s, 1)

    def one_channel(xpad, w, b, *rest):
        return _ref_one_output(xpad[:, :1], w[:, :1], b, *rest)

    mistakes = [
        Mistake("the bias b[f] forgotten", no_bias),
        Mistake("the stride ignored: window (i, j) starts at row i·s and column j·s", no_stride),
        Mistake("the dilation ignored: taps are d apart", no_dilation),
        Mistake("only channel 0 summed: the dot product runs over all C channels", one_channel),
    ]
    return check_function("one output", learner, _ref_one_output, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_tap_met(q, i, kernel_size, stride, padding, dilation):
    """Which kernel tap u does input row q (0-based, unpadded) meet at output row i?

    Output i reads padded rows i·s + u·d; input q sits at padded row q + p. So u = (q + p − i·s)/d
    when that is a whole number in [0, kernel_size); otherwise q is not in the window: None.
    """
    offset = q + padding - i * stride
    if offset < 0 or offset % dilation:
        return None
    u = offset // dilation
    return u if u < kernel_size else None


def _ref_tap_met(q, i, kernel_size, stride, padding, dilation):
    for u in range(kernel_size):
        if i * stride + u * dilation == q + padding:
            return u
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
    def no_padding(q, i, k, s, p, d):
        return _ref_tap_met(q, i, k, s, 0, d)

    def never_none(q, i, k, s, p, d):
        return (q + p - i * s) // d

    mistakes = [
        Mistake("padding forgotten: input row q sits at padded row q + p", wrap(no_padding)),
        Mistake("a tap outside the kernel (or between dilated taps) returned instead of None",
                wrap(never_none)),
    ]
    report = check_function("which tap an input meets (None shown as -1)", wrap(learner), wrap(ref), cases,
                            atol=0, rtol=0, mistakes=mistakes)
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
    def true_convolution(x, w, b, s, p, d):
        return conv2d_forward_naive(x, w[:, :, ::-1, ::-1], b, s, p, d)

    def nhwc(*args):
        return conv2d_forward_naive(*args).transpose(0, 2, 3, 1)

    def no_bias(x, w, b, s, p, d):
        return conv2d_forward_naive(x, w, np.zeros_like(b), s, p, d)

    mistakes = [
        Mistake("a true convolution (kernel rotated by 180°): the forward pass is a "
                "cross-correlation, w[f, c, u, v] meets xpad[n, c, i·s + u·d, j·s + v·d]", true_convolution),
        Mistake("NHWC instead of NCHW: the output is (N, F, H_out, W_out)", nhwc),
        Mistake("the bias forgotten", no_bias),
    ]
    return check_function("forward pass", learner, conv2d_forward_naive, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "output_shape": (
        "The output has one example per input example and one channel per filter. Which of "
        "x_shape and w_shape gives each axis?",
        "N comes from x_shape[0], F from w_shape[0]. Each spatial size is notebook 01's output "
        "size, with the kernel's height for H and its width for W.",
        "H_out = (H + 2*padding - dilation*(HH - 1) - 1) // stride + 1, the same for W_out with W "
        "and WW; return (N, F, H_out, W_out).",
    ),
    "one_output": (
        "out[n, f, i, j] is one dot product: filter f against the window of example n that "
        "output (i, j) reads, plus the bias b[f].",
        "The window starts at row i·s and column j·s of xpad and takes every d-th row and column, "
        "HH rows and WW columns, across all C channels: a slice with step `dilation`.",
        "window = xpad[n, :, i*s : i*s + d*(HH-1) + 1 : d, j*s : j*s + d*(WW-1) + 1 : d]; "
        "return float(np.sum(window * w[f]) + b[f])",
    ),
    "tap_met": (
        "Output row i reads padded rows i·s + u·d. Where does input row q sit in the padded input?",
        "Input row q is padded row q + p. Solve i·s + u·d = q + p for u.",
        "offset = q + padding - i*stride; if offset < 0 or offset % dilation: return None; "
        "u = offset // dilation; return u if u < kernel_size else None",
    ),
    "conv_forward": (
        "Pad x once, allocate the output of the shape from the first exercise, then fill every "
        "out[n, f, i, j] with the dot product of the second exercise.",
        "Four loops (n, f, i, j) around one 3-D dot product; np.pad(x, ((0, 0), (0, 0), (p, p), "
        "(p, p))) pads only the spatial axes.",
        "xpad = np.pad(...); out = np.empty((N, F, H_out, W_out)); for n, f, i, j: "
        "out[n, f, i, j] = my_one_output(xpad, w, b, n, f, i, j, stride, dilation); return out",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

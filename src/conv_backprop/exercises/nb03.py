"""Exercises for ``notebooks/03-backward-dx-by-indices.ipynb``: ∂L/∂x by index bookkeeping.

Along one axis, output i reads padded row i·s + u·d through tap u, so input row q (0-based,
unpadded) reaches output i through tap u exactly when ``i·s + u·d = q + p``. All indices 0-based.
Kernel taps are (u, v): u the row tap, v the column tap.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, ResultError, _fmt, check_function, checker, exercise_help
from ..conv import conv2d_backward_naive
from ..indices import output_bounds, outputs_reached

__all__ = [
    "solution_outputs_reached",
    "check_outputs_reached",
    "solution_bounds",
    "check_bounds",
    "solution_dx_1d",
    "check_dx_1d",
    "solution_conv_dx",
    "check_conv_dx",
    "hint",
    "solution",
    "progress",
]

# (description, (q, size, kernel_size, stride, padding)): each a trap for one mistake.
_ONE_AXIS = [
    ("the CS231n post: q=0, size 5, kernel 3, stride 1, padding 1 (reaches outputs 0 and 1)", (0, 5, 3, 1, 1)),
    ("a middle row: q=2, size 5, kernel 3, stride 1, padding 1", (2, 5, 3, 1, 1)),
    ("the StackExchange question's erratum in 0-based form: q=5, size 9, kernel 3, stride 2 (only output 2)", (5, 9, 3, 2, 0)),
    ("stride larger than the kernel: q=2, size 9, kernel 2, stride 3 (falls between windows)", (2, 9, 2, 3, 0)),
    ("a dropped last row: q=7, size 8, kernel 3, stride 2 (the floor dropped its window)", (7, 8, 3, 2, 0)),
    ("the last row with padding 2, stride 2: q=6, size 7, kernel 3", (6, 7, 3, 2, 2)),
    ("kernel 4, stride 2, padding 1: q=3, size 8", (3, 8, 4, 2, 1)),
]


# --------------------------------------------------------------------------- exercise 1


def solution_outputs_reached(q, size, kernel_size, stride, padding):
    """Sorted list of the output rows i that input row q reaches (dilation 1), with its tap.

    Returns a list of pairs ``(i, u)``: input q meets tap u = q + p − i·s of output i.
    """
    n_out = (size + 2 * padding - kernel_size) // stride + 1
    pairs = []
    for i in range(n_out):
        u = q + padding - i * stride
        if 0 <= u < kernel_size:
            pairs.append((i, u))
    return pairs


def _ref_outputs_reached(q, size, kernel_size, stride, padding):
    return [tuple(p) for p in outputs_reached(q, size, kernel_size, stride, padding)]


@checker
def check_outputs_reached(learner) -> CheckReport:
    """Check ``learner(q, size, kernel_size, stride, padding) -> [(i, u), ...]``."""
    def as_array(fn):
        def call(*args):
            got = fn(*args)
            if got is None:
                return None
            try:
                pairs = list(got)
                ok = all(np.ndim(p) == 1 and len(p) == 2 for p in pairs)
            except Exception:  # noqa: BLE001 — not iterable, or items without a length
                ok = False
            if not ok:
                raise ResultError(f"result: expected a list of (i, u) pairs, got {_fmt(got)}")
            return np.asarray(pairs).reshape(-1, 2)  # compare() then checks these are numbers
        call.__wrapped__ = fn  # reports name the learner's own parameters
        return call

    def no_padding(q, n, k, s, p):
        return _ref_outputs_reached(q, n + 2 * p, k, s, 0)

    def no_range(q, n, k, s, p):
        return [(i, q + p - i * s) for i in range(-k, n + 2 * p + 1) if 0 <= q + p - i * s < k]

    def tap_from_window_end(q, n, k, s, p):
        return [(i, k - 1 - u) for i, u in _ref_outputs_reached(q, n, k, s, p)]

    def floor_range(q, n, k, s, p):
        n_out = (n + 2 * p - k) // s + 1
        lo, hi = max(0, (q + p - k + 1) // s), min(n_out - 1, (q + p) // s)
        return [(i, q + p - i * s) for i in range(lo, hi + 1)]

    mistakes = [
        Mistake("padding forgotten: input row q is padded row q + p", as_array(no_padding)),
        Mistake("outputs from the floor of (q + p − k + 1)/s on: that output's tap q + p − i·s is "
                "k or more, outside the kernel (a ceiling is needed there)", as_array(floor_range)),
        Mistake("outputs that do not exist listed too: keep 0 ≤ i < n_out", as_array(no_range)),
        Mistake("the tap counted from the end of the window (k − 1 − u, a rotated kernel's "
                "index): tap u = q + p − i·s", as_array(tap_from_window_end)),
    ]
    cases = [Case(d, a) for d, a in _ONE_AXIS]
    return check_function("outputs one input reaches, as (i, u) pairs", as_array(learner),
                          as_array(_ref_outputs_reached), cases, atol=0, rtol=0, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_bounds(q, size, kernel_size, stride, padding):
    """Closed-form range (i_lo, i_hi), 0-based and inclusive, of the outputs input q reaches.

    Solve 0 ≤ q + p − i·s ≤ k − 1 for an integer i: i ≥ (q + p − k + 1)/s needs a ceiling,
    i ≤ (q + p)/s a floor; then clamp to [0, n_out − 1]. i_lo > i_hi means "no output".
    """
    n_out = (size + 2 * padding - kernel_size) // stride + 1
    num = q + padding - kernel_size + 1
    lo = -(-num // stride)  # ceiling division
    hi = (q + padding) // stride
    return (max(0, lo), min(n_out - 1, hi))


@checker
def check_bounds(learner) -> CheckReport:
    """Check ``learner(q, size, kernel_size, stride, padding) -> (i_lo, i_hi)``."""
    def n_out(n, k, s, p):
        return (n + 2 * p - k) // s + 1

    def floor_lo(q, n, k, s, p):
        return (max(0, (q + p - k + 1) // s), min(n_out(n, k, s, p) - 1, (q + p) // s))

    def exclusive_hi(q, n, k, s, p):
        lo, hi = output_bounds(q, n, k, s, p)
        return (lo, hi + 1)

    def unclamped(q, n, k, s, p):
        return (-(-(q + p - k + 1) // s), (q + p) // s)

    mistakes = [
        Mistake("a floor where a ceiling is needed for i_lo: i·s ≥ q + p − k + 1 holds from the "
                "ceiling of (q + p − k + 1)/s on (the StackExchange question's erratum)", floor_lo),
        Mistake("i_hi off by one: one past the last output (a Python range's end), but the "
                "bounds here are inclusive", exclusive_hi),
        Mistake("the bounds not clamped to the outputs that exist, 0 … n_out − 1", unclamped),
    ]
    cases = [Case(d, a) for d, a in _ONE_AXIS]
    return check_function("bounds (i_lo, i_hi)", learner, output_bounds, cases, atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_dx_1d(dout, w, x_size, stride, padding):
    """∂L/∂x of the 1-D correlation out[i] = Σ_u xpad[i·s + u] · w[u] (one channel, no batch).

    dout (n_out,), w (k,) → dx (x_size,). Scatter form: output i sends dout[i]·w[u] to padded
    row i·s + u; the padding ring's share is discarded.
    """
    k = len(w)
    dxpad = np.zeros(x_size + 2 * padding)
    for i, g in enumerate(dout):
        for u in range(k):
            dxpad[i * stride + u] += g * w[u]
    return dxpad[padding : padding + x_size]


def _ref_dx_1d(dout, w, x_size, stride, padding):
    # Through the 2-D reference: a 1-D problem is a 1×k kernel on a 1×x_size image.
    x = np.zeros((1, 1, 1, x_size))
    dx, _, _ = conv2d_backward_naive(dout.reshape(1, 1, 1, -1), x, w.reshape(1, 1, 1, -1),
                                     stride=(1, stride), padding=(0, padding))
    return dx.reshape(-1)


@checker
def check_dx_1d(learner) -> CheckReport:
    """Check ``learner(dout, w, x_size, stride, padding) -> dx`` (1-D)."""
    rng = np.random.default_rng(3)

    def case(desc, x_size, k, stride, padding):
        n_out = (x_size + 2 * padding - k) // stride + 1
        return Case(desc, (rng.standard_normal(n_out), rng.standard_normal(k), x_size, stride, padding))

    cases = [
        case("x 5, kernel 3, stride 1, padding 1 (the CS231n post's rows)", 5, 3, 1, 1),
        case("x 9, kernel 3, stride 2: every other input is shared by two windows", 9, 3, 2, 0),
        case("x 8, kernel 3, stride 2: the last input is never read (gradient 0)", 8, 3, 2, 0),
        case("x 9, kernel 2, stride 3: inputs between windows get 0", 9, 2, 3, 0),
        case("x 6, kernel 4, stride 2, padding 2: the ring's gradient is discarded", 6, 4, 2, 2),
        case("x 4, kernel 1, stride 1: a 1×1 kernel only scales", 4, 1, 1, 0),
    ]
    def scatter(dout, w, n, s, p, flip=False, crop=True, assign=False):
        dxpad = np.zeros(n + 2 * p)
        k = len(w)
        for i, g in enumerate(dout):
            for u in range(k):
                value = g * w[k - 1 - u if flip else u]
                if assign:
                    dxpad[i * s + u] = value
                else:
                    dxpad[i * s + u] += value
        return dxpad[p : p + n] if crop else dxpad

    mistakes = [
        Mistake("the padding ring not discarded: dx has the shape of x, so drop the first and "
                "last p entries of the padded gradient", lambda d, w, n, s, p: scatter(d, w, n, s, p, crop=False)),
        Mistake("the stride ignored: output i reads rows from i·s on (in the flipped-kernel form: "
                "no zeros inserted between the entries of dout)", lambda d, w, n, s, p: scatter(d, w, n, 1, p)),
        Mistake("`=` instead of `+=`: an input shared by two windows must add both contributions",
                lambda d, w, n, s, p: scatter(d, w, n, s, p, assign=True)),
        Mistake("the kernel flipped: in this scatter form output i sends dout[i]·w[u] to row i·s + u, "
                "tap u unrotated", lambda d, w, n, s, p: scatter(d, w, n, s, p, flip=True)),
    ]
    return check_function("1-D dx", learner, _ref_dx_1d, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_conv_dx(dout, x, w, stride, padding, dilation):
    """∂L/∂x of the 2-D convolution by the gather form derived in notebook 03.

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, HH, WW) → dx (N, C, H, W):
    dx[n, c, q, r] = Σ_f Σ_{i, u: i·s + u·d = q + p} Σ_{j, v: j·s + v·d = r + p} dout[n, f, i, j] w[f, c, u, v].
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]

    def reached(q, n_out, k):
        return [(i, u) for i in range(n_out) for u in range(k) if i * stride + u * dilation == q + padding]

    dx = np.zeros(x.shape)
    for q in range(H):
        rows = reached(q, H_out, HH)
        for r in range(W):
            cols = reached(r, W_out, WW)
            for i, u in rows:
                for j, v in cols:
                    dx[:, :, q, r] += np.einsum("nf,fc->nc", dout[:, :, i, j], w[:, :, u, v])
    return dx


def _ref_conv_dx(dout, x, w, stride, padding, dilation):
    return conv2d_backward_naive(dout, x, w, stride, padding, dilation)[0]


@checker
def check_conv_dx(learner) -> CheckReport:
    """Check ``learner(dout, x, w, stride, padding, dilation) -> dx`` against the naive loops."""
    rng = np.random.default_rng(4)

    def case(desc, x_shape, w_shape, stride, padding, dilation):
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        Ho = (x_shape[2] + 2 * padding - dilation * (w_shape[2] - 1) - 1) // stride + 1
        Wo = (x_shape[3] + 2 * padding - dilation * (w_shape[3] - 1) - 1) // stride + 1
        dout = rng.standard_normal((x_shape[0], w_shape[0], Ho, Wo))
        return Case(desc, (dout, x, w, stride, padding, dilation))

    cases = [
        case("the CS231n post shapes: x (4, 3, 5, 5), w (2, 3, 3, 3), padding 1", (4, 3, 5, 5), (2, 3, 3, 3), 1, 1, 1),
        case("stride 2, odd leftover (last row and column never read)", (1, 2, 6, 6), (2, 2, 3, 3), 2, 0, 1),
        case("stride 3 > kernel 2: some inputs touch no output", (2, 1, 8, 8), (1, 1, 2, 2), 3, 0, 1),
        case("non-square kernel 3×2 on a 5×7 input, padding 1", (1, 2, 5, 7), (3, 2, 3, 2), 1, 1, 1),
        case("dilation 2 with padding 2 and stride 2", (2, 2, 7, 7), (2, 2, 3, 3), 2, 2, 2),
    ]
    def ring_kept(dout, x, w, s, p, d):
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        return _ref_conv_dx(dout, xpad, w, s, 0, d)

    def first_filter(dout, x, w, s, p, d):
        return _ref_conv_dx(dout[:, :1], x, w[:1], s, p, d)

    def rotated(dout, x, w, s, p, d):
        return _ref_conv_dx(dout, x, w[:, :, ::-1, ::-1], s, p, d)

    mistakes = [
        Mistake("the padding ring not discarded: dx has the shape of x (drop p rows and columns "
                "on every side of the padded gradient)", ring_kept),
        Mistake("only filter 0 summed: every filter f that read x[n, c, q, r] sends gradient back", first_filter),
        Mistake("the kernel rotated: in this gather form input (q, r) meets w[f, c, u, v] itself, "
                "with u = (q + p − i·s)/d", rotated),
    ]
    return check_function("dx", learner, _ref_conv_dx, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "outputs_reached": (
        "Input row q is padded row q + p. Output i reads padded rows i·s … i·s + k − 1. For which "
        "outputs i is q + p among them?",
        "Loop over the outputs that exist, i = 0 … n_out − 1, compute the tap u = q + p − i·s, and "
        "keep (i, u) when 0 ≤ u < k.",
        "n_out = (size + 2*padding - kernel_size) // stride + 1; return [(i, q + padding - i*stride) "
        "for i in range(n_out) if 0 <= q + padding - i*stride < kernel_size]",
    ),
    "bounds": (
        "Write the condition 0 ≤ q + p − i·s ≤ k − 1 as two inequalities on i, then solve each.",
        "i ≤ (q + p)/s gives a floor; i ≥ (q + p − k + 1)/s gives a ceiling (the smallest whole i "
        "at or above). Then clamp to the outputs that exist, 0 … n_out − 1.",
        "lo = -(-(q + padding - kernel_size + 1) // stride) (a ceiling division); "
        "hi = (q + padding) // stride; return (max(0, lo), min(n_out - 1, hi))",
    ),
    "dx_1d": (
        "Think of the forward pass as a scatter: output i used padded rows i·s + u with weight w[u]. "
        "The gradient flows back along the same links.",
        "Make dxpad = zeros(x_size + 2·padding); for each output i and tap u add dout[i]·w[u] to "
        "dxpad[i·s + u] (+=: an input in two windows gets both). Then drop the padding ring.",
        "for i, g in enumerate(dout): for u in range(len(w)): dxpad[i*stride + u] += g * w[u]; "
        "return dxpad[padding : padding + x_size]",
    ),
    "conv_dx": (
        "Do the 1-D bookkeeping twice: the rows (q, i, u) and the columns (r, j, v) are independent.",
        "For each input position (q, r), list the (i, u) with i·s + u·d = q + p and the (j, v) "
        "with j·s + v·d = r + p; every pair of them contributes Σ_f dout[n, f, i, j]·w[f, c, u, v].",
        "dx[:, :, q, r] += np.einsum('nf,fc->nc', dout[:, :, i, j], w[:, :, u, v]) for every such "
        "(i, u) and (j, v); or scatter: dxpad[n, :, rows, cols] += dout[n, f, i, j] * w[f], then crop.",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

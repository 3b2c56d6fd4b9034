"""Exercises of ``notebooks/05b-stride-dilation-transposed.ipynb``: reference solutions and checkers.

Split off ``nb05`` with the notebook: zero insertion, dout prepared for the flipped kernel, dx
with the flipped kernel at any stride and padding, and the convolution matrix ``C``.

Each ``check_*`` function calls the learner's function on hidden cases (stride 2 and 3, odd
sizes where the stride drops rows, padding, non-square kernels, several channels, batch > 1)
and returns a :class:`~conv_backprop.exercises.checking.CheckReport`.

Shapes (notation of notebook 00): dout (N, F, H_out, W_out), w (F, C, HH, WW),
x (N, C, H, W). Kernel taps are (u, v): u the row tap, v the column tap.
"""

from __future__ import annotations

import numpy as np

from .. import conv as _conv
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help, int_pair

__all__ = [
    "solution_zero_insert",
    "check_zero_insert",
    "solution_flipped_input",
    "check_flipped_input",
    "solution_dx_flipped",
    "check_dx_flipped",
    "solution_conv_matrix",
    "check_conv_matrix",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- exercise 1


def solution_zero_insert(dout, stride):
    """Insert ``s − 1`` zeros between neighbouring entries of ``dout`` (both spatial axes).

    dout : (N, F, H_out, W_out); stride : int or (s_h, s_w).
    Returns (N, F, (H_out − 1)·s_h + 1, (W_out − 1)·s_w + 1).
    Derived in ``notebooks/05b-stride-dilation-transposed.ipynb``.
    """
    dout = np.asarray(dout, dtype=float)
    sh, sw = int_pair(stride)
    N, F, Ho, Wo = dout.shape
    out = np.zeros((N, F, (Ho - 1) * sh + 1, (Wo - 1) * sw + 1))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i * sh, j * sw] = dout[:, :, i, j]
    return out


@checker
def check_zero_insert(learner) -> CheckReport:
    """Check ``learner(dout, stride)`` against :func:`solution_zero_insert`."""
    rng = np.random.default_rng(501)
    cases = [
        Case("stride 1 (nothing to insert)", (rng.normal(size=(1, 1, 3, 3)), 1)),
        Case("stride 2, 3×3 dout", (rng.normal(size=(1, 1, 3, 3)), 2)),
        Case("stride 3, non-square 2×4 dout", (rng.normal(size=(1, 1, 2, 4)), 3)),
        Case("stride (2, 3), different per axis", (rng.normal(size=(1, 2, 3, 2)), (2, 3))),
        Case("batch 2, 3 channels, stride 2", (rng.normal(size=(2, 3, 2, 3)), 2)),
        Case("1×1 dout, stride 4", (rng.normal(size=(1, 1, 1, 1)), 4)),
    ]
    def too_many(dout, stride):
        sh, sw = int_pair(stride)
        N, F, Ho, Wo = dout.shape
        out = np.zeros((N, F, (Ho - 1) * (sh + 1) + 1, (Wo - 1) * (sw + 1) + 1))
        out[:, :, :: sh + 1, :: sw + 1] = dout
        return out

    def trailing(dout, stride):
        sh, sw = int_pair(stride)
        N, F, Ho, Wo = dout.shape
        out = np.zeros((N, F, Ho * sh, Wo * sw))
        out[:, :, ::sh, ::sw] = dout
        return out

    mistakes = [
        Mistake("s zeros inserted instead of s − 1: entries end up s + 1 apart, not s", too_many),
        Mistake("zeros added after the last entry too: the result has (H_out − 1)·s + 1 rows", trailing),
    ]
    return check_function("Exercise 1: zero insertion", learner, solution_zero_insert, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_flipped_input(dout, x_shape, kernel_size, stride, padding):
    """dout prepared for the flipped kernel (dilation 1): zero-insert, then pad.

    Insert ``s − 1`` zeros between entries, pad by ``k − 1 − p`` on the top/left and by
    ``k − 1 − p + unused`` on the bottom/right, where ``unused`` counts the input rows the forward
    pass never reached; a negative amount crops instead.

    dout : (N, F, H_out, W_out); x_shape : (N, C, H, W); kernel_size, stride, padding : int or pair.
    Returns (N, F, H + HH − 1, W + WW − 1).
    Derived in ``notebooks/05b-stride-dilation-transposed.ipynb``.
    """
    dout = np.asarray(dout, dtype=float)
    N, F, Ho, Wo = dout.shape
    H, W = x_shape[2], x_shape[3]
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)
    out = np.zeros((N, F, H + kh - 1, W + kw - 1))
    # dout[i] sits at row i·s + (k − 1 − p) of the result; keep the rows that fall inside.
    for i in range(Ho):
        r = i * sh + kh - 1 - ph
        for j in range(Wo):
            c = j * sw + kw - 1 - pw
            if 0 <= r < out.shape[2] and 0 <= c < out.shape[3]:
                out[:, :, r, c] = dout[:, :, i, j]
    return out


def _flipped_input_reference(dout, x_shape, kernel_size, stride, padding):
    return _conv.flipped_kernel_input(dout, x_shape, kernel_size, stride, padding)


@checker
def check_flipped_input(learner) -> CheckReport:
    """Check ``learner(dout, x_shape, kernel_size, stride, padding)`` against
    :func:`conv_backprop.flipped_kernel_input`."""
    rng = np.random.default_rng(502)

    def case(desc, x_shape, F, k, s, p):
        from ..shapes import conv_output_size

        Ho = conv_output_size(x_shape[2], int_pair(k)[0], int_pair(s)[0], int_pair(p)[0])
        Wo = conv_output_size(x_shape[3], int_pair(k)[1], int_pair(s)[1], int_pair(p)[1])
        return Case(desc, (rng.normal(size=(x_shape[0], F, Ho, Wo)), x_shape, k, s, p))

    cases = [
        case("stride 1, no padding (the NPTEL slides's case)", (1, 1, 5, 5), 1, 3, 1, 0),
        case("stride 1, padding 1", (1, 1, 5, 5), 1, 3, 1, 1),
        case("stride 2, 5×5 input (no unused rows)", (1, 1, 5, 5), 1, 3, 2, 0),
        case("stride 2, 6×6 input: the last row is never reached", (1, 1, 6, 6), 1, 3, 2, 0),
        case("stride 3, padding 1, non-square 2×3 kernel", (1, 1, 7, 8), 2, (2, 3), 3, 1),
        case("padding 2 > k − 1 = 1: crop instead of pad", (2, 1, 4, 4), 1, 2, 1, 2),
        case("batch 2, 3 filters, stride (2, 1), padding (1, 0)", (2, 2, 6, 5), 3, 3, (2, 1), (1, 0)),
    ]
    def no_insertion(dout, x_shape, k, s, p):
        return solution_flipped_input(dout, x_shape, k, 1, p)

    def symmetric(dout, x_shape, k, s, p):
        (kh, kw), (ph, pw) = int_pair(k), int_pair(p)
        z = solution_zero_insert(dout, s)
        return np.pad(z, ((0, 0), (0, 0), (kh - 1 - ph, kh - 1 - ph), (kw - 1 - pw, kw - 1 - pw)))

    def pad_p(dout, x_shape, k, s, p):
        return solution_flipped_input(dout, x_shape, k, s, 0)  # dout[i] at row i·s + k − 1

    mistakes = [
        Mistake("the stride ignored: no zeros inserted between the entries of dout", no_insertion),
        Mistake("the rows the forward pass never reached forgotten: pad the bottom and right by "
                "k − 1 − p plus the unused rows, so the result has H + HH − 1 rows", symmetric),
        Mistake("the forward pass's padding ignored: dout[i] goes to row i·s + k − 1 − p, not i·s + k − 1",
                pad_p),
    ]
    return check_function(
        "Exercise 2: dout prepared for the flipped kernel", learner, _flipped_input_reference, cases,
        mistakes=mistakes,
    )


# --------------------------------------------------------------------------- exercise 3


def solution_dx_flipped(dout, w, x_shape, stride, padding):
    """dx as a stride-1 cross-correlation of the prepared dout with the rotated kernel.

    dout : (N, F, H_out, W_out); w : (F, C, HH, WW); x_shape : (N, C, H, W).
    Returns dx : (N, C, H, W).
    Derived in ``notebooks/05b-stride-dilation-transposed.ipynb``.
    """
    w = np.asarray(w, dtype=float)
    F, C, HH, WW = w.shape
    g = solution_flipped_input(dout, x_shape, (HH, WW), stride, padding)
    w_rot = w[:, :, ::-1, ::-1]  # (F, C, HH, WW), rotated by 180°
    N, _, H, W = x_shape
    dx = np.zeros((N, C, H, W))
    for q in range(H):
        for r in range(W):
            patch = g[:, :, q : q + HH, r : r + WW]  # (N, F, HH, WW)
            dx[:, :, q, r] = np.einsum("nfuv,fcuv->nc", patch, w_rot)
    return dx


def _dx_reference(dout, w, x_shape, stride, padding):
    x = np.zeros(x_shape)
    return _conv.conv2d_backward_naive(dout, x, w, stride, padding)[0]


@checker
def check_dx_flipped(learner) -> CheckReport:
    """Check ``learner(dout, w, x_shape, stride, padding) -> dx`` against the naive loops."""
    rng = np.random.default_rng(503)

    def case(desc, x_shape, w_shape, s, p):
        x = np.zeros(x_shape)
        w = rng.normal(size=w_shape)
        out = _conv.conv2d_forward(x, w, np.zeros(w_shape[0]), s, p)
        return Case(desc, (rng.normal(size=out.shape), w, x_shape, s, p))

    cases = [
        case("stride 1, no padding, one channel", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
        case("non-symmetric 2×3 kernel, padding 1", (1, 1, 5, 6), (1, 1, 2, 3), 1, 1),
        case("stride 2, 7×7 input", (1, 1, 7, 7), (1, 1, 3, 3), 2, 0),
        case("stride 2, 6×6 input: the last row gets no gradient", (1, 1, 6, 6), (1, 1, 3, 3), 2, 0),
        case("3 input and 2 output channels: channels swap", (1, 3, 5, 5), (2, 3, 3, 3), 1, 1),
        case("2 input and 2 output channels: the right shape even if in and out are not swapped",
             (1, 2, 5, 5), (2, 2, 3, 3), 1, 1),
        case("batch 2, stride (2, 3), padding (1, 2)", (2, 2, 7, 8), (3, 2, 3, 2), (2, 3), (1, 2)),
    ]

    def not_rotated(dout, w, x_shape, s, p):
        return _dx_reference(dout, w[:, :, ::-1, ::-1], x_shape, s, p)

    def not_swapped(dout, w, x_shape, s, p):
        return _dx_reference(dout, w.transpose(1, 0, 2, 3), x_shape, s, p)

    def no_insertion(dout, w, x_shape, s, p):
        F, C, HH, WW = w.shape
        g = solution_flipped_input(dout, x_shape, (HH, WW), 1, p)
        w_rot = w[:, :, ::-1, ::-1]
        N, _, H, W = x_shape
        return np.stack([np.stack([np.einsum("nfuv,fcuv->nc", g[:, :, q : q + HH, r : r + WW], w_rot)
                                   for r in range(W)], axis=-1) for q in range(H)], axis=-2)

    def ring_kept(dout, w, x_shape, s, p):
        (ph, pw) = int_pair(p)
        N, C, H, W = x_shape
        return _dx_reference(dout, w, (N, C, H + 2 * ph, W + 2 * pw), s, 0)

    mistakes = [
        Mistake("the kernel not rotated: dx correlates the prepared dout with w rotated by 180° "
                "(w[:, :, ::-1, ::-1])", not_rotated),
        Mistake("in and out channels not swapped: input channel c collects Σ_f over the filters, "
                "with w_rot[f, c], not w_rot[c, f]", not_swapped),
        Mistake("the stride ignored: dout needs s − 1 zeros inserted between its entries first", no_insertion),
        Mistake("the padding ring not discarded: dx has the shape of x", ring_kept),
    ]
    return check_function("Exercise 3: dx with the flipped kernel", learner, _dx_reference, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_conv_matrix(w, x_hw, stride, padding):
    """The convolution as a matrix: ``C @ x[0, 0].ravel() == out[0, 0].ravel()``.

    One input and one output channel. w : (1, 1, HH, WW); x_hw : (H, W).
    Returns C : (H_out·W_out, H·W). Row ``i·W_out + j`` holds ``w`` placed at window (i, j)
    (entries that fall in the padding ring are dropped). Then ``dx = Cᵀ @ dout``.
    Derived in ``notebooks/05b-stride-dilation-transposed.ipynb``.
    """
    w = np.asarray(w, dtype=float)
    H, W = x_hw
    HH, WW = w.shape[2:]
    (sh, sw), (ph, pw) = int_pair(stride), int_pair(padding)
    Ho = (H + 2 * ph - HH) // sh + 1
    Wo = (W + 2 * pw - WW) // sw + 1
    C = np.zeros((Ho * Wo, H * W))
    for i in range(Ho):
        for j in range(Wo):
            for u in range(HH):
                for v in range(WW):
                    q, r = i * sh + u - ph, j * sw + v - pw
                    if 0 <= q < H and 0 <= r < W:
                        C[i * Wo + j, q * W + r] = w[0, 0, u, v]
    return C


def _conv_matrix_reference(w, x_hw, stride, padding):
    """Column k of C is the output for the k-th unit input (a different route from the solution)."""
    H, W = x_hw
    basis = np.eye(H * W).reshape(H * W, 1, H, W)
    out = _conv.conv2d_forward(basis, w, np.zeros(1), stride, padding)  # (H·W, 1, Ho, Wo)
    return out.reshape(H * W, -1).T


@checker
def check_conv_matrix(learner) -> CheckReport:
    """Check ``learner(w, x_hw, stride, padding) -> C`` column by column."""
    rng = np.random.default_rng(504)
    cases = [
        Case("3×3 kernel on 4×4 input", (rng.normal(size=(1, 1, 3, 3)), (4, 4), 1, 0)),
        Case("padding 1", (rng.normal(size=(1, 1, 3, 3)), (4, 4), 1, 1)),
        Case("stride 2 on 5×5", (rng.normal(size=(1, 1, 3, 3)), (5, 5), 2, 0)),
        Case("stride 2 on 6×5: a dropped row", (rng.normal(size=(1, 1, 2, 2)), (6, 5), 2, 0)),
        Case("non-square 2×3 kernel, stride (1, 2), padding (1, 0)",
             (rng.normal(size=(1, 1, 2, 3)), (4, 7), (1, 2), (1, 0))),
    ]
    mistakes = [
        Mistake("a transposed result: C has one row per output (H_out·W_out rows) and one column "
                "per input (H·W columns); Cᵀ is the backward pass",
                lambda *args: _conv_matrix_reference(*args).T),
        Mistake("the kernel rotated: row i·W_out + j holds w itself at window (i, j), as the forward "
                "pass is a cross-correlation",
                lambda w, hw, s, p: _conv_matrix_reference(np.asarray(w)[:, :, ::-1, ::-1], hw, s, p)),
    ]
    return check_function("Exercise 4: the convolution matrix", learner, _conv_matrix_reference, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "zero_insert": (
        "With stride s, neighbouring outputs are s input rows apart. Spread dout out so that its "
        "entries are s apart too, with zeros in between.",
        "The result has (H_out − 1)·s + 1 rows and (W_out − 1)·s + 1 columns; entry (i, j) goes to "
        "(i·s, j·s). Allocate zeros, then assign with a strided slice.",
        "out = np.zeros((N, F, (Ho - 1)*sh + 1, (Wo - 1)*sw + 1)); out[:, :, ::sh, ::sw] = dout; return out",
    ),
    "flipped_input": (
        "Start from the zero-inserted dout. The full correlation needs k − 1 − p rows of zeros "
        "before it; the result must end up H + HH − 1 rows high.",
        "dout[i] lands at row i·s + (k − 1 − p) of a zero array of shape (N, F, H + HH − 1, W + WW − 1). "
        "Rows the forward pass never reached are just more zeros at the bottom; a negative "
        "k − 1 − p crops instead.",
        "out = zeros((N, F, H + kh - 1, W + kw - 1)); for each i, j: r = i*sh + kh - 1 - ph, "
        "c = j*sw + kw - 1 - pw; if the position is inside: out[:, :, r, c] = dout[:, :, i, j]",
    ),
    "dx_flipped": (
        "Three steps: prepare dout (exercise 2), rotate the kernel (notebook 05's exercise 1), then run a "
        "stride-1 cross-correlation whose output has the shape of x.",
        "In that correlation the roles of the channels swap: the 'filters' are the input channels "
        "c, and each sums over the F channels of dout with w_rot[f, c].",
        "g = my_flipped_input(dout, x_shape, (HH, WW), stride, padding); w_rot = w[:, :, ::-1, ::-1]; "
        "dx[:, :, q, r] = np.einsum('nfuv,fcuv->nc', g[:, :, q:q+HH, r:r+WW], w_rot)",
    ),
    "conv_matrix": (
        "C has one row per output position and one column per input pixel. Row i·W_out + j says "
        "which inputs output (i, j) reads, and with which weight.",
        "Output (i, j) reads input (i·s + u − p, j·s + v − p) with weight w[0, 0, u, v]; skip the "
        "taps that fall in the padding ring (outside 0 … H − 1 or 0 … W − 1).",
        "C = zeros((Ho*Wo, H*W)); for i, j, u, v: q, r = i*sh + u - ph, j*sw + v - pw; "
        "if inside: C[i*Wo + j, q*W + r] = w[0, 0, u, v]",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

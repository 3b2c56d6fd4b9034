"""Exercises of ``notebooks/11-transposed-convolution.ipynb``: reference solutions and checkers.

Each ``check_*`` function calls the learner's function on hidden cases (stride 2 and 3, a kernel
the stride does not divide, padding that crops, output_padding, several channels with
``C_in ≠ C_out``, batch > 1) and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`. Each case's description names the
pitfall it tests, so a failing case says what to look at.

Shapes (notation of notebook 11): x (N, C_in, H, W), w (C_in, C_out, HH, WW) (PyTorch's layout
for transposed convolutions: input channel first), out and dout (N, C_out, H_out, W_out),
``H_out = (H − 1)·s − 2p + d·(HH − 1) + output_padding + 1``.

The reference solutions are plain loops written for reading; the checkers compare with the
package's :func:`~conv_backprop.conv_transpose2d_forward` and
:func:`~conv_backprop.conv_transpose2d_backward` (another route to the same numbers).
"""

from __future__ import annotations

import numpy as np

from .. import transposed as _tr
from .checking import Case, CheckReport, check_function, checker, int_pair

__all__ = [
    "solution_output_size",
    "check_output_size",
    "solution_scatter_forward",
    "check_scatter_forward",
    "solution_correlation_forward",
    "check_correlation_forward",
    "solution_transposed_backward",
    "check_transposed_backward",
    "solution_overlap_counts",
    "check_overlap_counts",
]


def _shape_out(x_shape, w_shape, s, p, op, d=1):
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = int_pair(s), int_pair(p), int_pair(op), int_pair(d)
    Ho = (x_shape[2] - 1) * sh - 2 * ph + dh * (w_shape[2] - 1) + oh + 1
    Wo = (x_shape[3] - 1) * sw - 2 * pw + dw * (w_shape[3] - 1) + ow + 1
    return (x_shape[0], w_shape[1], Ho, Wo)


# --------------------------------------------------------------------------- exercise 1


def solution_output_size(n, k, stride, padding, output_padding, dilation):
    """The output size of a transposed convolution along one axis.

    The last input entry's kernel copy starts at ``(n − 1)·s`` and spans ``d·(k − 1) + 1``
    entries; the padding crops ``p`` on each side and output_padding adds ``op`` at the end:
    ``(n − 1)·s − 2p + d·(k − 1) + op + 1``.
    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    return (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


def _output_size_reference(n, k, stride, padding, output_padding, dilation):
    # another route: the package's function, which also checks PyTorch's rules
    return _tr.conv_transpose2d_output_size(n, k, stride, padding, output_padding, dilation)


@checker
def check_output_size(learner) -> CheckReport:
    """Check ``learner(n, k, stride, padding, output_padding, dilation) -> int``."""
    cases = [
        Case("stride 1, no padding: n + k − 1 (the 'full' size)", (4, 3, 1, 0, 0, 1)),
        Case("stride 2, kernel 3: copies start 2 apart", (3, 3, 2, 0, 0, 1)),
        Case("stride 2, kernel 4, padding 1: the usual 'upsample by 2' (2n)", (5, 4, 2, 1, 0, 1)),
        Case("padding crops p on BOTH sides (−2p)", (4, 3, 1, 1, 0, 1)),
        Case("output_padding adds rows at one end only (+op, not +2op)", (3, 3, 2, 1, 1, 1)),
        Case("dilation 2 spreads the kernel copy over d·(k − 1) + 1 entries", (3, 3, 1, 0, 0, 2)),
        Case("stride 3, 1×1 kernel: gaps between the copies", (4, 1, 3, 0, 2, 1)),
    ]
    return check_function("Exercise 1: the output size", learner, _output_size_reference, cases)


# --------------------------------------------------------------------------- exercise 2


def solution_scatter_forward(x, w, stride, padding, output_padding):
    """A transposed convolution by scattering (dilation 1, no bias).

    x : (N, C_in, H, W); w : (C_in, C_out, HH, WW); stride, padding, output_padding : int or pair.
    Returns out : (N, C_out, H_out, W_out). Every input entry ``x[n, c, i, j]`` adds
    ``x[n, c, i, j]·w[c]`` at rows ``i·s + u − p``, columns ``j·s + v − p`` of the output;
    positions outside it are dropped.
    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    (sh, sw), (ph, pw) = int_pair(stride), int_pair(padding)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    shape = _shape_out(x.shape, w.shape, stride, padding, output_padding)
    # a buffer with the padding ring, cropped at the end
    buf = np.zeros((N, C_out, shape[2] + 2 * ph, shape[3] + 2 * pw))
    for i in range(H):
        for j in range(W):
            # (N, C_in) · (C_in, C_out, HH, WW) → (N, C_out, HH, WW): the copies of every channel
            block = np.einsum("nc,cohw->nohw", x[:, :, i, j], w)
            buf[:, :, i * sh : i * sh + HH, j * sw : j * sw + WW] += block
    return buf[:, :, ph : ph + shape[2], pw : pw + shape[3]]


def _forward_reference(x, w, stride, padding, output_padding):
    return _tr.conv_transpose2d_forward(x, w, np.zeros(np.shape(w)[1]), stride, padding, output_padding)


def _forward_cases(rng):
    def case(desc, x_shape, w_shape, s, p, op):
        return Case(desc, (rng.normal(size=x_shape), rng.normal(size=w_shape), s, p, op))

    return [
        case("stride 1, no padding, one channel", (1, 1, 3, 3), (1, 1, 2, 2), 1, 0, 0),
        case("stride 2, kernel 3: neighbouring copies overlap by one row/column", (1, 1, 3, 4), (1, 1, 3, 3), 2, 0, 0),
        case("stride 3, kernel 2: gaps between the copies stay 0", (1, 1, 2, 3), (1, 1, 2, 2), 3, 0, 0),
        case("padding 1 crops one row/column on every side", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 0),
        case("output_padding 1 adds a row and a column at the bottom/right", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 1),
        case("C_in = 2, C_out = 3: w is (C_in, C_out, HH, WW), input channel first", (1, 2, 3, 2), (2, 3, 2, 3), 2, 0, 0),
        case("batch 2, stride (2, 1), padding (1, 0), output_padding (1, 0)", (2, 2, 3, 3), (2, 1, 3, 2), (2, 1), (1, 0), (1, 0)),
    ]


@checker
def check_scatter_forward(learner) -> CheckReport:
    """Check ``learner(x, w, stride, padding, output_padding) -> out`` against
    :func:`conv_backprop.conv_transpose2d_forward`."""
    return check_function("Exercise 2: the scatter forward pass", learner, _forward_reference,
                          _forward_cases(np.random.default_rng(1101)))


# --------------------------------------------------------------------------- exercise 3


def solution_correlation_forward(x, w, stride, padding, output_padding):
    """The same transposed convolution as an ordinary stride-1 convolution (dilation 1).

    Insert ``s − 1`` zeros between the entries of x, pad by ``k − 1 − p`` on the top/left and by
    ``k − 1 − p + op`` on the bottom/right (crop when negative), then cross-correlate with the
    kernel rotated by 180° whose channel axes are swapped, ``w[:, :, ::-1, ::-1].transpose(1, 0,
    2, 3)`` of shape (C_out, C_in, HH, WW).
    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    (sh, sw), (ph, pw), (oh, ow) = int_pair(stride), int_pair(padding), int_pair(output_padding)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    # zero insertion with the full k − 1 padding, then crop p (more rows at the end: op)
    full = np.zeros((N, C_in, (H - 1) * sh + 1 + 2 * (HH - 1) + oh, (W - 1) * sw + 1 + 2 * (WW - 1) + ow))
    full[:, :, HH - 1 : HH - 1 + (H - 1) * sh + 1 : sh, WW - 1 : WW - 1 + (W - 1) * sw + 1 : sw] = x
    z = full[:, :, ph : full.shape[2] - ph, pw : full.shape[3] - pw]
    w_rot = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_out, C_in, HH, WW)
    Ho, Wo = z.shape[2] - HH + 1, z.shape[3] - WW + 1
    out = np.zeros((N, C_out, Ho, Wo))
    for r in range(Ho):
        for q in range(Wo):
            out[:, :, r, q] = np.einsum("nchw,ochw->no", z[:, :, r : r + HH, q : q + WW], w_rot)
    return out


@checker
def check_correlation_forward(learner) -> CheckReport:
    """Check ``learner(x, w, stride, padding, output_padding) -> out`` against
    :func:`conv_backprop.conv_transpose2d_forward` (the scatter route)."""
    rng = np.random.default_rng(1102)
    cases = _forward_cases(rng)
    cases.insert(1, Case("a kernel that is not symmetric: forgot to rotate it by 180°?",
                         (rng.normal(size=(1, 1, 2, 2)), np.arange(1.0, 7.0).reshape(1, 1, 2, 3), 1, 0, 0)))
    cases.append(Case("padding 3 > k − 1 = 1: crop instead of pad",
                      (rng.normal(size=(1, 1, 5, 5)), rng.normal(size=(1, 1, 2, 2)), 2, 3, 0)))
    return check_function("Exercise 3: the correlation view", learner, _forward_reference, cases)


# --------------------------------------------------------------------------- exercise 4


def solution_transposed_backward(dout, x, w, stride, padding, output_padding):
    """The backward pass of a transposed convolution (dilation 1), with plain loops.

    dout : (N, C_out, H_out, W_out); x : (N, C_in, H, W); w : (C_in, C_out, HH, WW).
    Returns (dx, dw, db): ``dx[n, c, i, j]`` is the dot product of ``w[c]`` with the block of
    the (zero-)padded dout that x[n, c, i, j]'s kernel copy landed on (a convolution's forward
    pass), ``dw[c]`` sums ``x[n, c, i, j]`` times those blocks, ``db`` sums dout.
    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    (sh, sw), (ph, pw) = int_pair(stride), int_pair(padding)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    dpad = np.zeros((N, C_out, Ho + 2 * ph, Wo + 2 * pw))
    dpad[:, :, ph : ph + Ho, pw : pw + Wo] = dout
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i in range(H):
        for j in range(W):
            block = dpad[:, :, i * sh : i * sh + HH, j * sw : j * sw + WW]  # (N, C_out, HH, WW)
            dx[:, :, i, j] = np.einsum("nohw,cohw->nc", block, w)
            dw += np.einsum("nc,nohw->cohw", x[:, :, i, j], block)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _backward_reference(dout, x, w, stride, padding, output_padding):
    return _tr.conv_transpose2d_backward(dout, x, w, stride, padding, output_padding)


@checker
def check_transposed_backward(learner) -> CheckReport:
    """Check ``learner(dout, x, w, stride, padding, output_padding) -> (dx, dw, db)`` against
    :func:`conv_backprop.conv_transpose2d_backward`."""
    rng = np.random.default_rng(1103)

    def case(desc, x_shape, w_shape, s, p, op):
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
        dout = rng.normal(size=_shape_out(x_shape, w_shape, s, p, op))
        return Case(desc, (dout, x, w, s, p, op))

    cases = [
        case("stride 1, no padding, one channel", (1, 1, 3, 3), (1, 1, 2, 2), 1, 0, 0),
        case("stride 2, kernel 3: the copies overlapped, each input still reads its own block", (1, 1, 3, 3), (1, 1, 3, 3), 2, 0, 0),
        case("padding 1: the cropped ring had no gradient (dout is 0 there)", (1, 1, 3, 4), (1, 1, 3, 3), 2, 1, 0),
        case("output_padding 1: the extra row/column has a gradient too", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 1),
        case("C_in = 2, C_out = 3: dw has w's layout (C_in, C_out, HH, WW)", (1, 2, 3, 3), (2, 3, 2, 2), 2, 0, 0),
        case("batch 2: dw and db sum over the batch", (2, 2, 2, 3), (2, 1, 3, 2), (2, 3), (1, 0), (1, 2)),
    ]
    return check_function("Exercise 4: the backward pass", learner, _backward_reference, cases,
                          names=("dx", "dw", "db"))


# --------------------------------------------------------------------------- exercise 5


def solution_overlap_counts(n, k, stride):
    """How many kernel copies land on each output position of a 1-D transposed convolution
    (no padding, dilation 1): an int array of length ``(n − 1)·s + k``.
    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    counts = np.zeros((n - 1) * stride + k, dtype=int)
    for i in range(n):
        counts[i * stride : i * stride + k] += 1
    return counts


def _overlap_reference(n, k, stride):
    ones = _tr.conv_transpose2d_forward(np.ones((1, 1, 1, n)), np.ones((1, 1, 1, k)), np.zeros(1), (1, stride))
    return ones[0, 0, 0].round().astype(int)


@checker
def check_overlap_counts(learner) -> CheckReport:
    """Check ``learner(n, k, stride) -> counts`` against the package's transposed convolution
    of ones by ones."""
    cases = [
        Case("stride 1: counts rise to min(n, k) and fall again", (4, 3, 1)),
        Case("stride 2, kernel 3: 1, 1, 2, 1, 2, … — uneven: the checkerboard", (4, 3, 2)),
        Case("stride 2, kernel 4: even (2) away from the ends", (4, 4, 2)),
        Case("stride 3, kernel 2: gaps of 0", (3, 2, 3)),
        Case("stride 3, kernel 5: 2, 2, 1 repeating in the middle", (4, 5, 3)),
        Case("one input: a single copy of the kernel", (1, 3, 2)),
    ]
    return check_function("Exercise 5: overlap counts", learner, _overlap_reference, cases)

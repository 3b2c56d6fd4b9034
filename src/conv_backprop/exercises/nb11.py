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
:func:`~conv_backprop.conv_transpose2d_backward` (another route to the same numbers). When a
result matches a classic wrong answer of this layer (the weights read in a convolution's
``(C_out, C_in, …)`` layout, the kernel not rotated in the correlation view, no zero insertion,
padding added instead of cropped, output_padding ignored or at the wrong end, a transposed
result, …) the report names it. ``ex.hint("scatter_forward")``, ``ex.solution(…)`` and
``ex.progress()`` give help on demand (see :mod:`conv_backprop.exercises`).
"""

from __future__ import annotations

import numpy as np

from .. import transposed as _tr
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help, int_pair

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
    "hint",
    "solution",
    "progress",
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
        Case("stride 2, kernel 4, padding 1: 2n, the usual 'upsample by 2' (the padding crops)", (5, 4, 2, 1, 0, 1)),
        Case("padding crops p on BOTH sides (−2p)", (4, 3, 1, 1, 0, 1)),
        Case("output_padding adds rows at one end only (+op, not +2op)", (3, 3, 3, 1, 2, 1)),
        Case("dilation 2 spreads the kernel copy over d·(k − 1) + 1 entries", (3, 3, 1, 0, 0, 2)),
        Case("stride 3, 1×1 kernel: gaps between the copies", (4, 1, 3, 0, 2, 1)),
    ]
    mistakes = [
        Mistake("the convolution's formula ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1: a transposed convolution "
                "maps sizes the other way, (n − 1)·s − 2p + d·(k − 1) + op + 1",
                lambda n, k, s, p, op, d: (n + 2 * p - d * (k - 1) - 1) // s + 1),
        Mistake("padding added instead of cropped (+2p where the padding crops: −2p)",
                lambda n, k, s, p, op, d: (n - 1) * s + 2 * p + d * (k - 1) + op + 1),
        Mistake("padding cropped on one side only (−p instead of −2p)",
                lambda n, k, s, p, op, d: (n - 1) * s - p + d * (k - 1) + op + 1),
        Mistake("output_padding ignored: it adds op rows at the end (+op)",
                lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + 1),
        Mistake("output_padding added on both sides (+2·op instead of +op)",
                lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + 2 * op + 1),
        Mistake("the stride ignored: the copies of neighbouring inputs start s apart, (n − 1)·s",
                lambda n, k, s, p, op, d: (n - 1) - 2 * p + d * (k - 1) + op + 1),
        Mistake("the dilation ignored: a kernel copy spans d·(k − 1) + 1 entries, not k",
                lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + (k - 1) + op + 1),
        Mistake("the + 1 forgotten: the last copy starts at (n − 1)·s and covers d·(k − 1) + 1 entries",
                lambda n, k, s, p, op, d: (n - 1) * s - 2 * p + d * (k - 1) + op),
    ]
    return check_function("Exercise 1: the output size", learner, _output_size_reference, cases,
                          mistakes=mistakes)


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
        case("stride 1, kernel 2, one channel: the copies overlap and add up", (1, 1, 3, 3), (1, 1, 2, 2), 1, 0, 0),
        case("stride 2, kernel 3: neighbouring copies overlap by one row/column", (1, 1, 3, 4), (1, 1, 3, 3), 2, 0, 0),
        case("stride 3, kernel 2: gaps between the copies stay 0", (1, 1, 2, 3), (1, 1, 2, 2), 3, 0, 0),
        case("padding 1 crops one row/column on every side", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 0),
        case("output_padding 1 adds a row and a column at the bottom/right", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 1),
        case("C_in = 2, C_out = 3: w is (C_in, C_out, HH, WW), input channel first", (1, 2, 3, 2), (2, 3, 2, 3), 2, 0, 0),
        case("C_in = C_out = 2: w[c, o] takes input channel c to output channel o, not w[o, c]",
             (1, 2, 3, 3), (2, 2, 2, 2), 2, 0, 0),
        case("batch 2, rows and columns set apart: stride (2, 1), padding (1, 0), output_padding (1, 0)",
             (2, 2, 3, 3), (2, 1, 3, 2), (2, 1), (1, 0), (1, 0)),
    ]


def _scatter_variant(x, w, stride, padding, output_padding, *, conv_layout=False, rotated=False,
                     assign=False, stride_one=False, padding_mode="crop", op_mode="end"):
    """A classic wrong answer of exercise 2, as a learner's scatter loop computes it (for the
    checker's diagnosis; not a solution). ``conv_layout``: w read as (C_out, C_in, HH, WW);
    ``rotated``: the kernel scattered rotated by 180°; ``assign``: ``=`` instead of ``+=``;
    ``stride_one``: copy (i, j) placed at (i, j), not (i·s, j·s); ``padding_mode``: "crop" (right),
    "none" (nothing cropped) or "ring" (p zeros added around); ``op_mode``: "end" (right), "start"
    (the extra rows and columns at the top/left) or "none" (ignored)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    (sh, sw), (ph, pw), (oh, ow) = int_pair(stride), int_pair(padding), int_pair(output_padding)
    if rotated:
        w = w[:, :, ::-1, ::-1]
    N, _, H, W = x.shape
    HH, WW = w.shape[2:]
    C_out = w.shape[0] if conv_layout else w.shape[1]
    A, B = (H - 1) * sh + HH, (W - 1) * sw + WW  # the uncropped output
    ext = np.zeros((N, C_out, A + oh, B + ow))
    r0, c0 = (oh, ow) if op_mode == "start" else (0, 0)
    spec = "nc,ochw->nohw" if conv_layout else "nc,cohw->nohw"
    for i in range(H):
        for j in range(W):
            block = np.einsum(spec, x[:, :, i, j], w)
            r = r0 + (i if stride_one else i * sh)
            c = c0 + (j if stride_one else j * sw)
            if assign:
                ext[:, :, r : r + HH, c : c + WW] = block
            else:
                ext[:, :, r : r + HH, c : c + WW] += block
    if op_mode == "none":
        ext = ext[:, :, :A, :B]
    if padding_mode == "none":
        return ext
    if padding_mode == "ring":
        return np.pad(ext, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return ext[:, :, ph : ext.shape[2] - ph, pw : ext.shape[3] - pw]


def _transposed_result(x, w, stride, padding, output_padding):
    return _forward_reference(x, w, stride, padding, output_padding).swapaxes(2, 3)


_TRANSPOSED_RESULT = ("a transposed result: rows and columns swapped; out is (N, C_out, H_out, W_out), "
                      "rows before columns")
_OP_IGNORED = "output_padding ignored: it adds op rows at the bottom and op columns at the right"
_OP_WRONG_SIDE = ("output_padding applied on the wrong side: its extra rows go at the bottom and its "
                  "columns at the right, not at the top/left")


@checker
def check_scatter_forward(learner) -> CheckReport:
    """Check ``learner(x, w, stride, padding, output_padding) -> out`` against
    :func:`conv_backprop.conv_transpose2d_forward`."""
    def variant(**kw):
        return lambda x, w, s, p, op: _scatter_variant(x, w, s, p, op, **kw)

    mistakes = [
        Mistake("the weights read in a convolution's (C_out, C_in, HH, WW) layout: a transposed "
                "convolution stores them (C_in, C_out, HH, WW), so input channel c scatters w[c, o] "
                "into output channel o", variant(conv_layout=True)),
        Mistake("`=` instead of `+=`: where kernel copies overlap they add up", variant(assign=True)),
        Mistake("the stride ignored: input entry (i, j)'s copy starts at row i·s, column j·s",
                variant(stride_one=True)),
        Mistake("the kernel rotated by 180°: the scatter view places w[c, o, u, v] at offset (u, v) "
                "as it is", variant(rotated=True)),
        Mistake("the padding not cropped: it removes p rows and columns on every side of the output",
                variant(padding_mode="none")),
        Mistake("padding added instead of cropped: a transposed convolution's padding removes p rows "
                "and columns on every side", variant(padding_mode="ring")),
        Mistake(_OP_IGNORED, variant(op_mode="none")),
        Mistake(_OP_WRONG_SIDE, variant(op_mode="start")),
        Mistake(_TRANSPOSED_RESULT, _transposed_result),
    ]
    return check_function("Exercise 2: the scatter forward pass", learner, _forward_reference,
                          _forward_cases(np.random.default_rng(1101)), mistakes=mistakes)


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


def _correlation_variant(x, w, stride, padding, output_padding, *, rotate=True, swap=True,
                         insert=True, pad_added=False, op_mode="end"):
    """A classic wrong answer of exercise 3, as a learner's correlation computes it (for the
    checker's diagnosis; not a solution): ``rotate`` / ``swap`` False leave the kernel unrotated /
    its channel axes unswapped; ``insert`` False skips the zero insertion; ``pad_added`` pads by
    k − 1 + p instead of k − 1 − p; ``op_mode`` "end" (right), "start" or "none"."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    (sh, sw), (ph, pw), (oh, ow) = int_pair(stride), int_pair(padding), int_pair(output_padding)
    N, C_in, H, W = x.shape
    HH, WW = w.shape[2:]
    if insert:
        xz = np.zeros((N, C_in, (H - 1) * sh + 1, (W - 1) * sw + 1))
        xz[:, :, ::sh, ::sw] = x
    else:
        xz = x
    sign = 1 if pad_added else -1
    top, left = HH - 1 + sign * ph, WW - 1 + sign * pw
    bottom, right = top, left
    if op_mode == "end":
        bottom, right = bottom + oh, right + ow
    elif op_mode == "start":
        top, left = top + oh, left + ow
    z = np.pad(xz, ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))))
    z = z[:, :, max(-top, 0) : z.shape[2] - max(-bottom, 0), max(-left, 0) : z.shape[3] - max(-right, 0)]
    kernel = w[:, :, ::-1, ::-1] if rotate else w
    kernel = kernel.transpose(1, 0, 2, 3) if swap else kernel  # used as (C_out, C_in, HH, WW)
    Ho, Wo = z.shape[2] - HH + 1, z.shape[3] - WW + 1
    out = np.zeros((N, kernel.shape[0], Ho, Wo))
    for r in range(Ho):
        for q in range(Wo):
            out[:, :, r, q] = np.einsum("nchw,ochw->no", z[:, :, r : r + HH, q : q + WW], kernel)
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

    def variant(**kw):
        return lambda x, w, s, p, op: _correlation_variant(x, w, s, p, op, **kw)

    mistakes = [
        Mistake("the kernel not rotated by 180° in the correlation view: correlate with "
                "w[:, :, ::-1, ::-1]", variant(rotate=False)),
        Mistake("the weights read in a convolution's (C_out, C_in, HH, WW) layout: w is (C_in, C_out, "
                "HH, WW), so the correlation's weights are w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
                variant(swap=False)),
        Mistake("zero insertion missing (the stride ignored): s − 1 zeros go between neighbouring "
                "entries of x", variant(insert=False)),
        Mistake("padding added instead of cropped: pad by k − 1 − p, not k − 1 + p", variant(pad_added=True)),
        Mistake(_OP_IGNORED + " (op more zeros at the bottom/right of z)", variant(op_mode="none")),
        Mistake(_OP_WRONG_SIDE, variant(op_mode="start")),
        Mistake(_TRANSPOSED_RESULT, _transposed_result),
    ]
    return check_function("Exercise 3: the correlation view", learner, _forward_reference, cases,
                          mistakes=mistakes)


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


def _backward_variant(dout, x, w, stride, padding, output_padding, *, conv_layout=False, rotated=False,
                      stride_one=False, unshifted=False, op_dropped=False, dw_conv_layout=False, mean=False):
    """A classic wrong answer of exercise 4 (for the checker's diagnosis; not a solution):
    ``conv_layout``: dx pairs the blocks with w read as (C_out, C_in, …); ``rotated``: dx uses the
    kernel rotated by 180°; ``stride_one``: entry (i, j) reads the block at (i, j); ``unshifted``:
    dout not shifted by the padding; ``op_dropped``: the output_padding rows and columns of dout
    left out; ``dw_conv_layout``: dw returned as (C_out, C_in, …); ``mean``: dw and db averaged
    over the batch."""
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    (sh, sw), (ph, pw), (oh, ow) = int_pair(stride), int_pair(padding), int_pair(output_padding)
    N, _, H, W = x.shape
    HH, WW = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    d = dout.copy()
    if op_dropped:
        d[:, :, Ho - oh :, :] = 0.0
        d[:, :, :, Wo - ow :] = 0.0
    dpad = np.zeros((N, dout.shape[1], Ho + 2 * ph, Wo + 2 * pw))
    if unshifted:
        dpad[:, :, :Ho, :Wo] = d
    else:
        dpad[:, :, ph : ph + Ho, pw : pw + Wo] = d
    wx = w[:, :, ::-1, ::-1] if rotated else w
    spec = "nohw,ochw->nc" if conv_layout else "nohw,cohw->nc"
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i in range(H):
        for j in range(W):
            r, c = (i, j) if stride_one else (i * sh, j * sw)
            block = dpad[:, :, r : r + HH, c : c + WW]
            dx[:, :, i, j] = np.einsum(spec, block, wx)
            dw += np.einsum("nc,nohw->cohw", x[:, :, i, j], block)
    db = dout.sum(axis=(0, 2, 3))
    if dw_conv_layout:
        dw = dw.transpose(1, 0, 2, 3)
    if mean:
        dw, db = dw / N, db / N
    return dx, dw, db


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
        case("stride 1, kernel 2, one channel: dx reads w as it is (a correlation, no rotation)",
             (1, 1, 3, 3), (1, 1, 2, 2), 1, 0, 0),
        case("stride 2, kernel 3: the copies overlapped, each input still reads its own block", (1, 1, 3, 3), (1, 1, 3, 3), 2, 0, 0),
        case("padding 1: the cropped ring had no gradient (dout is 0 there)", (1, 1, 3, 4), (1, 1, 3, 3), 2, 1, 0),
        case("output_padding 1: the extra row/column has a gradient too", (1, 1, 3, 3), (1, 1, 3, 3), 2, 1, 1),
        case("C_in = 2, C_out = 3: dw has w's layout (C_in, C_out, HH, WW)", (1, 2, 3, 3), (2, 3, 2, 2), 2, 0, 0),
        case("C_in = C_out = 2: dx[n, c] pairs the blocks with w[c], not w[:, c]", (1, 2, 3, 3), (2, 2, 2, 2), 2, 1, 0),
        case("batch 2: dw and db sum over the batch", (2, 2, 2, 3), (2, 1, 3, 2), (2, 3), (1, 0), (1, 2)),
    ]

    def variant(**kw):
        return lambda dout, x, w, s, p, op: _backward_variant(dout, x, w, s, p, op, **kw)

    mistakes = [
        Mistake("w read in a convolution's (C_out, C_in, HH, WW) layout: w is (C_in, C_out, HH, WW), "
                "so dx[n, c] pairs each block with w[c]", variant(conv_layout=True)),
        Mistake("dw in a convolution's (C_out, C_in, HH, WW) layout: dw has w's layout "
                "(C_in, C_out, HH, WW)", variant(dw_conv_layout=True)),
        Mistake("the kernel rotated in dx: dx is a convolution's forward pass over dout, a plain "
                "correlation with w (the rotation belongs to the other direction)", variant(rotated=True)),
        Mistake("the stride ignored: input entry (i, j)'s copy landed at row i·s, column j·s, so it "
                "reads the block there", variant(stride_one=True)),
        Mistake("the padding ignored: x[n, c, i, j]'s copy landed on rows i·s + u − p of dout, so pad "
                "dout by p zeros before reading the block at row i·s", variant(unshifted=True)),
        Mistake("output_padding's rows and columns left out: they are part of the output, and their "
                "dout reaches x and w", variant(op_dropped=True)),
        Mistake("dw and db averaged over the batch instead of summed (off by a factor of N)",
                variant(mean=True)),
    ]
    return check_function("Exercise 4: the backward pass", learner, _backward_reference, cases,
                          names=("dx", "dw", "db"), mistakes=mistakes)


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


def _counts_variant(n, k, s, *, stride_one=False, assign=False):
    counts = np.zeros((n - 1) * s + k, dtype=int)
    for i in range(n):
        start = i if stride_one else i * s
        if assign:
            counts[start : start + k] = 1
        else:
            counts[start : start + k] += 1
    return counts


def _counts_upsample_length(n, k, s):
    counts = _overlap_reference(n, k, s)
    return counts[: n * s] if n * s <= len(counts) else np.pad(counts, (0, n * s - len(counts)))


@checker
def check_overlap_counts(learner) -> CheckReport:
    """Check ``learner(n, k, stride) -> counts`` against the package's transposed convolution
    of ones by ones."""
    cases = [
        Case("stride 1: counts rise to min(n, k) and fall again", (4, 3, 1)),
        Case("stride 2, kernel 3: 1, 1, 2, 1, 2, … — uneven: the checkerboard", (4, 3, 2)),
        Case("stride 2, kernel 4: even (2) away from the ends, 1 at the ends", (4, 4, 2)),
        Case("stride 3, kernel 2: gaps of 0", (3, 2, 3)),
        Case("stride 3, kernel 5: 2, 2, 1 repeating in the middle", (4, 5, 3)),
        Case("one input: a single copy of the kernel, k entries long", (1, 3, 2)),
    ]
    mistakes = [
        Mistake("`=` instead of `+=`: where copies overlap the counts add up",
                lambda n, k, s: _counts_variant(n, k, s, assign=True)),
        Mistake("the stride ignored: copy i starts at position i·s",
                lambda n, k, s: _counts_variant(n, k, s, stride_one=True)),
        Mistake("the interior count ⌈k/s⌉ everywhere: near the ends fewer copies land, and where s "
                "does not divide k the count alternates",
                lambda n, k, s: np.full((n - 1) * s + k, -(-k // s), dtype=int)),
        Mistake("the output taken as n·s long (the 'upsample by s' size): it has (n − 1)·s + k positions",
                _counts_upsample_length),
    ]
    return check_function("Exercise 5: overlap counts", learner, _overlap_reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "output_size": (
        "Work along one axis. Input entry i drops a copy of the kernel that starts at position i·s. "
        "Where does the last copy start, and how many entries does one copy cover?",
        "The last copy (i = n − 1) starts at (n − 1)·s and covers d·(k − 1) + 1 entries, so before "
        "cropping the output has (n − 1)·s + d·(k − 1) + 1 entries. The padding crops p at EACH end; "
        "output_padding adds op at the end only.",
        "return (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1",
    ),
    "scatter_forward": (
        "Loop over the input positions (i, j). Each one adds a copy of the kernel, scaled by x there, "
        "into the output. Where does its copy start?",
        "Scatter into a zero buffer that still has the padding ring (H_out + 2p by W_out + 2p). Entry "
        "(i, j) adds to rows i·s … i·s + HH − 1 and columns j·s … j·s + WW − 1; output channel o gets "
        "Σ_c x[n, c, i, j]·w[c, o] (w is (C_in, C_out, HH, WW)). Use +=, then crop p on every side.",
        "buf[:, :, i*sh:i*sh + HH, j*sw:j*sw + WW] += np.einsum('nc,cohw->nohw', x[:, :, i, j], w); "
        "after the loops: return buf[:, :, ph:ph + H_out, pw:pw + W_out]",
    ),
    "correlation_forward": (
        "Build the input z of an ordinary stride-1 correlation from x (zeros between its entries, "
        "zeros around), and a kernel from w. Which two things happen to the kernel?",
        "Easiest: a zero array with k − 1 rows before x, x's rows s apart, k − 1 + op rows after "
        "(the same for columns); then crop p from each end, which leaves k − 1 − p before and "
        "k − 1 − p + op after. The kernel is w rotated by 180° with its channel axes swapped, "
        "(C_out, C_in, HH, WW).",
        "w_rot = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3); out[:, :, r, q] = "
        "np.einsum('nchw,ochw->no', z[:, :, r:r + HH, q:q + WW], w_rot) for r < z.shape[2] − HH + 1 "
        "and q < z.shape[3] − WW + 1",
    ),
    "transposed_backward": (
        "Each x[n, c, i, j] added x[n, c, i, j]·w[c] onto one block of the output. Its gradient reads "
        "back that same block of dout.",
        "Pad dout by p zeros on every side (the cropped ring had no gradient). The copy of "
        "x[n, c, i, j] covered rows i·s … i·s + HH − 1 and columns j·s … j·s + WW − 1 of the padded "
        "dout: dx[n, c, i, j] = Σ over (o, u, v) of block·w[c]; dw[c] adds x[n, c, i, j]·block over "
        "n, i, j; db sums dout over n, rows and columns.",
        "block = dpad[:, :, i*sh:i*sh + HH, j*sw:j*sw + WW]; dx[:, :, i, j] = "
        "np.einsum('nohw,cohw->nc', block, w); dw += np.einsum('nc,nohw->cohw', x[:, :, i, j], block); "
        "db = dout.sum(axis=(0, 2, 3))",
    ),
    "overlap_counts": (
        "Scatter a kernel of ones from an input of ones: each copy adds 1 where it lands.",
        "Start from zeros of length (n − 1)·s + k. Copy i covers positions i·s … i·s + k − 1: add 1 "
        "there (+=: the copies overlap).",
        "counts = np.zeros((n - 1) * stride + k, dtype=int); for i in range(n): "
        "counts[i*stride:i*stride + k] += 1; return counts",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

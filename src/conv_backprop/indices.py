"""Which outputs does one input reach? The index bookkeeping behind ∂L/∂x.

Derived in ``notebooks/03-backward-dx-by-indices.ipynb``.

Along one axis, output ``i`` reads padded input ``i·s + u·d`` through kernel tap ``u`` (``v``
along the columns). Input ``q`` (0-based, unpadded) therefore reaches output ``i`` through tap
``u`` exactly when

    i·s + u·d = q + p,   0 ≤ u < k,   0 ≤ i < n_out.

For ``d = 1`` this solves to an interval, i ∈ [⌈(q + p − k + 1)/s⌉, ⌊(q + p)/s⌋] clamped to
[0, n_out − 1]. The lower bound is a *ceiling*: the StackExchange question "Backpropagation
derivation for a convolutional layer" (Data Science Stack Exchange,
https://datascience.stackexchange.com/questions/102089/backpropagation-derivation-for-a-convolutional-layer)
published a floor. The floor differs from the ceiling whenever ``s`` does not divide the
numerator; once clamped to the valid outputs it is still wrong for those of them past the
first ``f_r`` rows (see :func:`stackexchange_bounds` for the exact condition).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_int, as_pair
from .conv import _check_backward
from .shapes import AxisGeometry

__all__ = [
    "outputs_reached",
    "output_bounds",
    "stackexchange_bounds",
    "stackexchange_bounds_corrected",
    "conv2d_dx_by_indices",
]


def _axis(index, size, kernel_size, stride, padding, dilation, axis="height") -> AxisGeometry:
    index, size, kernel_size, stride, padding, dilation = (
        as_int(value, name) for name, value in dict(index=index, size=size, kernel_size=kernel_size,
                                            stride=stride, padding=padding, dilation=dilation).items()
    )
    if not isinstance(axis, str) or axis not in ("height", "width"):
        raise ValueError(f"axis must be 'height' or 'width'; got {axis!r}")
    g = AxisGeometry(axis, size, kernel_size, stride, padding, dilation)
    if not g.valid:
        raise ValueError(g.reason)
    if not 0 <= index < size:
        raise ValueError(f"index must be in [0, {size - 1}] (an input position); got {index}")
    return g


def outputs_reached(index, size, kernel_size, stride=1, padding=0, dilation=1, *, axis="height") -> list[tuple[int, int]]:
    """All ``(i, u)`` with ``i·stride + u·dilation == index + padding``: the outputs input
    ``index`` reaches along one axis and the kernel tap it meets there (0-based, sorted by i).

    Empty when the input falls between windows (stride > extent) or only in unused rows.
    ``axis`` ("height" or "width") only names rows or columns in error messages.
    """
    g = _axis(index, size, kernel_size, stride, padding, dilation, axis)
    index = as_int(index, "index")
    pairs = []
    for u in range(g.kernel_size):
        offset = index + g.padding - u * g.dilation
        if offset >= 0 and offset % g.stride == 0 and offset // g.stride < g.output_size:
            pairs.append((offset // g.stride, u))
    return sorted(pairs)


def output_bounds(index, size, kernel_size, stride=1, padding=0, *, axis="height") -> tuple[int, int]:
    """Closed-form (dilation 1) range ``(i_lo, i_hi)`` of outputs that input ``index`` reaches,
    0-based and inclusive; ``i_lo > i_hi`` means it reaches none.

    ``i_lo = max(0, ⌈(index + padding − kernel_size + 1)/stride⌉)``,
    ``i_hi = min(n_out − 1, ⌊(index + padding)/stride⌋)``.
    """
    g = _axis(index, size, kernel_size, stride, padding, 1, axis)
    q = as_int(index, "index") + g.padding
    lo = -((g.kernel_size - 1 - q) // g.stride)  # ceil((q − k + 1) / s) with integer arithmetic
    hi = q // g.stride
    return max(0, lo), min(g.output_size - 1, hi)


def stackexchange_bounds(p, f_r, s) -> tuple[int, int]:
    """The bounds *as published* in the StackExchange question (1-based, no padding): an erratum.

    Kept to show it (notebooks 03 and 10; the question is cited in the module docstring).

    ``i_lower = ⌊(p − f_r)/s + 1⌋``, ``i_upper = ⌊(p − 1)/s + 1⌋``. The lower bound should be
    a ceiling, and neither is clamped to the valid outputs; use :func:`stackexchange_bounds_corrected`.
    (The letters are the question's own: ``p`` is the input row, not padding.) Even clamped to
    ``[1, n_out]``, the floor names a wrong range exactly when ``s`` does not divide ``p − f_r``
    and ``p > f_r``; for ``p < f_r`` both bounds clamp to 1. ``p``, ``f_r`` and ``s`` are ints of
    at least 1.
    """
    p, f_r, s = _stackexchange_args(p, f_r, s)
    # ⌊(p − f_r)/s + 1⌋ = ⌊(p − f_r)/s⌋ + 1, in exact integer arithmetic (no float rounding)
    return (p - f_r) // s + 1, (p - 1) // s + 1


def _stackexchange_args(p, f_r, s, n_out=None):
    """The StackExchange question's 1-based quantities: input row p, filter rows f_r, stride s (and n_out)."""
    args = [as_int(p, "p", minimum=1), as_int(f_r, "f_r", minimum=1), as_int(s, "s", minimum=1)]
    if n_out is not None:
        args.append(as_int(n_out, "n_out", minimum=1))
    return args


def stackexchange_bounds_corrected(p, f_r, s, n_out) -> tuple[int, int]:
    """The StackExchange question's bounds corrected (1-based): solve ``1 ≤ p − (i − 1)·s ≤ f_r`` for integer i.

    ``i_lower = max(1, ⌈(p − f_r)/s⌉ + 1)``, ``i_upper = min(n_out, ⌊(p − 1)/s⌋ + 1)``;
    ``i_lower > i_upper`` means input p reaches no output. All four are ints of at least 1.
    """
    p, f_r, s, n_out = _stackexchange_args(p, f_r, s, n_out)
    lower = -((f_r - p) // s) + 1  # ceil((p − f_r)/s) + 1
    upper = (p - 1) // s + 1
    return max(1, lower), min(n_out, upper)


def conv2d_dx_by_indices(dout, x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """∂L/∂x one input entry at a time, by the index derivation of notebook 03 (gather form):

    ``dx[n, c, q, r] = Σ_f Σ_{(i, u) ∈ P_rows(q)} Σ_{(j, v) ∈ P_cols(r)} dout[n, f, i, j] · w[f, c, u, v]``

    where ``P_rows(q) = outputs_reached(q, H, HH, s_h, p_h, d_h)`` (and likewise for columns).

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, HH, WW) → dx (N, C, H, W).
    Slow and literal: it exists to check the derivation, not to be used in training.

    Derived in ``notebooks/03-backward-dx-by-indices.ipynb``.
    """
    dout, x, w, geom = _check_backward(dout, x, w, stride, padding, dilation)
    sh, sw = as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    dh, dw = as_pair(dilation, "dilation", minimum=1)
    N, C, H, W = x.shape
    HH, WW = w.shape[2:]
    dx = np.zeros_like(x)
    for q in range(H):
        rows = outputs_reached(q, H, HH, sh, ph, dh)
        for r in range(W):
            cols = outputs_reached(r, W, WW, sw, pw, dw, axis="width")
            for i, u in rows:
                for j, v in cols:
                    # (N, F) @ (F, C) -> (N, C): every batch item and channel at once
                    dx[:, :, q, r] += dout[:, :, i, j] @ w[:, :, u, v]
    return dx

"""1-D convolution (cross-correlation) over sequences in NCL layout, forward and backward.

Shapes (the notation of notebook 00 with one spatial axis; kernel tap u, 0 ≤ u < K):
    x    (N, C, L)               input: N sequences of C channels and length L
    w    (F, C/groups, K)        weights: F filters of K taps
    b    (F,)                    bias
    out  (N, F, L_out)           ``out[n, f, i] = Σ_{k,u} xpad[n, g·(C/G) + k, i·s + u·d] · w[f, k, u] + b[f]``
    dout (N, F, L_out)           ∂L/∂out

with ``g = f // (F/G)`` the group of filter f (``groups = G``; G = 1 is the plain layer, G = C
depthwise) and ``L_out = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1``.

**Why a view of the 2-D code, not loops of its own.** A sequence is an image of height 1 and a
kernel of length K is a 1 × K kernel. With height 1, stride 1, padding 0 and dilation 1 along
the rows, the row index of every formula of notebooks 02–06 is always 0 and drops out, so each
2-D formula, forward and backward (dx by fan-out, the flipped kernel, dw, db), *is* its 1-D
formula term by term. Separate 1-D loops would repeat the 2-D code line for line and need their
own tests; the view shares the 2-D code's tests and speed. Notebook 13 writes the 1-D loops out
by hand (every index fits on a line) and checks them against these functions; the tests check
these functions against brute force, finite differences and ``torch.nn.functional.conv1d``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_int, check_shape, is_int
from .conv import conv2d_backward, conv2d_forward
from .shapes import AxisGeometry

__all__ = ["conv1d_forward", "conv1d_backward", "conv1d_output_length"]


def _check_int(value, name: str, minimum: int) -> int:
    if not is_int(value):
        raise TypeError(f"{name} must be an int (a 1-D convolution has one {name}); got {value!r}")
    return as_int(value, name, minimum=minimum)


def _check_1d(x, w, stride, padding, dilation, groups):
    x = as_array(x, "x", 3, "(N, C, L)")
    w = as_array(w, "w", 3, "(F, C/groups, K)")
    s = _check_int(stride, "stride", 1)
    p = _check_int(padding, "padding", 0)
    d = _check_int(dilation, "dilation", 1)
    G = _check_int(groups, "groups", 1)
    (N, C, L), (F, Cg, K) = x.shape, w.shape
    if min(x.shape) < 1 or min(w.shape) < 1:
        raise ValueError(f"x and w must have no empty axis; got x.shape={x.shape}, w.shape={w.shape}")
    if C % G:
        raise ValueError(f"groups={G} must divide the number of input channels C = x.shape[1] = {C}; "
                         f"it does not (x.shape={x.shape})")
    if F % G:
        raise ValueError(f"groups={G} must divide the number of filters F = w.shape[0] = {F}; "
                         f"it does not (w.shape={w.shape})")
    if Cg != C // G:
        raise ValueError(f"w.shape[1] must be C/groups = {C}/{G} = {C // G} (the channels one filter "
                         f"reads); got w.shape={w.shape} for x.shape={x.shape}")
    axis = AxisGeometry("width", L, K, s, p, d)
    if not axis.valid:
        raise ValueError(
            f"the kernel w (shape {w.shape}, K = {K} taps) does not fit the input of shape {x.shape} "
            f"(padding={p}, dilation={d}): it spans d·(K − 1) + 1 = {axis.extent} entries but the "
            f"padded input has only L + 2p = {axis.padded_size}. Make the kernel or the dilation "
            f"smaller, or pad more."
        )
    return x, w, (s, p, d, G), axis.output_size


def conv1d_output_length(length, kernel_size, stride=1, padding=0, dilation=1) -> int:
    """``L_out = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1`` (PyTorch's floor), with errors naming the
    setting that does not fit.

    >>> conv1d_output_length(10, 3, stride=2, padding=1)
    5
    """
    x = np.empty((1, 1, _check_int(length, "length", 1)))
    w = np.empty((1, 1, _check_int(kernel_size, "kernel_size", 1)))
    return _check_1d(x, w, stride, padding, dilation, 1)[3]


def conv1d_forward(x, w, b, stride=1, padding=0, dilation=1, *, groups=1) -> np.ndarray:
    """Forward pass of a 1-D convolution, computed as a 2-D one on images of height 1.

    Parameters
    ----------
    x : (N, C, L) input.
    w : (F, C/groups, K) weights.
    b : (F,) bias.
    stride, padding, dilation : int (one spatial axis: pairs are refused).
    groups : positive int dividing C and F (default 1; C gives a depthwise convolution).

    Returns
    -------
    out : (N, F, L_out), ``out[n, f, i] = Σ_{k,u} xpad[n, g·(C/G) + k, i·s + u·d] · w[f, k, u] + b[f]``.

    Float32 stays float32; integers become float64. Derived in ``notebooks/13-conv1d.ipynb``
    (and, as the 2-D formula with one row, in notebooks 02 and 12).
    """
    x, w, (s, p, d, G), _ = _check_1d(x, w, stride, padding, dilation, groups)
    b = as_array(b, "b", 1, "(F,)")
    check_shape(b, "b", (w.shape[0],), "(F,), one bias per filter of w")
    out = conv2d_forward(x[:, :, None, :], w[:, :, None, :], b, (1, s), (0, p), (1, d), groups=G)
    return out[:, :, 0, :]


def conv1d_backward(dout, x, w, stride=1, padding=0, dilation=1, *, groups=1):
    """Backward pass of a 1-D convolution, computed as a 2-D one on images of height 1.

    Parameters
    ----------
    dout : (N, F, L_out) upstream gradient ∂L/∂out.
    x : (N, C, L) input of the forward pass.
    w : (F, C/groups, K) weights.
    stride, padding, dilation, groups : as in :func:`conv1d_forward`.

    Returns
    -------
    dx : (N, C, L), dw : (F, C/groups, K), db : (F,), with
    ``dx[n, c, t] = Σ_{f in c's group, i, u : i·s + u·d = t + p} dout[n, f, i] · w[f, c − g·(C/G), u]``,
    ``dw[f, k, u] = Σ_{n, i} dout[n, f, i] · xpad[n, g·(C/G) + k, i·s + u·d]``,
    ``db[f] = Σ_{n, i} dout[n, f, i]``.

    Derived in ``notebooks/13-conv1d.ipynb`` (and, with one row, in notebooks 03–06 and 12).
    """
    x, w, (s, p, d, G), L_out = _check_1d(x, w, stride, padding, dilation, groups)
    dout = as_array(dout, "dout", 3, "(N, F, L_out)")
    check_shape(dout, "dout", (x.shape[0], w.shape[0], L_out), "(N, F, L_out), the shape of the forward output")
    dx, dw, db = conv2d_backward(dout[:, :, None, :], x[:, :, None, :], w[:, :, None, :],
                                 (1, s), (0, p), (1, d), groups=G)
    return dx[:, :, 0, :], dw[:, :, 0, :], db

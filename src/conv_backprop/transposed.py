"""2-D transposed convolution, forward and backward, three ways.

Derived in ``notebooks/11-transposed-convolution.ipynb``.

A transposed convolution runs a convolution's input/output map backwards: every input entry
adds a weighted copy of the kernel into the output ("scatter"), where a convolution reads a
weighted window of its input ("gather"). Its forward pass is exactly the convolution's ``dx``
(notebooks 03 and 05) and its backward pass's ``dx`` is exactly the convolution's forward pass.

* ``conv_transpose2d_forward_naive`` / ``conv_transpose2d_backward_naive``: plain loops, one
  scattered kernel copy per input entry.
* ``conv_transpose2d_forward`` / ``conv_transpose2d_backward``: vectorised with the package's
  :func:`~conv_backprop.im2col.col2im` (forward) and :func:`~conv_backprop.im2col.im2col`
  (backward) and matrix products, as in notebook 06.
* ``conv_transpose2d_forward_flipped``: the correlation view: insert ``s − 1`` zeros between
  the input entries, pad by ``d·(k − 1) − p``, cross-correlate (stride 1) with the 180°-rotated
  kernel whose channel axes are swapped (:func:`transposed_conv_input` builds that input).

Semantics and argument names are PyTorch's ``torch.nn.functional.conv_transpose2d`` (without
``groups``). Shapes:

    x    (N, C_in, H, W)              input
    w    (C_in, C_out, HH, WW)        weights, laid out as PyTorch stores them: the *input*
                                      channel first (a convolution's w is (F, C, HH, WW), output
                                      channel first)
    b    (C_out,)                     bias
    out  (N, C_out, H_out, W_out)     output, H_out = (H − 1)·s − 2p + d·(HH − 1) + op + 1
    dout (N, C_out, H_out, W_out)     ∂L/∂out

    out[n, o, i·s + u·d − p, j·s + v·d − p] += x[n, c, i, j] · w[c, o, u, v]   (then + b[o])

for every input entry (n, c, i, j) and kernel tap (u, v), dropping positions outside the output.
``output_padding`` (op) adds rows/columns at the bottom/right only; PyTorch requires it to be
smaller than the stride or the dilation (along each axis).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_pair, check_memory, check_shape, compute_dtype, is_int
from .im2col import col2im, im2col

__all__ = [
    "conv_transpose2d_output_size",
    "conv_transpose2d_forward_naive",
    "conv_transpose2d_backward_naive",
    "conv_transpose2d_forward",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward_flipped",
    "transposed_conv_input",
]


# --------------------------------------------------------------------------- validation


def _check_settings(stride, padding, output_padding, dilation):
    """The four settings as (h, w) pairs, with PyTorch's rule on output_padding checked."""
    s = as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    op = as_pair(output_padding, "output_padding", minimum=0)
    d = as_pair(dilation, "dilation", minimum=1)
    for axis, o, st, di in zip(("height", "width"), op, s, d):
        if o >= st and o >= di:
            raise ValueError(
                f"output_padding must be smaller than the stride or the dilation along each axis "
                f"(PyTorch's rule); along the {axis} got output_padding={o} with stride={st} and "
                f"dilation={di} (output_padding={output_padding!r}, stride={stride!r}, "
                f"dilation={dilation!r}). output_padding only chooses among the output sizes a "
                f"stride-{st} convolution maps to the same input size, so it must be below {max(st, di)}"
            )
    return s, p, op, d


def _output_shape(in_hw, k_hw, s, p, op, d, settings: str):
    """(H_out, W_out) = (H − 1)·s − 2p + d·(k − 1) + op + 1 per axis; ValueError if below 1."""
    out = []
    for axis, n, k, st, pa, o, di in zip(("height", "width"), in_hw, k_hw, s, p, op, d):
        size = (n - 1) * st - 2 * pa + di * (k - 1) + o + 1
        if size < 1:
            raise ValueError(
                f"{settings} give an output {axis} of ({n} − 1)·{st} − 2·{pa} + {di}·({k} − 1) + "
                f"{o} + 1 = {size}, but it must be at least 1: cropping padding={pa} from each side "
                f"leaves nothing of the {size + 2 * pa} {'row' if axis == 'height' else 'column'}"
                f"{'' if size + 2 * pa == 1 else 's'} "
                f"the scattered kernels cover. Pad less."
            )
        out.append(size)
    return tuple(out)


def _check_xw(x, w, stride, padding, output_padding, dilation):
    x = as_array(x, "x", 4, "(N, C_in, H, W)")
    w = as_array(w, "w", 4, "(C_in, C_out, HH, WW)")
    if min(w.shape) < 1 or min(x.shape) < 1:
        raise ValueError(f"x and w must have no empty axis; got x.shape={x.shape}, w.shape={w.shape}")
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"w has {w.shape[0]} input channels (w.shape[0]) but x has {x.shape[1]} (x.shape[1]); "
            f"they must match. A transposed convolution's weights are laid out (C_in, C_out, HH, "
            f"WW), input channel first, as PyTorch stores them (a convolution's are (F, C, HH, WW)). "
            f"Got x.shape={x.shape}, w.shape={w.shape}"
        )
    s, p, op, d = _check_settings(stride, padding, output_padding, dilation)
    settings = (f"x of shape {x.shape} and w of shape {w.shape} with stride={stride!r}, "
                f"padding={padding!r}, output_padding={output_padding!r}, dilation={dilation!r}")
    out_hw = _output_shape(x.shape[2:], w.shape[2:], s, p, op, d, settings)
    return x, w, (s, p, op, d), out_hw, settings


def _check_forward(x, w, b, stride, padding, output_padding, dilation):
    x, w, geo, out_hw, settings = _check_xw(x, w, stride, padding, output_padding, dilation)
    b = as_array(b, "b", 1, "(C_out,)")
    check_shape(b, "b", (w.shape[1],), "(C_out,), one bias per output channel, w.shape[1]")
    dtype = compute_dtype(x, w, b)
    _check_memory(x.shape, w.shape, out_hw, geo, dtype.itemsize, settings)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), geo, out_hw


def _check_backward(dout, x, w, stride, padding, output_padding, dilation):
    x, w, geo, out_hw, settings = _check_xw(x, w, stride, padding, output_padding, dilation)
    dout = as_array(dout, "dout", 4, "(N, C_out, H_out, W_out)")
    check_shape(dout, "dout", (x.shape[0], w.shape[1], *out_hw),
                "(N, C_out, H_out, W_out), the shape of the forward output")
    dtype = compute_dtype(dout, x, w)
    _check_memory(x.shape, w.shape, out_hw, geo, dtype.itemsize, settings)
    return dout.astype(dtype, copy=False), x.astype(dtype, copy=False), w.astype(dtype, copy=False), geo, out_hw


def _check_memory(x_shape, w_shape, out_hw, geo, itemsize, settings):
    """Refuse (ValueError naming the settings) an output or column matrix above the package's
    cap, before allocating it."""
    N, C_in, H, W = x_shape
    _, C_out, HH, WW = w_shape
    s, p, op, d = geo
    padded = tuple(o + 2 * pa for o, pa in zip(out_hw, p))
    Hc, Wc = _conv_rows(out_hw, (HH, WW), s, p, d)
    zeros = tuple((n - 1) * st + 1 + 2 * di * (k - 1) + o for n, st, di, k, o in
                  zip((H, W), s, d, (HH, WW), op))
    check_memory([
        ("an output (N, C_out, H_out, W_out)", (N, C_out, *out_hw)),
        ("a zero-padded output", (N, C_out, *padded)),
        ("a column matrix (C_out·HH·WW, N·H·W)", (C_out * HH * WW, N * Hc * Wc)),
        ("a zero-inserted, padded input", (N, C_in, *zeros)),
    ], itemsize, settings)


def conv_transpose2d_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Output size of a transposed convolution: ``(size − 1)·s − 2p + d·(k − 1) + op + 1``.

    All arguments are ints or ``(h, w)`` pairs; with any pair the result is an
    ``(H_out, W_out)`` pair, otherwise an int. Raises ``ValueError`` when ``output_padding`` is
    not smaller than the stride or the dilation, or when the size would be below 1.

    Derived in ``notebooks/11-transposed-convolution.ipynb``.

    >>> conv_transpose2d_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    args = (size, kernel_size, stride, padding, output_padding, dilation)
    all_int = all(is_int(a) for a in args)
    n = as_pair(size, "size", minimum=1)
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s, p, op, d = _check_settings(stride, padding, output_padding, dilation)
    out = _output_shape(n, k, s, p, op, d, f"size={size!r}, kernel_size={kernel_size!r}, "
                        f"stride={stride!r}, padding={padding!r}, output_padding={output_padding!r}, "
                        f"dilation={dilation!r}")
    return out[0] if all_int else out


# --------------------------------------------------------------------------- naive loops


def _scatter_slices(i: int, j: int, s, d, HH: int, WW: int) -> tuple[slice, slice]:
    """Rows and columns of the *padded* output that input entry (i, j) scatters its kernel copy
    into: ``i·s + u·d`` for u = 0..HH−1 (the convolution's window of output (i, j))."""
    r, c = i * s[0], j * s[1]
    return (slice(r, r + d[0] * (HH - 1) + 1, d[0]), slice(c, c + d[1] * (WW - 1) + 1, d[1]))


def conv_transpose2d_forward_naive(x, w, b, stride=1, padding=0, output_padding=0, dilation=1) -> np.ndarray:
    """Forward pass with plain loops: each input entry scatters a weighted copy of the kernel.

    Input entry ``x[n, c, i, j]`` adds ``x[n, c, i, j] · w[c]`` (a (C_out, HH, WW) block) onto
    the padded output at rows ``i·s + u·d`` and columns ``j·s + v·d``; overlapping copies add
    up. The padded output has ``H_out + 2p`` rows; cropping ``p`` on every side (the padding
    ring, where a convolution's padding would have been) leaves the output.

    Parameters
    ----------
    x : (N, C_in, H, W) input.
    w : (C_in, C_out, HH, WW) weights (PyTorch's layout for transposed convolutions).
    b : (C_out,) bias.
    stride, padding, output_padding, dilation : int or (h, w) pair.

    Returns
    -------
    out : (N, C_out, H_out, W_out), ``H_out = (H − 1)·s − 2p + d·(HH − 1) + op + 1``.

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    x, w, b, (s, p, op, d), (Ho, Wo) = _check_forward(x, w, b, stride, padding, output_padding, dilation)
    N, C_in, H, W = x.shape
    C_out, HH, WW = w.shape[1:]
    outpad = np.zeros((N, C_out, Ho + 2 * p[0], Wo + 2 * p[1]), dtype=x.dtype)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    rows, cols = _scatter_slices(i, j, s, d, HH, WW)
                    outpad[n, :, rows, cols] += x[n, c, i, j] * w[c]  # all C_out at once
    out = outpad[:, :, p[0] : p[0] + Ho, p[1] : p[1] + Wo]
    return np.ascontiguousarray(out + b[None, :, None, None])


def conv_transpose2d_backward_naive(dout, x, w, stride=1, padding=0, output_padding=0, dilation=1):
    """Backward pass with plain loops, one input entry at a time.

    Input entry ``x[n, c, i, j]`` added ``x[n, c, i, j] · w[c]`` onto a block of the padded
    output, so it receives the dot product of that block of the (zero-)padded dout with ``w[c]``
    (a *gather*: a convolution's forward pass), ``w[c]`` receives ``x[n, c, i, j]`` times the
    block, and ``b[o]`` receives the sum of ``dout[:, o]``.

    Parameters
    ----------
    dout : (N, C_out, H_out, W_out) upstream gradient ∂L/∂out.
    x : (N, C_in, H, W) input of the forward pass.
    w : (C_in, C_out, HH, WW) weights.
    stride, padding, output_padding, dilation : int or (h, w) pair.

    Returns
    -------
    dx : (N, C_in, H, W), dw : (C_in, C_out, HH, WW), db : (C_out,).

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    dout, x, w, (s, p, op, d), (Ho, Wo) = _check_backward(dout, x, w, stride, padding, output_padding, dilation)
    N, C_in, H, W = x.shape
    C_out, HH, WW = w.shape[1:]
    doutpad = np.zeros((N, C_out, Ho + 2 * p[0], Wo + 2 * p[1]), dtype=dout.dtype)
    doutpad[:, :, p[0] : p[0] + Ho, p[1] : p[1] + Wo] = dout  # the cropped ring had no gradient
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    rows, cols = _scatter_slices(i, j, s, d, HH, WW)
                    block = doutpad[n, :, rows, cols]  # (C_out, HH, WW)
                    dx[n, c, i, j] = np.sum(block * w[c])
                    dw[c] += x[n, c, i, j] * block
    return dx, dw, dout.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- vectorised


def _conv_rows(out_hw, k_hw, s, p, d):
    """How many windows the *convolution* with these settings has over an (H_out, W_out) input:
    ``H + ⌊op/s⌋`` per axis, which is H unless output_padding ≥ stride (allowed when it is
    below the dilation); the rows beyond H then pair with no input entry."""
    return tuple((o + 2 * pa - di * (k - 1) - 1) // st + 1 for o, k, st, pa, di in zip(out_hw, k_hw, s, p, d))


def conv_transpose2d_forward(x, w, b, stride=1, padding=0, output_padding=0, dilation=1) -> np.ndarray:
    """Vectorised forward pass: one matrix product, then col2im.

    The transposed convolution is the convolution's ``dx`` (notebook 06's
    ``dx = col2im(w_matᵀ @ D)``) with x in the place of dout and w, (C_in, C_out, HH, WW),
    read as a convolution's (F, C, HH, WW) weights with F = C_in, C = C_out:
    ``cols = w.reshape(C_in, C_out·HH·WW)ᵀ @ x_mat``, ``out = col2im(cols) + b``.

    Same parameters, result and dtype rules as :func:`conv_transpose2d_forward_naive`.

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    x, w, b, (s, p, op, d), out_hw = _check_forward(x, w, b, stride, padding, output_padding, dilation)
    N, C_in, H, W = x.shape
    C_out, HH, WW = w.shape[1:]
    Hc, Wc = _conv_rows(out_hw, (HH, WW), s, p, d)
    x_mat = np.zeros((C_in, N, Hc, Wc), dtype=x.dtype)  # the convolution's dout, as (F, N·Ho·Wo)
    x_mat[:, :, :H, :W] = x.transpose(1, 0, 2, 3)  # rows H..Hc−1 (op ≥ s only) stay zero
    cols = w.reshape(C_in, -1).T @ x_mat.reshape(C_in, -1)  # (C_out·HH·WW, N·Hc·Wc)
    out = col2im(cols, (N, C_out, *out_hw), (HH, WW), s, p, d)
    out += b[None, :, None, None]
    return out


def conv_transpose2d_backward(dout, x, w, stride=1, padding=0, output_padding=0, dilation=1):
    """Vectorised backward pass: im2col of dout, then two matrix products.

    ``cols = im2col(dout)`` of shape (C_out·HH·WW, N·H·W) holds, for every input entry, the block
    of dout its kernel copy landed on. Then ``dx = w_mat @ cols`` (the convolution's forward
    pass over dout with w as its (F, C, HH, WW) weights), ``dw = x_mat @ colsᵀ`` (the
    convolution's dw with dout as its input and x as its dout) and ``db = Σ dout``.

    Same parameters and results as :func:`conv_transpose2d_backward_naive`:
    dout (N, C_out, H_out, W_out), x (N, C_in, H, W), w (C_in, C_out, HH, WW) →
    dx (N, C_in, H, W), dw (C_in, C_out, HH, WW), db (C_out,).

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    dout, x, w, (s, p, op, d), out_hw = _check_backward(dout, x, w, stride, padding, output_padding, dilation)
    N, C_in, H, W = x.shape
    C_out, HH, WW = w.shape[1:]
    Hc, Wc = _conv_rows(out_hw, (HH, WW), s, p, d)
    cols = im2col(dout, (HH, WW), s, p, d).reshape(-1, N, Hc, Wc)
    if (Hc, Wc) != (H, W):  # op ≥ s: the windows past the input's last row pair with nothing
        cols = cols[:, :, :H, :W]
    cols = cols.reshape(C_out * HH * WW, N * H * W)
    dx = (w.reshape(C_in, -1) @ cols).reshape(C_in, N, H, W).transpose(1, 0, 2, 3)
    x_mat = x.transpose(1, 0, 2, 3).reshape(C_in, N * H * W)
    dw = (x_mat @ cols.T).reshape(w.shape)
    return np.ascontiguousarray(dx), dw, dout.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- correlation view


def _zero_insert(x: np.ndarray, k_hw, s, p, op, d) -> np.ndarray:
    N, C = x.shape[:2]
    H, W = x.shape[2:]
    E = [di * (k - 1) + 1 for di, k in zip(d, k_hw)]
    # s − 1 zeros between entries, E − 1 zeros around (the "full" padding) and op more at the
    # bottom/right ...
    full = np.zeros((N, C, (H - 1) * s[0] + 1 + 2 * (E[0] - 1) + op[0],
                     (W - 1) * s[1] + 1 + 2 * (E[1] - 1) + op[1]), dtype=x.dtype)
    full[:, :, E[0] - 1 : E[0] - 1 + (H - 1) * s[0] + 1 : s[0],
         E[1] - 1 : E[1] - 1 + (W - 1) * s[1] + 1 : s[1]] = x
    # ... minus p on each side: padding by E − 1 − p (cropping when that is negative).
    return full[:, :, p[0] : full.shape[2] - p[0], p[1] : full.shape[3] - p[1]]


def transposed_conv_input(x, kernel_size, stride=1, padding=0, output_padding=0, dilation=1) -> np.ndarray:
    """x prepared for the correlation view of a transposed convolution.

    Inserts ``s − 1`` zeros between neighbouring entries, then pads by ``E − 1 − p`` on the
    top/left and ``E − 1 − p + op`` on the bottom/right, where ``E = d·(k − 1) + 1`` is the
    kernel's extent (a negative amount crops instead). A stride-1, dilation-``d``
    cross-correlation of the result with the 180°-rotated kernel, channel axes swapped, is the
    transposed convolution. (This is the ``flipped_kernel_input`` of notebook 05b, with x in the
    place of dout.)

    Parameters
    ----------
    x : (N, C_in, H, W).
    kernel_size, stride, padding, output_padding, dilation : int or (h, w) pair.

    Returns
    -------
    (N, C_in, H_out + E_h − 1, W_out + E_w − 1).

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    x = as_array(x, "x", 4, "(N, C_in, H, W)")
    if min(x.shape) < 1:
        raise ValueError(f"x must have no empty axis; got x.shape={x.shape}")
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s, p, op, d = _check_settings(stride, padding, output_padding, dilation)
    settings = (f"x of shape {x.shape} with kernel_size={kernel_size!r}, stride={stride!r}, "
                f"padding={padding!r}, output_padding={output_padding!r}, dilation={dilation!r}")
    out_hw = _output_shape(x.shape[2:], k, s, p, op, d, settings)
    dtype = compute_dtype(x)
    _check_memory(x.shape, (x.shape[1], 1, *k), out_hw, (s, p, op, d), dtype.itemsize, settings)
    return _zero_insert(x.astype(dtype, copy=False), k, s, p, op, d)


def conv_transpose2d_forward_flipped(x, w, b, stride=1, padding=0, output_padding=0, dilation=1) -> np.ndarray:
    """Forward pass through the correlation view.

    ``out = conv2d_forward(transposed_conv_input(x), w_rot, b, stride=1, padding=0,
    dilation=d)`` with ``w_rot = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)``, of shape
    (C_out, C_in, HH, WW): the kernel rotated by 180° with its channel axes swapped, so that it
    is an ordinary convolution's (F, C, HH, WW) weights with F = C_out, C = C_in.

    Same parameters and result as :func:`conv_transpose2d_forward_naive`.

    Derived in ``notebooks/11-transposed-convolution.ipynb``.
    """
    from .conv import conv2d_forward

    x, w, b, (s, p, op, d), _ = _check_forward(x, w, b, stride, padding, output_padding, dilation)
    z = _zero_insert(x, w.shape[2:], s, p, op, d)
    w_rot = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_out, C_in, HH, WW)
    return conv2d_forward(z, np.ascontiguousarray(w_rot), b, 1, 0, d)

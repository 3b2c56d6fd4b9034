"""Max and average pooling, forward and backward, as loops and vectorised.

Derived in ``notebooks/07-pooling-backprop.ipynb``.

Shapes: x (N, C, H, W) → out (N, C, H_out, W_out); dout has the shape of out and dx the shape
of x. ``stride`` defaults to ``kernel_size``; smaller strides make windows overlap, and then an
input entry collects gradient from every window it wins (max) or belongs to (average).
Padding must be at most half the kernel (PyTorch's rule), so each window holds a real entry.

* Max pooling pads with −inf and sends each window's gradient to its maximum. With
  ``ties="first"`` the first maximum in row-major window order takes all of it (as PyTorch does);
  with ``ties="split"`` the tied maxima share it equally. A NaN counts as the largest value, as
  in PyTorch: a window holding one outputs NaN and its whole gradient goes to that NaN entry (to
  the last NaN in row-major window order if it holds several, PyTorch's choice), in both modes.
* Average pooling pads with zeros that count in the divisor (PyTorch's default,
  ``count_include_pad=True``): every entry of a window receives ``dout / (HH·WW)``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_pair, check_memory, check_shape, check_ties, compute_dtype
from .im2col import crop_padding, offset_slices, pad_spatial
from .shapes import Geometry, window_geometry

__all__ = [
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "maxpool2d_forward_naive",
    "maxpool2d_backward_naive",
    "avgpool2d_forward_naive",
    "avgpool2d_backward_naive",
]


_NO_DOUT = object()  # forward passes have no dout (None is refused as a dout: it is a mistake)


def _pool_setup(x, kernel_size, stride, padding, dout=_NO_DOUT):
    x = as_array(x, "x", 4, "(N, C, H, W)")
    if dout is not _NO_DOUT:  # converted first: a list is then as good as an array
        dout = as_array(dout, "dout", 4, "(N, C, H_out, W_out)")
    if min(x.shape) < 1:
        raise ValueError(f"x must have no empty axis; got shape {x.shape}")
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding must be at most half the kernel size, (kernel_size // 2) = "
            f"{(k[0] // 2, k[1] // 2)}, so that every window holds at least one input entry; "
            f"got padding={padding!r} with kernel_size={kernel_size!r}"
        )
    geom = window_geometry(x.shape, k, s, p, 1, what=f"kernel_size={kernel_size!r}")
    if dout is _NO_DOUT:
        dout = None
        dtype = compute_dtype(x)
    else:
        check_shape(dout, "dout", (*x.shape[:2], *geom.output_shape),
                    "(N, C, H_out, W_out), the shape of the forward output")
        dtype = compute_dtype(x, dout)
        dout = dout.astype(dtype, copy=False)
    N, C = x.shape[:2]
    arrays = [("an output", (N, C, *geom.output_shape))]
    if p != (0, 0):  # a huge kernel_size allows a huge padding (at most kernel_size // 2)
        arrays.append(("a padded input", (N, C, geom.height.padded_size, geom.width.padded_size)))
    check_memory(arrays, dtype.itemsize, f"x of shape {x.shape} with kernel_size={kernel_size!r}, "
                                         f"stride={stride!r}, padding={padding!r}")
    return x.astype(dtype, copy=False), dout, geom, p


def _window_slices(i: int, j: int, geom: Geometry) -> tuple[slice, slice]:
    r, c = i * geom.height.stride, j * geom.width.stride
    return slice(r, r + geom.height.kernel_size), slice(c, c + geom.width.kernel_size)


# --------------------------------------------------------------------------- max pooling


def maxpool2d_forward(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Max pooling: x (N, C, H, W) → out (N, C, H_out, W_out), the maximum of each window.

    ``stride`` defaults to ``kernel_size``; padding is −inf and at most ``kernel_size // 2``.
    A window holding a NaN outputs NaN (PyTorch's rule).

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, _, geom, p = _pool_setup(x, kernel_size, stride, padding)
    return _max_over_offsets(pad_spatial(x, p, -np.inf), geom)


def _max_over_offsets(xpad: np.ndarray, geom: Geometry) -> np.ndarray:
    # One strided slice per kernel offset, compared in place: no (…, HH, WW) window copy.
    out = np.full((*xpad.shape[:2], *geom.output_shape), -np.inf, dtype=xpad.dtype)
    for _, _, rows, cols in offset_slices(geom):
        np.maximum(out, xpad[:, :, rows, cols], out=out)
    return out


def maxpool2d_backward(dout, x, kernel_size, stride=None, padding=0, ties="first") -> np.ndarray:
    """Gradient of max pooling: each window's ``dout`` goes to its maximum.

    Parameters
    ----------
    dout : (N, C, H_out, W_out) upstream gradient.
    x : (N, C, H, W) forward input.
    kernel_size, stride, padding : as in :func:`maxpool2d_forward`.
    ties : "first" — the first maximum in row-major window order takes the whole gradient
        (PyTorch's rule); "split" — tied maxima share it equally. Either way, a window holding a
        NaN sends its whole gradient to its NaN entry (the last one in row-major order if there
        are several), as PyTorch does.

    Returns
    -------
    dx : (N, C, H, W); overlapping windows add their contributions.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    check_ties(ties)
    x, dout, geom, p = _pool_setup(x, kernel_size, stride, padding, dout)
    xpad = pad_spatial(x, p, -np.inf)
    out = _max_over_offsets(xpad, geom)  # the winners' value, recomputed from x
    dxpad = np.zeros_like(xpad)
    hit = np.empty(out.shape, dtype=bool)  # reused buffers: no temporaries per offset
    routed = np.empty(out.shape, dtype=x.dtype)
    finite = bool(np.isfinite(dout).all())
    # A window holding a NaN has the maximum NaN (np.maximum propagates it); NaN equals nothing,
    # so those windows are left out below and routed to their NaN entry at the end.
    nan_windows = np.isnan(out)
    has_nan = bool(nan_windows.any())
    if ties == "first":
        # Visit offsets in row-major window order; the first one equal to the max takes it all.
        free = ~nan_windows  # windows whose gradient is not routed yet
        for _, _, rows, cols in offset_slices(geom):
            np.equal(xpad[:, :, rows, cols], out, out=hit)
            hit &= free
            free ^= hit  # hit ⊆ free, so this clears the windows just routed
            dxpad[:, :, rows, cols] += _masked(dout, hit, routed, finite)
    else:
        count = np.zeros(out.shape, dtype=x.dtype)
        for _, _, rows, cols in offset_slices(geom):
            count += xpad[:, :, rows, cols] == out
        if has_nan:
            count[nan_windows] = 1  # no entry equals NaN; 1 only avoids dividing by zero
        share = dout / count
        for _, _, rows, cols in offset_slices(geom):
            np.equal(xpad[:, :, rows, cols], out, out=hit)
            dxpad[:, :, rows, cols] += _masked(share, hit, routed, finite)
    if has_nan:
        # PyTorch's rule, whatever ``ties``: a NaN replaces the running maximum, so the last NaN
        # in row-major window order is the one that takes the window's whole gradient.
        free = nan_windows
        for _, _, rows, cols in reversed(list(offset_slices(geom))):
            np.isnan(xpad[:, :, rows, cols], out=hit)
            hit &= free
            free ^= hit
            dxpad[:, :, rows, cols] += _masked(dout, hit, routed, finite)
    return np.ascontiguousarray(crop_padding(dxpad, p))


def _masked(values, mask, buf, finite):
    """``values`` where ``mask``, else 0, written into ``buf``. Multiplying by the mask is the
    fastest way (much faster than ``np.add(..., where=)`` on a strided target) but turns
    0·inf into nan, so non-finite values take the exact, slower route."""
    if finite:
        return np.multiply(values, mask, out=buf)
    buf.fill(0)
    np.copyto(buf, values, where=mask)
    return buf


def maxpool2d_forward_naive(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Max pooling with loops over (n, c, i, j); same contract as :func:`maxpool2d_forward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, _, geom, p = _pool_setup(x, kernel_size, stride, padding)
    xpad = pad_spatial(x, p, -np.inf)
    N, C = x.shape[:2]
    out = np.empty((N, C, *geom.output_shape), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    rows, cols = _window_slices(i, j, geom)
                    out[n, c, i, j] = xpad[n, c, rows, cols].max()
    return out


def maxpool2d_backward_naive(dout, x, kernel_size, stride=None, padding=0, ties="first") -> np.ndarray:
    """Max-pooling gradient with loops; same contract as :func:`maxpool2d_backward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    check_ties(ties)
    x, dout, geom, p = _pool_setup(x, kernel_size, stride, padding, dout)
    xpad = pad_spatial(x, p, -np.inf)
    dxpad = np.zeros_like(xpad)
    N, C, H_out, W_out = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = _window_slices(i, j, geom)
                    window = xpad[n, c, rows, cols]
                    if np.isnan(window).any():  # NaN is the maximum; the last NaN takes it all
                        winners = np.argwhere(np.isnan(window))[-1:]
                    else:
                        winners = np.argwhere(window == window.max())  # row-major order
                    if ties == "first":
                        winners = winners[:1]
                    for a, b in winners:
                        dxpad[n, c, rows.start + a, cols.start + b] += dout[n, c, i, j] / len(winners)
    return np.ascontiguousarray(crop_padding(dxpad, p))


# --------------------------------------------------------------------------- average pooling


def avgpool2d_forward(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling: x (N, C, H, W) → out (N, C, H_out, W_out), each window's mean.

    Zero padding counts in the divisor ``HH·WW`` (PyTorch's ``count_include_pad=True``).

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, _, geom, p = _pool_setup(x, kernel_size, stride, padding)
    xpad = pad_spatial(x, p)
    out = np.zeros((*x.shape[:2], *geom.output_shape), dtype=x.dtype)
    for _, _, rows, cols in offset_slices(geom):
        out += xpad[:, :, rows, cols]
    return out / (geom.height.kernel_size * geom.width.kernel_size)


def avgpool2d_backward(dout, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Gradient of average pooling: every entry of a window receives ``dout / (HH·WW)``.

    dout (N, C, H_out, W_out), x (N, C, H, W) → dx (N, C, H, W); overlapping windows add up.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, dout, geom, p = _pool_setup(x, kernel_size, stride, padding, dout)
    share = dout / (geom.height.kernel_size * geom.width.kernel_size)
    dxpad = np.zeros((*x.shape[:2], geom.height.padded_size, geom.width.padded_size), dtype=x.dtype)
    for _, _, rows, cols in offset_slices(geom):
        dxpad[:, :, rows, cols] += share
    return np.ascontiguousarray(crop_padding(dxpad, p))


def avgpool2d_forward_naive(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling with loops; same contract as :func:`avgpool2d_forward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, _, geom, p = _pool_setup(x, kernel_size, stride, padding)
    xpad = pad_spatial(x, p)
    N, C = x.shape[:2]
    out = np.empty((N, C, *geom.output_shape), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    rows, cols = _window_slices(i, j, geom)
                    out[n, c, i, j] = xpad[n, c, rows, cols].sum() / xpad[n, c, rows, cols].size
    return out


def avgpool2d_backward_naive(dout, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average-pooling gradient with loops; same contract as :func:`avgpool2d_backward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    x, dout, geom, p = _pool_setup(x, kernel_size, stride, padding, dout)
    dxpad = np.zeros_like(pad_spatial(x, p))
    N, C, H_out, W_out = dout.shape
    area = geom.height.kernel_size * geom.width.kernel_size
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = _window_slices(i, j, geom)
                    dxpad[n, c, rows, cols] += dout[n, c, i, j] / area
    return np.ascontiguousarray(crop_padding(dxpad, p))

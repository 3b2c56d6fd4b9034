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

:func:`pool_routes` lists those routes one by one for one channel (window (i, j) sends
``amount`` to x[r, c]): the explanation behind both backward passes, drawn by the pooling
explorer.
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
    "pool_routes",
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


# --------------------------------------------------------------------------- the routes, one by one


def pool_routes(dout, x, kernel_size, stride=None, padding=0, mode="max", ties="first") -> list:
    """Where each pooling window sends its gradient: the routes behind the backward passes.

    One channel, with loops, for explanations and pictures (not for speed).

    Parameters
    ----------
    dout : (H_out, W_out) upstream gradient of one channel.
    x : (H, W) forward input of that channel.
    kernel_size, stride, padding : as in :func:`maxpool2d_forward` (an int or an (h, w) pair).
    mode : "max" — each window sends all of ``dout[i, j]`` to its maximum (``ties`` as in
        :func:`maxpool2d_backward`, NaN as there too); "average" — every entry of the window
        receives ``dout[i, j] / (HH·WW)``.
    ties : "first" or "split" (max pooling only).

    Returns
    -------
    routes : list of ``(i, j, r, c, amount)``: window (i, j) sends ``amount`` to ``x[r, c]``, in
        row-major order of windows, then of window entries. Shares that land on the padding are
        dropped (they reach no input entry). Summing ``amount`` per (r, c) gives
        ``maxpool2d_backward`` / ``avgpool2d_backward`` of ``dout[None, None]``, ``x[None, None]``.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    if not isinstance(mode, str):
        raise TypeError(f"mode must be 'max' or 'average'; got {mode!r}")
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}")
    check_ties(ties)
    x = as_array(x, "x", 2, "(H, W), one channel")
    dout = as_array(dout, "dout", 2, "(H_out, W_out), one channel")
    x4, _, geom, (ph, pw) = _pool_setup(x[None, None], kernel_size, stride, padding)
    check_shape(dout, "dout", geom.output_shape, "(H_out, W_out), the shape of the forward output")
    dout = dout.astype(compute_dtype(x, dout), copy=False)
    H, W = x.shape
    kh, kw = geom.height.kernel_size, geom.width.kernel_size
    xpad = pad_spatial(x4, (ph, pw), -np.inf if mode == "max" else 0.0)[0, 0]
    routes = []
    for i in range(geom.output_shape[0]):
        for j in range(geom.output_shape[1]):
            rows, cols = _window_slices(i, j, geom)
            window = xpad[rows, cols]
            g = dout[i, j]
            if mode == "average":
                cells, amount = [(a, b) for a in range(kh) for b in range(kw)], g / (kh * kw)
            elif np.isnan(window).any():  # NaN is the maximum; the last NaN takes it all
                cells, amount = [tuple(np.argwhere(np.isnan(window))[-1])], g
            else:
                cells = [tuple(t) for t in np.argwhere(window == window.max())]  # row-major order
                if ties == "first":
                    cells = cells[:1]
                amount = g / len(cells)
            for a, b in cells:
                r, c = rows.start + int(a) - ph, cols.start + int(b) - pw
                if 0 <= r < H and 0 <= c < W:
                    routes.append((i, j, r, c, float(amount)))
    return routes

"""Max and average pooling, forward and backward, as loops and vectorised.

Derived in ``notebooks/07-pooling-backprop.ipynb``.

Shapes: x (N, C, H, W) → out (N, C, H_out, W_out); dout has the shape of out and dx the shape
of x. ``stride`` defaults to ``kernel_size``; smaller strides make windows overlap, and then an
input entry collects gradient from every window it wins (max) or belongs to (average).
Padding must be at most half the kernel (PyTorch's rule), so each window holds a real entry.
Kernel taps are (u, v): window (i, j) reads the padded input at ``(i·s_h + u, j·s_w + v)``.

* Max pooling pads with −inf and sends each window's gradient to its maximum. With
  ``ties="first"`` the first maximum in row-major window order takes all of it (as PyTorch does);
  with ``ties="split"`` the tied maxima share it equally. A NaN counts as the largest value, as
  in PyTorch: a window holding one outputs NaN and its whole gradient goes to that NaN entry (to
  the last NaN in row-major window order if it holds several, PyTorch's choice), in both modes.
* Average pooling pads with zeros. With ``count_include_pad=True`` (PyTorch's default) the
  zeros count in the divisor, so every entry of a window receives ``dout / (HH·WW)``; with
  ``count_include_pad=False`` the divisor is the number of real input entries in the window.

Output size (``notebooks/07-pooling-backprop.ipynb``, section on ``ceil_mode``), per axis::

    ceil_mode=False:  H_out = ⌊(H + 2p − HH) / s⌋ + 1
    ceil_mode=True:   H_out = ⌈(H + 2p − HH) / s⌉ + 1, minus 1 if the last window would start
                      at or after row H + p (in the right padding): PyTorch's rule.

With ``ceil_mode=True`` the last window may hang past the padded input; the part past it holds
nothing (it is never the maximum and never counts in an average's divisor, whichever
``count_include_pad``), exactly as in PyTorch.

:func:`pool_routes` lists those routes one by one for one channel (window (i, j) sends
``amount`` to x[r, c]): the explanation behind both backward passes, drawn by the pooling
explorer.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_bool, as_pair, check_memory, check_shape, check_ties, compute_dtype
from .im2col import offset_slices
from .shapes import Geometry, explain_geometry, pool_output_size, window_geometry

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


class _Setup(NamedTuple):
    x: np.ndarray
    dout: np.ndarray | None
    geom: Geometry  # the windows over the whole padded array (its own padding is 0)
    pads: tuple  # ((top, bottom), (left, right)): p, and p plus the rows ceil_mode hangs past it
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]


def _pool_setup(x, kernel_size, stride, padding, dout=_NO_DOUT, ceil_mode=False) -> _Setup:
    x = as_array(x, "x", 4, "(N, C, H, W)")
    if dout is not _NO_DOUT:  # converted first: a list is then as good as an array
        dout = as_array(dout, "dout", 4, "(N, C, H_out, W_out)")
    if min(x.shape) < 1:
        raise ValueError(f"x must have no empty axis; got shape {x.shape}")
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    ceil_mode = as_bool(ceil_mode, "ceil_mode")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding must be at most half the kernel size, (kernel_size // 2) = "
            f"{(k[0] // 2, k[1] // 2)}, so that every window holds at least one input entry; "
            f"got padding={padding!r} with kernel_size={kernel_size!r}"
        )
    if ceil_mode:
        out_shape = pool_output_size(x.shape[2:], kernel_size, stride, padding, ceil_mode=True)  # raises if none
    else:
        out_shape = window_geometry(x.shape, k, s, p, 1, what=f"kernel_size={kernel_size!r}").output_shape
    # Rows (columns) the last window hangs past the padded input: only with ceil_mode.
    extra = [max(0, (o - 1) * st + kk - (n + 2 * pp))
             for o, st, kk, n, pp in zip(out_shape, s, k, x.shape[2:], p)]
    pads = ((p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))
    padded = (x.shape[2] + sum(pads[0]), x.shape[3] + sum(pads[1]))
    geom = explain_geometry(padded, k, s, 0, 1)
    assert geom.output_shape == tuple(out_shape), (geom.output_shape, out_shape)
    if dout is _NO_DOUT:
        dout = None
        dtype = compute_dtype(x)
    else:
        check_shape(dout, "dout", (*x.shape[:2], *out_shape),
                    "(N, C, H_out, W_out), the shape of the forward output")
        dtype = compute_dtype(x, dout)
        dout = dout.astype(dtype, copy=False)
    N, C = x.shape[:2]
    arrays = [("an output", (N, C, *out_shape))]
    if padded != tuple(x.shape[2:]):  # a huge kernel_size allows a huge padding (at most kernel_size // 2)
        arrays.append(("a padded input", (N, C, *padded)))
    check_memory(arrays, dtype.itemsize, f"x of shape {x.shape} with kernel_size={kernel_size!r}, "
                                         f"stride={stride!r}, padding={padding!r}")
    return _Setup(x.astype(dtype, copy=False), dout, geom, pads, k, s, p)


def _pad(x: np.ndarray, pads, value=0.0) -> np.ndarray:
    """``x`` padded on its last two axes by ``pads = ((top, bottom), (left, right))``."""
    if not any(pads[0]) and not any(pads[1]):
        return x
    return np.pad(x, ((0, 0), (0, 0), *pads), constant_values=value)


def _crop(xpad: np.ndarray, pads) -> np.ndarray:
    """The inverse of :func:`_pad` on shapes: drop the padding."""
    (top, bottom), (left, right) = pads
    return xpad[:, :, top: xpad.shape[2] - bottom, left: xpad.shape[3] - right]


def _clipped_windows(out_shape, kernel, stride, padded_shape):
    """For every window (i, j), in row-major order: ``(i, j, rows, cols)``, the slices of the
    symmetrically padded input it covers. With ``ceil_mode`` the last window may hang past
    the padded input; its slices stop at the end (the part past it holds nothing)."""
    for i in range(out_shape[0]):
        r0 = i * stride[0]
        rows = slice(r0, min(r0 + kernel[0], padded_shape[0]))
        for j in range(out_shape[1]):
            c0 = j * stride[1]
            yield i, j, rows, slice(c0, min(c0 + kernel[1], padded_shape[1]))


def _divisors(st: _Setup, count_include_pad: bool) -> np.ndarray:
    """Each average-pooling window's divisor, (H_out, W_out): the entries it covers inside the
    padded input (``count_include_pad=True``) or inside the input itself (``False``)."""
    counts = []
    for n, kk, s, p, o in zip(st.x.shape[2:], st.kernel, st.stride, st.padding, st.geom.output_shape):
        start = np.arange(o) * s  # in padded coordinates: the input is p … p + n − 1
        if count_include_pad:
            counts.append(np.minimum(start + kk, n + 2 * p) - start)
        else:
            counts.append(np.minimum(start + kk, n + p) - np.maximum(start, p))
    return np.multiply.outer(*counts)


# --------------------------------------------------------------------------- max pooling


def maxpool2d_forward(x, kernel_size, stride=None, padding=0, ceil_mode=False) -> np.ndarray:
    """Max pooling: x (N, C, H, W) → out (N, C, H_out, W_out), the maximum of each window.

    ``stride`` defaults to ``kernel_size``; padding is −inf and at most ``kernel_size // 2``.
    ``ceil_mode=True`` rounds the output size up (PyTorch's rule, see the module docstring).
    A window holding a NaN outputs NaN (PyTorch's rule).

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    st = _pool_setup(x, kernel_size, stride, padding, ceil_mode=ceil_mode)
    return _max_over_offsets(_pad(st.x, st.pads, -np.inf), st.geom)


def _max_over_offsets(xpad: np.ndarray, geom: Geometry) -> np.ndarray:
    # One strided slice per kernel offset, compared in place: no (…, HH, WW) window copy.
    out = np.full((*xpad.shape[:2], *geom.output_shape), -np.inf, dtype=xpad.dtype)
    for _, _, rows, cols in offset_slices(geom):
        np.maximum(out, xpad[:, :, rows, cols], out=out)
    return out


def maxpool2d_backward(dout, x, kernel_size, stride=None, padding=0, ties="first", ceil_mode=False) -> np.ndarray:
    """Gradient of max pooling: each window's ``dout`` goes to its maximum.

    Parameters
    ----------
    dout : (N, C, H_out, W_out) upstream gradient.
    x : (N, C, H, W) forward input.
    kernel_size, stride, padding, ceil_mode : as in :func:`maxpool2d_forward`.
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
    x, dout, geom, pads = _pool_setup(x, kernel_size, stride, padding, dout, ceil_mode)[:4]
    xpad = _pad(x, pads, -np.inf)
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
    return np.ascontiguousarray(_crop(dxpad, pads))


def _masked(values, mask, buf, finite):
    """``values`` where ``mask``, else 0, written into ``buf``. Multiplying by the mask is the
    fastest way (much faster than ``np.add(..., where=)`` on a strided target) but turns
    0·inf into nan, so non-finite values take the exact, slower route."""
    if finite:
        return np.multiply(values, mask, out=buf)
    buf.fill(0)
    np.copyto(buf, values, where=mask)
    return buf


def maxpool2d_forward_naive(x, kernel_size, stride=None, padding=0, ceil_mode=False) -> np.ndarray:
    """Max pooling with loops over (n, c, i, j); same contract as :func:`maxpool2d_forward`.

    Each window is sliced out of the symmetrically padded input and stops at its end (with
    ``ceil_mode`` the last one may hang past it).

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    st = _pool_setup(x, kernel_size, stride, padding, ceil_mode=ceil_mode)
    xpad = _pad(st.x, _symmetric(st.padding), -np.inf)
    N, C = st.x.shape[:2]
    out = np.empty((N, C, *st.geom.output_shape), dtype=st.x.dtype)
    for i, j, rows, cols in _clipped_windows(st.geom.output_shape, st.kernel, st.stride, xpad.shape[2:]):
        for n in range(N):
            for c in range(C):
                out[n, c, i, j] = xpad[n, c, rows, cols].max()
    return out


def _symmetric(padding):
    return ((padding[0], padding[0]), (padding[1], padding[1]))


def maxpool2d_backward_naive(dout, x, kernel_size, stride=None, padding=0, ties="first", ceil_mode=False) -> np.ndarray:
    """Max-pooling gradient with loops; same contract as :func:`maxpool2d_backward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    check_ties(ties)
    st = _pool_setup(x, kernel_size, stride, padding, dout, ceil_mode)
    pads = _symmetric(st.padding)
    xpad = _pad(st.x, pads, -np.inf)
    dxpad = np.zeros_like(xpad)
    N, C = st.x.shape[:2]
    for i, j, rows, cols in _clipped_windows(st.geom.output_shape, st.kernel, st.stride, xpad.shape[2:]):
        for n in range(N):
            for c in range(C):
                window = xpad[n, c, rows, cols]
                if np.isnan(window).any():  # NaN is the maximum; the last NaN takes it all
                    winners = np.argwhere(np.isnan(window))[-1:]
                else:
                    winners = np.argwhere(window == window.max())  # row-major order
                if ties == "first":
                    winners = winners[:1]
                for u, v in winners:
                    dxpad[n, c, rows.start + u, cols.start + v] += st.dout[n, c, i, j] / len(winners)
    return np.ascontiguousarray(_crop(dxpad, pads))


# --------------------------------------------------------------------------- average pooling


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> np.ndarray:
    """Average pooling: x (N, C, H, W) → out (N, C, H_out, W_out), each window's mean.

    The padding is zeros. ``count_include_pad=True`` (PyTorch's default): they count in the
    divisor, ``HH·WW`` for every window that fits inside the padded input. ``False``: the
    divisor is the number of real input entries in the window. ``ceil_mode=True`` rounds the
    output size up; the part of a window hanging past the padded input never counts.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    count_include_pad = as_bool(count_include_pad, "count_include_pad")
    st = _pool_setup(x, kernel_size, stride, padding, ceil_mode=ceil_mode)
    xpad = _pad(st.x, st.pads)
    out = np.zeros((*st.x.shape[:2], *st.geom.output_shape), dtype=st.x.dtype)
    for _, _, rows, cols in offset_slices(st.geom):
        out += xpad[:, :, rows, cols]
    return out / _divisors(st, count_include_pad).astype(out.dtype)


def avgpool2d_backward(dout, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                       count_include_pad=True) -> np.ndarray:
    """Gradient of average pooling: every entry of a window receives ``dout`` divided by that
    window's divisor (``HH·WW`` by default; see :func:`avgpool2d_forward`).

    dout (N, C, H_out, W_out), x (N, C, H, W) → dx (N, C, H, W); overlapping windows add up,
    and the shares that land on the padding are dropped.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    count_include_pad = as_bool(count_include_pad, "count_include_pad")
    st = _pool_setup(x, kernel_size, stride, padding, dout, ceil_mode)
    share = st.dout / _divisors(st, count_include_pad).astype(st.dout.dtype)
    gh, gw = st.geom.height, st.geom.width
    dxpad = np.zeros((*st.x.shape[:2], gh.size, gw.size), dtype=st.x.dtype)
    for _, _, rows, cols in offset_slices(st.geom):
        dxpad[:, :, rows, cols] += share
    return np.ascontiguousarray(_crop(dxpad, st.pads))


def _naive_divisor(rows, cols, real, count_include_pad):
    # ``real`` marks the input's own entries (1) among the padded ones (0)
    return real[rows, cols].sum() if not count_include_pad else real[rows, cols].size


def avgpool2d_forward_naive(x, kernel_size, stride=None, padding=0, ceil_mode=False,
                            count_include_pad=True) -> np.ndarray:
    """Average pooling with loops; same contract as :func:`avgpool2d_forward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    count_include_pad = as_bool(count_include_pad, "count_include_pad")
    st = _pool_setup(x, kernel_size, stride, padding, ceil_mode=ceil_mode)
    pads = _symmetric(st.padding)
    xpad = _pad(st.x, pads)
    real = _pad(np.ones((1, 1, *st.x.shape[2:])), pads)[0, 0]
    N, C = st.x.shape[:2]
    out = np.empty((N, C, *st.geom.output_shape), dtype=st.x.dtype)
    for i, j, rows, cols in _clipped_windows(st.geom.output_shape, st.kernel, st.stride, xpad.shape[2:]):
        divisor = _naive_divisor(rows, cols, real, count_include_pad)
        for n in range(N):
            for c in range(C):
                out[n, c, i, j] = xpad[n, c, rows, cols].sum() / divisor
    return out


def avgpool2d_backward_naive(dout, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                             count_include_pad=True) -> np.ndarray:
    """Average-pooling gradient with loops; same contract as :func:`avgpool2d_backward`.

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    count_include_pad = as_bool(count_include_pad, "count_include_pad")
    st = _pool_setup(x, kernel_size, stride, padding, dout, ceil_mode)
    pads = _symmetric(st.padding)
    dxpad = _pad(np.zeros_like(st.x), pads)
    real = _pad(np.ones((1, 1, *st.x.shape[2:])), pads)[0, 0]
    N, C = st.x.shape[:2]
    for i, j, rows, cols in _clipped_windows(st.geom.output_shape, st.kernel, st.stride, dxpad.shape[2:]):
        divisor = _naive_divisor(rows, cols, real, count_include_pad)
        for n in range(N):
            for c in range(C):
                dxpad[n, c, rows, cols] += st.dout[n, c, i, j] / divisor
    return np.ascontiguousarray(_crop(dxpad, pads))


# --------------------------------------------------------------------------- the routes, one by one


def pool_routes(dout, x, kernel_size, stride=None, padding=0, mode="max", ties="first",
                ceil_mode=False, count_include_pad=True) -> list:
    """Where each pooling window sends its gradient: the routes behind the backward passes.

    One channel, with loops, for explanations and pictures (not for speed).

    Parameters
    ----------
    dout : (H_out, W_out) upstream gradient of one channel.
    x : (H, W) forward input of that channel.
    kernel_size, stride, padding, ceil_mode : as in :func:`maxpool2d_forward` (an int or an
        (h, w) pair).
    mode : "max" — each window sends all of ``dout[i, j]`` to its maximum (``ties`` as in
        :func:`maxpool2d_backward`, NaN as there too); "average" — every entry of the window
        receives ``dout[i, j]`` divided by the window's divisor (``HH·WW`` by default).
    ties : "first" or "split" (max pooling only).
    count_include_pad : as in :func:`avgpool2d_forward` (average pooling only).

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
    count_include_pad = as_bool(count_include_pad, "count_include_pad")
    x = as_array(x, "x", 2, "(H, W), one channel")
    dout = as_array(dout, "dout", 2, "(H_out, W_out), one channel")
    st = _pool_setup(x[None, None], kernel_size, stride, padding, ceil_mode=ceil_mode)
    check_shape(dout, "dout", st.geom.output_shape, "(H_out, W_out), the shape of the forward output")
    dout = dout.astype(compute_dtype(x, dout), copy=False)
    H, W = x.shape
    ph, pw = st.padding
    xpad = _pad(st.x, _symmetric(st.padding), -np.inf if mode == "max" else 0.0)[0, 0]
    real = _pad(np.ones((1, 1, H, W)), _symmetric(st.padding))[0, 0]
    routes = []
    for i, j, rows, cols in _clipped_windows(st.geom.output_shape, st.kernel, st.stride, xpad.shape):
        window = xpad[rows, cols]
        g = dout[i, j]
        if mode == "average":
            cells = [(u, v) for u in range(window.shape[0]) for v in range(window.shape[1])]
            amount = g / _naive_divisor(rows, cols, real, count_include_pad)
        elif np.isnan(window).any():  # NaN is the maximum; the last NaN takes it all
            cells, amount = [tuple(np.argwhere(np.isnan(window))[-1])], g
        else:
            cells = [tuple(t) for t in np.argwhere(window == window.max())]  # row-major order
            if ties == "first":
                cells = cells[:1]
            amount = g / len(cells)
        for u, v in cells:
            r, c = rows.start + int(u) - ph, cols.start + int(v) - pw
            if 0 <= r < H and 0 <= c < W:
                routes.append((i, j, r, c, float(amount)))
    return routes

"""im2col and its adjoint col2im: convolution as one matrix product.

Derived in ``notebooks/06-vectorising-im2col.ipynb``.

``im2col`` copies every window of the (padded) input into one column of a matrix, so that a
convolution becomes ``w.reshape(F, -1) @ cols``. ``col2im`` is its *adjoint* (transpose), not its
inverse: it adds every column back onto the window it came from, so an input entry covered by
several windows receives the sum of their contributions.

Column layout, used everywhere in the package::

    cols[(c·HH + u)·WW + v, (n·H_out + i)·W_out + j] = xpad[n, c, i·s_h + u·d_h, j·s_w + v·d_w]

with (u, v) the kernel tap (row, column).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import as_array, as_pair, as_shape, check_memory
from .shapes import Geometry, window_geometry

__all__ = ["im2col", "col2im"]


def pad_spatial(x: np.ndarray, padding: tuple[int, int], value=0.0) -> np.ndarray:
    """Pad the last two axes of ``x`` by ``padding = (p_h, p_w)`` on each side with ``value``."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def windows(xpad: np.ndarray, geom: Geometry) -> np.ndarray:
    """Read-only view ``(N, C, H_out, W_out, HH, WW)`` of every window of the padded input.

    ``windows(xpad, g)[n, c, i, j, u, v] == xpad[n, c, i·s_h + u·d_h, j·s_w + v·d_w]``; no copy.
    """
    gh, gw = geom.height, geom.width
    view = sliding_window_view(xpad, (gh.extent, gw.extent), axis=(2, 3))
    return view[:, :, :: gh.stride, :: gw.stride, :: gh.dilation, :: gw.dilation]


def offset_slices(geom: Geometry):
    """For every kernel offset (u, v), the strided slices of the padded input it reads.

    Yields ``(u, v, rows, cols)`` such that ``xpad[..., rows, cols][..., i, j]`` is the entry
    kernel tap (u, v) meets at output (i, j): ``xpad[..., i·s_h + u·d_h, j·s_w + v·d_w]``.
    Looping over the HH·WW offsets (never over windows) is how fold and pooling stay vectorised.
    """
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    for u in range(gh.kernel_size):
        r0 = u * gh.dilation
        rows = slice(r0, r0 + gh.stride * (Ho - 1) + 1, gh.stride)
        for v in range(gw.kernel_size):
            c0 = v * gw.dilation
            yield u, v, rows, slice(c0, c0 + gw.stride * (Wo - 1) + 1, gw.stride)


def fold(g: np.ndarray, geom: Geometry) -> np.ndarray:
    """Adjoint of :func:`windows`: add each window's values back where they were read from.

    g : (N, C, H_out, W_out, HH, WW). Returns the padded-size array (N, C, H + 2p_h, W + 2p_w).
    The sum runs over the HH·WW kernel offsets; each step adds one strided slice, so no Python
    loop visits individual windows and no ``np.add.at`` is needed.
    """
    N, C = g.shape[:2]
    out = np.zeros((N, C, geom.height.padded_size, geom.width.padded_size), dtype=g.dtype)
    for u, v, rows, cols in offset_slices(geom):
        out[:, :, rows, cols] += g[..., u, v]
    return out


def tap_ranges(geom: Geometry):
    """For every kernel offset (u, v), the outputs whose tap lands inside the *unpadded* input.

    Yields ``(u, v, (i0, i1), (j0, j1), rows, cols)``: outputs ``i0 ≤ i < i1``, ``j0 ≤ j < j1``
    meet ``x[..., rows, cols]`` (strided slices of the unpadded input, one entry per output);
    every other output meets the zero padding at this offset. An empty range means the offset
    only ever meets padding. Working on the unpadded input means no padded copy is made.
    """
    per_axis = []
    for g in (geom.height, geom.width):
        n_out = _output_size(g)
        axis = []
        for t in range(g.kernel_size):  # the tap along this axis (u for rows, v for columns)
            off = t * g.dilation - g.padding  # unpadded index read by output 0 at tap t
            i0 = 0 if off >= 0 else (-off + g.stride - 1) // g.stride
            i1 = min(n_out, (g.size - 1 - off) // g.stride + 1) if g.size - 1 - off >= 0 else 0
            i1 = max(i1, i0)
            start = i0 * g.stride + off
            axis.append((i0, i1, slice(start, start + (i1 - i0 - 1) * g.stride + 1, g.stride)))
        per_axis.append(axis)
    for u, (i0, i1, rows) in enumerate(per_axis[0]):
        for v, (j0, j1, cols) in enumerate(per_axis[1]):
            yield u, v, (i0, i1), (j0, j1), rows, cols


def _output_size(g) -> int:
    """``g.output_size`` for an axis already known to be valid, without re-validating it."""
    return (g.size + 2 * g.padding - g.dilation * (g.kernel_size - 1) - 1) // g.stride + 1


def unfold(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """im2col's column matrix as a 6-D array ``(C, HH, WW, N, H_out, W_out)``, built tap by tap.

    ``unfold(x, g).reshape(C·HH·WW, N·H_out·W_out)`` is ``im2col``'s matrix. One strided copy per
    kernel offset straight from the unpadded ``x`` (the padding ring is written as zeros), so
    neither a padded copy of ``x`` nor an index array is ever made.
    """
    N, C = x.shape[:2]
    HH, WW = geom.height.kernel_size, geom.width.kernel_size
    Ho, Wo = _output_size(geom.height), _output_size(geom.width)
    out = np.empty((C, HH, WW, N, Ho, Wo), dtype=x.dtype)
    _unfold_into(out, x, tap_ranges(geom))
    return out


def _unfold_into(out: np.ndarray, x: np.ndarray, taps) -> None:
    Ho, Wo = out.shape[-2:]
    xt = x.transpose(1, 0, 2, 3)  # (C, n, H, W) view, matches the column order
    for u, v, (i0, i1), (j0, j1), rows, cols in taps:
        dst = out[:, u, v]  # (C, n, Ho, Wo)
        if i1 == i0 or j1 == j0:
            dst[...] = 0
            continue
        if i0 > 0:  # outputs whose tap falls on the padding ring read zeros
            dst[:, :, :i0] = 0
        if i1 < Ho:
            dst[:, :, i1:] = 0
        if j0 > 0:
            dst[:, :, i0:i1, :j0] = 0
        if j1 < Wo:
            dst[:, :, i0:i1, j1:] = 0
        dst[:, :, i0:i1, j0:j1] = xt[:, :, rows, cols]


def fold_into(dx: np.ndarray, g: np.ndarray, geom: Geometry, *, overwrite: bool = False) -> np.ndarray:
    """Add ``g`` (C, HH, WW, n, H_out, W_out) back onto the unpadded ``dx`` (n, C, H, W), in place.

    The adjoint of :func:`unfold`: one strided in-place addition per kernel offset; the parts
    that fell on the padding ring are simply never added (no padded buffer, no crop).
    ``overwrite=True``: ``dx``'s old contents are ignored (it may come from ``np.empty``), so
    ``dx`` becomes exactly the fold of ``g``. A kernel offset that covers every entry of ``dx``
    once (the centre tap of a stride-1 "same" convolution) is then copied instead of added,
    which saves zero-filling ``dx`` and one read-modify-write pass over it.
    """
    taps = [t for t in tap_ranges(geom) if t[2][1] > t[2][0] and t[3][1] > t[3][0]]
    if overwrite:
        H, W = dx.shape[2:]
        full = [t for t in taps if _covers(t[4], H) and _covers(t[5], W)]
        if full:
            u, v, (i0, i1), (j0, j1), _, _ = full[0]
            dx[...] = g[:, u, v, :, i0:i1, j0:j1].transpose(1, 0, 2, 3)
            taps.remove(full[0])
        else:
            dx[...] = 0
    for u, v, (i0, i1), (j0, j1), rows, cols in taps:
        target = dx[:, :, rows, cols]
        np.add(target, g[:, u, v, :, i0:i1, j0:j1].transpose(1, 0, 2, 3), out=target)
    return dx


def _covers(sl: slice, size: int) -> bool:
    """Whether the slice (with non-negative start/stop) reads every index 0..size−1 exactly once."""
    return sl.start == 0 and sl.step == 1 and sl.stop == size


def crop_padding(xpad: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Drop the padding ring: the inverse of :func:`pad_spatial` on shapes."""
    ph, pw = padding
    H, W = xpad.shape[2] - 2 * ph, xpad.shape[3] - 2 * pw
    return xpad[:, :, ph : ph + H, pw : pw + W]


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Unfold every window of ``x`` into a column.

    Parameters
    ----------
    x : (N, C, H, W) input.
    kernel_size, stride, padding, dilation : int or (h, w) pair.

    Returns
    -------
    cols : (C·HH·WW, N·H_out·W_out), with
        ``cols[(c·HH + u)·WW + v, (n·H_out + i)·W_out + j] = xpad[n, c, i·s_h + u·d_h, j·s_w + v·d_w]``
        for kernel tap (u, v).
        Float32 stays float32; integers become float64.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    x = as_array(x, "x", 4, "(N, C, H, W)")
    geom = window_geometry(x.shape, kernel_size, stride, padding, dilation, what=f"kernel_size={kernel_size!r}")
    dtype = np.result_type(np.float32, x.dtype if x.dtype.kind == "f" else np.float64)
    N, C = x.shape[:2]
    HH, WW = as_pair(kernel_size, "kernel_size", minimum=1)
    Ho, Wo = geom.output_shape
    check_memory([("an im2col matrix (C·HH·WW, N·H_out·W_out)", (C * HH * WW, N * Ho * Wo))],
                 dtype.itemsize, _settings(f"x of shape {x.shape}", kernel_size, stride, padding, dilation))
    # Same as windows(pad_spatial(x)).transpose(1, 4, 5, 0, 2, 3).reshape(...) (the one-line
    # version taught in notebook 06), built tap by tap without a padded copy of x.
    return unfold(x.astype(dtype, copy=False), geom).reshape(C * HH * WW, N * Ho * Wo)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column back onto its window and drop the padding.

    Parameters
    ----------
    cols : (C·HH·WW, N·H_out·W_out), laid out as :func:`im2col` returns.
    x_shape : (N, C, H, W) — the shape of the input ``im2col`` was applied to: four positive ints.
    kernel_size, stride, padding, dilation : int or (h, w) pair.

    Returns
    -------
    (N, C, H, W) array. Entries covered by several windows receive the *sum* of their columns'
    values, so ``col2im(im2col(x)) == x · (number of windows covering each entry)`` and, for any
    ``x`` and ``cols``, ``sum(im2col(x) · cols) == sum(x · col2im(cols))``.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    x_shape = as_shape(x_shape, "x_shape", 4, "(N, C, H, W)")
    cols = as_array(cols, "cols", 2, "(C·HH·WW, N·H_out·W_out)")
    geom = window_geometry(x_shape, kernel_size, stride, padding, dilation, what=f"kernel_size={kernel_size!r}")
    N, C = x_shape[:2]
    HH, WW = as_pair(kernel_size, "kernel_size", minimum=1)
    Ho, Wo = geom.output_shape
    expected = (C * HH * WW, N * Ho * Wo)
    if cols.shape != expected:
        raise ValueError(
            f"cols must have shape {expected} (C·HH·WW, N·H_out·W_out) for x_shape={x_shape}; "
            f"got {cols.shape}"
        )
    dtype = np.result_type(np.float32, cols.dtype if cols.dtype.kind == "f" else np.float64)
    # a large stride makes few columns out of a large x_shape: the result can dwarf cols
    check_memory([("an output of shape x_shape", x_shape)], dtype.itemsize,
                 _settings(f"x_shape={x_shape}", kernel_size, stride, padding, dilation))
    g = cols.astype(dtype, copy=False).reshape(C, HH, WW, N, Ho, Wo)
    # Same as crop_padding(fold(...)) on the padded input, without the padded buffer.
    return fold_into(np.empty(x_shape, dtype=dtype), g, geom, overwrite=True)


def _settings(what: str, kernel_size, stride, padding, dilation) -> str:
    return (f"{what} with kernel_size={kernel_size!r}, stride={stride!r}, padding={padding!r}, "
            f"dilation={dilation!r}")

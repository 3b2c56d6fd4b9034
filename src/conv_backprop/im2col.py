"""im2col and its adjoint col2im: convolution as one matrix product.

Derived in ``notebooks/06-vectorising-im2col.ipynb``.

``im2col`` copies every window of the (padded) input into one column of a matrix, so that a
convolution becomes ``w.reshape(F, -1) @ cols``. ``col2im`` is its *adjoint* (transpose), not its
inverse: it adds every column back onto the window it came from, so an input entry covered by
several windows receives the sum of their contributions.

Column layout, used everywhere in the package::

    cols[(c·HH + a)·WW + b, (n·H_out + i)·W_out + j] = xpad[n, c, i·s_h + a·d_h, j·s_w + b·d_w]
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import as_array, as_pair
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

    ``windows(xpad, g)[n, c, i, j, a, b] == xpad[n, c, i·s_h + a·d_h, j·s_w + b·d_w]``; no copy.
    """
    gh, gw = geom.height, geom.width
    view = sliding_window_view(xpad, (gh.extent, gw.extent), axis=(2, 3))
    return view[:, :, :: gh.stride, :: gw.stride, :: gh.dilation, :: gw.dilation]


def offset_slices(geom: Geometry):
    """For every kernel offset (a, b), the strided slices of the padded input it reads.

    Yields ``(a, b, rows, cols)`` such that ``xpad[..., rows, cols][..., i, j]`` is the entry
    kernel tap (a, b) meets at output (i, j): ``xpad[..., i·s_h + a·d_h, j·s_w + b·d_w]``.
    Looping over the HH·WW offsets (never over windows) is how fold and pooling stay vectorised.
    """
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    for a in range(gh.kernel_size):
        r0 = a * gh.dilation
        rows = slice(r0, r0 + gh.stride * (Ho - 1) + 1, gh.stride)
        for b in range(gw.kernel_size):
            c0 = b * gw.dilation
            yield a, b, rows, slice(c0, c0 + gw.stride * (Wo - 1) + 1, gw.stride)


def fold(g: np.ndarray, geom: Geometry) -> np.ndarray:
    """Adjoint of :func:`windows`: add each window's values back where they were read from.

    g : (N, C, H_out, W_out, HH, WW). Returns the padded-size array (N, C, H + 2p_h, W + 2p_w).
    The sum runs over the HH·WW kernel offsets; each step adds one strided slice, so no Python
    loop visits individual windows and no ``np.add.at`` is needed.
    """
    N, C = g.shape[:2]
    out = np.zeros((N, C, geom.height.padded_size, geom.width.padded_size), dtype=g.dtype)
    for a, b, rows, cols in offset_slices(geom):
        out[:, :, rows, cols] += g[..., a, b]
    return out


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
        ``cols[(c·HH + a)·WW + b, (n·H_out + i)·W_out + j] = xpad[n, c, i·s_h + a·d_h, j·s_w + b·d_w]``.
        Float32 stays float32; integers become float64.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    x = as_array(x, "x", 4, "(N, C, H, W)")
    geom = window_geometry(x.shape, kernel_size, stride, padding, dilation, what=f"kernel_size={kernel_size!r}")
    dtype = np.result_type(np.float32, x.dtype if x.dtype.kind == "f" else np.float64)
    xpad = pad_spatial(x.astype(dtype, copy=False), as_pair(padding, "padding", minimum=0))
    N, C = x.shape[:2]
    HH, WW = as_pair(kernel_size, "kernel_size", minimum=1)
    Ho, Wo = geom.output_shape
    # (N, C, Ho, Wo, HH, WW) -> (C, HH, WW, N, Ho, Wo): reshape copies into the column layout.
    return windows(xpad, geom).transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column back onto its window and drop the padding.

    Parameters
    ----------
    cols : (C·HH·WW, N·H_out·W_out), laid out as :func:`im2col` returns.
    x_shape : (N, C, H, W) — the shape of the input ``im2col`` was applied to.
    kernel_size, stride, padding, dilation : int or (h, w) pair.

    Returns
    -------
    (N, C, H, W) array. Entries covered by several windows receive the *sum* of their columns'
    values, so ``col2im(im2col(x)) == x · (number of windows covering each entry)`` and, for any
    ``x`` and ``cols``, ``sum(im2col(x) · cols) == sum(x · col2im(cols))``.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    x_shape = _check_shape_tuple(x_shape)
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
    g = cols.astype(dtype, copy=False).reshape(C, HH, WW, N, Ho, Wo).transpose(3, 0, 4, 5, 1, 2)
    return np.ascontiguousarray(crop_padding(fold(g, geom), as_pair(padding, "padding", minimum=0)))


def _check_shape_tuple(x_shape) -> tuple[int, int, int, int]:
    try:
        shape = tuple(int(v) for v in x_shape)
    except (TypeError, ValueError):
        raise TypeError(f"x_shape must be a tuple of 4 ints (N, C, H, W); got {x_shape!r}")
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"x_shape must be 4 positive ints (N, C, H, W); got {x_shape!r}")
    return shape


"""2-D convolution (cross-correlation), forward and backward, three ways.

* ``conv2d_forward_naive`` / ``conv2d_backward_naive``: plain loops, one 3-D dot product per
  output; derived in notebooks 02 (forward), 03 (dx) and 04 (dw, db).
* ``conv2d_forward`` / ``conv2d_backward``: vectorised with im2col / col2im and matrix
  products; derived in notebook 06.
* ``conv2d_backward_flipped``: dx as a full cross-correlation of the zero-inserted, padded dout
  with the 180°-rotated kernel, dw as a correlation of x with dout; derived in notebooks 05
  (stride 1, the flip and the channel swap) and 05b (stride, padding, dilation).

Shapes (notation of notebook 00; kernel taps (u, v), 0 ≤ u < HH, 0 ≤ v < WW):
    x    (N, C, H, W)          input
    w    (F, C, HH, WW)        weights
    b    (F,)                  bias
    out  (N, F, H_out, W_out)  output, ``out[n, f, i, j] = Σ_{c,u,v} xpad[n, c, i·s_h + u·d_h,
                               j·s_w + v·d_w] · w[f, c, u, v] + b[f]``
    dout (N, F, H_out, W_out)  ∂L/∂out

Grouped convolution (every function here takes ``groups=G``, default 1): the C input channels
and the F filters are split into G equal, consecutive groups, and filter f (in group
``g = f // (F/G)``) reads only the ``C/G`` channels of its own group, so w is
``(F, C/G, HH, WW)``::

    out[n, f, i, j] = Σ_{k<C/G, u, v} xpad[n, g·(C/G) + k, i·s_h + u·d_h, j·s_w + v·d_w]
                      · w[f, k, u, v] + b[f]

G = 1 is the plain layer; G = C (with F a multiple of C) is a *depthwise* convolution. Groups
came from AlexNet (Krizhevsky, Sutskever & Hinton 2012, split over two GPUs) and were made a
design choice by ResNeXt (Xie et al. 2017); depthwise convolutions are MobileNets' building
block (Howard et al. 2017). A grouped layer is G independent plain layers side by side, so its
backward pass is the plain one per group. Derived in ``notebooks/12-grouped-and-depthwise.ipynb``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_pair, as_shape, check_memory, check_shape, compute_dtype, is_int
from .im2col import _output_size, crop_padding, fold_into, pad_spatial, unfold
from .shapes import Geometry, window_geometry

__all__ = [
    "conv2d_forward_naive",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_backward_flipped",
    "flipped_kernel_input",
]


# --------------------------------------------------------------------------- validation


def _check_groups(groups) -> int:
    if not is_int(groups):
        raise TypeError(f"groups must be a positive int (1 for a plain convolution); got {groups!r}")
    if int(groups) < 1:
        raise ValueError(f"groups must be a positive int (1 for a plain convolution); got {groups!r}")
    return int(groups)


def _check_xw(x, w, stride, padding, dilation, groups=1):
    groups = _check_groups(groups)
    x = as_array(x, "x", 4, "(N, C, H, W)")
    w = as_array(w, "w", 4, "(F, C, HH, WW)" if groups == 1 else "(F, C/groups, HH, WW)")
    C, F = x.shape[1], w.shape[0]
    if groups == 1:
        if w.shape[1] != C:
            raise ValueError(
                f"w has {w.shape[1]} input channels (w.shape[1]) but x has {C} "
                f"(x.shape[1]); they must match. Got x.shape={x.shape}, w.shape={w.shape}"
            )
    else:
        if C % groups:
            raise ValueError(
                f"groups={groups} must divide the number of input channels C = x.shape[1] = {C}; "
                f"it does not (x.shape={x.shape}). Each group reads C/groups consecutive channels"
            )
        if F % groups:
            raise ValueError(
                f"groups={groups} must divide the number of filters F = w.shape[0] = {F}; "
                f"it does not (w.shape={w.shape}). Each group has F/groups filters"
            )
        if w.shape[1] != C // groups:
            raise ValueError(
                f"w.shape[1] must be C/groups = {C}/{groups} = {C // groups} (the channels one "
                f"filter reads); got w.shape={w.shape} for x.shape={x.shape}"
            )
    if min(w.shape) < 1 or min(x.shape) < 1:
        raise ValueError(f"x and w must have no empty axis; got x.shape={x.shape}, w.shape={w.shape}")
    geom = window_geometry(x.shape, w.shape[2:], stride, padding, dilation, what=f"the kernel w (shape {w.shape})")
    return x, w, geom


def _check_forward(x, w, b, stride, padding, dilation, allocates=(), groups=1):
    x, w, geom = _check_xw(x, w, stride, padding, dilation, groups)
    b = as_array(b, "b", 1, "(F,)")
    check_shape(b, "b", (w.shape[0],), "(F,), one bias per filter of w")
    dtype = compute_dtype(x, w, b)
    _check_memory(x.shape, w.shape, geom, dtype.itemsize, allocates, stride, padding, dilation)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), geom


def _check_backward(dout, x, w, stride, padding, dilation, allocates=(), groups=1):
    x, w, geom = _check_xw(x, w, stride, padding, dilation, groups)
    dout = as_array(dout, "dout", 4, "(N, F, H_out, W_out)")
    expected = (x.shape[0], w.shape[0], *geom.output_shape)
    check_shape(dout, "dout", expected, "(N, F, H_out, W_out), the shape of the forward output")
    dtype = compute_dtype(dout, x, w)
    _check_memory(x.shape, w.shape, geom, dtype.itemsize, allocates, stride, padding, dilation)
    return (
        dout.astype(dtype, copy=False),
        x.astype(dtype, copy=False),
        w.astype(dtype, copy=False),
        geom,
    )


def _check_memory(x_shape, w_shape, geom, itemsize, allocates, stride, padding, dilation):
    """Refuse (ValueError naming the settings) before allocating any array, among those named in
    ``allocates``, above the package's cap (:data:`_validation.MAX_ARRAY_BYTES`). Arrays no
    larger than an input the caller already holds (dx, dw, db) are not checked."""
    if not allocates:
        return
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape  # w.shape[1] is C/groups; the im2col matrix has all C channels
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    # the flipped-kernel backward correlates x with dout as a kernel: its output is Hc × Wc
    Hc = (gh.padded_size - gh.stride * (Ho - 1) - 1) // gh.dilation + 1
    Wc = (gw.padded_size - gw.stride * (Wo - 1) - 1) // gw.dilation + 1
    shapes = {
        "padded": ("a zero-padded copy of x", (N, C, gh.padded_size, gw.padded_size)),
        "out": ("an output (N, F, H_out, W_out)", (N, F, Ho, Wo)),
        "cols": ("an im2col matrix (C·HH·WW, N·H_out·W_out)", (C * HH * WW, N * Ho * Wo)),
        "flipped": ("a zero-inserted, padded dout", (N, F, gh.padded_size + gh.extent - 1,
                                                    gw.padded_size + gw.extent - 1)),
        "dx_cols": ("an im2col matrix of the flipped dout", (F * HH * WW, N * H * W)),
        "dw_cols": ("an im2col matrix of x for dw", (N * Ho * Wo, C * Hc * Wc)),
        "dw_out": ("a correlation of x with dout", (C, F, Hc, Wc)),
    }
    if gh.padding == 0 and gw.padding == 0:
        allocates = [a for a in allocates if a != "padded"]  # no padded copy is made
    check_memory(
        [shapes[a] for a in allocates], itemsize,
        f"x of shape {tuple(x_shape)} and w of shape {tuple(w_shape)} with stride={stride!r}, "
        f"padding={padding!r}, dilation={dilation!r}",
    )


def _check_cache(cache) -> None:
    if cache is not None and not isinstance(cache, dict):
        raise TypeError(
            f"cache must be a dict (e.g. {{}}, shared by conv2d_forward and conv2d_backward) or "
            f"None; got {cache!r}"
        )


def _window_slices(i: int, j: int, geom: Geometry) -> tuple[slice, slice]:
    """Rows and columns of the padded input that output (i, j) reads (dilation as a step)."""
    gh, gw = geom.height, geom.width
    r, c = i * gh.stride, j * gw.stride
    return slice(r, r + gh.extent, gh.dilation), slice(c, c + gw.extent, gw.dilation)


# --------------------------------------------------------------------------- naive loops


def _group_channels(f: int, F: int, C: int, groups: int) -> slice:
    """The input channels filter ``f`` reads: those of its group ``g = f // (F/groups)``."""
    g = f // (F // groups)
    return slice(g * (C // groups), (g + 1) * (C // groups))


def conv2d_forward_naive(x, w, b, stride=1, padding=0, dilation=1, *, groups=1) -> np.ndarray:
    """Forward pass with plain loops: one 3-D dot product per output entry.

    Parameters
    ----------
    x : (N, C, H, W) input.
    w : (F, C/groups, HH, WW) weights ((F, C, HH, WW) when groups = 1).
    b : (F,) bias.
    stride, padding, dilation : int or (h, w) pair.
    groups : positive int dividing C and F (default 1, the plain layer; C: depthwise).

    Returns
    -------
    out : (N, F, H_out, W_out) with
        ``out[n, f, i, j] = sum(xpad[n, chans(f), window(i, j)] * w[f]) + b[f]``, where
        ``chans(f)`` are the C/groups channels of filter f's group (all C when groups = 1).

    Derived in ``notebooks/02-forward-3d-dot-product.ipynb``; groups in
    ``notebooks/12-grouped-and-depthwise.ipynb``.
    """
    x, w, b, geom = _check_forward(x, w, b, stride, padding, dilation, allocates=("padded", "out"),
                                   groups=groups)
    xpad = pad_spatial(x, as_pair(padding, "padding", minimum=0))
    N, C, F = x.shape[0], x.shape[1], w.shape[0]
    H_out, W_out = geom.output_shape
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            chans = _group_channels(f, F, C, groups)
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = _window_slices(i, j, geom)
                    window = xpad[n, chans, rows, cols]  # (C/groups, HH, WW): the group's channels
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv2d_backward_naive(dout, x, w, stride=1, padding=0, dilation=1, *, groups=1):
    """Backward pass with plain loops, following the chain rule one output at a time.

    Output ``(n, f, i, j)`` was ``sum(xpad[n, chans(f), window] * w[f]) + b[f]``, so it sends
    ``dout[n, f, i, j] · w[f]`` back to its window of ``xpad`` (in its group's channels only),
    ``dout[n, f, i, j] · xpad[n, chans(f), window]`` to ``w[f]`` and ``dout[n, f, i, j]`` to
    ``b[f]``. Gradients reaching the padding ring are discarded (padding is a constant, not an
    input).

    Parameters
    ----------
    dout : (N, F, H_out, W_out) upstream gradient ∂L/∂out.
    x : (N, C, H, W) input of the forward pass.
    w : (F, C/groups, HH, WW) weights.
    stride, padding, dilation : int or (h, w) pair.
    groups : positive int dividing C and F (default 1).

    Returns
    -------
    dx : (N, C, H, W), dw : (F, C/groups, HH, WW), db : (F,).

    Derived in ``notebooks/03-backward-dx-by-indices.ipynb`` (dx) and
    ``notebooks/04-backward-dw-db.ipynb`` (dw, db); groups in
    ``notebooks/12-grouped-and-depthwise.ipynb``.
    """
    dout, x, w, geom = _check_backward(dout, x, w, stride, padding, dilation, allocates=("padded",),
                                       groups=groups)
    pad = as_pair(padding, "padding", minimum=0)
    xpad = pad_spatial(x, pad)
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    db = np.zeros(w.shape[0], dtype=x.dtype)
    N, F, H_out, W_out = dout.shape
    C = x.shape[1]
    for n in range(N):
        for f in range(F):
            chans = _group_channels(f, F, C, groups)
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = _window_slices(i, j, geom)
                    g = dout[n, f, i, j]
                    dxpad[n, chans, rows, cols] += g * w[f]
                    dw[f] += g * xpad[n, chans, rows, cols]
                    db[f] += g
    return np.ascontiguousarray(crop_padding(dxpad, pad)), dw, db


# --------------------------------------------------------------------------- vectorised


def _per_group(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``lhs[g] @ rhs[g]`` for every group g: lhs (G, m, k), rhs (G, k, n) → (G, m, n).

    One BLAS call when G = 1 (the plain layer, exactly as before groups existed); else numpy's
    stacked matmul, one small product per group."""
    if lhs.shape[0] == 1:
        return (lhs[0] @ rhs[0])[None]
    return np.matmul(lhs, rhs)


def conv2d_forward(x, w, b, stride=1, padding=0, dilation=1, cache=None, *, groups=1) -> np.ndarray:
    """Vectorised forward pass: im2col, then one matrix product (one per group).

    Same parameters, result and dtype rules as :func:`conv2d_forward_naive`:
    x (N, C, H, W), w (F, C/groups, HH, WW), b (F,) → out (N, F, H_out, W_out).

    ``groups``: the rows of im2col's matrix are ordered channel first, so group g's channels are
    the consecutive rows ``g·(C/G)·HH·WW … (g+1)·(C/G)·HH·WW``; each group is then an ordinary
    product ``w_g (F/G, C/G·HH·WW) @ cols_g (C/G·HH·WW, N·H_out·W_out)``.

    ``cache``: pass a dict to keep the im2col matrix (C·HH·WW, N·H_out·W_out) for
    :func:`conv2d_backward` with the same dict, which then skips rebuilding it. It costs
    HH·WW times the input's memory for as long as the dict lives; the cache is only used when
    backward receives the very same ``x`` object (do not modify x in between). Anything but a
    dict or None is refused with a ``TypeError``.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    _check_cache(cache)
    x_in = x
    x, w, b, geom = _check_forward(x, w, b, stride, padding, dilation, allocates=("cols", "out"),
                                   groups=groups)
    G = groups
    cols = _im2col(x, geom)  # (C·HH·WW, N·Ho·Wo)
    if cache is not None:
        cache.clear()
        cache.update(x=x_in, geom=geom, cols=cols)
    F, N = w.shape[0], x.shape[0]
    Ho, Wo = _output_size(geom.height), _output_size(geom.width)
    # One large GEMM per group, (F/G, C/G·HH·WW) @ (C/G·HH·WW, N·Ho·Wo): contiguous operands.
    prod = _per_group(w.reshape(G, F // G, -1), cols.reshape(G, -1, cols.shape[1])).reshape(F, N, Ho * Wo)
    # The (F, N) → (N, F) reordering and the bias share one pass over the output.
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    np.add(prod.transpose(1, 0, 2), b[:, None], out=out.reshape(N, F, Ho * Wo))
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1, cache=None, *, groups=1):
    """Vectorised backward pass: dw and dx as matrix products, col2im for dx.

    With ``cols = im2col(x)`` of shape (C·HH·WW, N·H_out·W_out) and ``D`` = dout as (F, N·H_out·W_out):
    ``dw = D @ colsᵀ``, ``dx = col2im(w_matᵀ @ D)``, ``db = Σ dout`` over n, i, j. With groups,
    the same three lines per group g (its filters' rows of D, its channels' rows of cols):
    ``dw_g = D_g @ cols_gᵀ``, ``dcols_g = w_gᵀ @ D_g``, stacked in channel order before col2im.

    Same parameters and results as :func:`conv2d_backward_naive`:
    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C/groups, HH, WW) → dx (N, C, H, W),
    dw (F, C/groups, HH, WW), db (F,). ``cache``: the dict given to :func:`conv2d_forward`, or None.

    Derived in ``notebooks/06-vectorising-im2col.ipynb``; groups in
    ``notebooks/12-grouped-and-depthwise.ipynb``.
    """
    _check_cache(cache)
    x_in = x
    dout, x, w, geom = _check_backward(dout, x, w, stride, padding, dilation, allocates=("cols",),
                                       groups=groups)
    G = groups
    N, F, H_out, W_out = dout.shape
    C, HH, WW = x.shape[1], *w.shape[2:]
    if cache and cache.get("x") is x_in and cache.get("geom") == geom and cache["cols"].dtype == dout.dtype:
        cols = cache["cols"]
    else:
        cols = _im2col(x, geom)
    P = H_out * W_out
    dout_mat = np.empty((F, N * P), dtype=dout.dtype)  # (F, N·Ho·Wo), the one copy of dout
    dout_mat.reshape(F, N, P)[...] = dout.reshape(N, F, P).transpose(1, 0, 2)
    D = dout_mat.reshape(G, F // G, N * P)  # group g's filters: rows g·F/G … (g+1)·F/G
    # colsᵀ is a view: BLAS reads it transposed
    dw = _per_group(D, cols.reshape(G, -1, N * P).transpose(0, 2, 1)).reshape(w.shape)
    db = dout_mat.sum(axis=1)
    # dx = col2im(w_matᵀ @ D), a block of whole images at a time: the block of dcols is reused
    # at once by the fold (while it is still in cache) and the extra memory stays bounded.
    w_t = w.reshape(G, F // G, -1).transpose(0, 2, 1)  # (G, C/G·HH·WW, F/G) view
    if cols.size < _SMALL and _padded_entries(x.shape, geom) < _SMALL_PADDED:
        # tiny input: one GEMM (per group) and one scatter-add, least Python overhead
        return _col2im_small(_per_group(w_t, D).reshape(C * HH * WW, N * P), x.shape, geom), dw, db
    dx = np.empty(x.shape, dtype=dout.dtype)  # every block below overwrites its images
    step = _images_per_block(N, C * HH * WW * P * dout.itemsize)
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        dcols = _per_group(w_t, D[:, :, n0 * P : n1 * P])  # (G, C/G·HH·WW, n·Ho·Wo): channel order
        fold_into(dx[n0:n1], dcols.reshape(C, HH, WW, n1 - n0, H_out, W_out), geom, overwrite=True)
    return dx, dw, db


_BLOCK_BYTES = 4 * 2**20  # dcols is computed and folded in blocks of at most ~4 MiB


def _images_per_block(N: int, bytes_per_image: int) -> int:
    """Images per dcols block: few blocks (each is one GEMM call), each at most ~4 MiB."""
    blocks = -(-N * bytes_per_image // _BLOCK_BYTES)  # ceil
    return -(-N // max(1, blocks))  # spread the images evenly over the blocks


_SMALL = 2**14  # below this many im2col entries, Python overhead outweighs copying costs
# ... unless the padded input is large (a large stride or padding can make few windows out of a
# large padded input): the tiny-input routes below build a padded copy (and an index array).
_SMALL_PADDED = 2**18


def _padded_entries(x_shape, geom: Geometry) -> int:
    return x_shape[0] * x_shape[1] * geom.height.padded_size * geom.width.padded_size


def _column_view(xpad: np.ndarray, geom: Geometry) -> np.ndarray:
    """Strided view (C, HH, WW, N, Ho, Wo) of the padded array, in im2col's column order:
    ``view[c, u, v, n, i, j] = xpad[n, c, i·s_h + u·d_h, j·s_w + v·d_w]``; no copy."""
    gh, gw = geom.height, geom.width
    N, C = xpad.shape[:2]
    sN, sC, sH, sW = xpad.strides
    return np.ndarray(
        (C, gh.kernel_size, gw.kernel_size, N, _output_size(gh), _output_size(gw)), xpad.dtype,
        buffer=xpad, strides=(sC, sH * gh.dilation, sW * gw.dilation, sN, sH * gh.stride, sW * gw.stride),
    )


def _im2col(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """im2col's (C·HH·WW, N·Ho·Wo) matrix.

    Large inputs: tap by tap from the unpadded x (:func:`unfold`, no padded copy). Tiny inputs:
    one reshape-copy of a strided window view of the padded x (the construction of notebook 06),
    which needs far fewer Python-level numpy calls.
    """
    N, C, H, W = x.shape
    gh, gw = geom.height, geom.width
    shape = (C * gh.kernel_size * gw.kernel_size, N * _output_size(gh) * _output_size(gw))
    if shape[0] * shape[1] >= _SMALL or _padded_entries(x.shape, geom) >= _SMALL_PADDED:
        return unfold(x, geom).reshape(shape)
    xpad = np.zeros((N, C, H + 2 * gh.padding, W + 2 * gw.padding), dtype=x.dtype)
    xpad[:, :, gh.padding : gh.padding + H, gw.padding : gw.padding + W] = x
    return _column_view(xpad, geom).reshape(shape)  # copies into the column layout


def _col2im_small(dcols: np.ndarray, x_shape, geom: Geometry) -> np.ndarray:
    """col2im for tiny inputs in one call: every column entry is added (np.bincount) to the
    padded position it was read from; the padding ring is then cropped."""
    N, C, H, W = x_shape
    gh, gw = geom.height, geom.width
    padded = (N, C, H + 2 * gh.padding, W + 2 * gw.padding)
    where = _column_view(np.arange(np.prod(padded)).reshape(padded), geom).reshape(-1)
    dxpad = np.bincount(where, weights=dcols.reshape(-1), minlength=int(np.prod(padded)))
    dxpad = dxpad.reshape(padded)[:, :, gh.padding : gh.padding + H, gw.padding : gw.padding + W]
    return dxpad.astype(dcols.dtype)  # a fresh, contiguous (N, C, H, W) array


# --------------------------------------------------------------------------- flipped kernel


def flipped_kernel_input(dout, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """dout prepared for the flipped-kernel identity of notebook 05b.

    Inserts ``s − 1`` zeros between neighbouring dout entries, then pads by ``E − 1 − p`` on the
    top/left and ``E − 1 − p + unused`` on the bottom/right, where ``E = d·(k − 1) + 1`` is the
    kernel's extent and ``unused`` counts the input rows/columns the forward pass never reached
    (a negative amount crops instead). A stride-1, dilation-``d`` cross-correlation of the result
    with the 180°-rotated kernel is then exactly ``dx``.

    Parameters
    ----------
    dout : (N, F, H_out, W_out).
    x_shape : (N, C, H, W), the forward input's shape: four positive ints.
    kernel_size, stride, padding, dilation : int or (h, w) pair.

    Returns
    -------
    (N, F, H + E_h − 1, W + E_w − 1).

    Derived in ``notebooks/05b-stride-dilation-transposed.ipynb``.
    """
    dout = as_array(dout, "dout", 4, "(N, F, H_out, W_out)")
    x_shape = as_shape(x_shape, "x_shape", 4, "(N, C, H, W)")
    geom = window_geometry(x_shape, kernel_size, stride, padding, dilation, what=f"kernel_size={kernel_size!r}")
    expected = (x_shape[0], dout.shape[1], *geom.output_shape)
    check_shape(dout, "dout", expected, "(N, F, H_out, W_out) for this geometry")
    dtype = compute_dtype(dout)
    gh, gw = geom.height, geom.width
    check_memory(
        [("a zero-inserted, padded dout", (*dout.shape[:2], gh.padded_size + gh.extent - 1, gw.padded_size + gw.extent - 1))],
        dtype.itemsize, f"x_shape={x_shape} with kernel_size={kernel_size!r}, stride={stride!r}, "
        f"padding={padding!r}, dilation={dilation!r}")
    return _flipped_input(dout.astype(dtype, copy=False), geom)


def _flipped_input(dout: np.ndarray, geom: Geometry) -> np.ndarray:
    gh, gw = geom.height, geom.width
    N, F, Ho, Wo = dout.shape
    # Full padding E − 1 on both sides, plus the unused rows the forward pass dropped ...
    full = np.zeros(
        (N, F, (Ho - 1) * gh.stride + 1 + 2 * (gh.extent - 1) + gh.unused,
         (Wo - 1) * gw.stride + 1 + 2 * (gw.extent - 1) + gw.unused),
        dtype=dout.dtype,
    )
    top, left = gh.extent - 1, gw.extent - 1
    full[:, :, top : top + (Ho - 1) * gh.stride + 1 : gh.stride,
         left : left + (Wo - 1) * gw.stride + 1 : gw.stride] = dout  # s − 1 zeros in between
    # ... minus p on each side: padding by E − 1 − p (cropping when that is negative).
    ph, pw = gh.padding, gw.padding
    return full[:, :, ph : full.shape[2] - ph, pw : full.shape[3] - pw]


def conv2d_backward_flipped(dout, x, w, stride=1, padding=0, dilation=1, *, groups=1):
    """Backward pass through the flipped-kernel identity.

    * ``dx`` = stride-1 cross-correlation of :func:`flipped_kernel_input` (dout with ``s − 1``
      zeros inserted, padded by ``E − 1 − p``) with the 180°-rotated kernel whose in/out channels
      are swapped, ``w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)`` of shape (C, F, HH, WW), keeping
      the forward dilation.
    * ``dw`` = cross-correlation of the padded x with dout used as a kernel: the forward stride
      becomes the dilation and the forward dilation becomes the stride (batch summed).
    * ``db`` = Σ dout over n, i, j.
    * ``groups`` = G: within each group the rotated kernel swaps its F/G filters and C/G channels,
      so dx is itself a G-group convolution with the kernel (C, F/G, HH, WW); dw is the
      correlation above for each group's channels with that group's dout.

    Parameters
    ----------
    dout : (N, F, H_out, W_out), x : (N, C, H, W), w : (F, C/groups, HH, WW);
    stride, padding, dilation : int or (h, w) pair; groups : positive int dividing C and F.

    Returns
    -------
    dx : (N, C, H, W), dw : (F, C/groups, HH, WW), db : (F,) — the same as
    :func:`conv2d_backward_naive`.

    Derived in ``notebooks/05-flipped-kernel-identity.ipynb`` (stride 1) and
    ``notebooks/05b-stride-dilation-transposed.ipynb`` (stride, padding, dilation); groups in
    ``notebooks/12-grouped-and-depthwise.ipynb``.
    """
    dout, x, w, geom = _check_backward(dout, x, w, stride, padding, dilation, allocates=(
        "padded", "flipped", "dx_cols", "dw_cols", "dw_out"), groups=groups)
    G = groups
    pad = as_pair(padding, "padding", minimum=0)
    dil = (geom.height.dilation, geom.width.dilation)
    F, Cg, HH, WW = w.shape
    C, Fg = x.shape[1], F // G

    # per group: (F/G, C/G, HH, WW) rotated and swapped to (C/G, F/G, HH, WW), groups stacked
    w_rot = w.reshape(G, Fg, Cg, HH, WW)[..., ::-1, ::-1].transpose(0, 2, 1, 3, 4).reshape(C, Fg, HH, WW)
    dx = conv2d_forward(_flipped_input(dout, geom), w_rot, np.zeros(C, dout.dtype), 1, 0, dil, groups=G)

    xpad_t = pad_spatial(x, pad).transpose(1, 0, 2, 3)  # (C, N, Hp, Wp): channels as batch
    dout_t = dout.transpose(1, 0, 2, 3)  # (F, N, Ho, Wo): dout as F kernels over N channels
    strides = (geom.height.stride, geom.width.stride)
    dw = np.empty_like(w)
    for g in range(G):  # each group's channels against its own filters' dout
        corr = conv2d_forward(xpad_t[g * Cg : (g + 1) * Cg], dout_t[g * Fg : (g + 1) * Fg],
                              np.zeros(Fg, dout.dtype), stride=dil, dilation=strides)
        # corr is (C/G, F/G, HH + extra, WW + extra); extra rows only exist when unused ≥ dilation.
        dw[g * Fg : (g + 1) * Fg] = corr[:, :, :HH, :WW].transpose(1, 0, 2, 3)
    return dx, dw, dout.sum(axis=(0, 2, 3))

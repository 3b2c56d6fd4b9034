"""The scene of the im2col explorer of notebook 06 (``notebooks/06-vectorising-im2col.ipynb``),
built from the package's maths alone.

Every window (patch) of the padded input becomes one column of the matrix ``cb.im2col(x)``;
neighbouring columns alternate in colour, so the patches stay apart. Selecting a column shows its
patch in the input, the entries it copies (padding zeros hatched), and which kernel tap (c, u, v)
each row of the matrix holds. Next to it, col2im's overlap count ``col2im(ones)``: how many
windows cover each input entry — why col2im accumulates with ``+=`` and is the adjoint of
im2col, not its inverse.

:func:`build_im2col` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.im2col_explorer`) adds the sliders.
"""

from __future__ import annotations

import math

import numpy as np

from ..drawing import format_number
from ..im2col import col2im, im2col
from ..scene import Scene, View
from ._common import drawable_geometry, first_view, padded_roles
from ._settings import check_index, check_int, check_seed, check_sizes, output_shape

__all__ = ["build_im2col", "im2col_settings", "im2col_scene", "im2col_input"]

# Alternating column bands, so neighbouring patches stay apart in the matrix (the column number
# is also written above each column, so colour is not the only cue).
_BANDS = ("input", "output")
_GAP = 3.0  # between the x grids and the matrix (the matrix's row labels "c,u,v" sit in it)
_TARGET = (30.0, 26.0)  # cells across and down that a notebook shows without shrinking much


def _span(name: str, lo: int, hi: int) -> str:
    """``"row 3"`` or ``"rows 1…2"``: the entries lo … hi − 1."""
    return f"{name} {lo}" if hi - lo == 1 else f"{name}s {lo}…{hi - 1}"


def _heat(counts) -> list:
    """A heat map of the overlap counts: white for 1, the gradient colour's tint growing darker
    with the count (0 keeps its hatched role; the numbers stay black and readable)."""
    from ..style import TINTS

    top = int(counts.max())
    lo = np.array([255, 255, 255], dtype=float)
    hi = np.array([int(TINTS["gradient"][k:k + 2], 16) for k in (1, 3, 5)], dtype=float) * 0.85
    faces = []
    for row in counts:
        out = []
        for n in row:
            if n <= 1 or top <= 1:
                out.append(None)
                continue
            t = (n - 1) / (top - 1)
            r, g, b = (lo + (hi - lo) * (0.35 + 0.65 * t)).round().astype(int)
            out.append(f"#{r:02X}{g:02X}{b:02X}")
        faces.append(out)
    return faces


def _col2im_line(counts) -> str:
    """The note's sentence on col2im for these overlap counts."""
    lo, hi = int(counts.min()), int(counts.max())
    if hi == 1:
        text = ("col2im adds each column back onto its window. No two windows overlap here (count ≤ 1), so "
                "col2im(im2col(x)) gives x back" + (" where the count is 1, and 0 elsewhere" if lo == 0 else "")
                + "; where windows overlap, an entry covered by n windows receives n contributions and "
                "col2im(im2col(x)) = x · count, not x.")
    else:
        text = (f"col2im adds each column back onto its window: an entry covered by n windows receives n "
                f"contributions (count {lo}…{hi} here), so col2im(im2col(x)) = x · count, not x.")
    if lo == 0:
        text += " Count 0: no window covers the entry, so its gradient is 0."
    return text


def im2col_input(seed: int, C: int, H: int, W: int) -> np.ndarray:
    """The seeded input x (1, C, H, W) the explorer shows: whole numbers 1…9, so every copied
    entry is easy to find again (padding zeros stand out)."""
    rng = np.random.default_rng([seed, C, H, W])
    return rng.choice(np.arange(1.0, 10.0), size=(1, C, H, W))


def _blocks(ncol: int, nrow: int, left_w: float, left_h: float, right_w: float, right_h: float) -> int:
    """How many stacked blocks the matrix is cut into (by columns) so that a wide matrix still
    fits a notebook: one block while the picture is narrow enough, else the count that needs
    the least shrinking."""
    def size(nb):
        width = left_w + _GAP + math.ceil(ncol / nb) + 2.5 + right_w + 1.5
        height = max(left_h, nb * (nrow + 2.6) - 2.6, right_h) + 1.9
        return width, height

    if size(1)[0] <= _TARGET[0]:
        return 1
    return min(range(1, 7), key=lambda nb: (max(size(nb)[0] / _TARGET[0], size(nb)[1] / _TARGET[1]), nb))


def im2col_scene(C, H, W, HH, WW, stride, padding, seed=4, interval=700):
    """The scene of the im2col explorer and its settings-wide state.

    One view per column k of ``cols = im2col(x)`` (the window of output (i, j), k = i·W_out + j),
    keyed ``"k"``, in order. Clicking any entry of column k, or the top-left entry of its window
    in an ``x<c>`` grid, selects it. Grids: ``x0``, ``x1``, … (one per channel, padded),
    ``cols0``, ``cols1``, … (the matrix, cut into blocks of columns when it is wide; the column
    labels are the true column numbers) and ``count`` (``col2im(ones)``). Raises
    :class:`InvalidSetting` when no window fits.
    """
    s, p = stride, padding
    geom = drawable_geometry(H, W, HH, WW, s, p, 1)
    Ho, Wo = geom.output_shape
    ncol, nrow = Ho * Wo, C * HH * WW
    x = im2col_input(seed, C, H, W)
    cols = im2col(x, (HH, WW), s, p)  # (C·HH·WW, Ho·Wo)
    counts = col2im(np.ones_like(cols), x.shape, (HH, WW), s, p)[0, 0]
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Hp, Wp = H + 2 * p, W + 2 * p
    base = dict(valid=True, cols_shape=cols.shape, counts=counts, x=x[0], output_shape=(Ho, Wo),
                settings=dict(C=C, H=H, W=W, HH=HH, WW=WW, stride=s, padding=p))

    # ------------------------------------------------------------------ layout
    left_h = C * (Hp + 2.6) - 2.6
    nb = _blocks(ncol, nrow, Wp, left_h, W, H)
    B = math.ceil(ncol / nb)  # columns per block
    nb = math.ceil(ncol / B)
    mx = Wp + _GAP + 0.8  # the matrix's left edge
    cx = mx + B + 2.5  # the count grid's left edge
    sc = Scene(title="im2col", interval=interval, legend_labels={
        "input": "input entry (and every other column of cols)",
        "output": "the other columns of cols (bands keep patches apart)",
        "padding": "padding zero (hatched //)",
        "highlight": "the selected patch / column (thick edge)",
        "unused": "count 0: in no window (hatched xx)",
        "blank": "count 1: in one window",
        "gradient": "count ≥ 2: col2im adds several columns here (darker: more)",
    })
    roles = padded_roles(H, W, p, p)
    for ch in range(C):
        sc.grid(f"x{ch}", f"xpad[0, {ch}]" if p else f"x[0, {ch}]", (Hp, Wp), origin=(ch * (Hp + 2.6), 0),
                roles=roles.tolist(), texts=[[format_number(v) for v in row] for row in xpad[0, ch]],
                label=f"input entry of channel {ch}")
    taps = [(ch, u, v) for ch in range(C) for u in range(HH) for v in range(WW)]
    from_padding = np.zeros((nrow, ncol), dtype=bool)  # entries copied from the padding ring
    for k in range(ncol):
        i, j = divmod(k, Wo)
        for row, (_, u, v) in enumerate(taps):
            from_padding[row, k] = roles[i * s + u, j * s + v] == "padding"
    for blk in range(nb):
        lo, hi = blk * B, min((blk + 1) * B, ncol)
        # titles take about 0.3 cell per character; a narrow matrix gets the short one
        title = f"cols[:, {lo}:{hi}]" if nb > 1 else ("cols = im2col(x)" if ncol >= 4 else "cols")
        sc.grid(f"cols{blk}", title, (nrow, hi - lo),
                origin=(blk * (nrow + 2.6), mx),
                roles=[["padding" if from_padding[row, k] else _BANDS[k % 2] for k in range(lo, hi)]
                       for row in range(nrow)],
                texts=[[format_number(cols[row, k]) for k in range(lo, hi)] for row in range(nrow)],
                row_labels=[f"{ch},{u},{v}" for ch, u, v in taps], col_labels=[str(k) for k in range(lo, hi)],
                label="entry of cols: its column is a patch")
    sc.grid("count", "col2im(ones)" if W >= 4 else "count", (H, W), origin=(0, cx),
            roles=[["unused" if n == 0 else "blank" if n == 1 else "gradient" for n in row] for row in counts],
            texts=[[format_number(n) for n in row] for row in counts], label="overlap count",
            faces=_heat(counts))
    sc.note = "\n".join([
        f"x: (1, {C}, {H}, {W}), kernel {HH}×{WW}, stride {s}, padding {p} → {Ho}×{Wo} = {ncol} windows, "
        f"so cols = im2col(x) has {ncol} column{'s' if ncol > 1 else ''} of C·HH·WW = {nrow} "
        f"entr{'ies' if nrow > 1 else 'y'}: shape ({nrow}, {ncol}).",
        "Row label c,u,v: channel c, kernel tap (u, v) (row tap u, column tap v). Column k is the window of output (i, j), k = i·W_out + j.",
        "forward: out = w.reshape(F, −1) @ cols;  backward: dx = col2im(w.reshape(F, −1).T @ dout_mat).",
        _col2im_line(counts),
    ])

    # ------------------------------------------------------------------ one view per column
    for k in range(ncol):
        i, j = divmod(k, Wo)
        r0, c0 = i * s, j * s
        blk, kl = divmod(k, B)
        cells, windows, selectors = [], [], []
        for ch in range(C):
            cells += [(f"x{ch}", r0 + u, c0 + v, "highlight") for u in range(HH) for v in range(WW)
                      if roles[r0 + u, c0 + v] != "padding"]
            windows.append((f"x{ch}", r0, c0, HH, WW, "highlight"))
            selectors.append((f"x{ch}", r0, c0))
        cells += [(f"cols{blk}", row, kl, "highlight") for row in range(nrow) if not from_padding[row, k]]
        windows.append((f"cols{blk}", 0, kl, nrow, 1, "highlight"))
        selectors += [(f"cols{blk}", row, kl) for row in range(nrow)]
        r_lo, r_hi = max(r0 - p, 0), min(r0 - p + HH, H)
        c_lo, c_hi = max(c0 - p, 0), min(c0 - p + WW, W)
        if r_hi > r_lo and c_hi > c_lo:
            windows.append(("count", r_lo, c_lo, r_hi - r_lo, c_hi - c_lo, "highlight"))
            back = (f"col2im adds this column back onto x {_span('row', r_lo, r_hi)}, {_span('column', c_lo, c_hi)} "
                    f"(outlined in the count grid).")
        else:
            back = "This window holds only padding: col2im adds this column onto no x entry."
        values = cols[:, k]
        n_pad = int(from_padding[:, k].sum())
        readout = "\n".join([
            f"column {k} is the window of output ({i}, {j}): xpad[0, :, {r0}:{r0 + HH}, {c0}:{c0 + WW}], "
            f"read channel by channel, row by row:",
            f"cols[:, {k}] = [{', '.join(format_number(v) for v in values)}]"
            + (f" ({n_pad} padding zero{'s' if n_pad > 1 else ''})" if n_pad else ""),
            back,
        ])
        # An arrow from the patch (the middle of its right edge, in channel 0) to the top of its
        # column; the numbers are drawn above arrows, so one it passes stays readable.
        arrow = (("x0", r0 + (HH - 1) // 2, c0 + WW - 1, "right"), (f"cols{blk}", 0, kl, "top"), "highlight", "")
        view = View(
            cells=cells, windows=windows, readout=readout, arrows=[arrow],
            state=dict(column=k, window=(i, j), column_values=values.copy(),
                       patch=xpad[0, :, r0 : r0 + HH, c0 : c0 + WW].copy()),
        )
        sc.add_view(str(k), view, selectors=selectors)
    return sc, base


def im2col_settings(C=1, H=4, W=4, HH=2, WW=2, stride=1, padding=0, column=0, seed=4, interval=700) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"view"`` is the key ``"k"`` of column ``column``."""
    C, H, W, HH, WW = check_sizes(C=C, H=H, W=W, HH=HH, WW=WW).values()
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    out = output_shape(H, W, HH, WW, stride, padding)
    column = check_index("column", column, None if out is None else out[0] * out[1],
                         "the columns of cols (one per window, i·W_out + j)")
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    return dict(C=C, H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, column=column, seed=seed,
                interval=interval, view=str(column))


def build_im2col(**settings):
    """The scene ``im2col_explorer(**settings)`` shows first, its settings-wide state and the key
    of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = im2col_settings(**settings)
    sc, base = im2col_scene(**{k: s[k] for k in ("C", "H", "W", "HH", "WW", "stride", "padding", "seed",
                                                 "interval")})
    return sc, base, first_view(sc, s["view"])

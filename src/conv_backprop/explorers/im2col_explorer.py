"""The im2col explorer of notebook 06 (``notebooks/06-vectorising-im2col.ipynb``).

Every window (patch) of the padded input becomes one column of the matrix ``cb.im2col(x)``;
pick a column and see its patch in the input, the entries it copies (padding zeros hatched), and
which kernel tap (c, a, b) each row of the matrix holds. Next to it, col2im's overlap count
``col2im(ones)``: how many windows cover each input entry — why col2im accumulates with ``+=``
and is the adjoint of im2col, not its inverse.
"""

from __future__ import annotations

import numpy as np

from ..drawing import draw_arrow, draw_window, format_number, role_legend
from ..im2col import col2im, im2col
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, int_slider, padded_roles, sentence
from ._settings import check_index, check_int, check_seed, output_shape

__all__ = ["im2col_explorer", "Im2colExplorer"]

# Alternating column bands, so neighbouring patches stay apart in the matrix (the patch number
# is also written above each column, so colour is not the only cue).
_BANDS = ("input", "output")


class Im2colExplorer(Explorer):
    def __init__(self, C=1, H=4, W=4, HH=2, WW=2, stride=1, padding=0, column=0, seed=4):
        C, H, W, HH, WW = check_sizes(C=C, H=H, W=W, HH=HH, WW=WW).values()
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        out = output_shape(H, W, HH, WW, stride, padding)
        column = check_index("column", column, None if out is None else out[0] * out[1],
                             "the columns of cols (one per window, i·W_out + j)")
        seed = check_seed(seed)
        ctl = {
            "C": int_slider("channels C", C, 1, 2),
            "H": int_slider("input H", H, 2, 6),
            "W": int_slider("input W", W, 2, 6),
            "HH": int_slider("kernel HH", HH, 1, 3),
            "WW": int_slider("kernel WW", WW, 1, 3),
            "stride": int_slider("stride s", stride, 1, 3),
            "padding": int_slider("padding p", padding, 0, 1),
            "column": int_slider("column = i·W_out + j", column, 0, 8),
        }
        rows = [[ctl["C"], ctl["H"], ctl["W"]], [ctl["HH"], ctl["WW"], ctl["stride"], ctl["padding"]],
                [ctl["column"]]]
        self._seed = seed
        self._key = None
        super().__init__(ctl, rows=rows)

    def input_for(self, C, H, W) -> np.ndarray:
        """The seeded input x (1, C, H, W) shown for these sizes."""
        return demo_values(np.random.default_rng([self._seed, C, H, W]), (1, C, H, W), 1, 9)

    def _render(self) -> str:
        C, H, W, HH, WW = (self.value(k) for k in ("C", "H", "W", "HH", "WW"))
        s, p = self.value("stride"), self.value("padding")
        geom = explain_geometry((H, W), (HH, WW), s, p, 1)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        Ho, Wo = geom.output_shape
        ncol = Ho * Wo
        k = self.set_range("column", ncol - 1)
        i, j = divmod(k, Wo)
        x = self.input_for(C, H, W)
        cols = im2col(x, (HH, WW), s, p)  # (C·HH·WW, Ho·Wo)
        counts = col2im(np.ones_like(cols), x.shape, (HH, WW), s, p)[0, 0]
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        Hp, Wp = H + 2 * p, W + 2 * p
        nrow = C * HH * WW

        key = (C, H, W, HH, WW, s, p)
        sc = self.scene
        if key != self._key or not sc.frozen:
            gap = 3.0
            mx = Wp + gap + 1.2  # room for the (c,a,b) row labels
            cx = mx + ncol + gap
            height = max(C * (Hp + 2.6), nrow + 2.6, H + 2.6) + 1.8
            ax = sc.start(-1.3, cx + max(W, 4.5) + 0.3, -2.9, height)
            self._xg = []
            roles = padded_roles(H, W, p, p)
            for ch in range(C):
                self._xg.append(sc.grid(ax, xpad[0, ch], role=roles, origin=(ch * (Hp + 2.6), 0),
                                        fontsize=10, title=f"xpad[0, {ch}]" if p else f"x[0, {ch}]"))
            # matrix: padding-origin entries hatched, columns in alternating bands
            mroles = np.empty((nrow, ncol), dtype=object)
            for col in range(ncol):
                ii, jj = divmod(col, Wo)
                for row in range(nrow):
                    ch, rem = divmod(row, HH * WW)
                    a, b = divmod(rem, WW)
                    in_pad = roles[ii * s + a, jj * s + b] == "padding"
                    mroles[row, col] = "padding" if in_pad else _BANDS[col % 2]
            labels = [f"{ch},{a},{b}" for ch in range(C) for a in range(HH) for b in range(WW)]
            small = ncol > 16
            self._mg = sc.grid(ax, cols, role=mroles, origin=(0, mx), row_labels=labels,
                               fontsize=9 if small else 10, cell_text=not ncol > 25)
            # two texts: the second never changes, so its pixels are drawn once and reused
            ax.text(mx + ncol / 2, nrow + 0.3, f"cols = im2col(x), shape ({nrow}, {ncol})", ha="center",
                    va="top", fontsize=12, fontweight="bold")
            ax.text(mx + ncol / 2, nrow + 1.0, "row labels (c,a,b), column labels i·W_out + j", ha="center",
                    va="top", fontsize=10)
            self._cg = sc.grid(ax, counts, role="output", origin=(0, cx), fontsize=10,
                               title="col2im(ones):\noverlap count")
            # heat map: the more windows cover an entry, the darker its cell (numbers written too)
            top = max(counts.max(), 1)
            base = np.array([1.0, 1.0, 1.0])
            deep = np.array([0.0, 0.62, 0.45])
            for (r, c), n in np.ndenumerate(counts):
                self._cg.set_face(r, c, tuple(base + (deep - base) * 0.75 * n / top))
            role_legend(ax, ["padding", "highlight"], loc="lower left", ncol=2,
                        labels={"padding": "padding zero (hatched //)", "highlight": "the selected patch / column"})
            self._ax, self._mx = ax, mx
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        ax = self._ax
        for ch in range(C):
            for a in range(HH):
                for b in range(WW):
                    sc.set_cell(self._xg[ch], i * s + a, j * s + b, role="highlight")
            sc.overlay(draw_window(ax, self._xg[ch], i * s, j * s, HH, WW, role="highlight"))
        for row in range(nrow):
            sc.set_cell(self._mg, row, k, role="highlight")
        sc.overlay(draw_window(ax, self._mg, 0, k, nrow, 1, role="highlight"))
        arrow, _ = draw_arrow(ax, self._xg[0].center(i * s - 0.5, j * s + WW - 0.5),
                              (self._mx + k + 0.5, -0.55), role="highlight", curvature=-0.25)
        sc.overlay(arrow)
        self.state = {
            "valid": True, "column": k, "window": (i, j), "column_values": cols[:, k].copy(),
            "patch": xpad[0, :, i * s : i * s + HH, j * s : j * s + WW].copy(), "counts": counts,
            "cols_shape": cols.shape,
        }
        return "\n".join([
            f"x: (1, {C}, {H}, {W}), kernel {HH}×{WW}, stride {s}, padding {p} → {Ho}×{Wo} = {ncol} windows, "
            f"so cols has {ncol} columns of C·HH·WW = {nrow} entries.",
            f"column {k} is the window of output ({i}, {j}): xpad[0, :, {i * s}:{i * s + HH}, {j * s}:{j * s + WW}] "
            f"read row by row → [{', '.join(format_number(v) for v in cols[:, k])}]",
            "forward: out = w.reshape(F, −1) @ cols;  backward: dx = col2im(w.reshape(F, −1).T @ dout_mat).",
            f"col2im adds each column back onto its window: an entry covered by n windows receives n "
            f"contributions (counts {int(counts.min())}…{int(counts.max())} here), so col2im(im2col(x)) = "
            f"x · count, not x.",
        ])


def im2col_explorer(**settings) -> Im2colExplorer:
    """The im2col explorer of notebook 06: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``C, H, W`` (x is (1, C, H, W)), ``HH, WW``,
    ``stride``, ``padding``, ``column`` (the selected patch, i·W_out + j) and ``seed``.

    ``.state`` holds ``column``, ``window`` (i, j), ``column_values`` (``cb.im2col(x)[:, column]``),
    ``patch`` (the (C, HH, WW) window of the padded x), ``counts`` (``col2im`` of ones, (H, W)) and
    ``cols_shape``. ``.input_for(C, H, W)`` gives the seeded x.

    Taught in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    return Im2colExplorer(**settings)

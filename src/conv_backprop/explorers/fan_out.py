"""The fan-out explorer of notebook 03 (``notebooks/03-backward-dx-by-indices.ipynb``).

Pick an input pixel ``(c, p, q)`` (channel, row, column; 0-based, unpadded): every output it
affects is highlighted (the set P, empty when the pixel falls between windows or in rows the
stride leaves unused), each edge is labelled with the weight ``w[f, c, a, b]`` the pixel meets
there, and ``dx[0, c, p, q]`` is assembled term by term from ``dout`` — equal to
``cb.conv2d_backward``'s dx. Works with stride, padding and dilation (``cb.outputs_reached``).
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward
from ..drawing import draw_arrow, format_number, role_legend
from ..indices import outputs_reached
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, fmt, int_slider, sentence
from ._settings import check_index, check_int, check_seed

__all__ = ["fan_out_explorer", "FanOutExplorer"]


class FanOutExplorer(Explorer):
    def __init__(self, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                 c=0, p=1, q=1, seed=1):
        self.shape_settings = check_sizes(C=C, H=H, W=W, F=F, HH=HH, WW=WW)
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        c = check_index("c", c, C, "the input channels")
        p = check_index("p", p, H, "the input rows")
        q = check_index("q", q, W, "the input columns")
        seed = check_seed(seed)
        ctl = {
            "c": int_slider("channel c", c, 0, C - 1),
            "p": int_slider("input row q", p, 0, H - 1),
            "q": int_slider("input column r", q, 0, W - 1),
            "stride": int_slider("stride s", stride, 1, 4),
            "padding": int_slider("padding", padding, 0, 2),
            "dilation": int_slider("dilation d", dilation, 1, 2),
        }
        rows = [[ctl["c"], ctl["p"], ctl["q"]], [ctl["stride"], ctl["padding"], ctl["dilation"]]]
        self.rng_seed = seed
        rng = np.random.default_rng(seed)
        ss = self.shape_settings
        self.w = demo_values(rng, (ss["F"], ss["C"], ss["HH"], ss["WW"]), -2, 2)
        self._dout_rng_seed = seed + 1
        self._key = None
        super().__init__(ctl, rows=rows)

    def dout_for(self, Ho: int, Wo: int) -> np.ndarray:
        """The upstream gradient shown for an output of size (Ho, Wo): (1, F, Ho, Wo), seeded."""
        rng = np.random.default_rng([self._dout_rng_seed, Ho, Wo])
        return demo_values(rng, (1, self.shape_settings["F"], Ho, Wo))

    def _render(self) -> str:
        ss = self.shape_settings
        C, H, W, F, HH, WW = (ss[k] for k in ("C", "H", "W", "F", "HH", "WW"))
        s, pad, d = self.value("stride"), self.value("padding"), self.value("dilation")
        geom = explain_geometry((H, W), (HH, WW), s, pad, d)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        Ho, Wo = geom.output_shape
        c, p, q = self.value("c"), self.value("p"), self.value("q")
        dout = self.dout_for(Ho, Wo)
        x = np.zeros((1, C, H, W))
        dx, _, _ = conv2d_backward(dout, x, self.w, stride=s, padding=pad, dilation=d)
        rows_P = outputs_reached(p, H, HH, s, pad, d)
        cols_P = outputs_reached(q, W, WW, s, pad, d)

        key = (s, pad, d, c)
        sc = self.scene
        gap, kgap = 6.5, 1.5
        block = max(Ho, HH) + 2.6
        ox = W + gap
        kx = ox + Wo + kgap
        if key != self._key or not sc.frozen:
            ax = sc.start(-1.3, kx + WW + 0.3, -2.4, max(H + 1.5, F * block) + 0.8)
            # input pixels in rows/columns the stride never reaches: padded index ≥ Hp − unused
            roles = np.full((H, W), "gradient", dtype=object)
            for r in range(H):
                if r + pad >= geom.height.padded_size - geom.height.unused:
                    roles[r, :] = "unused"
            for cc in range(W):
                if cc + pad >= geom.width.padded_size - geom.width.unused:
                    roles[:, cc] = "unused"
            self._xg = sc.grid(ax, dx[0, c], role=roles, fontsize=10, title=f"dx[0, {c}]")
            self._dg, self._wg = [], []
            for f in range(F):
                top = f * block
                self._dg.append(sc.grid(ax, dout[0, f], role="gradient", origin=(top, ox), fontsize=10,
                                        title=f"dout[0, {f}]"))
                self._wg.append(sc.grid(ax, self.w[f, c], role="kernel", origin=(top, kx), fontsize=10,
                                        title=f"w[{f}, {c}]"))
            role_legend(ax, ["highlight", "kernel", "unused"], loc="lower left", ncol=1,
                        labels={"highlight": "the pixel, the outputs it reaches, the weights it meets",
                                "kernel": "weights w[f, c] (arrow label w[a,b])",
                                "unused": "never reached by any window (dx = 0)"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        ax = self._ax
        sc.set_cell(self._xg, p, q, role="highlight")
        terms, reached = [], []
        for f in range(F):
            for i, a in rows_P:
                for j, b in cols_P:
                    g, wv = float(dout[0, f, i, j]), float(self.w[f, c, a, b])
                    terms.append((f, i, j, a, b, g, wv))
                    reached.append((f, i, j))
                    sc.set_cell(self._dg[f], i, j, role="highlight",
                                text=f"{format_number(g)}\n×{format_number(wv)}")
                    sc.set_cell(self._wg[f], a, b, role="highlight")
                    start = self._xg.center(p, q)
                    arrow, label = draw_arrow(ax, (start[0] + 0.35, start[1]), self._dg[f].center(i, j),
                                              role="highlight", text=f"w[{a},{b}]",
                                              text_at=0.45 + 0.25 * (j % 2), lw=1.4)
                    sc.overlay(arrow, label)
        value = sum(g * wv for *_, g, wv in terms)
        ref = float(dx[0, c, p, q])
        self.state = {
            "valid": True, "pixel": (c, p, q), "P_rows": rows_P, "P_cols": cols_P,
            "reached": reached, "terms": terms, "value": value, "reference": ref,
            "output_shape": (Ho, Wo),
        }
        lines = [f"dx[0,{c},{p},{q}] = Σ_f Σ_(i,a)∈P_rows Σ_(j,b)∈P_cols dout[0,f,i,j] · w[f,{c},a,b]",
                 f"   P_rows = {rows_P}  (output row i, kernel row a with i·{s} + a·{d} = {p} + {pad})",
                 f"   P_cols = {cols_P}  (output column j, kernel column b with j·{s} + b·{d} = {q} + {pad})"]
        if not terms:
            why = []
            for name, P, idx, g in (("row", rows_P, p, geom.height), ("column", cols_P, q, geom.width)):
                if not P:
                    if idx + pad >= g.padded_size - g.unused:
                        why.append(f"{name} {idx} lies in the part the stride leaves unused")
                    else:
                        why.append(f"{name} {idx} falls between windows (stride {g.stride} > kernel extent {g.extent})")
            lines.append(f"   P is empty: {'; '.join(why)}. No output reads this pixel, so dx = 0.")
        else:
            for f in range(F):
                chunk = " + ".join(f"{fmt(g)}·{fmt(wv)}" for f2, *_, g, wv in terms if f2 == f)
                part = sum(g * wv for f2, *_, g, wv in terms if f2 == f)
                lines.append(f"   filter {f}: {chunk} = {fmt(part)}")
        ok = "✓" if np.isclose(value, ref) else "✗ MISMATCH"
        lines.append(f"   total = {fmt(value)};  cb.conv2d_backward gives dx = {fmt(ref)} {ok}")
        return "\n".join(lines)


def fan_out_explorer(**settings) -> FanOutExplorer:
    """The fan-out explorer of notebook 03: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``C, H, W`` (x is (1, C, H, W)), ``F, HH, WW``
    (w is (F, C, HH, WW)), ``stride``, ``padding``, ``dilation``, the pixel ``c, p, q`` and
    ``seed`` for the small integer values of w and dout.

    ``.state`` holds ``pixel`` (c, p, q), ``P_rows``/``P_cols`` (``cb.outputs_reached`` per axis:
    (output index, kernel tap) pairs), ``reached`` (every (f, i, j) affected), ``terms``
    (f, i, j, a, b, dout value, w value), ``value`` (their sum) and ``reference``
    (``cb.conv2d_backward``'s dx there). ``.w`` and ``.dout_for(Ho, Wo)`` give the arrays shown.

    Taught in ``notebooks/03-backward-dx-by-indices.ipynb``.
    """
    return FanOutExplorer(**settings)

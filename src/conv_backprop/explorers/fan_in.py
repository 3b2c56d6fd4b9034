"""The fan-in explorer of notebook 02 (``notebooks/02-forward-3d-dot-product.ipynb``).

Pick an output ``(n, f, i, j)``: its receptive field is highlighted in every input channel at
once (a 3-D window of shape (C, HH, WW)), each input cell of the field is labelled with the
weight it meets, and the dot product is written out with the numbers. The value equals
``cb.conv2d_forward``'s.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward
from ..drawing import draw_window, format_number, role_legend
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, fmt, int_slider, padded_roles, sentence
from ._settings import check_index, check_int, check_seed, output_shape

__all__ = ["fan_in_explorer", "FanInExplorer"]


class FanInExplorer(Explorer):
    def __init__(self, N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=1, dilation=1,
                 n=0, f=0, i=0, j=0, seed=0):
        self.shape_settings = check_sizes(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW)
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        n = check_index("n", n, N, "the batch")
        f = check_index("f", f, F, "the filters")
        out = output_shape(H, W, HH, WW, stride, padding, dilation)
        shown = "" if out is None else f" ({out[0]}×{out[1]} with these settings)"
        i = check_index("i", i, None if out is None else out[0], "the output rows" + shown)
        j = check_index("j", j, None if out is None else out[1], "the output columns" + shown)
        seed = check_seed(seed)
        self.seed = seed
        c = {
            "n": int_slider("batch item n", n, 0, N - 1),
            "f": int_slider("filter f", f, 0, F - 1),
            "i": int_slider("output row i", i, 0, 4),
            "j": int_slider("output column j", j, 0, 4),
            "stride": int_slider("stride s", stride, 1, 3),
            "padding": int_slider("padding p", padding, 0, 2),
            "dilation": int_slider("dilation d", dilation, 1, 2),
        }
        rows = [[c["n"], c["f"], c["i"], c["j"]], [c["stride"], c["padding"], c["dilation"]]]
        rng = np.random.default_rng(seed)
        ss = self.shape_settings
        self.x = demo_values(rng, (ss["N"], ss["C"], ss["H"], ss["W"]))
        self.w = demo_values(rng, (ss["F"], ss["C"], ss["HH"], ss["WW"]), -2, 2)
        self.b = demo_values(rng, (ss["F"],), -2, 2)
        self._key = None
        super().__init__(c, rows=rows)

    def _render(self) -> str:
        ss = self.shape_settings
        s, p, d = self.value("stride"), self.value("padding"), self.value("dilation")
        C, H, W, HH, WW = ss["C"], ss["H"], ss["W"], ss["HH"], ss["WW"]
        geom = explain_geometry((H, W), (HH, WW), s, p, d)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        Ho, Wo = geom.output_shape
        i = self.set_range("i", Ho - 1)
        j = self.set_range("j", Wo - 1)
        n, f = self.value("n"), self.value("f")
        out = conv2d_forward(self.x, self.w, self.b, stride=s, padding=p, dilation=d)
        xpad = np.pad(self.x, ((0, 0), (0, 0), (p, p), (p, p)))
        Hp, Wp = H + 2 * p, W + 2 * p

        key = (s, p, d, n, f)
        sc = self.scene
        if key != self._key or not sc.frozen:
            gap = 1.5
            width = C * (Wp + gap) + 1.5 + Wo
            krow = Hp + 2.6
            ax = sc.start(-1.3, width + 0.3, -2.4, krow + HH + 1.6)
            self._xg, self._wg = [], []
            roles = padded_roles(H, W, p, p)
            for ch in range(C):
                x0 = ch * (Wp + gap)
                self._xg.append(sc.grid(ax, xpad[n, ch], role=roles, origin=(0, x0), fontsize=10,
                                        title=f"xpad[{n}, {ch}]"))
                wx = x0 + (Wp - WW) / 2
                self._wg.append(sc.grid(ax, self.w[f, ch], role="kernel", origin=(krow, wx),
                                        fontsize=10, title=f"w[{f}, {ch}]"))
            ox = C * (Wp + gap) + 1.5
            self._og = sc.grid(ax, out[n, f], role="output", origin=(0, ox), fontsize=10,
                               title=f"out[{n}, {f}]")
            role_legend(ax, ["padding", "kernel", "highlight"], loc="lower right",
                        labels={"kernel": "in the window: x value, ×weight below",
                                "highlight": "the output being computed"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        terms, field = [], []
        for ch in range(C):
            for a in range(HH):
                for bb in range(WW):
                    r, cc = i * s + a * d, j * s + bb * d
                    xv, wv = xpad[n, ch, r, cc], self.w[f, ch, a, bb]
                    field.append((ch, r, cc))
                    terms.append((ch, a, bb, float(xv), float(wv)))
                    sc.set_cell(self._xg[ch], r, cc, role="kernel", text=f"{format_number(xv)}\n×{format_number(wv)}")
            sc.overlay(draw_window(self._ax, self._xg[ch], i * s, j * s, geom.height.extent,
                                   geom.width.extent, role="highlight"))
        sc.set_cell(self._og, i, j, role="highlight")
        value = sum(xv * wv for *_, xv, wv in terms) + float(self.b[f])
        ref = float(out[n, f, i, j])
        self.state = {
            "valid": True, "index": (n, f, i, j), "field": field, "terms": terms,
            "bias": float(self.b[f]), "value": value, "reference": ref, "output_shape": (Ho, Wo),
        }
        lines = [
            f"out[{n},{f},{i},{j}] = Σ_c Σ_a Σ_b xpad[{n}, c, {i}·{s} + a·{d}, {j}·{s} + b·{d}] · w[{f}, c, a, b] + b[{f}]"
        ]
        for ch in range(C):
            chunk = " + ".join(f"{fmt(xv)}·{fmt(wv)}" for c2, _, _, xv, wv in terms if c2 == ch)
            part = sum(xv * wv for c2, _, _, xv, wv in terms if c2 == ch)
            lines.append(f"   channel {ch}: {chunk} = {fmt(part)}")
        lines.append(f"   bias b[{f}] = {fmt(self.b[f])}")
        ok = "✓" if np.isclose(value, ref) else "✗ MISMATCH"
        lines.append(f"   total = {fmt(value)};  cb.conv2d_forward gives {fmt(ref)} {ok}")
        return "\n".join(lines)


def fan_in_explorer(**settings) -> FanInExplorer:
    """The fan-in explorer of notebook 02: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``N, C, H, W`` (x is (N, C, H, W)), ``F, HH, WW``
    (w is (F, C, HH, WW)), ``stride``, ``padding``, ``dilation``, the output ``n, f, i, j``, and
    ``seed`` for the small integer values of x, w and b.

    ``.state`` holds ``index`` (n, f, i, j), ``field`` (the (c, row, col) padded cells read),
    ``terms`` (c, a, b, x value, w value), ``bias``, ``value`` (the dot product plus bias) and
    ``reference`` (``cb.conv2d_forward``'s value). ``.x``, ``.w``, ``.b`` are the arrays shown.

    Taught in ``notebooks/02-forward-3d-dot-product.ipynb``.
    """
    return FanInExplorer(**settings)

"""The weight-gradient explorer of notebook 04 (``notebooks/04-backward-dw-db.ipynb``).

Pick a weight ``(f, c, a, b)``: every input entry it multiplies in the forward pass is marked
(``xpad[n, c, i·s + a·d, j·s + b·d]`` for every output (i, j) and every batch item n), each paired
with the ``dout[n, f, i, j]`` it meets; a step control walks through the pairs, and the sum that
gives ``dw[f, c, a, b]`` is written out — equal to ``cb.conv2d_backward``'s dw.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward
from ..drawing import draw_arrow, role_legend
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, fmt, int_slider, padded_roles, played_slider, sentence
from ._settings import check_index, check_int, check_seed, output_shape

__all__ = ["dw_explorer", "DwExplorer"]


class DwExplorer(Explorer):
    def __init__(self, N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                 f=0, c=0, a=0, b=0, pair=0, seed=2, interval=700):
        self.shape_settings = check_sizes(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW)
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        f = check_index("f", f, F, "the filters")
        c = check_index("c", c, C, "the input channels")
        a = check_index("a", a, HH, "the kernel rows")
        b = check_index("b", b, WW, "the kernel columns")
        out = output_shape(H, W, HH, WW, stride, padding, dilation)
        pair = check_index("pair", pair, None if out is None else N * out[0] * out[1],
                           "the (x, dout) pairs (k = (n·H_out + i)·W_out + j)")
        seed = check_seed(seed)
        interval = check_int("interval", interval, 1, "milliseconds per Play step")
        stepper, play = played_slider("pair k = (n·H_out + i)·W_out + j", pair, 8, interval)
        ctl = {
            "f": int_slider("filter f", f, 0, F - 1),
            "c": int_slider("channel c", c, 0, C - 1),
            "a": int_slider("kernel row a", a, 0, HH - 1),
            "b": int_slider("kernel column b", b, 0, WW - 1),
            "stride": int_slider("stride s", stride, 1, 3),
            "padding": int_slider("padding p", padding, 0, 2),
            "dilation": int_slider("dilation d", dilation, 1, 2),
            "pair": stepper,
            "play": play,
        }
        rows = [[ctl["f"], ctl["c"], ctl["a"], ctl["b"]], [ctl["stride"], ctl["padding"], ctl["dilation"]],
                [ctl["play"], ctl["pair"]]]
        rng = np.random.default_rng(seed)
        ss = self.shape_settings
        self.x = demo_values(rng, (ss["N"], ss["C"], ss["H"], ss["W"]))
        self.w = demo_values(rng, (ss["F"], ss["C"], ss["HH"], ss["WW"]), -2, 2)
        self._seed = seed
        self._key = None
        super().__init__(ctl, rows=rows)

    def dout_for(self, Ho: int, Wo: int) -> np.ndarray:
        """The upstream gradient shown for an output of size (Ho, Wo): (N, F, Ho, Wo), seeded."""
        rng = np.random.default_rng([self._seed + 1, Ho, Wo])
        ss = self.shape_settings
        return demo_values(rng, (ss["N"], ss["F"], Ho, Wo), -2, 2)

    def _render(self) -> str:
        ss = self.shape_settings
        N, C, H, W, F, HH, WW = (ss[k] for k in ("N", "C", "H", "W", "F", "HH", "WW"))
        s, p, d = self.value("stride"), self.value("padding"), self.value("dilation")
        geom = explain_geometry((H, W), (HH, WW), s, p, d)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        Ho, Wo = geom.output_shape
        npairs = N * Ho * Wo
        k = self.set_range("pair", npairs - 1)
        f, c, a, b = (self.value(n) for n in ("f", "c", "a", "b"))
        dout = self.dout_for(Ho, Wo)
        _, dw, _ = conv2d_backward(dout, self.x, self.w, stride=s, padding=p, dilation=d)
        xpad = np.pad(self.x, ((0, 0), (0, 0), (p, p), (p, p)))
        Hp, Wp = H + 2 * p, W + 2 * p

        key = (s, p, d, f, c, a, b)
        sc = self.scene
        gap = 3.5
        block = max(Hp, Ho) + 2.6
        ox = Wp + gap
        kx = ox + Wo + gap
        if key != self._key or not sc.frozen:
            ax = sc.start(-1.3, kx + WW + 0.3, -2.4, max(N * block, 2 * (HH + 2.6)) + 1.0)
            roles = padded_roles(H, W, p, p)
            self._xg, self._dg = [], []
            for n in range(N):
                top = n * block
                self._xg.append(sc.grid(ax, xpad[n, c], role=roles, origin=(top, 0), fontsize=10,
                                        title=f"xpad[{n}, {c}]"))
                self._dg.append(sc.grid(ax, dout[n, f], role="gradient", origin=(top, ox), fontsize=10,
                                        title=f"dout[{n}, {f}]"))
                for i in range(Ho):  # the entries this weight multiplies: part of the background
                    for j in range(Wo):
                        self._xg[n].set_role(i * s + a * d, j * s + b * d, "kernel")
            self._wg = sc.grid(ax, self.w[f, c], role="kernel", origin=(0, kx), fontsize=10, title=f"w[{f}, {c}]")
            self._dwg = sc.grid(ax, dw[f, c], role="gradient", origin=(HH + 2.6, kx), fontsize=10,
                                title=f"dw[{f}, {c}]")
            role_legend(ax, ["kernel", "highlight"], loc="lower right", ncol=1,
                        labels={"kernel": "x entries w[f,c,a,b] multiplies",
                                "highlight": "the current pair x · dout"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        ax = self._ax
        pairs = []
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    r, cc = i * s + a * d, j * s + b * d
                    pairs.append((n, i, j, r, cc, float(xpad[n, c, r, cc]), float(dout[n, f, i, j])))
        n, i, j, r, cc, xv, gv = pairs[k]
        sc.set_cell(self._xg[n], r, cc, role="highlight")
        sc.set_cell(self._dg[n], i, j, role="highlight")
        sc.set_cell(self._wg, a, b, role="highlight")
        sc.set_cell(self._dwg, a, b, role="highlight")
        arrow, label = draw_arrow(ax, self._xg[n].center(r, cc), self._dg[n].center(i, j), role="highlight",
                                  text=f"{fmt(xv)}·{fmt(gv)}", curvature=-0.25)
        sc.overlay(arrow, label)
        value = sum(xv * gv for *_, xv, gv in pairs)
        ref = float(dw[f, c, a, b])
        self.state = {
            "valid": True, "weight": (f, c, a, b), "pairs": pairs, "current": pairs[k],
            "value": value, "reference": ref, "output_shape": (Ho, Wo),
        }
        lines = [f"dw[{f},{c},{a},{b}] = Σ_n Σ_i Σ_j xpad[n, {c}, i·{s} + {a}·{d}, j·{s} + {b}·{d}] · dout[n, {f}, i, j]"]
        for n2 in range(N):
            chunk = " + ".join(f"{fmt(x_)}·{fmt(g_)}" for m, *_, x_, g_ in pairs if m == n2)
            part = sum(x_ * g_ for m, *_, x_, g_ in pairs if m == n2)
            lines.append(f"   batch item {n2}: {chunk} = {fmt(part)}")
        ok = "✓" if np.isclose(value, ref) else "✗ MISMATCH"
        lines.append(f"   total (summed over the batch, not averaged) = {fmt(value)};  "
                     f"cb.conv2d_backward gives dw = {fmt(ref)} {ok}")
        lines.append(f"   current pair k={k}: xpad[{n},{c},{r},{cc}] = {fmt(xv)} meets dout[{n},{f},{i},{j}] = {fmt(gv)}")
        return "\n".join(lines)


def dw_explorer(**settings) -> DwExplorer:
    """The weight-gradient explorer of notebook 04: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``N, C, H, W`` and ``F, HH, WW``, ``stride``,
    ``padding``, ``dilation``, the weight ``f, c, a, b``, the highlighted ``pair`` index and
    ``seed`` for the small integer values.

    ``.state`` holds ``weight`` (f, c, a, b), ``pairs`` (n, i, j, padded row, padded column,
    x value, dout value) for every output the weight took part in, ``current`` (the highlighted
    pair), ``value`` (Σ x·dout) and ``reference`` (``cb.conv2d_backward``'s dw there). ``.x``,
    ``.w`` and ``.dout_for(Ho, Wo)`` give the arrays shown.

    Taught in ``notebooks/04-backward-dw-db.ipynb``.
    """
    return DwExplorer(**settings)

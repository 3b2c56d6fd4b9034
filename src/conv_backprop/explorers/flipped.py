"""The flipped-kernel explorer of notebook 05 (``notebooks/05-flipped-kernel-identity.ipynb``).

``dout`` gets ``s − 1`` zeros inserted between its entries and is padded by ``E − 1 − p``
(``cb.flipped_kernel_input``; ``E = d·(k − 1) + 1`` is the kernel's extent, and the rows the
forward pass left unused are zero-filled at the bottom/right). The kernel rotated by 180° slides
over it with stride 1, and dx appears cell by cell; each value matches the index derivation
(``cb.conv2d_dx_by_indices``) and ``cb.conv2d_backward``. One channel, one filter, one image.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward, flipped_kernel_input
from ..drawing import draw_window, format_number, role_legend
from ..indices import conv2d_dx_by_indices
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, fmt, int_slider, played_slider, sentence
from ._settings import check_index, check_int, check_seed

__all__ = ["flipped_kernel_explorer", "FlippedKernelExplorer"]


class FlippedKernelExplorer(Explorer):
    def __init__(self, H=5, W=5, HH=3, WW=3, stride=2, padding=0, dilation=1, step=0, seed=3, interval=700):
        H, W, HH, WW = check_sizes(H=H, W=W, HH=HH, WW=WW).values()
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        step = check_index("step", step, H * W, "the cells of dx (k = q·W + r)")
        seed = check_seed(seed)
        interval = check_int("interval", interval, 1, "milliseconds per Play step")
        stepper, play = played_slider("dx cell k = q·W + r", step, 24, interval)
        ctl = {
            "H": int_slider("input H", H, 2, 7),
            "W": int_slider("input W", W, 2, 7),
            "HH": int_slider("kernel HH", HH, 1, 4),
            "WW": int_slider("kernel WW", WW, 1, 4),
            "stride": int_slider("stride s", stride, 1, 3),
            "padding": int_slider("padding p", padding, 0, 2),
            "dilation": int_slider("dilation d", dilation, 1, 2),
            "step": stepper,
            "play": play,
        }
        rows = [[ctl["H"], ctl["W"], ctl["HH"], ctl["WW"]], [ctl["stride"], ctl["padding"], ctl["dilation"]],
                [ctl["play"], ctl["step"]]]
        self._seed = seed
        self._key = None
        super().__init__(ctl, rows=rows)

    def arrays(self, H, W, HH, WW, Ho, Wo):
        """The seeded w (1, 1, HH, WW) and dout (1, 1, Ho, Wo) shown for these sizes."""
        rng = np.random.default_rng([self._seed, HH, WW, Ho, Wo])
        return demo_values(rng, (1, 1, HH, WW), -2, 2), demo_values(rng, (1, 1, Ho, Wo))

    def _render(self) -> str:
        H, W, HH, WW = (self.value(k) for k in ("H", "W", "HH", "WW"))
        s, p, d = self.value("stride"), self.value("padding"), self.value("dilation")
        geom = explain_geometry((H, W), (HH, WW), s, p, d)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        gh, gw = geom.height, geom.width
        Ho, Wo = geom.output_shape
        k = self.set_range("step", H * W - 1)
        q, r = divmod(k, W)
        w, dout = self.arrays(H, W, HH, WW, Ho, Wo)
        x = np.zeros((1, 1, H, W))
        D = flipped_kernel_input(dout, x.shape, (HH, WW), s, p, d)[0, 0]
        w_rot = w[0, 0, ::-1, ::-1]
        dx = conv2d_backward(dout, x, w, stride=s, padding=p, dilation=d)[0][0, 0]
        dx_idx = conv2d_dx_by_indices(dout, x, w, stride=s, padding=p, dilation=d)[0, 0]
        Hd, Wd = D.shape
        top, left = gh.extent - 1 - p, gw.extent - 1 - p  # where dout[0, 0] lands (may be < 0)

        key = (H, W, HH, WW, s, p, d)
        sc = self.scene
        if key != self._key or not sc.frozen:
            gap = 2.5
            kx = Wd + gap
            ox = kx + max(HH, WW) + gap
            ax = sc.start(-1.3, ox + W + 0.3, -2.4, max(Hd, H, 2 * HH + 3) + 1.9)
            roles = np.full((Hd, Wd), "padding", dtype=object)
            texts = np.full((Hd, Wd), "0", dtype=object)
            span_r = range(max(top, 0), min(top + (Ho - 1) * s + 1, Hd))
            span_c = range(max(left, 0), min(left + (Wo - 1) * s + 1, Wd))
            for rr in span_r:
                for cc in span_c:
                    roles[rr, cc] = "blank"  # a zero inserted between dout entries
            self._entries = []
            for i in range(Ho):
                for j in range(Wo):
                    rr, cc = top + i * s, left + j * s
                    if 0 <= rr < Hd and 0 <= cc < Wd:
                        roles[rr, cc] = "gradient"
                        texts[rr, cc] = format_number(dout[0, 0, i, j])
                        self._entries.append((i, j, rr, cc))
            self._Dg = sc.grid(ax, D.shape, role=roles, cell_text=texts, fontsize=10,
                               title=f"dout, {s - 1} zero{'s' if s != 2 else ''} inserted, padded")
            self._wg = sc.grid(ax, w[0, 0], role="kernel", origin=(0, kx), fontsize=10, title="w")
            self._rg = sc.grid(ax, w_rot, role="kernel", origin=(HH + 3, kx), fontsize=10, title="w rotated 180°")
            self._xg = sc.grid(ax, dx, role="gradient", origin=(0, ox), fontsize=10, title="dx")
            role_legend(ax, ["gradient", "blank", "padding", "kernel"], loc="lower center", ncol=4,
                        labels={"gradient": "dout entry / dx", "blank": "inserted zero",
                                "padding": "padding zero (hatched //)", "kernel": "rotated-kernel tap"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        for kk in range(k + 1, H * W):
            sc.set_cell(self._xg, *divmod(kk, W), role="blank", text="")
        sc.set_cell(self._xg, q, r, role="highlight")
        terms = []
        for a in range(HH):
            for b in range(WW):
                rr, cc = q + a * d, r + b * d
                dv, wv = float(D[rr, cc]), float(w_rot[a, b])
                terms.append((a, b, rr, cc, dv, wv))
                sc.set_cell(self._Dg, rr, cc, role="kernel", text=f"{format_number(dv)}\n×{format_number(wv)}")
        sc.overlay(draw_window(self._ax, self._Dg, q, r, gh.extent, gw.extent, role="highlight"))
        value = sum(dv * wv for *_, dv, wv in terms)
        self.state = {
            "valid": True, "current": (q, r), "D": D, "w_rot": w_rot, "terms": terms, "value": value,
            "reference": float(dx[q, r]), "by_indices": float(dx_idx[q, r]),
            "entries": self._entries, "pad_before": (top, left),
        }
        lines = [
            f"dout ({Ho}×{Wo}) with s−1 = {s - 1} zero{'s' if s != 2 else ''} between entries, padded by "
            f"E−1−p = {top} rows / {left} columns before"
            + (f" and {top + gh.unused} / {left + gw.unused} after (the forward pass left "
               f"{gh.unused} row(s) / {gw.unused} column(s) unused)" if gh.unused or gw.unused else "")
            + f" → {Hd}×{Wd}",
            f"dx[{q},{r}] = Σ_a Σ_b D[{q} + a·{d}, {r} + b·{d}] · rot180(w)[a, b]",
            "   = " + " + ".join(f"{fmt(dv)}·{fmt(wv)}" for *_, dv, wv in terms) + f" = {fmt(value)}",
        ]
        ok1 = "✓" if np.isclose(value, dx[q, r]) else "✗ MISMATCH"
        ok2 = "✓" if np.isclose(value, dx_idx[q, r]) else "✗ MISMATCH"
        lines.append(f"   index derivation (cb.conv2d_dx_by_indices): {fmt(dx_idx[q, r])} {ok2};  "
                     f"cb.conv2d_backward: {fmt(dx[q, r])} {ok1}")
        return "\n".join(lines)


def flipped_kernel_explorer(**settings) -> FlippedKernelExplorer:
    """The flipped-kernel explorer of notebook 05: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``H, W`` (input size), ``HH, WW`` (kernel size),
    ``stride``, ``padding``, ``dilation``, ``step`` (dx cell k = q·W + r), ``seed``, ``interval``.

    ``.state`` holds ``current`` (q, r), ``D`` (the prepared dout, 2-D), ``w_rot`` (the rotated
    kernel), ``terms`` (a, b, row, column, D value, rotated-w value), ``value`` (their sum),
    ``reference`` (``cb.conv2d_backward``) and ``by_indices`` (``cb.conv2d_dx_by_indices``),
    ``entries`` (i, j, row, column) where each dout entry sits in D. ``.arrays(...)`` gives the
    seeded w and dout.

    Taught in ``notebooks/05-flipped-kernel-identity.ipynb``.
    """
    return FlippedKernelExplorer(**settings)

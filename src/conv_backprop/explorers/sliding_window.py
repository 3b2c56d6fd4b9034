"""The sliding-window explorer of notebook 01 (``notebooks/01-shapes-and-sliding-windows.ipynb``).

Sliders set the input size (H × W), the kernel size (HH × WW), stride s, padding p and dilation
d. The picture shows the padded input (padding ring hatched ``//``, rows and columns the stride
never reaches hatched ``xx``), the window of output (i, j) with its kernel taps, and the output
grid with the current cell; a Play button walks through every output. Below it, the output-size
formula is written out with the numbers (``AxisGeometry.formula()``).
"""

from __future__ import annotations


from ..drawing import draw_arrow, draw_window, role_legend
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, int_slider, played_slider, sentence
from ._settings import check_index, check_int, output_shape

__all__ = ["sliding_window_explorer", "SlidingWindowExplorer"]


class SlidingWindowExplorer(Explorer):
    figsize = (10.0, 5.0)

    def __init__(self, H=5, W=5, HH=3, WW=3, stride=1, padding=1, dilation=1, step=0, interval=700):
        H, W, HH, WW = check_sizes(H=H, W=W, HH=HH, WW=WW).values()
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        out = output_shape(H, W, HH, WW, stride, padding, dilation)
        step = check_index("step", step, None if out is None else out[0] * out[1],
                           "the outputs (k = i·W_out + j)")
        interval = check_int("interval", interval, 1, "milliseconds per Play step")
        stepper, play = played_slider("output k = i·W_out + j", step, 24, interval)
        c = {
            "H": int_slider("input H", H, 1, 9),
            "W": int_slider("input W", W, 1, 9),
            "HH": int_slider("kernel HH", HH, 1, 5),
            "WW": int_slider("kernel WW", WW, 1, 5),
            "stride": int_slider("stride s", stride, 1, 4),
            "padding": int_slider("padding p", padding, 0, 3),
            "dilation": int_slider("dilation d", dilation, 1, 3),
            "step": stepper,
            "play": play,
        }
        rows = [[c["H"], c["W"], c["HH"], c["WW"]], [c["stride"], c["padding"], c["dilation"]],
                [c["play"], c["step"]]]
        self._key = None
        super().__init__(c, rows=rows)

    def _render(self) -> str:
        v = {k: self.value(k) for k in ("H", "W", "HH", "WW", "stride", "padding", "dilation")}
        s, p, d = v["stride"], v["padding"], v["dilation"]
        geom = explain_geometry((v["H"], v["W"]), (v["HH"], v["WW"]), s, p, d)
        gh, gw = geom.height, geom.width
        formula = {"height": gh.formula(), "width": gw.formula()}
        self.state = {"valid": geom.valid, "formula": formula, "settings": v}
        if not geom.valid:
            self.message = " ".join(sentence(a.reason) for a in (gh, gw) if a.reason)
            return ""
        Ho, Wo = geom.output_shape
        n_out = Ho * Wo
        k = self.set_range("step", n_out - 1)
        i, j = divmod(k, Wo)
        Hp, Wp = gh.padded_size, gw.padded_size
        unused_rows = list(range(Hp - gh.unused, Hp))
        unused_cols = list(range(Wp - gw.unused, Wp))

        key = tuple(v.values())
        sc = self.scene
        if key != self._key or not sc.frozen:
            gap = 2.5
            ax = sc.start(-1.3, max(Wp + gap + Wo, 13) + 0.3, -2.4, max(Hp, Ho) + 2.2)
            roles = [["input"] * Wp for _ in range(Hp)]
            texts = [[""] * Wp for _ in range(Hp)]
            for r in range(Hp):
                for cc in range(Wp):
                    if r < p or r >= p + v["H"] or cc < p or cc >= p + v["W"]:
                        roles[r][cc] = "padding"
                        texts[r][cc] = "0"
                    if r in unused_rows or cc in unused_cols:
                        roles[r][cc] = "unused"
            self._xg = sc.grid(ax, (Hp, Wp), role=roles, cell_text=texts, fontsize=10,
                               title=f"padded input ({v['H']}+2·{p}) × ({v['W']}+2·{p})")
            self._og = sc.grid(ax, (Ho, Wo), role="output", origin=(0, Wp + gap), cell_text=False,
                               title=f"output {Ho} × {Wo}")
            role_legend(ax, ["padding", "kernel", "highlight", "unused"], loc="lower center", ncol=2,
                        labels={"kernel": "kernel tap a,b (dashed edge)",
                                "highlight": "window / current output (thick edge)",
                                "unused": "never reached: stride leaves it (hatched xx)"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        r0, c0 = i * s, j * s
        taps = [(r0 + a * d, c0 + b * d) for a in range(v["HH"]) for b in range(v["WW"])]
        for (r, cc), (a, b) in zip(taps, [(a, b) for a in range(v["HH"]) for b in range(v["WW"])]):
            sc.set_cell(self._xg, r, cc, role="kernel", text=f"{a},{b}" if max(v["HH"], v["WW"]) <= 5 else "")
        sc.set_cell(self._og, i, j, role="highlight", text=f"{i},{j}")
        ax = self._ax
        sc.overlay(draw_window(ax, self._xg, r0, c0, gh.extent, gw.extent, role="highlight"))
        arrow, _ = draw_arrow(ax, self._xg.center(r0 + (gh.extent - 1) / 2, c0 + gw.extent - 0.5),
                              self._og.center(i, j), role="highlight", curvature=-0.2)
        sc.overlay(arrow)

        self.state.update(
            output_shape=(Ho, Wo), current=(i, j), taps=taps,
            window_rows=list(range(r0, r0 + gh.extent, d)), window_cols=list(range(c0, c0 + gw.extent, d)),
            unused_rows=unused_rows, unused_cols=unused_cols, padded_shape=(Hp, Wp),
        )
        lines = [
            f"H_out = {formula['height']}",
            f"W_out = {formula['width']}",
            f"output ({i}, {j}) reads padded rows {r0}…{r0 + gh.extent - 1} "
            f"and columns {c0}…{c0 + gw.extent - 1}"
            + (f", every {d}th one (dilation {d})" if d > 1 else "")
            + "; kernel taps are labelled a,b.",
        ]
        for ax_g, name, rows in ((gh, "row", unused_rows), (gw, "column", unused_cols)):
            if ax_g.unused:
                many = len(rows) > 1
                lines.append(
                    f"{len(rows)} padded {name}{'s' if many else ''} ({', '.join(map(str, rows))}) "
                    f"never meet{'' if many else 's'} the kernel: the stride {ax_g.stride} steps past "
                    f"{'them' if many else 'it'} (hatched xx), so the gradient there is 0."
                )
        return "\n".join(lines)


def sliding_window_explorer(**settings) -> SlidingWindowExplorer:
    """The sliding-window explorer of notebook 01: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``H``, ``W`` (input size), ``HH``, ``WW`` (kernel
    size), ``stride``, ``padding``, ``dilation``, ``step`` (output index k = i·W_out + j),
    ``interval`` (ms per Play step).

    The widget exposes ``.controls``, ``.update()``, ``.state`` (``current`` (i, j), ``taps``
    (padded coordinates the kernel reads), ``unused_rows``/``unused_cols``, ``formula``,
    ``output_shape``) and ``.message`` (why a setting is invalid, else ``""``).

    Taught in ``notebooks/01-shapes-and-sliding-windows.ipynb``.
    """
    return SlidingWindowExplorer(**settings)

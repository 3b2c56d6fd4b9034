"""The sliding-window explorer of notebook 01 (``notebooks/01-shapes-and-sliding-windows.ipynb``).

Sliders set the input size (H × W), the kernel size (HH × WW), stride s, padding p and dilation
d. The picture shows the padded input (padding ring hatched ``//``, rows and columns the stride
never reaches hatched ``xx``), the window of output (i, j) with its kernel taps, and the output
grid. Click or hover an output cell (or use the arrow keys, ◀ ▶ and Play) to move the window.
The read-out writes the output-size formula out with the numbers (``AxisGeometry.formula()``).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene, View
from ..shapes import explain_geometry
from ._base import check_sizes, int_slider, sentence
from ._settings import check_index, check_int, output_shape
from ._shell import SceneExplorer

__all__ = ["sliding_window_explorer", "SlidingWindowExplorer", "sliding_window_scene"]


def sliding_window_scene(H, W, HH, WW, stride, padding, dilation, interval=700):
    """The scene of the sliding-window explorer and its settings-wide state.

    One view per output (i, j), keyed ``"i,j"``, in row-major order; clicking output cell
    (i, j) selects it. Raises :class:`InvalidSetting` when no window fits.
    """
    s, p, d = stride, padding, dilation
    geom = explain_geometry((H, W), (HH, WW), s, p, d)
    gh, gw = geom.height, geom.width
    formula = {"height": gh.formula(), "width": gw.formula()}
    base = {"valid": geom.valid, "formula": formula,
            "settings": dict(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p, dilation=d)}
    if not geom.valid:
        raise InvalidSetting(" ".join(sentence(a.reason) for a in (gh, gw) if a.reason))
    Ho, Wo = geom.output_shape
    Hp, Wp = gh.padded_size, gw.padded_size
    unused_rows = list(range(Hp - gh.unused, Hp))
    unused_cols = list(range(Wp - gw.unused, Wp))
    roles, texts = [], []
    for r in range(Hp):
        row_roles, row_texts = [], []
        for c in range(Wp):
            pad = r < p or r >= p + H or c < p or c >= p + W
            role = "unused" if (r in unused_rows or c in unused_cols) else ("padding" if pad else "input")
            row_roles.append(role)
            row_texts.append("0" if pad else "")
        roles.append(row_roles)
        texts.append(row_texts)
    gap = 2.5
    sc = Scene(title="sliding window", interval=interval,
               legend_labels={"kernel": "kernel tap a,b (dashed edge)",
                              "highlight": "window / current output (thick edge)",
                              "unused": "never reached: stride leaves it (hatched xx)"})
    sc.grid("x", f"padded input ({H}+2·{p}) × ({W}+2·{p})", (Hp, Wp), roles=roles, texts=texts,
            label="padded input cell")
    sc.grid("y", f"output {Ho} × {Wo}", (Ho, Wo), origin=(0, Wp + gap), roles="output",
            label="output cell")
    lines_unused = []
    for ax_g, name, rows in ((gh, "row", unused_rows), (gw, "column", unused_cols)):
        if ax_g.unused:
            many = len(rows) > 1
            lines_unused.append(
                f"{len(rows)} padded {name}{'s' if many else ''} ({', '.join(map(str, rows))}) "
                f"never meet{'' if many else 's'} the kernel: the stride {ax_g.stride} steps past "
                f"{'them' if many else 'it'} (hatched xx), so the gradient there is 0."
            )
    sc.note = "\n".join([f"H_out = {formula['height']}", f"W_out = {formula['width']}", *lines_unused])
    for i in range(Ho):
        for j in range(Wo):
            r0, c0 = i * s, j * s
            pairs = [(a, b) for a in range(HH) for b in range(WW)]
            taps = [(r0 + a * d, c0 + b * d) for a, b in pairs]
            label_taps = max(HH, WW) <= 5
            v = View(
                cells=[("x", r, c, "kernel") for r, c in taps] + [("y", i, j, "highlight")],
                texts=([("x", r, c, f"{a},{b}") for (r, c), (a, b) in zip(taps, pairs)] if label_taps else [])
                + [("y", i, j, f"{i},{j}")],
                windows=[("x", r0, c0, gh.extent, gw.extent, "highlight")],
                arrows=[(("x", r0 + (gh.extent - 1) // 2, c0 + gw.extent - 1), ("y", i, j), "highlight", "")],
                readout=(f"output ({i}, {j}) reads padded rows {r0}…{r0 + gh.extent - 1} "
                         f"and columns {c0}…{c0 + gw.extent - 1}"
                         + (f", every {d}th one (dilation {d})" if d > 1 else "")
                         + "; kernel taps are labelled a,b."),
                state=dict(output_shape=(Ho, Wo), current=(i, j), taps=taps,
                           window_rows=list(range(r0, r0 + gh.extent, d)),
                           window_cols=list(range(c0, c0 + gw.extent, d)),
                           unused_rows=unused_rows, unused_cols=unused_cols, padded_shape=(Hp, Wp)),
            )
            sc.add_view(f"{i},{j}", v, selectors=[("y", i, j)])
    return sc, base


class SlidingWindowExplorer(SceneExplorer):
    def __init__(self, H=5, W=5, HH=3, WW=3, stride=1, padding=1, dilation=1, step=0, interval=700):
        H, W, HH, WW = check_sizes(H=H, W=W, HH=HH, WW=WW).values()
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        dilation = check_int("dilation", dilation, 1)
        out = output_shape(H, W, HH, WW, stride, padding, dilation)
        step = check_index("step", step, None if out is None else out[0] * out[1],
                           "the outputs (k = i·W_out + j)")
        self.interval = check_int("interval", interval, 1, "milliseconds per Play step")
        c = {
            "H": int_slider("input H", H, 1, 9),
            "W": int_slider("input W", W, 1, 9),
            "HH": int_slider("kernel HH", HH, 1, 5),
            "WW": int_slider("kernel WW", WW, 1, 5),
            "stride": int_slider("stride s", stride, 1, 4),
            "padding": int_slider("padding p", padding, 0, 3),
            "dilation": int_slider("dilation d", dilation, 1, 3),
        }
        rows = [[c["H"], c["W"], c["HH"], c["WW"]], [c["stride"], c["padding"], c["dilation"]]]
        view = None if out is None else f"{step // out[1]},{step % out[1]}"
        super().__init__(c, rows=rows, view=view)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("H", "W", "HH", "WW", "stride", "padding", "dilation")}
        try:
            sc, self.base_state = sliding_window_scene(**v, interval=self.interval)
        except InvalidSetting:
            geom = explain_geometry((v["H"], v["W"]), (v["HH"], v["WW"]), v["stride"], v["padding"], v["dilation"])
            self.base_state = {"valid": False, "settings": v,
                               "formula": {"height": geom.height.formula(), "width": geom.width.formula()}}
            raise
        return sc


def sliding_window_explorer(**settings) -> SlidingWindowExplorer:
    """The sliding-window explorer of notebook 01: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``H``, ``W`` (input size), ``HH``, ``WW`` (kernel
    size), ``stride``, ``padding``, ``dilation``, ``step`` (output index k = i·W_out + j shown
    first), ``interval`` (ms per Play step).

    The widget exposes ``.controls``, ``.set()``, ``.scene`` (one view per output, keyed
    ``"i,j"``), ``.select("i,j")``, ``.state`` (``current`` (i, j), ``taps`` (padded coordinates
    the kernel reads), ``unused_rows``/``unused_cols``, ``formula``, ``output_shape``) and
    ``.message`` (why a setting is invalid, else ``""``).

    Taught in ``notebooks/01-shapes-and-sliding-windows.ipynb``.
    """
    return SlidingWindowExplorer(**settings)

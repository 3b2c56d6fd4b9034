"""The sliding-window explorer of notebook 01 (``notebooks/01-shapes-and-sliding-windows.ipynb``).

Sliders set the input size (H × W), the kernel size (HH × WW), stride s, padding p and dilation
d. The picture shows the padded input (padding ring hatched ``//``, rows and columns the stride
never reaches hatched ``xx``), the window of output (i, j) with its kernel taps, and the output
grid. Click or hover an output cell (or use the arrow keys, ◀ ▶ and Play) to move the window.
The read-out writes the output-size formula out with the numbers (``AxisGeometry.formula()``).

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.sliding_window` (``build_sliding_window(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene
from ..scenes.sliding_window import sliding_window_scene, sliding_window_settings
from ..shapes import explain_geometry
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["sliding_window_explorer", "SlidingWindowExplorer", "sliding_window_scene"]


class SlidingWindowExplorer(SceneExplorer):
    def __init__(self, H=5, W=5, HH=3, WW=3, stride=1, padding=1, dilation=1, step=0, interval=700):
        s = sliding_window_settings(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding,
                                    dilation=dilation, step=step, interval=interval)
        self.interval = s["interval"]
        c = {
            "H": int_slider("input H", s["H"], 1, 9),
            "W": int_slider("input W", s["W"], 1, 9),
            "HH": int_slider("kernel HH", s["HH"], 1, 5),
            "WW": int_slider("kernel WW", s["WW"], 1, 5),
            "stride": int_slider("stride s", s["stride"], 1, 4),
            "padding": int_slider("padding p", s["padding"], 0, 3),
            "dilation": int_slider("dilation d", s["dilation"], 1, 3),
        }
        rows = [[c["H"], c["W"], c["HH"], c["WW"]], [c["stride"], c["padding"], c["dilation"]]]
        super().__init__(c, rows=rows, view=s["view"])

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

"""The fan-in explorer of notebook 02 (``notebooks/02-forward-3d-dot-product.ipynb``).

The picture is the whole batch: one row of padded inputs ``xpad[n, c]`` per example (one grid per
channel) with its outputs ``out[n, f]`` (one grid per filter) beside them, and under each channel
the kernels ``w[f, c]`` of every filter, under each output column its bias ``b[f]``. Click or
hover an output cell ``(n, f, i, j)`` (or use the arrow keys, ◀ ▶ and Play): its receptive field
is outlined in every channel of example n at once (a 3-D window of shape (C, HH, WW)), each input
cell of the field shows its value and, below it, the weight ``w[f, c, u, v]`` it meets (kernel row tap u, column tap v); the
kernels and bias of filter f are outlined, and the read-out writes the dot product out with the
numbers. The value equals ``cb.conv2d_forward``'s.

Only stride, padding and dilation are sliders (a change rebuilds the scene); the shapes and the
seed of the values are the constructor's.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.fan_in` (``build_fan_in(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene
from ..scenes.fan_in import fan_in_arrays, fan_in_key, fan_in_scene, fan_in_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["fan_in_explorer", "FanInExplorer", "fan_in_scene"]


class FanInExplorer(SceneExplorer):
    def __init__(self, N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=1, dilation=1,
                 n=0, f=0, i=0, j=0, seed=0):
        s = fan_in_settings(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=stride, padding=padding,
                            dilation=dilation, n=n, f=f, i=i, j=j, seed=seed)
        self.shape_settings = s["shapes"]
        self.seed = s["seed"]
        self.x, self.w, self.b = fan_in_arrays(self.seed, **self.shape_settings)
        # the output to show; kept (clamped) across structural changes
        self._wanted = (s["n"], s["f"], s["i"], s["j"])
        c = {
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
        }
        super().__init__(c, rows=[list(c.values())], view=s["view"])

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("stride", "padding", "dilation")}
        if self.widget.view:  # the output shown now (a click in the browser changes it)
            self._wanted = tuple(int(t) for t in self.widget.view.split(","))
        try:
            sc, self.base_state = fan_in_scene(self.x, self.w, self.b, **v)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        # Keep the example and filter; clamp the output to the new size (Play's order is unchanged).
        n, f, i, j = self._wanted
        Ho, Wo = self.base_state["output_shape"]
        sc.view = fan_in_key(n, f, min(i, Ho - 1), min(j, Wo - 1))
        return sc


def fan_in_explorer(**settings) -> FanInExplorer:
    """The fan-in explorer of notebook 02: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``N, C, H, W`` (x is (N, C, H, W)), ``F, HH, WW``
    (w is (F, C, HH, WW)), ``stride``, ``padding``, ``dilation``, the output ``n, f, i, j`` shown
    first, and ``seed`` for the small integer values of x, w and b.

    The widget exposes ``.controls`` (stride, padding, dilation), ``.set()``, ``.scene`` (one view
    per output, keyed ``"n,f,i,j"``), ``.select("n,f,i,j")``, ``.message`` and ``.state``:
    ``index`` (n, f, i, j), ``field`` (the (c, row, col) padded cells read), ``terms`` (c, u, v,
    x value, w value), ``bias``, ``value`` (the dot product plus bias), ``reference``
    (``cb.conv2d_forward``'s value) and ``output_shape``. ``.x``, ``.w``, ``.b`` are the arrays
    shown. A structural change keeps the example and filter and clamps (i, j) to the new output.

    Taught in ``notebooks/02-forward-3d-dot-product.ipynb``.
    """
    return FanInExplorer(**settings)

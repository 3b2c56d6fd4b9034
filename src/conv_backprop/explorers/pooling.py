"""The pooling-routing explorer of notebook 07 (``notebooks/07-pooling-backprop.ipynb``).

Max or average pooling with kernel (height × width), stride (overlap allowed) and padding
sliders, a tie policy toggle (``first``: the first maximum in row-major order takes the whole
gradient, as PyTorch does; ``split``: tied maxima share it) and an integer-valued input option
that makes ties likely.

Click or hover a ``dout`` cell (or use the arrow keys, ◀ ▶ and Play) to pick a window. The
picture shows that window in x, its gradient g = dout[i, j], arrows from g to the cells that
receive a share of it ("this window's share", blank elsewhere, so no arrow crosses a number),
and the accumulated dx, where overlapping windows add up. The routes come from
:func:`conv_backprop.pool.pool_routes`; their sum equals ``cb.maxpool2d_backward`` /
``cb.avgpool2d_backward``.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.pooling` (``build_pooling(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

import ipywidgets as widgets

from ..scene import InvalidSetting, Scene
from ..scenes.pooling import pooling_arrays, pooling_scene, pooling_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["pooling_explorer", "PoolingExplorer", "pooling_scene", "pooling_arrays"]


class PoolingExplorer(SceneExplorer):
    def __init__(self, mode="max", ties="first", integer_input=True, H=6, W=6, kernel=2, stride=2,
                 padding=0, window=0, seed=5, kernel_h=None, kernel_w=None, interval=700):
        s = pooling_settings(mode=mode, ties=ties, integer_input=integer_input, H=H, W=W, kernel=kernel,
                             stride=stride, padding=padding, window=window, seed=seed, kernel_h=kernel_h,
                             kernel_w=kernel_w, interval=interval)
        self._seed = s["seed"]
        self.interval = s["interval"]
        ctl = {
            "mode": widgets.ToggleButtons(options=["max", "average"], value=s["mode"],
                                          description="pooling", style={"button_width": "80px"}),
            "ties": widgets.ToggleButtons(options=["first", "split"], value=s["ties"], description="ties",
                                          style={"button_width": "80px"}),
            "integer_input": widgets.Checkbox(value=bool(s["integer_input"]),
                                              description="integer input (ties likely)", indent=False),
            "H": int_slider("input H", s["H"], 2, 8),
            "W": int_slider("input W", s["W"], 2, 8),
            "kernel_h": int_slider("kernel height HH", s["kernel_h"], 1, 4),
            "kernel_w": int_slider("kernel width WW", s["kernel_w"], 1, 4),
            "stride": int_slider("stride s", s["stride"], 1, 4),
            "padding": int_slider("padding p", s["padding"], 0, 2),
        }
        rows = [[ctl["mode"], ctl["ties"], ctl["integer_input"]],
                [ctl["H"], ctl["W"], ctl["kernel_h"], ctl["kernel_w"]], [ctl["stride"], ctl["padding"]]]
        super().__init__(ctl, rows=rows, view=s["view"])

    def arrays(self, H, W, Ho, Wo, integer_input):
        """The seeded x (1, 1, H, W) and dout (1, 1, Ho, Wo) shown for these sizes."""
        return pooling_arrays(self._seed, H, W, Ho, Wo, integer_input)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("mode", "ties", "integer_input", "H", "W", "kernel_h", "kernel_w",
                                        "stride", "padding")}
        try:
            sc, self.base_state = pooling_scene(**v, seed=self._seed, interval=self.interval)
        except InvalidSetting:
            self.base_state = {"valid": False, "mode": v["mode"], "ties": v["ties"], "settings": v}
            raise
        return sc


def pooling_explorer(**settings) -> PoolingExplorer:
    """The pooling-routing explorer of notebook 07: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``mode`` ("max" or "average"; "avg" is accepted),
    ``ties`` ("first" or "split"), ``integer_input`` (bool), ``H``, ``W``, ``kernel`` (square
    kernel size; ``kernel_h`` / ``kernel_w`` override its height / width), ``stride``,
    ``padding``, ``window`` (the window shown first, i·W_out + j), ``seed`` and ``interval``
    (ms per Play step).

    The widget exposes ``.controls``, ``.set()``, ``.scene`` (one view per window, keyed
    ``"i,j"``; clicking dout cell (i, j) selects it), ``.select("i,j")``, ``.message`` and
    ``.state``: ``routes`` ((i, j, r, c, amount): dout[i, j] sends ``amount`` to dx[r, c], from
    ``cb.pool_routes``), ``selected``, ``selected_routes``, ``receiving``, ``dx`` (the routes
    summed, (H, W)), ``reference`` (``cb.maxpool2d_backward`` / ``cb.avgpool2d_backward``),
    ``x``, ``dout``, ``out``, ``mode``, ``ties``, ``kernel`` (HH, WW).

    Taught in ``notebooks/07-pooling-backprop.ipynb``.
    """
    return PoolingExplorer(**settings)

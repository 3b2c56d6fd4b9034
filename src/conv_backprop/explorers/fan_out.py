"""The fan-out explorer of notebook 03 (``notebooks/03-backward-dx-by-indices.ipynb``).

Click or hover an input pixel ``(c, q, r)`` (channel, row, column; 0-based, unpadded) in ``x`` or
in ``dx`` (or use the arrow keys, ◀ ▶ and Play): an arrow runs from it to every output it affects
(the set P, empty when the pixel falls between windows, between a dilated kernel's taps or in rows
the stride leaves unused). The weight on each arrow, ``w[f, c, u, v]``, is written under ``dout``
at the output the arrow reaches, and the kernel taps (u, v) it meets are highlighted; the read-out
lists P per axis as (output, tap) pairs and assembles ``dx[0, c, q, r]`` term by term from
``dout``: equal to ``cb.conv2d_backward``'s dx. Works with stride, padding and dilation
(``cb.outputs_reached``).

Layout: no arrow crosses a number. The arrows start in the grid ``x`` and end in the grid ``out``,
both without numbers; the ``dx`` grids sit to the left of ``x`` and the ``dout`` and ``w`` grids to
the right of ``out``, where no arrow goes. (Labels on the arrows would pile up where up to F·HH·WW
arrows leave one cell, so each weight is written in the ``dout`` cell of its output instead.)

Only stride, padding and dilation are sliders (a change rebuilds the scene); the shapes and the
seed of the values are the constructor's.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.fan_out` (``build_fan_out(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

import numpy as np

from ..scene import InvalidSetting, Scene
from ..scenes._common import drawable_geometry
from ..scenes.fan_out import fan_out_dout, fan_out_scene, fan_out_settings, fan_out_weights
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["fan_out_explorer", "FanOutExplorer", "fan_out_scene"]


class FanOutExplorer(SceneExplorer):
    def __init__(self, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                 c=0, p=1, q=1, seed=1):
        s = fan_out_settings(C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=stride, padding=padding,
                             dilation=dilation, c=c, p=p, q=q, seed=seed)
        self.shape_settings = ss = s["shapes"]
        self.rng_seed = s["seed"]
        self.w = fan_out_weights(self.rng_seed, ss["F"], ss["C"], ss["HH"], ss["WW"])
        self._wanted = s["view"]  # the pixel to show, also once an invalid first setting is fixed
        ctl = {
            "stride": int_slider("stride s", s["stride"], 1, 4),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
        }
        super().__init__(ctl, rows=[list(ctl.values())], view=s["view"])

    def dout_for(self, Ho: int, Wo: int) -> np.ndarray:
        """The upstream gradient shown for an output of size (Ho, Wo): (1, F, Ho, Wo), seeded."""
        return fan_out_dout(self.rng_seed, self.shape_settings["F"], Ho, Wo)

    def build(self) -> Scene:
        ss = self.shape_settings
        v = {k: self.value(k) for k in ("stride", "padding", "dilation")}
        try:
            geom = drawable_geometry(ss["H"], ss["W"], ss["HH"], ss["WW"], **v)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        dout = self.dout_for(*geom.output_shape)
        sc, self.base_state = fan_out_scene(self.w, dout, ss["H"], ss["W"], **v)
        self._wanted = self.widget.view or self._wanted  # the pixel shown now (a click changes it)
        sc.view = self._wanted
        return sc


def fan_out_explorer(**settings) -> FanOutExplorer:
    """The fan-out explorer of notebook 03: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``C, H, W`` (x is (1, C, H, W)), ``F, HH, WW``
    (w is (F, C, HH, WW)), ``stride``, ``padding``, ``dilation``, the pixel ``c, p, q`` shown
    first (channel, row, column; the notebook writes the position (q, r)), and ``seed`` for the
    small integer values of w and dout.

    The widget exposes ``.controls`` (stride, padding, dilation), ``.set()``, ``.scene`` (one view
    per input pixel, keyed ``"c,row,col"``), ``.select("c,row,col")``, ``.message`` and
    ``.state``: ``pixel`` (c, row, col), ``P_rows``/``P_cols`` (``cb.outputs_reached`` per axis:
    (output index, kernel tap) pairs), ``reached`` (every (f, i, j) affected), ``terms`` (f, i, j,
    u, v, dout value, w value), ``value`` (their sum), ``reference`` (``cb.conv2d_backward``'s dx
    there), ``output_shape`` and ``unreached_rows``/``unreached_cols`` (input rows and columns no
    window reaches). ``.w`` and ``.dout_for(Ho, Wo)`` give the arrays shown.

    Taught in ``notebooks/03-backward-dx-by-indices.ipynb``.
    """
    return FanOutExplorer(**settings)

"""The transposed-convolution explorer of notebook 11 (``notebooks/11-transposed-convolution.ipynb``).

Scatter mode: click an input entry of ``x`` (or step with ◀ ▶ and Play): it adds the weighted
kernel copy ``x[i, j]·w`` onto the output, which shows the running total of the copies scattered
so far; the padding ring that ``padding`` crops is drawn hatched. Click an output cell to list
the (input, tap) pairs whose copies overlap there. The grid ``count`` is the overlap count (how
many copies land on each output): uneven counts are the checkerboard. Correlation mode: the
same output as an ordinary convolution, the rotated kernel sliding with stride 1 over the
zero-inserted, padded input ``cb.transposed_conv_input(x)``.

Sizes, stride, padding, output_padding, dilation and the mode are the controls (a change
rebuilds the scene); a setting that PyTorch refuses (``output_padding`` not below the stride or
the dilation, an output smaller than 1) is explained instead of drawn.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.transposed` (``build_transposed(**settings)``).
"""

from __future__ import annotations

import ipywidgets as widgets

from ..scene import InvalidSetting, Scene
from ..scenes.transposed import MODES, transposed_arrays, transposed_scene, transposed_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["transposed_explorer", "TransposedExplorer"]


class TransposedExplorer(SceneExplorer):
    def __init__(self, H=3, W=3, HH=3, WW=3, stride=2, padding=0, output_padding=0, dilation=1,
                 mode="scatter", step=0, seed=2, interval=700):
        s = transposed_settings(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding,
                                output_padding=output_padding, dilation=dilation, mode=mode, step=step,
                                seed=seed, interval=interval)
        self._seed = s["seed"]
        self.interval = s["interval"]
        ctl = {
            "mode": widgets.ToggleButtons(options=list(MODES), value=s["mode"], description="view",
                                          style={"button_width": "100px"}),
            "H": int_slider("input H", s["H"], 1, 4),
            "W": int_slider("input W", s["W"], 1, 4),
            "HH": int_slider("kernel HH", s["HH"], 1, 4),
            "WW": int_slider("kernel WW", s["WW"], 1, 4),
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "output_padding": int_slider("output_padding", s["output_padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
        }
        rows = [[ctl["mode"]], [ctl["H"], ctl["W"], ctl["HH"], ctl["WW"]],
                [ctl["stride"], ctl["padding"], ctl["output_padding"], ctl["dilation"]]]
        super().__init__(ctl, rows=rows, view=s["view"] or None)

    def arrays(self, H, W, HH, WW):
        """The seeded x (1, 1, H, W) and w (1, 1, HH, WW) shown for these sizes."""
        return transposed_arrays(self._seed, H, W, HH, WW)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("H", "W", "HH", "WW", "stride", "padding", "output_padding",
                                        "dilation", "mode")}
        try:
            sc, self.base_state = transposed_scene(**v, seed=self._seed, interval=self.interval)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        return sc


def transposed_explorer(**settings) -> TransposedExplorer:
    """The transposed-convolution explorer of notebook 11: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``H, W`` (x is (1, 1, H, W)), ``HH, WW`` (w is
    (1, 1, HH, WW)), ``stride``, ``padding``, ``output_padding``, ``dilation``, ``mode``
    (``"scatter"`` or ``"correlation"``), ``step`` (the view shown first: input entry
    k = i·W + j in scatter mode, output k = r·W_out + q in correlation mode), ``seed`` and
    ``interval`` (ms per Play step).

    The widget exposes ``.controls``, ``.set()``, ``.scene``, ``.select(key)``, ``.message`` and
    ``.state``: ``x``, ``w``, ``out`` (``cb.conv_transpose2d_forward``), ``buffer`` (the output
    with its padding ring), ``count`` (copies per output), ``per_phase`` (copies per row and
    column position modulo the stride, away from the borders), and per view: in scatter mode
    ``"in:i,j"`` → ``input``, ``terms`` (u, v, row, column, x value, w value, inside the
    output), ``reached``, ``running``; ``"out:r,q"`` (an output, or a cell of the padding ring when r or q is outside the output) →
    ``output``, ``inside``,
    ``pairs`` (i, j, u, v), ``value``, ``reference``; in correlation mode ``"out:r,q"`` →
    ``terms`` (u, v, row and column of z, z value, rot(w) value), ``pairs`` (the scatter view's
    (i, j, u, v) of the same products), ``value``, ``reference``; ``z`` in the base state.
    ``.arrays(H, W, HH, WW)`` gives the seeded x and w.

    Taught in ``notebooks/11-transposed-convolution.ipynb``.
    """
    return TransposedExplorer(**settings)

"""The im2col explorer of notebook 06 (``notebooks/06-vectorising-im2col.ipynb``).

Every window (patch) of the padded input becomes one column of the matrix ``cb.im2col(x)``;
neighbouring columns alternate in colour, so the patches stay apart. Pick a column (click or
hover it, or the top-left entry of its window in x; arrow keys, ◀ ▶ and Play step through them)
and see its patch in the input, the entries it copies (padding zeros hatched), and which kernel
tap (c, u, v) each row of the matrix holds. Next to it, col2im's overlap count
``col2im(ones)``: how many windows cover each input entry — why col2im accumulates with ``+=``
and is the adjoint of im2col, not its inverse.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.im2col_scene` (``build_im2col(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

import numpy as np

from ..scene import InvalidSetting, Scene
from ..scenes.im2col_scene import im2col_input, im2col_scene, im2col_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["im2col_explorer", "Im2colExplorer", "im2col_scene", "im2col_input"]


class Im2colExplorer(SceneExplorer):
    def __init__(self, C=1, H=4, W=4, HH=2, WW=2, stride=1, padding=0, column=0, seed=4, interval=700):
        s = im2col_settings(C=C, H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, column=column,
                            seed=seed, interval=interval)
        self._seed = s["seed"]
        self.interval = s["interval"]
        ctl = {
            "C": int_slider("channels C", s["C"], 1, 2),
            "H": int_slider("input H", s["H"], 2, 6),
            "W": int_slider("input W", s["W"], 2, 6),
            "HH": int_slider("kernel HH", s["HH"], 1, 3),
            "WW": int_slider("kernel WW", s["WW"], 1, 3),
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 1),
        }
        rows = [[ctl["C"], ctl["H"], ctl["W"]], [ctl["HH"], ctl["WW"], ctl["stride"], ctl["padding"]]]
        super().__init__(ctl, rows=rows, view=s["view"])

    def input_for(self, C, H, W) -> np.ndarray:
        """The seeded input x (1, C, H, W) shown for these sizes."""
        return im2col_input(self._seed, C, H, W)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("C", "H", "W", "HH", "WW", "stride", "padding")}
        try:
            sc, self.base_state = im2col_scene(**v, seed=self._seed, interval=self.interval)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        return sc


def im2col_explorer(**settings) -> Im2colExplorer:
    """The im2col explorer of notebook 06: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``C, H, W`` (x is (1, C, H, W)), ``HH, WW``,
    ``stride``, ``padding``, ``column`` (the patch shown first, i·W_out + j), ``seed`` and
    ``interval`` (ms per Play step).

    The widget exposes ``.controls``, ``.set()``, ``.scene`` (one view per column, keyed
    ``"k"``; clicking an entry of column k, or the top-left entry of its window in x, selects
    it), ``.select("k")``, ``.message`` and ``.state``: ``column``, ``window`` (i, j),
    ``column_values`` (``cb.im2col(x)[:, column]``), ``patch`` (the (C, HH, WW) window of the
    padded x), ``counts`` (``col2im`` of ones, (H, W)), ``cols_shape`` and ``x``.
    ``.input_for(C, H, W)`` gives the seeded x.

    Taught in ``notebooks/06-vectorising-im2col.ipynb``.
    """
    return Im2colExplorer(**settings)

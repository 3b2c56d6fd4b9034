"""The weight-gradient explorer of notebook 04 (``notebooks/04-backward-dw-db.ipynb``).

Sliders set the stride s, the padding p and the dilation d. The picture shows every kernel
``w[f, c]`` and its gradient ``dw[f, c]``, every padded input channel ``xpad[n, c]`` and every
upstream gradient ``dout[n, f]``. Click a cell of a kernel (or of dw) to pick the weight
``w[f, c, u, v]`` (row tap u, column tap v): every input entry it multiplies in the forward pass
is marked (``xpad[n, c, i·s + u·d, j·s + v·d]`` for every output (i, j) and every batch item n).
The marked entries form a grid of the same shape as ``dout[n, f]``, and the entry in place
(i, j) meets ``dout[n, f, i, j]``. The read-out writes out the sum of the products that gives
``dw[f, c, u, v]``; it equals ``cb.conv2d_backward``'s dw. ◀ ▶ and Play then step through the
(x, dout) pairs one at a time: each pair highlighted, an arrow carrying its product, dw adding
up term by term in the read-out (step 0 shows all pairs at once).

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.dw` (``build_dw(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

import numpy as np

from ..scene import InvalidSetting, Scene
from ..scenes.dw import dw_arrays, dw_dout, dw_scene, dw_settings, weight_pairs
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["dw_explorer", "DwExplorer", "dw_scene", "weight_pairs"]


class DwExplorer(SceneExplorer):
    def __init__(self, N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                 f=0, c=0, u=0, v=0, pair=None, seed=2, interval=700, a=None, b=None):
        s = dw_settings(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=stride, padding=padding,
                        dilation=dilation, f=f, c=c, u=u, v=v, pair=pair, seed=seed, interval=interval,
                        a=a, b=b)
        self.shape_settings = s["shapes"]
        self.pair = s["pair"]
        self.interval = s["interval"]
        ctl = {
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
        }
        self.x, self.w = dw_arrays(s["seed"], **self.shape_settings)
        self._seed = s["seed"]
        super().__init__(ctl, rows=[list(ctl.values())], view=s["view"])  # the step: the builder's

    def dout_for(self, Ho: int, Wo: int) -> np.ndarray:
        """The upstream gradient shown for an output of size (Ho, Wo): (N, F, Ho, Wo), seeded."""
        ss = self.shape_settings
        return dw_dout(self._seed, ss["N"], ss["F"], Ho, Wo)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("stride", "padding", "dilation")}
        try:
            sc, self.base_state = dw_scene(self.x, self.w, **v, dout=self.dout_for, pair=self.pair,
                                           interval=self.interval)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": {**self.shape_settings, **v}}
            raise
        return sc


def dw_explorer(**settings) -> DwExplorer:
    """The weight-gradient explorer of notebook 04: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): shapes ``N, C, H, W`` and ``F, HH, WW``, ``stride``,
    ``padding``, ``dilation``, the weight ``f, c, u, v`` shown first (``a, b``: the former
    names of ``u, v``), the index ``pair`` (k = (n·H_out + i)·W_out + j) of the (x, dout) pair
    shown first (None: all pairs), ``seed`` for the small integer values and ``interval`` (ms
    per Play step).

    The widget exposes ``.controls`` (stride, padding, dilation), ``.set()``, ``.scene`` (one
    view per weight, keyed ``"f,c,u,v"``; clicking cell (u, v) of ``w[f, c]`` or ``dw[f, c]``
    selects it; each view has one step per pair), ``.select("f,c,u,v", step=k + 1)``,
    ``.message`` and ``.state``: ``weight`` (f, c, u, v), ``pairs`` (n, i, j, padded row, padded
    column, x value, dout value) for every output the weight took part in, ``value`` (Σ x·dout)
    and ``reference`` (``cb.conv2d_backward``'s dw there), ``output_shape``; at step k + 1 also
    ``pair`` (k), ``current`` (that pair) and ``running`` (the sum up to it). ``.x``, ``.w`` and
    ``.dout_for(Ho, Wo)`` give the arrays shown.

    Taught in ``notebooks/04-backward-dw-db.ipynb``.
    """
    return DwExplorer(**settings)

"""The flipped-kernel explorer of notebook 05 (``notebooks/05-flipped-kernel-identity.ipynb``).

``dout`` gets ``s − 1`` zeros inserted between its entries and is padded by ``E − 1 − p``
(``cb.flipped_kernel_input``; ``E = d·(k − 1) + 1`` is the kernel's extent, and the rows the
forward pass left unused are zero-filled at the bottom/right). The kernel rotated by 180° slides
over it with stride 1, and dx appears cell by cell; each value matches the index derivation
(``cb.conv2d_dx_by_indices``) and ``cb.conv2d_backward``.

One image and one filter (F = 1), with C = 1 or 2 input channels (a slider): channel c of dx is
computed with ``rot(w)[c, 0]``, the forward kernel ``w[0, c]`` turned by 180°. The backward
kernel has the in/out channels swapped: (F, C) forward, (C, F) backward. Click a dx cell (or use
the arrow keys, ◀ ▶ and Play) to move the rotated kernel there.

The scene, its demo values and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.flipped` (``build_flipped_kernel(**settings)``: what this explorer shows first).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene
from ..scenes.flipped import flipped_arrays, flipped_scene, flipped_settings, prepared_roles
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["flipped_kernel_explorer", "FlippedKernelExplorer", "flipped_scene", "prepared_roles"]


class FlippedKernelExplorer(SceneExplorer):
    def __init__(self, H=5, W=5, HH=3, WW=3, stride=2, padding=0, dilation=1, step=0, seed=3, interval=700, C=2):
        s = flipped_settings(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, dilation=dilation,
                             step=step, seed=seed, interval=interval, C=C)
        self._seed = s["seed"]
        self.interval = s["interval"]
        ctl = {
            "H": int_slider("input H", s["H"], 2, 7),
            "W": int_slider("input W", s["W"], 2, 7),
            "HH": int_slider("kernel HH", s["HH"], 1, 4),
            "WW": int_slider("kernel WW", s["WW"], 1, 4),
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
            "C": int_slider("input channels C", s["C"], 1, 2),
        }
        rows = [[ctl["H"], ctl["W"], ctl["HH"], ctl["WW"]], [ctl["stride"], ctl["padding"], ctl["dilation"], ctl["C"]]]
        super().__init__(ctl, rows=rows, view=s["view"])

    def arrays(self, H, W, HH, WW, Ho, Wo, C=1):
        """The seeded w (1, C, HH, WW) and dout (1, 1, Ho, Wo) shown for these sizes (channel 0
        of w and dout do not depend on C)."""
        return flipped_arrays(self._seed, HH, WW, Ho, Wo, C)

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("H", "W", "HH", "WW", "stride", "padding", "dilation")}
        C = self.value("C")
        try:
            sc, self.base_state = flipped_scene(
                **v, arrays=lambda Ho, Wo: self.arrays(v["H"], v["W"], v["HH"], v["WW"], Ho, Wo, C),
                interval=self.interval)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": {**v, "C": C}}
            raise
        return sc


def flipped_kernel_explorer(**settings) -> FlippedKernelExplorer:
    """The flipped-kernel explorer of notebook 05: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``H, W`` (input size), ``HH, WW`` (kernel size),
    ``stride``, ``padding``, ``dilation``, ``C`` (input channels, i.e. channels of dx: 1 or 2 on
    the slider), ``step`` (dx cell k = q·W + r of channel 0 shown first), ``seed``, ``interval``
    (ms per Play step).

    The widget exposes ``.controls``, ``.set()``, ``.scene`` (one view per dx cell, keyed
    ``"c,q,r"``; clicking that cell of dx selects it), ``.select("c,q,r")``, ``.message`` and
    ``.state``: ``current`` (q, r), ``channel`` (c), ``D`` (the prepared dout, 2-D), ``w_rot``
    (the rotated kernel of channel c), ``terms`` (u, v, row, column, D value, rotated-w value),
    ``value`` (their sum), ``reference`` (``cb.conv2d_backward``) and ``by_indices``
    (``cb.conv2d_dx_by_indices``), ``entries`` (i, j, row, column) where each dout entry sits
    in D, ``pad_before``. ``.arrays(...)`` gives the seeded w and dout.

    Taught in ``notebooks/05-flipped-kernel-identity.ipynb``.
    """
    return FlippedKernelExplorer(**settings)

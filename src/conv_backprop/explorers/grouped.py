"""The grouped-convolution explorer of notebook 12 (``notebooks/12-grouped-and-depthwise.ipynb``).

Input channels are blocks of a row on top, output channels blocks of a column on the right, and
the F × C matrix between them has a kernel where filter f reads channel c: with ``groups = G``,
G blocks on the diagonal. Click or hover an output channel (the forward pass: the C/G channels it
reads light up), an input channel (the backward pass: the F/G output channels whose dout reaches
``dx`` there) or a cell of the matrix; the arrow keys, ◀ ▶ and Play step through the output
channels. The read-out gives the group arithmetic, the formula and the backward pass; the note
under the picture counts parameters and multiply-adds against a plain layer.

Sliders: C, F, groups and the kernel size (a change rebuilds the scene); a groups value that does
not divide C and F is explained instead of drawn.

The scene and the checks of the settings are built without widgets in
:mod:`conv_backprop.scenes.grouped` (``build_grouped(**settings)``).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene
from ..scenes.grouped import grouped_key, grouped_scene, grouped_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["grouped_explorer", "GroupedExplorer"]


class GroupedExplorer(SceneExplorer):
    def __init__(self, C=4, F=4, groups=2, HH=3, WW=3, f=0):
        s = grouped_settings(C=C, F=F, groups=groups, HH=HH, WW=WW, f=f)
        self._wanted = s["f"]
        c = {
            "C": int_slider("input channels C", s["C"], 1, 8),
            "F": int_slider("filters F", s["F"], 1, 8),
            "groups": int_slider("groups G", s["groups"], 1, 8),
            "HH": int_slider("kernel rows HH", s["HH"], 1, 5),
            "WW": int_slider("kernel columns WW", s["WW"], 1, 5),
        }
        super().__init__(c, rows=[[c["C"], c["F"], c["groups"]], [c["HH"], c["WW"]]], view=s["view"])

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("C", "F", "groups", "HH", "WW")}
        view = self.widget.view or ""
        if view.startswith("out:"):  # the output channel shown now (a click in the browser changes it)
            self._wanted = int(view.split(":")[1])
        try:
            sc, self.base_state = grouped_scene(**v)
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        sc.view = grouped_key("out", min(self._wanted, v["F"] - 1))
        return sc


def grouped_explorer(**settings) -> GroupedExplorer:
    """The grouped-convolution explorer of notebook 12: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``C`` input channels, ``F`` filters, ``groups``, the
    kernel size ``HH, WW`` (for the counts) and the output channel ``f`` shown first.

    The widget exposes ``.controls`` (C, F, groups, HH, WW), ``.set()``, ``.scene`` (views keyed
    ``"out:f"``, ``"in:c"`` and ``"w:f:c"``), ``.select(key)``, ``.message`` and ``.state``:
    ``reads`` (the F × C matrix of which output channel reads which input channel, measured with
    ``cb.conv2d_forward``), ``weight_shape``, ``parameters`` and ``multiply_adds_per_pixel`` (and
    their plain-layer values), and for the selected view its ``group``, ``channels`` (read by an
    output channel) or ``filters`` (reached from an input channel).

    Taught in ``notebooks/12-grouped-and-depthwise.ipynb``.
    """
    return GroupedExplorer(**settings)

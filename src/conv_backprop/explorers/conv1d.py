"""The 1-D explorer of notebook 13 (``notebooks/13-conv1d.ipynb``): fan-in and fan-out on a line.

One sequence, one channel, one filter: the padded input on top, the kernel and bias beside it,
the output under it, then ``dout`` and ``dx``. Click or hover an output (the forward pass: its
window, each input shown with the tap it meets, the dot product in the read-out) or an input
(the backward pass: every output it reaches, the tap on each arrow, ``dx[t]`` term by term);
the arrow keys, ◀ ▶ and Play step through the outputs. Sliders: length L, kernel K, stride,
padding, dilation; a kernel that does not fit is explained instead of drawn.

The scene is built without widgets in :mod:`conv_backprop.scenes.conv1d`
(``build_conv1d(**settings)``).
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene
from ..scenes.conv1d import conv1d_arrays, conv1d_key, conv1d_scene, conv1d_settings
from ._base import int_slider
from ._shell import SceneExplorer

__all__ = ["conv1d_explorer", "Conv1DExplorer"]


class Conv1DExplorer(SceneExplorer):
    def __init__(self, L=9, K=3, stride=2, padding=1, dilation=1, i=0, seed=0):
        s = conv1d_settings(L=L, K=K, stride=stride, padding=padding, dilation=dilation, i=i, seed=seed)
        self.seed = s["seed"]
        self._wanted = s["i"]
        c = {
            "L": int_slider("length L", s["L"], 1, 12),
            "K": int_slider("kernel K", s["K"], 1, 5),
            "stride": int_slider("stride s", s["stride"], 1, 3),
            "padding": int_slider("padding p", s["padding"], 0, 2),
            "dilation": int_slider("dilation d", s["dilation"], 1, 2),
        }
        super().__init__(c, rows=[[c["L"], c["K"]], [c["stride"], c["padding"], c["dilation"]]], view=s["view"])

    def build(self) -> Scene:
        v = {k: self.value(k) for k in ("L", "K", "stride", "padding", "dilation")}
        view = self.widget.view or ""
        if view.startswith("out:"):
            self._wanted = int(view.split(":")[1])
        self.x, self.w, self.b, self.dout = conv1d_arrays(self.seed, **v)
        try:
            sc, self.base_state = conv1d_scene(self.x, self.w, self.b, self.dout, v["stride"], v["padding"], v["dilation"])
        except InvalidSetting:
            self.base_state = {"valid": False, "settings": v}
            raise
        sc.view = conv1d_key("out", min(self._wanted, self.base_state["L_out"] - 1))
        return sc


def conv1d_explorer(**settings) -> Conv1DExplorer:
    """The 1-D fan-in / fan-out explorer of notebook 13: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``L`` (length of x), ``K`` (taps of w), ``stride``,
    ``padding``, ``dilation``, the output ``i`` shown first and the ``seed`` of the small integer
    values. ``.state``: for an output, ``reads`` (input indices, −p … L + p − 1), ``taps``,
    ``value`` and ``reference`` (``cb.conv1d_forward``); for an input, ``reached`` (outputs),
    ``taps``, ``value`` (dx[t]) and ``reference`` (``cb.conv1d_backward``); and ``L_out``.
    Views are keyed ``"out:i"`` and ``"in:t"``; ``.x``, ``.w``, ``.b``, ``.dout`` are the values shown.

    Taught in ``notebooks/13-conv1d.ipynb``.
    """
    return Conv1DExplorer(**settings)

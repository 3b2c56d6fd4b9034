"""Interactive explorers (ipywidgets sliders + a scene drawn as SVG in the browser), one per idea
of the course.

Each function returns an ``ipywidgets.VBox`` ready to display, with ``.controls`` (dict of
widgets), ``.update()``, ``.state`` (what is highlighted and the numbers shown) and ``.message``
(the explanation shown for an invalid setting, ``""`` otherwise). See ``_shell`` for how a slider
change rebuilds the scene.

The keyword arguments are the initial settings. A setting the sliders can reach but that cannot
be drawn (a kernel larger than the padded input, say) is explained in ``.message``; an argument
that is not a setting at all — an index outside its axis (``fan_in_explorer(n=5)`` with a batch
of 2), a negative stride, an unknown ``mode`` — raises ``ValueError``/``TypeError`` naming the
parameter, the value and what was expected (``conv_backprop.scenes._settings`` holds these checks).

The scenes themselves — the maths, the demo values, the checks of the settings — are built
without widgets in :mod:`conv_backprop.scenes` (one entry point per explorer, taking the same
keyword arguments); these modules add the sliders and the browser widget.

=========================  =====================================================  ========
function                   shows                                                  notebook
=========================  =====================================================  ========
sliding_window_explorer    padded input, window at output (i, j), output size     01
fan_in_explorer            one output's receptive field over all channels         02
fan_out_explorer           every output one input pixel reaches, and its dx       03
dw_explorer                every x entry one weight multiplies; pair by pair, dw  04
flipped_kernel_explorer    rotated kernel over zero-inserted, padded dout → dx    05
im2col_explorer            patches into columns; col2im's overlap counts          06
pooling_explorer           max/average pooling gradient routing, ties, overlap    07
transposed_explorer        kernel copies scattered and overlapping; as a corr.    11
grouped_explorer           which input channels each output channel reads         12
conv1d_explorer            1-D fan-in of an output and fan-out of an input        13
=========================  =====================================================  ========
"""

from .dw import dw_explorer
from .fan_in import fan_in_explorer
from .fan_out import fan_out_explorer
from .flipped import flipped_kernel_explorer
from .im2col_explorer import im2col_explorer
from .pooling import pooling_explorer
from .sliding_window import sliding_window_explorer
from .transposed import transposed_explorer
from .grouped import grouped_explorer
from .conv1d import conv1d_explorer

__all__ = [
    "sliding_window_explorer",
    "fan_in_explorer",
    "fan_out_explorer",
    "dw_explorer",
    "flipped_kernel_explorer",
    "im2col_explorer",
    "pooling_explorer",
    "transposed_explorer",
    "grouped_explorer",
    "conv1d_explorer",
]

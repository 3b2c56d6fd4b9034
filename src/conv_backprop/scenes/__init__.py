"""The explorers' scenes, built from the package's maths alone (no widgets).

One module per explorer. Each builds the explorer's :class:`~conv_backprop.scene.Scene` (grids,
one view per selection, read-outs) and its settings-wide state from the package's functions
(``conv2d_forward``, ``conv2d_backward``, ``im2col``, ``pool_routes``, …) and the seeded demo
values; none imports ipywidgets. The widgets in :mod:`conv_backprop.explorers` add the sliders
and call these; :mod:`conv_backprop.figures` draws them with
:func:`conv_backprop.scene_mpl.draw_scene`.

Each module offers one entry point taking the same keyword arguments as its explorer, with the
same checks and error messages, and returning what the explorer shows first::

    scene, base_state, view = build_fan_in(C=2, stride=1, padding=1, i=1, j=2)
    fig = draw_scene(scene, view)

It raises :class:`~conv_backprop.scene.InvalidSetting` for a setting that cannot be drawn (where
the explorer explains the reason instead of drawing).

=======================  ==========================  ==============================  ========
entry point              module                      explorer                        notebook
=======================  ==========================  ==============================  ========
build_sliding_window     ``scenes.sliding_window``   ``sliding_window_explorer``     01
build_fan_in             ``scenes.fan_in``           ``fan_in_explorer``             02
build_fan_out            ``scenes.fan_out``          ``fan_out_explorer``            03
build_dw                 ``scenes.dw``               ``dw_explorer``                 04
build_flipped_kernel     ``scenes.flipped``          ``flipped_kernel_explorer``     05
build_im2col             ``scenes.im2col_scene``     ``im2col_explorer``             06
build_pooling            ``scenes.pooling``          ``pooling_explorer``            07
build_transposed         ``scenes.transposed``       ``transposed_explorer``         11
build_grouped            ``scenes.grouped``          ``grouped_explorer``            12
build_conv1d             ``scenes.conv1d``           ``conv1d_explorer``             13
=======================  ==========================  ==============================  ========
"""

from .dw import build_dw
from .fan_in import build_fan_in
from .fan_out import build_fan_out
from .flipped import build_flipped_kernel
from .im2col_scene import build_im2col
from .pooling import build_pooling
from .sliding_window import build_sliding_window
from .transposed import build_transposed
from .grouped import build_grouped
from .conv1d import build_conv1d

__all__ = [
    "build_sliding_window",
    "build_fan_in",
    "build_fan_out",
    "build_dw",
    "build_flipped_kernel",
    "build_im2col",
    "build_pooling",
    "build_transposed",
    "build_grouped",
    "build_conv1d",
]

"""The sliders shared by the explorers.

The explorers themselves are scenes drawn in the browser (``_shell.SceneExplorer``,
:mod:`conv_backprop.scene`); the scenes, their demo values and the checks of the settings are
built without widgets in :mod:`conv_backprop.scenes`. This module only holds the slider they all
use.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["int_slider"]


def int_slider(description: str, value: int, lo: int, hi: int, **kw) -> widgets.IntSlider:
    """An integer slider whose value is clamped into [lo, hi] (initial settings may exceed the
    default range: the range grows to include them)."""
    value = int(value)
    return widgets.IntSlider(
        value=value, min=min(lo, value), max=max(hi, value), description=description,
        continuous_update=True, style={"description_width": "initial"},
        layout=widgets.Layout(width="230px"), **kw,
    )

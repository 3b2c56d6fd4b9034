"""Small helpers shared by the explorers: sliders, size checks, demo values, cell texts.

The explorers themselves are scenes drawn in the browser (``_shell.SceneExplorer``,
:mod:`conv_backprop.scene`); this module only holds what several of them build with.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np


__all__ = ["int_slider", "check_sizes", "demo_values", "sentence", "padded_roles", "fmt", "drawable_geometry"]


def int_slider(description: str, value: int, lo: int, hi: int, **kw) -> widgets.IntSlider:
    """An integer slider whose value is clamped into [lo, hi] (initial settings may exceed the
    default range: the range grows to include them)."""
    value = int(value)
    return widgets.IntSlider(
        value=value, min=min(lo, value), max=max(hi, value), description=description,
        continuous_update=True, style={"description_width": "initial"},
        layout=widgets.Layout(width="230px"), **kw,
    )


def check_sizes(**sizes) -> dict:
    """Validate an explorer's shape settings (positive ints); return them as ints.

    Raises ``TypeError``/``ValueError`` naming the parameter, its value and what was expected.
    """
    out = {}
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be a positive int; got {v!r}")
        if v < 1:
            raise ValueError(f"{name} must be at least 1; got {v!r}")
        out[name] = int(v)
    return out


def demo_values(rng: np.random.Generator, shape, low: int = -3, high: int = 3) -> np.ndarray:
    """Small non-zero integers (as float64), easy to multiply in one's head."""
    choices = np.array([v for v in range(low, high + 1) if v != 0], dtype=float)
    return rng.choice(choices, size=shape)


def drawable_geometry(H, W, HH, WW, stride, padding, dilation=1):
    """``explain_geometry`` of an explorer's setting; raises ``InvalidSetting`` (its plain-language
    explanation) when no window fits, so the explorer shows the reason instead of a picture."""
    from ..scene import InvalidSetting
    from ..shapes import explain_geometry

    geom = explain_geometry((H, W), (HH, WW), stride, padding, dilation)
    if not geom.valid:
        raise InvalidSetting(sentence(geom.explanation))
    return geom


def sentence(text: str) -> str:
    """Capitalise and end with a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def padded_roles(H: int, W: int, ph: int, pw: int, *, base="input", unused_rows=(), unused_cols=()):
    """Role names of a padded (H + 2ph, W + 2pw) grid: the ring is ``"padding"``, padded rows and
    columns in ``unused_rows``/``unused_cols`` are ``"unused"``, the rest ``base``."""
    Hp, Wp = H + 2 * ph, W + 2 * pw
    roles = np.full((Hp, Wp), base, dtype=object)
    roles[:ph, :] = roles[ph + H:, :] = "padding"
    roles[:, :pw] = roles[:, pw + W:] = "padding"
    for r in unused_rows:
        roles[r, :] = "unused"
    for c in unused_cols:
        roles[:, c] = "unused"
    return roles


def fmt(v) -> str:
    """A number for the read-out: like a cell's text, in parentheses when negative."""
    from ..drawing import format_number

    s = format_number(v)
    return f"({s})" if s.startswith("−") else s

"""Small pure helpers shared by the scenes: demo values, size checks, cell texts, the first view.

Nothing here imports ipywidgets: the scenes are built from the package's maths alone, so the
static figures (:mod:`conv_backprop.figures`) need no widget library.
"""

from __future__ import annotations

import numpy as np

from ..drawing import format_number
from ..scene import InvalidSetting, Scene
from ..shapes import explain_geometry

__all__ = ["demo_values", "drawable_geometry", "sentence", "padded_roles", "fmt", "first_view"]


def demo_values(rng: np.random.Generator, shape, low: int = -3, high: int = 3) -> np.ndarray:
    """Small non-zero integers (as float64), easy to multiply in one's head."""
    choices = np.array([v for v in range(low, high + 1) if v != 0], dtype=float)
    return rng.choice(choices, size=shape)


def drawable_geometry(H, W, HH, WW, stride, padding, dilation=1):
    """``explain_geometry`` of an explorer's setting; raises ``InvalidSetting`` (its plain-language
    explanation) when no window fits, so the explorer shows the reason instead of a picture."""
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


def roles_from_kinds(rows, cols, *, entry: str, unused_kind: str = "unused") -> list:
    """The role of every cell of a zero-inserted, padded grid, from the kind of its row and of its
    column (``"entry"``, ``"padding"``, ``unused_kind``, or anything else for an inserted zero):
    ``"padding"`` if either is padding, else ``"unused"`` if either is unused, ``entry`` where both
    hold an entry, ``"blank"`` for the inserted zeros."""
    def role(kr, kc):
        if "padding" in (kr, kc):
            return "padding"
        if unused_kind in (kr, kc):
            return "unused"
        return entry if kr == kc == "entry" else "blank"

    return [[role(kr, kc) for kc in cols] for kr in rows]


def fmt(v) -> str:
    """A number for the read-out: like a cell's text, in parentheses when negative."""
    s = format_number(v)
    return f"({s})" if s.startswith("−") else s


def first_view(scene: Scene, view: str | None) -> str:
    """Finish ``scene`` and select ``view`` when the scene has it (else keep the scene's own
    first view), as an explorer does when it first draws; return the key selected."""
    scene.finish()
    if view in scene.views:
        scene.view = view
    return scene.view

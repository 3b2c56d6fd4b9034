"""Explorer pictures as data: a *scene* of grids, selections, windows, arrows and a read-out.

An explorer's maths builds a :class:`Scene`; two renderers draw it. In a notebook, a small
browser widget (:mod:`conv_backprop.scene_widget`) draws it as SVG and handles selection itself;
for ``figures/`` and for viewers without widgets, :func:`conv_backprop.scene_mpl.draw_scene`
draws it with matplotlib's public API. Nothing here knows about either renderer: a scene is
plain data, serialisable to JSON, and testable on its own.

A scene holds

* **grids**: a title, a shape, an origin in cell units (row 0 on top), one role per cell from
  the course's role table (:data:`conv_backprop.drawing.ROLE_STYLES`), one text per cell, and
  optionally a face colour per cell (a heat map; shown while the cell is in its own role);
* **views**: what one selection shows. A view lists the cells it re-colours (``cells``) and
  re-labels (``texts``), the windows it outlines, the arrows it draws, the read-out text (the
  formula with numbers, the dot product, dx term by term) and ``state``, the numbers behind it
  for tests and for Python code;
* **select**: which cell selects which view (``"grid:r:c" → view key``), so a click, a hover or
  an arrow key picks a view in the browser without asking the kernel;
* **order**: the views in stepping order (the ◀ ▶ buttons and Play walk through it).

Used by every explorer (notebooks 01–07) and by ``conv_backprop.figures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .drawing import ROLE_MEANINGS, ROLE_STYLES

__all__ = ["Scene", "SceneGrid", "View", "InvalidSetting", "cell_key", "role_table"]


class InvalidSetting(ValueError):
    """A setting that cannot be drawn (a kernel larger than the padded input, say). The
    explorer shows its message in plain language instead of a picture; any other exception is
    a bug and propagates."""


def cell_key(grid: str, r: int, c: int) -> str:
    """The key of cell (r, c) of ``grid`` in :attr:`Scene.select`: ``"grid:r:c"``."""
    return f"{grid}:{int(r)}:{int(c)}"


def role_table() -> dict:
    """The course's roles as the renderers need them: face, edge, hatch, edge width and style,
    and the legend text. One table for both renderers."""
    return {
        role: dict(style, meaning=ROLE_MEANINGS.get(role, role))
        for role, style in ROLE_STYLES.items()
    }


def _check_role(role: str, where: str) -> str:
    if role not in ROLE_STYLES:
        raise ValueError(f"{where}: role must be one of {sorted(ROLE_STYLES)}; got {role!r}")
    return role


@dataclass
class SceneGrid:
    """One grid of cells. ``roles`` and ``texts`` are lists of rows (``shape[0]`` lists of
    ``shape[1]`` entries); ``origin`` is (row, column) of its top-left cell in cell units.
    ``row_labels`` / ``col_labels`` are the index labels (default 0, 1, …)."""

    id: str
    title: str
    shape: tuple
    origin: tuple = (0.0, 0.0)
    roles: list = None
    texts: list = None
    row_labels: list = None
    col_labels: list = None
    label: str = ""  # what one cell is, for screen readers: "padded input", "dout", …
    faces: list = None  # optional face colour per cell (a heat map), None to use the role's

    def __post_init__(self):
        rows, cols = (int(v) for v in self.shape)
        self.shape = (rows, cols)
        if self.roles is None or isinstance(self.roles, str):
            self.roles = [[self.roles or "input"] * cols for _ in range(rows)]
        if self.texts is None:
            self.texts = [[""] * cols for _ in range(rows)]
        if self.row_labels is None:
            self.row_labels = [str(r) for r in range(rows)]
        if self.col_labels is None:
            self.col_labels = [str(c) for c in range(cols)]
        if len(self.roles) != rows or any(len(row) != cols for row in self.roles):
            raise ValueError(f"grid {self.id!r}: roles must be {rows} rows of {cols}")
        if len(self.texts) != rows or any(len(row) != cols for row in self.texts):
            raise ValueError(f"grid {self.id!r}: texts must be {rows} rows of {cols}")
        for row in self.roles:
            for role in row:
                _check_role(role, f"grid {self.id!r}")
        if self.faces is not None and (len(self.faces) != rows or any(len(row) != cols for row in self.faces)):
            raise ValueError(f"grid {self.id!r}: faces must be {rows} rows of {cols}")

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "shape": list(self.shape),
            "origin": [float(v) for v in self.origin], "roles": self.roles,
            "texts": [[str(t) for t in row] for row in self.texts],
            "row_labels": [str(v) for v in self.row_labels],
            "col_labels": [str(v) for v in self.col_labels], "label": self.label or self.title,
            **({"faces": self.faces} if self.faces is not None else {}),
        }


@dataclass
class View:
    """What one selection shows, on top of the grids.

    cells   : [(grid, r, c, role)]: cells drawn in another role (a kernel tap, the selection).
    texts   : [(grid, r, c, text)]: cells that show another text.
    windows : [(grid, r0, c0, height, width, role)]: thick outlines (a window, a patch).
    arrows  : [((grid, r, c), (grid, r, c), role, label)]: from cell to cell, label optional.
    readout : the text equivalent of the picture (formula, dot product, terms), one line per
        line; the browser puts it in a live region that screen readers announce.
    state   : the numbers behind the picture (JSON-able), for tests and Python code.
    """

    cells: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    windows: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    readout: str = ""
    state: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "cells": [[g, int(r), int(c), _check_role(role, "view cell")] for g, r, c, role in self.cells],
            "texts": [[g, int(r), int(c), str(t)] for g, r, c, t in self.texts],
            "windows": [[g, float(r), float(c), float(h), float(w), _check_role(role, "window")]
                        for g, r, c, h, w, role in self.windows],
            "arrows": [[[a[0], int(a[1]), int(a[2])], [b[0], int(b[1]), int(b[2])],
                        _check_role(role, "arrow"), str(label or "")]
                       for a, b, role, label in self.arrows],
            "readout": self.readout,
        }


@dataclass
class Scene:
    """A whole picture: grids, views, which cell selects which view, the stepping order.

    ``legend`` lists (role, text) for the roles actually drawn; :meth:`finish` fills it from the
    grids and views when it is left empty, with ``legend_labels`` overriding the default text
    of a role. ``note`` is shown under the picture for every view (e.g. the output-size
    formula); ``view`` is the view shown first.
    """

    title: str = ""
    grids: list = field(default_factory=list)
    views: dict = field(default_factory=dict)
    select: dict = field(default_factory=dict)
    order: list = field(default_factory=list)
    view: str = ""
    note: str = ""
    legend: list = field(default_factory=list)
    legend_labels: dict = field(default_factory=dict)
    interval: int = 700  # milliseconds per Play step

    def grid(self, *args, **kwargs) -> SceneGrid:
        """Add a :class:`SceneGrid` (same arguments) and return it."""
        g = SceneGrid(*args, **kwargs)
        if any(other.id == g.id for other in self.grids):
            raise ValueError(f"a grid with id {g.id!r} is already in the scene")
        self.grids.append(g)
        return g

    def add_view(self, key: str, view: View, *, selectors=(), step: bool = True) -> View:
        """Add ``view`` under ``key``; each ``(grid, r, c)`` in ``selectors`` selects it."""
        key = str(key)
        self.views[key] = view
        for g, r, c in selectors:
            self.select[cell_key(g, r, c)] = key
        if step:
            self.order.append(key)
        return view

    def roles_drawn(self) -> list:
        """Every role that appears in a grid, a view, a window or an arrow, in table order."""
        used = {role for g in self.grids for row in g.roles for role in row}
        for v in self.views.values():
            used |= {cell[3] for cell in v.cells}
            used |= {w[5] for w in v.windows}
            used |= {a[2] for a in v.arrows}
        return [role for role in ROLE_STYLES if role in used]

    def finish(self) -> "Scene":
        """Check references, fill the legend and the first view; returns ``self``."""
        ids = {g.id: g for g in self.grids}
        for key, v in self.views.items():
            for g, r, c, *_ in list(v.cells) + list(v.texts):
                self._check_cell(ids, g, r, c, f"view {key!r}")
            for a, b, *_ in v.arrows:
                self._check_cell(ids, *a, f"view {key!r} arrow")
                self._check_cell(ids, *b, f"view {key!r} arrow")
        for k, key in self.select.items():
            if key not in self.views:
                raise ValueError(f"select[{k!r}] names the view {key!r}, which the scene does not have")
        if not self.view:
            self.view = self.order[0] if self.order else next(iter(self.views), "")
        if not self.legend:
            self.legend = [(role, self.legend_labels.get(role, ROLE_MEANINGS.get(role, role)))
                           for role in self.roles_drawn()]
        return self

    @staticmethod
    def _check_cell(ids, g, r, c, where):
        if g not in ids:
            raise ValueError(f"{where}: no grid {g!r}")
        rows, cols = ids[g].shape
        if not (0 <= r < rows and 0 <= c < cols):
            raise ValueError(f"{where}: cell ({r}, {c}) is outside grid {g!r} of shape {(rows, cols)}")

    def to_json(self) -> dict:
        """The scene as JSON-able data (what the browser widget receives)."""
        self.finish()
        return {
            "title": self.title,
            "grids": [g.to_json() for g in self.grids],
            "views": {k: v.to_json() for k, v in self.views.items()},
            "select": dict(self.select),
            "order": list(self.order),
            "view": self.view,
            "note": self.note,
            "legend": [[role, text] for role, text in self.legend],
            "roles": role_table(),
            "interval": int(self.interval),
        }

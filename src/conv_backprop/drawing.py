"""Drawing primitives shared by the explorers and the static figures of the course.

Every picture in the workbook is made of labelled grids of cells (an input, a kernel, an
output, a gradient) placed side by side on one matplotlib ``Axes``, plus arrows between cells.
The functions here draw those pieces in the course's visual language (:mod:`conv_backprop.style`)
with matplotlib's public API and return the artists, so a picture can be restyled in place.
The explorers do not use them: they describe their pictures as scenes (:mod:`conv_backprop.scene`);
the role table below is shared by both.

Coordinates: cell ``(r, c)`` of a grid drawn at ``origin=(row0, col0)`` covers the unit square
``[col0 + c, col0 + c + 1] × [row0 + r, row0 + r + 1]`` in data coordinates, and the y axis
points down (row 0 on top), as when printing an array. Call :func:`setup_axes` once the grids
are drawn to frame them.

Colour is never the only carrier of meaning: padding cells are hatched ``//``, cells a stride
leaves unused are hatched ``xx``, kernel taps have a dashed thick edge, the current selection a
solid thick edge, and every grid has a title and index labels.

Used by the notebooks' still pictures (notebooks 01–07) and by :mod:`conv_backprop.scene`.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from .style import COLORS, FONT_SIZE, TINTS

__all__ = [
    "ROLE_STYLES",
    "Grid",
    "draw_grid",
    "highlight_cells",
    "draw_window",
    "draw_arrow",
    "draw_arrows",
    "role_legend",
    "setup_axes",
    "format_number",
    "new_figure",
]

LABEL_SIZE = 10  # index labels; cell text uses style.FONT_SIZE
LABEL_COLOR = "#333333"

#: How each role looks on a cell: face colour, edge colour, hatch, edge width, edge style.
#: Roles differ by hatch or edge style wherever colour alone would carry the meaning.
ROLE_STYLES: dict[str, dict] = {
    "input": dict(face=TINTS["input"], edge=COLORS["input"], hatch="", lw=1.0, ls="-"),
    "padding": dict(face=TINTS["padding"], edge="#777777", hatch="//", lw=1.0, ls="-"),
    "kernel": dict(face=TINTS["kernel"], edge="#A66F00", hatch="", lw=2.5, ls="--"),
    "output": dict(face=TINTS["output"], edge=COLORS["output"], hatch="", lw=1.0, ls="-"),
    "gradient": dict(face=TINTS["gradient"], edge=COLORS["gradient"], hatch="", lw=1.0, ls="-"),
    "highlight": dict(face=TINTS["highlight"], edge="#9E3D77", hatch="", lw=3.0, ls="-"),
    "unused": dict(face=TINTS["unused"], edge="#8C8200", hatch="xx", lw=1.0, ls="-"),
    "blank": dict(face="#FFFFFF", edge="#BBBBBB", hatch="", lw=0.8, ls="-"),
}

#: What each role means, for legends.
ROLE_MEANINGS = {
    "input": "input x",
    "padding": "padding (hatched //)",
    "kernel": "kernel tap (dashed edge)",
    "output": "output",
    "gradient": "gradient",
    "highlight": "current selection (thick edge)",
    "unused": "never reached: stride leaves it unused (hatched xx)",
    "blank": "zero / empty",
}


def _check_role(role: str) -> None:
    if role not in ROLE_STYLES:
        raise ValueError(f"role must be one of {sorted(ROLE_STYLES)}; got {role!r}")


def format_number(value, digits: int = 3) -> str:
    """Short text for a cell: integers without a decimal point, others rounded to ``digits``
    significant digits, a true minus sign (−) so negative numbers read well on a projector."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    value = float(value)
    if not np.isfinite(value):
        return "−∞" if value < 0 else ("∞" if value > 0 else "nan")
    if abs(value - round(value)) < 1e-9:
        s = str(int(round(value)))
    else:
        s = f"{value:.{digits}g}"
    return s.replace("-", "−")


def _style_cell(rect: Rectangle, role: str) -> None:
    st = ROLE_STYLES[role]
    rect.set_facecolor(st["face"])
    rect.set_edgecolor(st["edge"])
    rect.set_hatch(st["hatch"] or None)
    rect.set_linewidth(st["lw"])
    rect.set_linestyle(st["ls"])
    rect.set_zorder(2 + (st["lw"] > 1.5))  # thick edges on top of thin ones


class Grid:
    """One grid drawn by :func:`draw_grid`, restylable in place.

    Attributes
    ----------
    ax : the Axes it lives on.
    shape : (rows, cols); origin : (row0, col0) of its top-left corner in data coordinates.
    roles : (rows, cols) object array of role names.
    cells, texts : (rows, cols) object arrays of the ``Rectangle`` and ``Text`` artists.
    labels : the index labels' ``Text`` artists; title : the title's ``Text`` or None.
    """

    def __init__(self, ax: Axes, shape, origin, roles, strings, *, fontsize: float, digits: int = 3):
        self.ax = ax
        self.shape = (int(shape[0]), int(shape[1]))
        self.origin = origin
        self.roles = np.array(roles, dtype=object)
        self.digits = digits
        r0, c0 = origin
        self.cells = np.empty(self.shape, dtype=object)
        self.texts = np.empty(self.shape, dtype=object)
        for r in range(self.shape[0]):
            for c in range(self.shape[1]):
                rect = Rectangle((c0 + c, r0 + r), 1, 1)
                _style_cell(rect, self.roles[r, c])
                ax.add_patch(rect)
                self.cells[r, c] = rect
                self.texts[r, c] = ax.text(c0 + c + 0.5, r0 + r + 0.5, strings[r, c], ha="center",
                                           va="center", fontsize=fontsize, color=COLORS["text"], zorder=5)
        self.labels = []
        self.title = None

    def center(self, r: float, c: float) -> tuple[float, float]:
        """Data (x, y) of the centre of cell (r, c)."""
        return (self.origin[1] + c + 0.5, self.origin[0] + r + 0.5)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the grid's cells in data coordinates."""
        r0, c0 = self.origin
        return (c0, c0 + self.shape[1], r0, r0 + self.shape[0])

    def set_role(self, r: int, c: int, role: str) -> None:
        """Restyle cell (r, c) with ``role`` (see :data:`ROLE_STYLES`)."""
        _check_role(role)
        self.roles[r, c] = role
        _style_cell(self.cells[r, c], role)

    def set_roles(self, roles) -> None:
        """Restyle every cell: ``roles`` is a (rows, cols) array (or nested list) of role names."""
        roles = np.asarray(roles, dtype=object)
        if roles.shape != self.shape:
            raise ValueError(f"roles must have shape {self.shape}; got {roles.shape}")
        for (r, c), role in np.ndenumerate(roles):
            self.set_role(r, c, role)

    def set_face(self, r: int, c: int, color) -> None:
        """Paint cell (r, c) with face colour ``color`` (e.g. a heat map) instead of its role's;
        ``None`` returns to the role's colour."""
        self.cells[r, c].set_facecolor(color if color is not None else ROLE_STYLES[self.roles[r, c]]["face"])

    def set_text(self, r: int, c: int, text, **kw) -> None:
        """Set the text of cell (r, c) (a number is formatted with :func:`format_number`);
        keyword arguments are ``Text`` properties."""
        t = self.texts[r, c]
        t.set_text(format_number(text, self.digits))
        if kw:
            t.set(**kw)

    def set_texts(self, values) -> None:
        """Set every cell's text from a (rows, cols) array of numbers or strings."""
        values = np.asarray(values, dtype=object)
        if values.shape != self.shape:
            raise ValueError(f"values must have shape {self.shape}; got {values.shape}")
        for (r, c), value in np.ndenumerate(values):
            self.set_text(r, c, value)


def draw_grid(
    ax: Axes,
    values_or_shape,
    *,
    role="input",
    origin=(0, 0),
    labels=True,
    row_labels=None,
    col_labels=None,
    cell_text=True,
    title: str | None = None,
    fontsize: float | None = None,
    digits: int = 3,
) -> Grid:
    """Draw a labelled grid of cells and return its artists (a :class:`Grid`).

    Parameters
    ----------
    ax : matplotlib Axes. The grid does not change the Axes' limits: frame the picture with
        :func:`setup_axes` (before or after drawing).
    values_or_shape : a 2-D array of numbers (rows, cols), or a shape ``(rows, cols)``.
    role : a role name for every cell (``"input"``, ``"padding"``, ``"kernel"``, ``"output"``,
        ``"gradient"``, ``"highlight"``, ``"unused"``, ``"blank"``) or a (rows, cols) array of them.
    origin : (row0, col0) of the top-left corner in data coordinates.
    labels : draw index labels (row numbers on the left, column numbers on top).
    row_labels, col_labels : custom index labels (default ``0 … n−1``).
    cell_text : True to write the values into the cells, False for none, or a (rows, cols)
        array of strings.
    title : what the grid shows (e.g. ``"x[0, 0] padded"``), drawn above the column labels.
    fontsize : cell text size (default ``style.FONT_SIZE``).
    digits : significant digits of non-integer values.

    Returns
    -------
    Grid with the cell rectangles and texts, to restyle in place with ``Grid.set_role`` /
    ``Grid.set_text``.
    """
    if isinstance(values_or_shape, tuple) and len(values_or_shape) == 2 and all(
        isinstance(value, numbers.Integral) for value in values_or_shape
    ):
        shape = (int(values_or_shape[0]), int(values_or_shape[1]))
        values = None
    else:
        values = np.asarray(values_or_shape)
        if values.ndim != 2:
            raise ValueError(
                f"values_or_shape must be a 2-D array or a (rows, cols) tuple; got an array of shape {values.shape}"
            )
        shape = values.shape
    rows, cols = shape
    if rows < 1 or cols < 1:
        raise ValueError(f"a grid needs at least one row and one column; got shape {shape}")
    if isinstance(role, str):
        _check_role(role)
        roles = np.full(shape, role, dtype=object)
    else:
        roles = np.asarray(role, dtype=object)
        if roles.shape != shape:
            raise ValueError(f"role must be a role name or an array of shape {shape}; got shape {roles.shape}")
        for r in roles.flat:
            _check_role(r)
    if cell_text is True:
        texts_in = values if values is not None else np.full(shape, "", dtype=object)
    elif cell_text is False or cell_text is None:
        texts_in = np.full(shape, "", dtype=object)
    else:
        texts_in = np.asarray(cell_text, dtype=object)
        if texts_in.shape != shape:
            raise ValueError(f"cell_text must have shape {shape}; got {texts_in.shape}")
    fs = FONT_SIZE if fontsize is None else fontsize
    r0, c0 = origin
    strings = np.empty(shape, dtype=object)
    for (r, c), value in np.ndenumerate(texts_in):
        strings[r, c] = format_number(value, digits)
    grid = Grid(ax, shape, (r0, c0), roles, strings, fontsize=fs, digits=digits)
    top = r0
    if labels:
        rl = list(range(rows)) if row_labels is None else list(row_labels)
        cl = list(range(cols)) if col_labels is None else list(col_labels)
        grid.labels += [ax.text(c0 - 0.15, r0 + r + 0.5, format_number(lab), ha="right", va="center",
                                fontsize=LABEL_SIZE, color=LABEL_COLOR) for r, lab in enumerate(rl)]
        grid.labels += [ax.text(c0 + c + 0.5, r0 - 0.15, format_number(lab), ha="center", va="bottom",
                                fontsize=LABEL_SIZE, color=LABEL_COLOR) for c, lab in enumerate(cl)]
        top = r0 - 0.75
    if title:
        grid.title = ax.text(c0 + cols / 2, top - 0.1, title, ha="center", va="bottom", fontsize=FONT_SIZE,
                             color=COLORS["text"], fontweight="bold")
    return grid


def highlight_cells(grid: Grid, cells, role: str = "highlight") -> None:
    """Give every ``(r, c)`` in ``cells`` the style of ``role`` (default: the current selection)."""
    for r, c in cells:
        grid.set_role(int(r), int(c), role)


def draw_window(ax: Axes, grid: Grid, r: float, c: float, height: float, width: float, *,
                role: str = "kernel", label: str | None = None) -> Rectangle:
    """Outline a block of ``height × width`` cells of ``grid`` starting at cell (r, c).

    Returns the ``Rectangle`` (move it with ``set_xy``/``set_width``/``set_height``).
    The outline uses the role's edge colour, a thick edge and the role's line style.
    """
    _check_role(role)
    st = ROLE_STYLES[role]
    x0, y0 = grid.origin[1] + c, grid.origin[0] + r
    rect = Rectangle((x0, y0), width, height, fill=False, edgecolor=st["edge"],
                     linewidth=max(3.0, st["lw"] + 1), linestyle=st["ls"], zorder=6, label=label)
    ax.add_patch(rect)
    return rect


def _arrow_color(role: str) -> str:
    _check_role(role)
    return ROLE_STYLES[role]["edge"] if role in ("kernel", "highlight", "unused", "padding") else COLORS[role]


def draw_arrows(ax: Axes, segments, *, role: str = "gradient", curvature: float = 0.0, lw: float = 1.8,
                shrink: float = 6.0, zorder: float = 7) -> list:
    """Draw many arrows of one style on ``ax`` (matplotlib ``FancyArrowPatch``); returns them.

    ``segments`` is a sequence of ``(start, end)`` pairs of data points; ``role`` picks the
    colour, ``lw`` the line width in points, ``shrink`` the gap in points at both ends,
    ``curvature`` the bend (``connectionstyle="arc3,rad=curvature"``).
    """
    color = _arrow_color(role)
    out = []
    for start, end in segments:
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=lw,
                                connectionstyle=f"arc3,rad={curvature}", shrinkA=shrink, shrinkB=shrink,
                                zorder=zorder)
        ax.add_patch(arrow)
        out.append(arrow)
    return out


def draw_arrow(ax: Axes, start, end, *, role: str = "gradient", text: str | None = None,
               curvature: float = 0.0, lw: float = 1.8, shrink: float = 6.0, text_at: float = 0.5,
               zorder: float = 7):
    """Draw an arrow in data coordinates from ``start=(x, y)`` to ``end=(x, y)``.

    ``role`` picks the colour; ``curvature`` bends it (matplotlib's ``arc3`` connection);
    ``text`` (e.g. the weight on this edge) is written at the fraction ``text_at`` of the way
    on a white box. Returns ``(arrow, text_artist_or_None)``. Use ``Grid.center`` for cell centres.
    """
    (arrow,) = draw_arrows(ax, [(start, end)], role=role, curvature=curvature, lw=lw, shrink=shrink, zorder=zorder)
    label = None
    if text:
        # arc3's control point sits ``curvature`` chord lengths off the chord's middle on
        # screen; the course's axes have equal aspect and y pointing down (setup_axes), so on
        # screen (x, −y): compute there.
        t = text_at
        x1, y1, x2, y2 = start[0], -start[1], end[0], -end[1]
        cx, cy = (x1 + x2) / 2 + curvature * (y2 - y1), (y1 + y2) / 2 - curvature * (x2 - x1)
        mx = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t**2 * x2
        my = -((1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t**2 * y2)
        color = _arrow_color(role)
        label = ax.text(mx, my, text, fontsize=LABEL_SIZE, ha="center", va="center", color=color, zorder=8,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=color, lw=0.8), clip_on=False)
    return arrow, label


def role_legend(ax: Axes, roles, *, loc="upper center", ncol=None, labels=None, **kw):
    """Add a legend explaining the ``roles`` used (swatches carry the hatches and edges too).

    ``labels`` optionally maps a role to the text to show instead of its default meaning.
    """
    labels = labels or {}
    roles = list(roles)
    handles = []
    for role in roles:
        _check_role(role)
        st = ROLE_STYLES[role]
        handles.append(Patch(facecolor=st["face"], edgecolor=st["edge"], hatch=st["hatch"] or None,
                             linewidth=st["lw"], linestyle=st["ls"],
                             label=labels.get(role, ROLE_MEANINGS[role])))
    return ax.legend(handles=handles, loc=loc, ncol=ncol or len(handles), fontsize=LABEL_SIZE,
                     frameon=False, handlelength=1.6, handleheight=1.2, **kw)


def setup_axes(ax: Axes, x0: float, x1: float, y0: float, y1: float, *, margin: float = 0.3) -> None:
    """Frame the data box ``[x0, x1] × [y0, y1]`` (y pointing down), equal aspect, no spines."""
    ax.set_xlim(x0 - margin, x1 + margin)
    ax.set_ylim(y1 + margin, y0 - margin)  # inverted: row 0 on top
    ax.set_aspect("equal")
    ax.set_axis_off()


def new_figure(width_in: float = 10.0, height_in: float = 4.5, dpi: float = 80):
    """A matplotlib ``Figure``, outside pyplot's global state (for scripts; notebooks may use
    ``plt.subplots`` instead)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=dpi)

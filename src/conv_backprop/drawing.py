"""Drawing primitives shared by the explorers and the static figures of the course.

Every picture in the workbook is made of labelled grids of cells (an input, a kernel, an
output, a gradient) placed side by side on one matplotlib ``Axes``, plus arrows between cells.
The functions here draw those pieces in the course's visual language (:mod:`conv_backprop.style`)
and return the artists, so an explorer can update colours and numbers in place instead of
redrawing.

Coordinates: cell ``(r, c)`` of a grid drawn at ``origin=(row0, col0)`` covers the unit square
``[col0 + c, col0 + c + 1] × [row0 + r, row0 + r + 1]`` in data coordinates, and the y axis
points down (row 0 on top), as when printing an array. Call :func:`setup_axes` once the grids
are drawn to frame them.

Colour is never the only carrier of meaning: padding cells are hatched ``//``, cells a stride
leaves unused are hatched ``xx``, kernel taps have a dashed thick edge, the current selection a
solid thick edge, and every grid has a title and index labels.

Used by ``conv_backprop.explorers`` and ``conv_backprop.figures`` (notebooks 01–07).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.artist import Artist
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

from .style import COLORS, FONT_SIZE, TINTS

__all__ = [
    "ROLE_STYLES",
    "Grid",
    "draw_grid",
    "highlight_cells",
    "draw_window",
    "draw_arrow",
    "draw_arrows",
    "Arrows",
    "ArrowLabel",
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


def format_number(v, digits: int = 3) -> str:
    """Short text for a cell: integers without a decimal point, others rounded to ``digits``
    significant digits, a true minus sign (−) so negative numbers read well on a projector."""
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    v = float(v)
    if not np.isfinite(v):
        return "−∞" if v < 0 else ("∞" if v > 0 else "nan")
    if abs(v - round(v)) < 1e-9:
        s = str(int(round(v)))
    else:
        s = f"{v:.{digits}g}"
    return s.replace("-", "−")


class TextSpec(NamedTuple):
    """A text to draw at data position (x, y): what ``ax.text`` would be given. A :class:`Grid`
    drawn lazily keeps its index labels and title as specs and makes ``Text`` artists only when
    asked (see :meth:`Grid.materialize`)."""

    x: float
    y: float
    text: str
    ha: str
    va: str
    size: float
    color: str
    weight: str = "normal"

    def make(self, ax: Axes):
        """The ``Text`` artist on ``ax`` (added to it)."""
        return ax.text(self.x, self.y, self.text, ha=self.ha, va=self.va, fontsize=self.size,
                       color=self.color, fontweight=self.weight)


class Grid:
    """One grid drawn by :func:`draw_grid`, updatable in place.

    The grid's state lives in arrays: ``roles`` (the role of each cell), ``strings`` (each cell's
    text) and ``faces`` (face colours that override the role's, ``None`` elsewhere). The
    matplotlib artists that draw it (``cells``: Rectangles, ``texts``, ``labels``, ``title``)
    follow that state. A grid drawn with ``lazy=True`` makes its artists only when one of them is
    first asked for (or :meth:`materialize` is called): the explorers' fast renderer
    (:class:`conv_backprop.explorers._base.Scene`) paints grids straight from the arrays, and
    creating a few hundred artists would cost more than painting them.

    Attributes
    ----------
    ax : the Axes it lives on.
    shape : (rows, cols).
    origin : (row0, col0) of its top-left corner in data coordinates.
    roles, strings, faces : (rows, cols) object arrays (see above).
    fontsize : size of the cell texts; digits : significant digits of non-integer values.
    label_specs, title_spec : the index labels and title, as :class:`TextSpec`.
    """

    def __init__(self, ax: Axes, shape, origin, roles, strings, *, fontsize: float, digits: int = 3,
                 label_specs=(), title_spec: TextSpec | None = None, lazy: bool = False):
        self.ax = ax
        self.shape = (int(shape[0]), int(shape[1]))
        self.origin = origin
        self.roles = np.array(roles, dtype=object)
        self.strings = np.array(strings, dtype=object)
        self.faces = np.full(self.shape, None, dtype=object)
        self.fontsize = fontsize
        self.digits = digits
        self.label_specs = list(label_specs)
        self.title_spec = title_spec
        self._cells = self._texts = self._labels = self._title = None
        if not lazy:
            self.materialize()

    # ------------------------------------------------------------------ artists
    @property
    def materialized(self) -> bool:
        """Whether the matplotlib artists exist (on the Axes)."""
        return self._cells is not None

    def materialize(self) -> None:
        """Create the artists (cells, cell texts, labels, title) from the current state and add
        them to the Axes, in that order; nothing happens if they exist already."""
        if self.materialized:
            return
        ax, (rows, cols), (r0, c0) = self.ax, self.shape, self.origin
        cells = np.empty(self.shape, dtype=object)
        texts = np.empty(self.shape, dtype=object)
        add = _CellAdder(ax)
        for r in range(rows):
            for c in range(cols):
                rect = self.cell_patch(r, c)
                add.patch(rect)
                cells[r, c] = rect
                texts[r, c] = add.text(c0 + c + 0.5, r0 + r + 0.5, self.strings[r, c], ha="center", va="center",
                                       fontsize=self.fontsize, color=COLORS["text"], zorder=5)
        self._cells, self._texts = cells, texts
        self._labels = [spec.make(ax) for spec in self.label_specs]
        self._title = self.title_spec.make(ax) if self.title_spec is not None else None

    @property
    def cells(self) -> np.ndarray:
        """(rows, cols) object array of the cells' ``Rectangle`` artists."""
        self.materialize()
        return self._cells

    @property
    def texts(self) -> np.ndarray:
        """(rows, cols) object array of the cells' ``Text`` artists (empty strings where no text)."""
        self.materialize()
        return self._texts

    @property
    def labels(self) -> list:
        """The index labels' ``Text`` artists (rows first, then columns)."""
        self.materialize()
        return self._labels

    @property
    def title(self):
        """The title's ``Text`` artist, or None."""
        self.materialize()
        return self._title

    def artists(self) -> list:
        """Every artist of the grid that exists (none if it is lazy and not materialized)."""
        if not self.materialized:
            return []
        out = list(self._cells.flat) + list(self._texts.flat) + list(self._labels)
        return out + ([self._title] if self._title is not None else [])

    def cell_patch(self, r: int, c: int) -> Rectangle:
        """A new ``Rectangle`` drawing cell (r, c) as it looks now (not added to the Axes)."""
        rect = Rectangle((self.origin[1] + c, self.origin[0] + r), 1, 1)
        _style_cell(rect, self.roles[r, c])
        if self.faces[r, c] is not None:
            rect.set_facecolor(self.faces[r, c])
        return rect

    # ------------------------------------------------------------------ geometry
    def center(self, r: float, c: float) -> tuple[float, float]:
        """Data (x, y) of the centre of cell (r, c)."""
        return (self.origin[1] + c + 0.5, self.origin[0] + r + 0.5)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the grid's cells in data coordinates."""
        r0, c0 = self.origin
        return (c0, c0 + self.shape[1], r0, r0 + self.shape[0])

    # ------------------------------------------------------------------ updates
    def set_role(self, r: int, c: int, role: str) -> None:
        """Restyle cell (r, c) with ``role`` (see :data:`ROLE_STYLES`); this drops a face colour
        set by :meth:`set_face`."""
        if self.roles[r, c] == role:
            return
        _check_role(role)
        self.roles[r, c] = role
        self.faces[r, c] = None
        if self.materialized:
            _style_cell(self._cells[r, c], role)

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
        self.faces[r, c] = color
        if self.materialized:
            self._cells[r, c].set_facecolor(color if color is not None else ROLE_STYLES[self.roles[r, c]]["face"])

    def set_text(self, r: int, c: int, text, **kw) -> None:
        """Set the text of cell (r, c) (a number is formatted with :func:`format_number`);
        keyword arguments are ``Text`` properties (they make the artists exist)."""
        s = format_number(text, self.digits)
        self.strings[r, c] = s
        if self.materialized or kw:
            t = self.texts[r, c]
            if t.get_text() != s:
                t.set_text(s)
            if kw:
                t.set(**kw)

    def set_texts(self, values) -> None:
        """Set every cell's text from a (rows, cols) array of numbers or strings."""
        values = np.asarray(values, dtype=object)
        if values.shape != self.shape:
            raise ValueError(f"values must have shape {self.shape}; got {values.shape}")
        for (r, c), v in np.ndenumerate(values):
            self.set_text(r, c, v)


def _style_cell(rect: Rectangle, role: str) -> None:
    st = ROLE_STYLES[role]
    rect.set_facecolor(st["face"])
    rect.set_edgecolor(st["edge"])
    rect.set_hatch(st["hatch"] or None)
    rect.set_linewidth(st["lw"])
    rect.set_linestyle(st["ls"])
    rect.set_zorder(2 + (st["lw"] > 1.5))  # thick edges on top of thin ones


class _CellAdder:
    """Adds many cell patches and texts to an Axes, as ``ax.add_artist`` and ``ax.text`` do,
    but faster: those compute the Axes clip box (``set_clip_path(ax.patch)``) anew for every
    artist, the dominant cost of drawing a large grid; here it is computed once and shared.
    The artists end up in the same state (same clip box, transform, order), so figures are
    unchanged. Falls back to the public calls if the Axes lacks the (private) hooks used."""

    def __init__(self, ax: Axes):
        self.ax = ax
        self.fast = hasattr(ax, "_children") and hasattr(ax, "_add_text") and hasattr(ax, "_set_artist_props")
        if self.fast:
            from matplotlib.transforms import Bbox, TransformedBbox

            # one clip box per Axes (it follows the Axes as it moves): made once, reused
            patch, clipbox = getattr(ax, "_cell_adder_clipbox", (None, None))
            if patch is not ax.patch:
                clipbox = TransformedBbox(Bbox.unit(), ax.patch.get_transform())
                ax._cell_adder_clipbox = (ax.patch, clipbox)
            self.clipbox = clipbox

    def patch(self, rect: Rectangle) -> None:
        # not add_patch: the limits are set once by setup_axes (faster)
        ax = self.ax
        if not self.fast:
            ax.add_artist(rect)
            return
        rect.axes = ax
        ax._children.append(rect)
        rect._remove_method = ax._children.remove
        ax._set_artist_props(rect)
        rect.set_clip_box(self.clipbox)
        ax.stale = True

    def text(self, x, y, s, **kw):
        if not self.fast:
            return self.ax.text(x, y, s, **kw)
        return self.add_text(Text(x, y, s, transform=self.ax.transData, clip_on=False, **kw))

    def add_text(self, t: Text) -> Text:
        """Add a ``Text`` made with ``transform=ax.transData, clip_on=False``, as ``ax.text``
        would."""
        if not self.fast:
            return self.ax.add_artist(t)
        t.set_clip_box(self.clipbox)
        return self.ax._add_text(t)


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
    lazy: bool = False,
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
    lazy : make the matplotlib artists only when first needed (see :class:`Grid`).

    Returns
    -------
    Grid with the cell rectangles and texts, to restyle in place with ``Grid.set_role`` /
    ``Grid.set_text``.
    """
    if isinstance(values_or_shape, tuple) and len(values_or_shape) == 2 and all(
        isinstance(v, numbers.Integral) for v in values_or_shape
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
    for (r, c), v in np.ndenumerate(texts_in):
        strings[r, c] = format_number(v, digits)
    specs = []
    top = r0
    if labels:
        rl = list(range(rows)) if row_labels is None else list(row_labels)
        cl = list(range(cols)) if col_labels is None else list(col_labels)
        specs += [TextSpec(c0 - 0.15, r0 + r + 0.5, format_number(lab), "right", "center", LABEL_SIZE, LABEL_COLOR)
                  for r, lab in enumerate(rl)]
        specs += [TextSpec(c0 + c + 0.5, r0 - 0.15, format_number(lab), "center", "bottom", LABEL_SIZE, LABEL_COLOR)
                  for c, lab in enumerate(cl)]
        top = r0 - 0.75
    title_spec = None
    if title:
        title_spec = TextSpec(c0 + cols / 2, top - 0.1, title, "center", "bottom", FONT_SIZE, COLORS["text"], "bold")
    return Grid(ax, shape, (r0, c0), roles, strings, fontsize=fs, digits=digits, label_specs=specs,
                title_spec=title_spec, lazy=lazy)


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
    _CellAdder(ax).patch(rect)  # as ax.add_artist, with a clip box instead of a costlier clip path
    return rect


class Arrows(Artist):
    """Curved arrows with filled heads, all of one style, drawn as one artist.

    Each arrow looks like a matplotlib ``FancyArrowPatch`` with ``arrowstyle="-|>"`` and
    ``connectionstyle="arc3,rad=curvature"``: a quadratic Bézier from start to end whose control
    point sits ``curvature`` chord lengths off the chord's middle (on screen), shrunk by
    ``shrink`` points at both ends, with a head ``0.4 × mutation_scale`` long and
    ``0.2 × mutation_scale`` wide. The geometry is computed here for all arrows at
    once and drawn as two paths (every line, then every head): the pooling explorer draws
    dozens of routes, and a ``FancyArrowPatch`` costs about a millisecond each to make and draw.

    ``segments`` is a sequence of ``((x0, y0), (x1, y1))`` in data coordinates.
    """

    def __init__(self, segments, *, color, lw: float = 1.8, curvature: float = 0.0, shrink: float = 6.0,
                 mutation_scale: float = 14.0, zorder: float = 7):
        super().__init__()
        seg = np.asarray(segments, dtype=float).reshape(-1, 2, 2)
        self.segments = seg
        self.color = color
        self.lw = float(lw)
        self.curvature = float(curvature)
        self.shrink = float(shrink)
        self.mutation_scale = float(mutation_scale)
        self.set_zorder(zorder)

    def paths(self, renderer) -> tuple[Path, Path]:
        """(lines, heads): the arrows' lines and their closed heads, in display coordinates."""
        n = len(self.segments)
        dpi_cor = renderer.points_to_pixels(1.0)
        pts = self.get_transform().transform(self.segments.reshape(-1, 2)).reshape(n, 2, 2).tolist()
        radius = self.shrink * dpi_cor
        head_length, head_width = 0.4 * self.mutation_scale * dpi_cor, 0.2 * self.mutation_scale * dpi_cor
        head_dist = math.hypot(head_length, head_width)
        cos_t, sin_t = head_length / head_dist, head_width / head_dist
        pad = 0.5 * self.lw * dpi_cor / sin_t
        lines, heads = [], []
        # Plain floats: NumPy's per-call overhead would dominate for a handful of arrows.
        for (x0, y0), (x2, y2) in pts:
            dx, dy = x2 - x0, y2 - y0
            # arc3: the control point, as matplotlib's ConnectionStyle.Arc3.connect
            x1, y1 = (x0 + x2) / 2 + self.curvature * dy, (y0 + y2) / 2 - self.curvature * dx

            def point(t, x0=x0, y0=y0, x1=x1, y1=y1, x2=x2, y2=y2):
                u = 1 - t
                return u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2

            def crossing(cx, cy, t, x0=x0, y0=y0, x1=x1, y1=y1, x2=x2, y2=y2):
                # |B(t) − c| = radius by Newton's method, from a first guess next to the end
                for _ in range(4):  # from a first-order guess: error ~1e-12 px after 3 steps
                    px, py = point(t)
                    tx = 2 * (1 - t) * (x1 - x0) + 2 * t * (x2 - x1)
                    ty = 2 * (1 - t) * (y1 - y0) + 2 * t * (y2 - y1)
                    f = (px - cx) ** 2 + (py - cy) ** 2 - radius * radius
                    fp = 2 * ((px - cx) * tx + (py - cy) * ty)
                    if fp == 0:
                        break
                    t = min(max(t - f / fp, 0.0), 1.0)
                return t

            t0, t1 = 0.0, 1.0
            # matplotlib leaves a path shorter than the shrink unshrunk, and so do we
            if radius and math.hypot(dx, dy) > radius:
                s0 = math.hypot(x1 - x0, y1 - y0) * 2
                s1 = math.hypot(x2 - x1, y2 - y1) * 2
                t0 = crossing(x0, y0, min(radius / s0, 1.0) if s0 else 0.0)
                t1 = crossing(x2, y2, max(1 - radius / s1, 0.0) if s1 else 1.0)
                if t1 <= t0:
                    t0, t1 = 0.0, 1.0
            # the sub-curve on [t0, t1]: its control point is the blossom b(t0, t1)
            w00, w01, w11 = (1 - t0) * (1 - t1), (1 - t0) * t1 + t0 * (1 - t1), t0 * t1
            q0, q2 = point(t0), point(t1)
            q1 = (w00 * x0 + w01 * x1 + w11 * x2, w00 * y0 + w01 * y1 + w11 * y2)
            # the head (ArrowStyle "-|>", as matplotlib's _Curve): a wedge along q1 → q2, and
            # the line pulled back so its round cap does not poke through the tip
            vx, vy = q1[0] - q2[0], q1[1] - q2[1]
            dist = math.hypot(vx, vy)
            if dist == 0:
                lines.append((q0, q1, q2))
                continue
            ux, uy = vx / dist, vy / dist
            tip = (q2[0] + pad * ux, q2[1] + pad * uy)
            wx, wy = ux * head_dist, uy * head_dist
            a1 = (tip[0] + cos_t * wx + sin_t * wy, tip[1] - sin_t * wx + cos_t * wy)
            a2 = (tip[0] + cos_t * wx - sin_t * wy, tip[1] + sin_t * wx + cos_t * wy)
            lines.append((q0, q1, tip))
            heads.append((a1, tip, a2, tip))

        def compound(shapes, codes):
            verts = np.asarray(shapes, dtype=float).reshape(-1, 2)
            return Path(verts, np.tile(np.array(codes, dtype=Path.code_type), len(shapes)))

        return (compound(lines, [Path.MOVETO, Path.CURVE3, Path.CURVE3]),
                compound(heads, [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]))

    def draw(self, renderer):
        if not self.get_visible() or len(self.segments) == 0:
            return
        lines, heads = self.paths(renderer)
        gc = renderer.new_gc()
        gc.set_foreground(self.color)
        gc.set_linewidth(self.lw)
        gc.set_joinstyle("round")  # FancyArrowPatch's defaults
        gc.set_capstyle("round")
        gc.set_antialiased(True)
        self._set_gc_clip(gc)
        identity = IdentityTransform()
        if len(lines.vertices):
            renderer.draw_path(gc, lines, identity)
        if len(heads.vertices):
            renderer.draw_path(gc, heads, identity, to_rgba(self.color))
        gc.restore()
        self.stale = False


class ArrowLabel(Text):
    """The label on an arrow: a ``Text`` on a white rounded box (``box``: the ``bbox``
    properties). The box patch is made on the first matplotlib draw, not before: an explorer
    paints labels itself (see ``Scene._blit_text``) and makes several per slider step, and the
    patch would cost more than the rest of the label."""

    def __init__(self, x, y, text, *, box: dict, **kw):
        super().__init__(x, y, text, **kw)
        self.box = dict(box)
        self._box_made = False

    def draw(self, renderer):
        if not self._box_made:
            self.set_bbox(self.box)
            self._box_made = True
        super().draw(renderer)


def _arrow_color(role: str) -> str:
    _check_role(role)
    return ROLE_STYLES[role]["edge"] if role in ("kernel", "highlight", "unused", "padding") else COLORS[role]


def draw_arrows(ax: Axes, segments, *, role: str = "gradient", curvature: float = 0.0, lw: float = 1.8,
                shrink: float = 6.0, zorder: float = 7) -> Arrows:
    """Draw many arrows of one style (see :class:`Arrows`) as one artist on ``ax``; returns it.

    ``segments`` is a sequence of ``(start, end)`` pairs of data points; ``role`` picks the
    colour, ``lw`` the line width in points, ``shrink`` the gap in points at both ends.
    """
    arrows = Arrows(segments, color=_arrow_color(role), lw=lw, curvature=curvature, shrink=shrink, zorder=zorder)
    _CellAdder(ax).patch(arrows)  # as ax.add_artist, with a clip box instead of a costlier clip path
    return arrows


def draw_arrow(ax: Axes, start, end, *, role: str = "gradient", text: str | None = None,
               curvature: float = 0.0, lw: float = 1.8, shrink: float = 6.0, text_at: float = 0.5,
               zorder: float = 7):
    """Draw an arrow in data coordinates from ``start=(x, y)`` to ``end=(x, y)``.

    ``role`` picks the colour; ``curvature`` bends it (the control point sits that many chord
    lengths off the chord's middle); ``zorder`` 4 puts the arrow under cell texts (5) but over
    cells; ``text`` (e.g. the weight on this edge) is written at the fraction ``text_at`` of the
    way (0.5: the middle) on a white box. Returns ``(arrow, text_artist_or_None)``, the arrow an
    :class:`Arrows` of one. Use ``Grid.center`` to get cell centres.
    """
    arrow = draw_arrows(ax, [(start, end)], role=role, curvature=curvature, lw=lw, shrink=shrink, zorder=zorder)
    label = None
    if text:
        # The arc is a quadratic Bézier whose control point sits ``curvature`` chord lengths
        # off the chord's middle (computed on screen). On screen the course's axes have equal
        # aspect and y pointing down (setup_axes), so screen ∝ (x, −y): compute there,
        # independently of when setup_axes is called.
        t = text_at
        x1, y1, x2, y2 = start[0], -start[1], end[0], -end[1]
        cx, cy = (x1 + x2) / 2 + curvature * (y2 - y1), (y1 + y2) / 2 - curvature * (x2 - x1)
        mx = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t**2 * x2
        my = -((1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t**2 * y2)
        label = ArrowLabel(mx, my, text, box=dict(boxstyle="round,pad=0.15", fc="white", ec=arrow.color, lw=0.8),
                           fontsize=LABEL_SIZE, ha="center", va="center", color=arrow.color, zorder=8,
                           transform=ax.transData, clip_on=False)
        _CellAdder(ax).add_text(label)
    return arrow, label


def role_legend(ax: Axes, roles, *, loc="upper center", ncol=None, labels=None, **kw):
    """Add a legend explaining the ``roles`` used (swatches carry the hatches and edges too).

    ``labels`` optionally maps a role to the text to show instead of its default meaning.
    """
    labels = labels or {}
    roles = list(roles)
    for role in roles:
        _check_role(role)
    # An explorer rebuilds its picture on the same Axes at every structural slider move, with
    # the same legend: reuse the Legend made last time for the same arguments (making one
    # costs a few milliseconds).
    key = repr((roles, loc, ncol, sorted(labels.items()), sorted(kw.items())))
    cache = ax.__dict__.setdefault("_role_legends", {})
    legend = cache.get(key)
    if legend is not None and legend.axes is ax:
        ax.legend_ = legend
        return legend
    handles = []
    for role in roles:
        st = ROLE_STYLES[role]
        handles.append(Patch(facecolor=st["face"], edgecolor=st["edge"], hatch=st["hatch"] or None,
                             linewidth=st["lw"], linestyle=st["ls"],
                             label=labels.get(role, ROLE_MEANINGS[role])))
    legend = ax.legend(handles=handles, loc=loc, ncol=ncol or len(handles), fontsize=LABEL_SIZE,
                       frameon=False, handlelength=1.6, handleheight=1.2, **kw)
    cache[key] = legend
    return legend


def setup_axes(ax: Axes, x0: float, x1: float, y0: float, y1: float, *, margin: float = 0.3) -> None:
    """Frame the data box ``[x0, x1] × [y0, y1]`` (y pointing down), equal aspect, no spines."""
    ax.set_xlim(x0 - margin, x1 + margin)
    ax.set_ylim(y1 + margin, y0 - margin)  # inverted: row 0 on top
    ax.set_aspect("equal")
    ax.set_axis_off()


def new_figure(width_in: float = 10.0, height_in: float = 4.5, dpi: float = 80):
    """A matplotlib ``Figure`` on an Agg canvas, outside pyplot's global state (for explorers
    and scripts; notebooks may use ``plt.subplots`` instead)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig

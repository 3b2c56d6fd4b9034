"""Shared machinery of the explorers: a fast-redrawing figure and the widget shell around it.

Speed: a slider step must redraw in well under 50 ms, but drawing a few hundred numbered cells
with matplotlib takes far longer. So each explorer draws its grids once (the *background*: every
cell in its base role), keeps that raster, and on each step only restores it and draws what
differs: the cells whose role or text changed and a few overlay artists (a window outline,
arrows). The result is encoded as a PNG into an ``ipywidgets.Image``. A *structural* change
(stride, padding, sizes) rebuilds the background; that too avoids most per-artist matplotlib
work: the Axes is emptied and reused, cell faces and edges are drawn as a few collections, cell
texts, index labels, titles and legends are pasted from pixel caches (see :meth:`Scene.freeze`).
The matplotlib artists all still exist, so a full redraw (``Scene.savefig``) is unchanged. The figure is a
``matplotlib.figure.Figure`` on an Agg canvas, outside pyplot's global state.

The widget shell (:class:`Explorer`, an ``ipywidgets.VBox``) exposes, for tests and benchmarks:

* ``.controls`` — dict of the control widgets, by name;
* ``.update()`` — re-render from the current control values (also called on every change);
* ``.state`` — dict describing what is highlighted and the numbers shown;
* ``.message`` — the plain-language explanation shown for an invalid setting, ``""`` otherwise;
* ``.figure`` — the matplotlib Figure; ``.image`` — the ``ipywidgets.Image`` showing it.

Any exception raised while updating is caught and shown as an explanation, never a traceback.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import get_hinting_flag
from matplotlib.colors import to_hex, to_rgb
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.font_manager import get_font
from matplotlib.text import Text

from ..drawing import ROLE_STYLES, Grid, draw_grid, new_figure, setup_axes

__all__ = ["Scene", "Explorer", "int_slider", "demo_values", "explain_exception", "encode_png", "check_sizes", "sentence", "padded_roles", "fmt"]


class Scene:
    """A figure drawn once in its base state, then redrawn quickly with per-frame changes.

    Use: ``clear()``; draw grids with :meth:`grid` (and any static artists); :meth:`freeze`;
    then per frame :meth:`begin_frame`, :meth:`set_cell` / :meth:`overlay`, :meth:`png`.
    """

    def __init__(self, width_in: float, height_in: float, dpi: float = 80):
        self.fig = new_figure(width_in, height_in, dpi)
        self.canvas = self.fig.canvas
        self.grids: list[Grid] = []
        self._bg = None
        self._changed: dict[tuple[int, int, int], tuple[Grid, int, int]] = {}
        self._overlays: list = []
        self._sprites: dict = {}
        self._legend_tiles: dict = {}
        self._cell_cache: dict = {}

    # ------------------------------------------------------------------ building
    def clear(self, width_in: float | None = None, height_in: float | None = None):
        self.fig.clear()
        if width_in is not None:
            self.fig.set_size_inches(width_in, height_in)
        self.grids = []
        self._bg = None
        self._changed = {}
        self._overlays = []
        self._cell_cache = {}

    def start(self, x0: float, x1: float, y0: float, y1: float, *, cell_in: float = 0.5,
              max_width: float = 12.0, max_height: float = 7.5):
        """Clear the figure and size it so the data box [x0, x1] × [y0, y1] (one unit per cell)
        fills it at ``cell_in`` inches per cell (smaller if the box would exceed the maximum
        size). Returns the single Axes (y pointing down)."""
        w, h = x1 - x0, y1 - y0
        scale = min(cell_in, max_width / w, max_height / h)
        ax = self._reusable_axes()
        if ax is None:
            self.clear(w * scale, h * scale)
            ax = self.fig.add_axes((0, 0, 1, 1))
            ax._scene_axes = True  # made here: start() may empty and reuse it
        else:
            # Rebuilding (a structural slider moved): empty the Axes rather than clearing the
            # figure and making a new Axes, which costs tens of milliseconds.
            ax._children = []
            ax.legend_ = None
            ax.stale = True
            fig = self.fig
            fig.stale = True
            self.grids, self._bg, self._changed, self._overlays, self._cell_cache = [], None, {}, [], {}
            fig.set_size_inches(w * scale, h * scale)
        setup_axes(ax, x0, x1, y0, y1, margin=0)
        return ax

    def _reusable_axes(self):
        """The figure's single Axes made by :meth:`start`, if it can be emptied in place."""
        fig = self.fig
        if len(fig.axes) != 1 or fig.texts or fig.patches or fig.lines or fig.images or fig.legends:
            return None
        ax = fig.axes[0]
        if getattr(ax, "_scene_axes", False) is not True or not isinstance(getattr(ax, "_children", None), list):
            return None
        if ax.containers:
            return None
        return ax

    def grid(self, ax, values_or_shape, **kw) -> Grid:
        """Draw a grid (see :func:`conv_backprop.drawing.draw_grid`) and track it."""
        g = draw_grid(ax, values_or_shape, **kw)
        self.grids.append(g)
        return g

    def freeze(self) -> None:
        """Render the base state and remember it as the background of every frame."""
        for g in self.grids:
            g.base_roles = g.roles.copy()
            g.base_texts = np.vectorize(lambda t: t.get_text(), otypes=[object])(g.texts)
        # Cell texts are painted from cached sprites rather than by matplotlib: a rebuild then
        # costs a fraction of a full draw (see _sprite).
        hidden = [t for g in self.grids for t in g.texts.flat if t.get_visible() and t.get_text()]
        # Cell rectangles are drawn as a few collections (one matplotlib draw call each) instead
        # of one artist each: see _cell_collections.
        # Dashed edges (kernel taps, few) keep drawing themselves: where dashed neighbours
        # overlap, the picture depends on drawing each cell's face and edge in turn.
        cells = [rect for g in self.grids for rect in g.cells.flat
                 if rect.get_visible() and rect.get_linestyle() in ("-", "solid")]
        collections = self._cell_collections(cells)
        # Legends are pasted from a cache too (see _paste_legend): drawing one costs more than
        # all the cells.
        legends = [ax.legend_ for ax in self.fig.axes if ax.legend_ is not None and ax.legend_.get_visible()]
        # So are index labels and titles (see _paste_label).
        cell_texts = {id(t) for g in self.grids for t in g.texts.flat}
        labels = [t for ax in self.fig.axes for t in ax.texts
                  if id(t) not in cell_texts and t.get_visible() and t.get_text() and not t.get_animated()
                  and t.get_bbox_patch() is None and t.get_rotation() == 0 and not t.get_path_effects()]
        if labels:  # pasted after the draw: only if nothing drawn is meant to lie over them
            skip = {id(a) for a in hidden + cells + labels}
            zmin = min(t.get_zorder() for t in labels)
            if any(a.get_visible() and a.get_zorder() > zmin for ax in self.fig.axes for a in ax.get_children()
                   if id(a) not in skip and a is not ax.legend_ and a is not ax.patch):
                labels = []
        for a in hidden + cells + legends + labels:
            a.set_visible(False)
        try:
            self.canvas.draw()
        finally:
            for a in collections:
                a.remove()
            for a in hidden + cells + legends + labels:
                a.set_visible(True)
        buf = np.asarray(self.canvas.buffer_rgba())
        for t in labels:  # before the legends, which lie over them (z-order 5)
            self._paste_label(buf, t)
        for lg in legends:
            self._paste_legend(buf, lg)
        for t in hidden:
            self._blit_text(buf, t)
        self._bg = self.canvas.copy_from_bbox(self.fig.bbox)
        self._cell_cache = {}

    def _paste_legend(self, buf: np.ndarray, lg) -> None:
        """Draw legend ``lg`` into ``buf`` (the canvas), from a cache of its pixels when the same
        legend (same entries) was drawn before at the same place on a canvas of the same size,
        over white: then the pixels are identical (hatch patterns are anchored to the canvas, so
        a legend drawn elsewhere would not be). A learner moving a slider back and forth
        revisits the same few settings; a first visit draws the legend as usual."""
        renderer = self.canvas.get_renderer()
        bb = lg.get_window_extent(renderer)
        h, w = buf.shape[:2]
        x0, x1 = int(np.floor(bb.x0)) - 2, int(np.ceil(bb.x1)) + 2
        y0, y1 = h - int(np.ceil(bb.y1)) - 2, h - int(np.floor(bb.y0)) + 2
        if x0 < 0 or y0 < 0 or x1 > w or y1 > h or not (buf[y0:y1, x0:x1, :3] == 255).all():
            lg.draw(renderer)
            return
        key = ("legend", tuple(t.get_text() for t in lg.get_texts()),
               tuple((tuple(a.get_facecolor()), tuple(a.get_edgecolor()), a.get_hatch(), a.get_linewidth(),
                      a.get_linestyle()) for a in lg.legend_handles),
               round(bb.x0, 3), round(bb.y0, 3), round(bb.x1, 3), round(bb.y1, 3), w, h, self.fig.dpi)
        tiles = self._legend_tiles
        tile = tiles.get(key)
        if tile is None:
            lg.draw(renderer)
            if len(tiles) >= 32:  # bounded: forget the oldest
                del tiles[next(iter(tiles))]
            tiles[key] = buf[y0:y1, x0:x1].copy()
        else:
            buf[y0:y1, x0:x1] = tile

    def _paste_label(self, buf: np.ndarray, t) -> None:
        """Draw text artist ``t`` (a label or title) into ``buf`` (the canvas), from a cache of
        its pixels when the same text with the same properties was drawn before at the same
        sub-pixel offset, over white. Agg places glyphs at 1/64-pixel positions, so a text moved
        by whole pixels has exactly the same pixels; only a first sighting is drawn by
        matplotlib (index labels 0, 1, 2, … repeat across grids and rebuilds)."""
        renderer = self.canvas.get_renderer()
        h, w = buf.shape[:2]
        posx, posy = t.get_transform().transform(t.get_position())
        if not (np.isfinite(posx) and np.isfinite(posy)):
            t.draw(renderer)
            return
        ix, iy = int(np.floor(posx)), int(np.floor(posy))
        key = ("text", t.get_text(), hash(t.get_fontproperties()), to_hex(t.get_color(), keep_alpha=True),
               t.get_horizontalalignment(), t.get_verticalalignment(), t._multialignment,
               t._linespacing, round(posx - ix, 4), round(posy - iy, 4), self.fig.dpi)
        hit = self._sprites.get(key)
        if hit is not None:
            ox, oy, tile = hit
            x0, y0 = ix + ox, h - iy + oy
            x1, y1 = x0 + tile.shape[1], y0 + tile.shape[0]
            if 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h and (buf[y0:y1, x0:x1, :3] == 255).all():
                buf[y0:y1, x0:x1] = tile
                return
            t.draw(renderer)
            return
        bb = t.get_window_extent(renderer)
        x0, x1 = int(np.floor(bb.x0)) - 2, int(np.ceil(bb.x1)) + 2
        y0, y1 = h - int(np.ceil(bb.y1)) - 2, h - int(np.floor(bb.y0)) + 2
        inside = 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h
        white = inside and (buf[y0:y1, x0:x1, :3] == 255).all()
        t.draw(renderer)
        if white:
            self._sprites[key] = (x0 - ix, y0 - (h - iy), buf[y0:y1, x0:x1].copy())

    @staticmethod
    def _cell_collections(cells) -> list:
        """Add to the axes collections that draw ``cells`` (Rectangles) as they would draw
        themselves, and return them (remove them after drawing).

        Per axes and z-order: one collection per (hatch, edge colour) paints faces and hatches
        (the hatch colour is the edge colour, as for a patch); then one collection paints every
        edge in the cells' own order, so where neighbours share an edge the later cell's edge is
        on top, as when the cells draw one by one. Same line widths (hence the same pixel
        snapping), dashes, joins and caps as the patches.
        """
        from matplotlib.collections import PolyCollection

        groups: dict = {}
        edges: dict = {}
        for rect in cells:
            x, y = rect.get_xy()
            w, h = rect.get_width(), rect.get_height()
            verts = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
            ec = rect.get_edgecolor()
            lw = rect.get_linewidth()
            ls = rect.get_linestyle()
            z = (id(rect.axes), rect.get_zorder())
            gkey = z + (rect.get_hatch() or "", ec)
            grp = groups.setdefault(gkey, (rect.axes, [], [], [], []))
            grp[1].append(verts)
            grp[2].append(rect.get_facecolor())
            grp[3].append(lw)
            grp[4].append(ls)
            e = edges.setdefault(z, (rect.axes, [], [], [], []))
            e[1].append(verts)
            e[2].append(ec)
            e[3].append(lw)
            e[4].append(ls)
        out = []
        for (_, z, hatch, ec), (ax, verts, fcs, lws, lss) in groups.items():
            out.append(PolyCollection(verts, closed=True, facecolors=fcs, edgecolors="none", linewidths=lws,
                                      linestyles=lss, hatch=hatch or None, hatchcolors=[ec],
                                      joinstyle="miter", capstyle="butt", zorder=z, transform=ax.transData))
        for (_, z), (ax, verts, ecs, lws, lss) in edges.items():
            out.append(PolyCollection(verts, closed=True, facecolors="none", edgecolors=ecs, linewidths=lws,
                                      linestyles=lss, joinstyle="miter", capstyle="butt",
                                      zorder=z, transform=ax.transData))
        for c, ax in zip(out, [g[0] for g in groups.values()] + [e[0] for e in edges.values()]):
            ax.add_collection(c, autolim=False)
        return out

    @property
    def frozen(self) -> bool:
        return self._bg is not None

    # ------------------------------------------------------------------ frames
    def begin_frame(self) -> None:
        """Return every changed cell to its base look and drop the overlays."""
        for g, r, c in self._changed.values():
            g.set_role(r, c, g.base_roles[r, c])
            g.set_text(r, c, g.base_texts[r, c])
        self._changed = {}
        for a in self._overlays:
            a.remove()
        self._overlays = []

    def set_cell(self, grid: Grid, r: int, c: int, role: str | None = None, text=None) -> None:
        """Change cell (r, c) of ``grid`` for this frame (role and/or text)."""
        r, c = int(r), int(c)
        if role is not None:
            grid.set_role(r, c, role)
        if text is not None:
            grid.set_text(r, c, text)
        self._changed[(id(grid), r, c)] = (grid, r, c)

    def overlay(self, *artists):
        """Mark artists as drawn on top of the background for this frame only."""
        for a in artists:
            if a is None:
                continue
            a.set_animated(True)
            self._overlays.append(a)
        return artists[0] if len(artists) == 1 else artists

    def _draw_frame(self) -> None:
        self.canvas.restore_region(self._bg)
        buf = np.asarray(self.canvas.buffer_rgba())
        # thin edges first, so thick (selected) edges stay on top
        cells = sorted(self._changed.values(), key=lambda t: ROLE_STYLES[t[0].roles[t[1], t[2]]]["lw"])
        for g, r, c in cells:
            self._draw_cell(buf, g, r, c)
        for a in self._overlays:
            if isinstance(a, Text):
                self._blit_text(buf, a, boxed=a.get_bbox_patch() is not None)
            else:
                a.axes.draw_artist(a) if a.axes is not None else self.fig.draw_artist(a)

    # Each restyled cell is drawn with matplotlib the first time it appears in a given look
    # (role and text); its pixels, with a margin for thick edges, are then kept and pasted on
    # later frames. Stepping through outputs shows the same few looks again and again.
    def _draw_cell(self, buf: np.ndarray, g: Grid, r: int, c: int) -> None:
        text = g.texts[r, c].get_text()
        key = (id(g), r, c, g.roles[r, c], text)
        hit = self._cell_cache.get(key)
        if hit is not None:
            (y0, y1, x0, x1), block = hit
            buf[y0:y1, x0:x1] = block
            return
        g.ax.draw_artist(g.cells[r, c])
        self._blit_text(buf, g.texts[r, c])
        (px0, py0), (px1, py1) = g.ax.transData.transform(
            [(g.origin[1] + c, g.origin[0] + r), (g.origin[1] + c + 1, g.origin[0] + r + 1)])
        m = int(np.ceil(3.0 * self.fig.dpi / 72 / 2)) + 1
        h, w = buf.shape[:2]
        x0, x1 = max(int(np.floor(min(px0, px1))) - m, 0), min(int(np.ceil(max(px0, px1))) + m, w)
        y0 = max(int(np.floor(h - max(py0, py1))) - m, 0)
        y1 = min(int(np.ceil(h - min(py0, py1))) + m, h)
        self._cell_cache[key] = ((y0, y1, x0, x1), buf[y0:y1, x0:x1].copy())

    # Drawing text is the slow part of matplotlib (font layout and glyph rasterising on every
    # draw). Cell texts repeat a lot ("0", "−1", "×2"), so each distinct (text, size, colour)
    # is rasterised once with FreeType, as Agg does, and then alpha-blended into the canvas.
    def _sprite(self, text: str, size: float, color):
        key = (text, size, to_hex(color), self.fig.dpi)
        sprite = self._sprites.get(key)
        if sprite is None:
            dpi = self.fig.dpi
            font = get_font(findfont(FontProperties(size=size)))
            lines = []
            for line in text.split("\n"):
                font.clear()
                font.set_size(size, dpi)
                font.set_text(line, 0, flags=get_hinting_flag())
                font.draw_glyphs_to_bitmap(antialiased=True)
                lines.append(np.asarray(font.get_image(), dtype=np.float32) / 255.0)
            step = int(round(size * dpi / 72 * 1.2))
            height = step * (len(lines) - 1) + max(a.shape[0] for a in lines[-1:])
            width = max(a.shape[1] for a in lines)
            alpha = np.zeros((max(height, 1), max(width, 1)), np.float32)
            for k, a in enumerate(lines):
                x0 = (width - a.shape[1]) // 2
                top = k * step
                alpha[top : top + a.shape[0], x0 : x0 + a.shape[1]] = np.maximum(
                    alpha[top : top + a.shape[0], x0 : x0 + a.shape[1]], a)
            rows = np.nonzero(alpha.max(axis=1) > 0)[0]
            if rows.size:  # centre on the ink (digits have no descender)
                alpha = alpha[rows[0] : rows[-1] + 1]
            rgb = np.array(to_rgb(color), np.float32) * 255.0
            sprite = self._sprites[key] = (alpha[..., None], rgb)
        return sprite

    def _blit_text(self, buf: np.ndarray, t, boxed: bool = False) -> None:
        """Paint text artist ``t`` (centred on its position) into ``buf`` from its sprite;
        ``boxed`` adds a white box with a thin edge in the text's colour (arrow labels)."""
        text = t.get_text()
        if not text or not t.get_visible():
            return
        alpha, rgb = self._sprite(text, t.get_fontsize(), t.get_color())
        x, y = t.axes.transData.transform(t.get_position())
        h, w = alpha.shape[:2]
        top = int(round(buf.shape[0] - y - h / 2))
        left = int(round(x - w / 2))
        if boxed:
            pad = 3
            b0, b1 = max(top - pad, 0), min(top + h + pad, buf.shape[0])
            c0, c1 = max(left - pad, 0), min(left + w + pad, buf.shape[1])
            if b1 > b0 and c1 > c0:
                buf[b0:b1, c0:c1, :3] = rgb.astype(np.uint8)
                buf[b0 + 1 : b1 - 1, c0 + 1 : c1 - 1, :3] = 255
        t0, l0 = max(top, 0), max(left, 0)
        t1, l1 = min(top + h, buf.shape[0]), min(left + w, buf.shape[1])
        if t1 <= t0 or l1 <= l0:
            return
        a = alpha[t0 - top : t1 - top, l0 - left : l1 - left]
        region = buf[t0:t1, l0:l1, :3]
        region[...] = (region * (1.0 - a) + rgb * a + 0.5).astype(np.uint8)

    def png(self) -> bytes:
        """The current frame as PNG bytes (fast path: background + changes)."""
        if self._bg is None:
            self.freeze()
        self._draw_frame()
        return encode_png(np.asarray(self.canvas.buffer_rgba()))

    def savefig(self, path, dpi=None) -> None:
        """Write the current frame with a full redraw (for static figures): deterministic PNG."""
        for a in self._overlays:
            a.set_animated(False)
        try:
            self.fig.savefig(path, dpi=dpi, metadata={"Software": None}, facecolor="white")
        finally:
            for a in self._overlays:
                a.set_animated(True)
            self._bg = None  # the canvas now holds a full render at another dpi
            self._cell_cache = {}


def encode_png(rgba: np.ndarray, fast: bool = True) -> bytes:
    """Encode an (H, W, 4) uint8 frame as an RGB PNG.

    The explorers' frames are large flat areas of a few colours, for which zlib's run-length
    strategy at level 1 (``fast=True``) is several times faster than the default encoder, at the
    price of a file about three times larger; ``fast=False`` compresses well (static output).
    """
    h, w = rgba.shape[:2]
    raw = np.empty((h, 1 + 3 * w), np.uint8)
    raw[:, 0] = 0  # PNG filter type "None" on every row
    body = raw[:, 1:].reshape(h, w, 3)  # a view: rows stay contiguous, so no copy here
    body[...] = rgba[:, :, :3]
    comp = (zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE) if fast
            else zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY))
    data = comp.compress(raw.tobytes()) + comp.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


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


def explain_exception(exc: BaseException) -> str:
    """A plain-language sentence for an exception raised during an update."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, (ValueError, TypeError)):
        return f"This setting cannot be drawn: {text}"
    return f"Something went wrong while drawing this setting ({type(exc).__name__}: {text}). Try another setting."


class Explorer(widgets.VBox):
    """The widget shell shared by all explorers (see the module docstring for its attributes).

    Subclasses implement ``_render()``: read ``self.controls``, fill ``self.state``, and either
    set ``self.message`` (invalid setting; nothing is drawn) or draw on ``self.scene`` and return
    normally. ``_render`` may call :meth:`set_range` to adapt slider ranges.
    """

    figsize = (10.0, 4.5)

    def __init__(self, controls: dict, *, rows=None, play=None, dpi: float = 80):
        self.controls = controls
        self.scene = Scene(*self.figsize, dpi=dpi)
        self.figure = self.scene.fig
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self.readout = widgets.HTML()
        self.message_box = widgets.HTML()
        self.state: dict = {}
        self.message = ""
        self._busy = False
        if rows is None:
            rows = [list(controls.values())]
        boxes = [widgets.HBox(r, layout=widgets.Layout(flex_flow="row wrap")) for r in rows]
        super().__init__(boxes + [self.message_box, self.image, self.readout])
        for w in controls.values():
            if not isinstance(w, widgets.Play):  # a Play is linked to a slider, observed there
                w.observe(self._on_change, names="value")
        self.update()

    # ------------------------------------------------------------------ helpers
    def value(self, name):
        return self.controls[name].value

    def set_range(self, name: str, hi: int, lo: int = 0) -> int:
        """Set the range of slider ``name`` to [lo, hi] (clamping its value); return the value."""
        w = self.controls[name]
        hi = max(hi, lo)
        if w.value > hi:
            w.value = hi
        if w.value < lo:
            w.value = lo
        if w.min > hi:
            w.min = lo
        w.max = hi
        w.min = lo
        return w.value

    def _on_change(self, change) -> None:
        if not self._busy:
            self.update()

    # ------------------------------------------------------------------ update
    def update(self) -> None:
        """Re-render from the current control values. Never raises: an exception becomes
        ``self.message`` (a plain-language explanation shown above the picture)."""
        if self._busy:
            return
        self._busy = True
        self.message = ""
        self.state = {}
        readout = ""
        try:
            readout = self._render() or ""
        except Exception as exc:  # noqa: BLE001 — every failure becomes an explanation
            self.message = explain_exception(exc)
            self.state = {"error": self.message}
        finally:
            self._busy = False
        if self.message:
            self.message_box.value = (
                '<div style="border:2px solid #D55E00;padding:6px;font-size:14px;max-width:900px">'
                f"<b>Not a valid setting.</b> {html.escape(self.message)}</div>"
            )
            self.image.layout.display = "none"
            self.readout.value = ""
        else:
            self.message_box.value = ""
            self.image.layout.display = None
            self.image.value = self.scene.png()
            self.readout.value = (
                '<pre style="font-size:14px;line-height:1.35;white-space:pre-wrap">'
                f"{html.escape(readout)}</pre>"
            )

    def _repr_mimebundle_(self, **kwargs):
        """The widget view, plus a static PNG of the current frame and a short text, so a
        notebook read without a running kernel (GitHub, nbviewer, HTML export) still shows the
        picture, and the stored text output stays short and stable."""
        data = super()._repr_mimebundle_(**kwargs)
        if data is None:
            return data
        data["text/plain"] = f"{type(self).__name__}: an interactive explorer (run the cell in Jupyter to use it)"
        if not self.message:
            self.scene.png()  # make sure the canvas holds the current frame
            rgba = np.asarray(self.scene.canvas.buffer_rgba())
            data["image/png"] = base64.b64encode(encode_png(rgba, fast=False)).decode("ascii")
        return data

    def _render(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


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

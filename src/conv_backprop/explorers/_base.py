"""Shared machinery of the explorers: a fast-redrawing figure and the widget shell around it.

Speed: a slider move must redraw in well under 50 ms, but drawing a few hundred numbered cells
with matplotlib artists takes far longer. So each explorer paints its grids once (the
*background*: every cell in its base role), keeps that raster, and on each step only restores it
and draws what differs: the cells whose role or text changed and a few overlay artists (a window
outline, arrows). The result is encoded as a PNG into an ``ipywidgets.Image``.

A *structural* change (stride, padding, sizes) repaints the background, also without an artist
per cell: a scene's grids are lazy (:class:`conv_backprop.drawing.Grid` keeps roles, texts and
colours in arrays), and :meth:`Scene.freeze` paints them in z-order as few compound paths
(:meth:`Scene._cell_layers`), alpha-blends the cell texts from glyph sprites in one vectorised
pass, and pastes labels, titles and legends from pixel caches shared by all explorers. The last
few backgrounds are kept by setting, so going back to a setting only restores pixels.

A full matplotlib render of the same state (:meth:`Scene.full_render`, :meth:`Scene.savefig`:
the figures in ``figures/``) makes the artists and draws them; a test checks that it and the
fast frame agree pixel by pixel. The figure is a ``matplotlib.figure.Figure`` on an Agg canvas,
outside pyplot's global state.

The widget shell (:class:`Explorer`, an ``ipywidgets.VBox``) exposes, for tests and benchmarks:

* ``.controls`` — dict of the control widgets, by name;
* ``.update()`` — re-render from the current control values (also called on every change);
* ``.set(**values)`` — set several controls, then update once;
* ``.state`` — dict describing what is highlighted and the numbers shown;
* ``.message`` — the plain-language explanation shown for an invalid setting, ``""`` otherwise;
* ``.figure`` — the matplotlib Figure; ``.image`` — the ``ipywidgets.Image`` showing it.

Any exception raised while updating is caught and shown as an explanation, never a traceback.
"""

from __future__ import annotations

import base64
import functools
import math
import os
import html
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import get_hinting_flag
from matplotlib.colors import to_hex, to_rgb, to_rgba
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.font_manager import get_font
from matplotlib.text import Text

from ..drawing import LABEL_COLOR, LABEL_SIZE, ROLE_STYLES, ArrowLabel, Grid, TextSpec, draw_grid, new_figure, setup_axes
from ..style import COLORS

__all__ = ["Scene", "Explorer", "int_slider", "played_slider", "demo_values", "explain_exception", "encode_png", "check_sizes", "sentence", "padded_roles", "fmt"]


class _BoundedCache(dict):
    """A dict that forgets its oldest entry when it would grow past ``limit``."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if key not in self and len(self) >= self.limit:
            del self[next(iter(self))]
        super().__setitem__(key, value)


_SPRITES = _BoundedCache(4096)  # text sprites and label tiles: a few kB each
_LEGEND_TILES = _BoundedCache(64)
_SPEC_PROPS = _BoundedCache(4096)


class Scene:
    """A figure drawn once in its base state, then redrawn quickly with per-frame changes.

    ``BACKGROUNDS_KEPT`` backgrounds (about 2 MB each) are kept for :meth:`freeze` by key.

    Use: ``clear()``; draw grids with :meth:`grid` (and any static artists); :meth:`freeze`;
    then per frame :meth:`begin_frame`, :meth:`set_cell` / :meth:`overlay`, :meth:`png`.
    """

    BACKGROUNDS_KEPT = 12

    def __init__(self, width_in: float, height_in: float, dpi: float = 80):
        self.fig = new_figure(width_in, height_in, dpi)
        self.canvas = self.fig.canvas
        self.grids: list[Grid] = []
        self._bg = None
        self._changed: dict[tuple[int, int, int], tuple[Grid, int, int]] = {}
        self._overlays: list = []
        # pixels of texts and legends, shared by every explorer in the kernel (keyed by dpi too)
        self._sprites = _SPRITES
        self._legend_tiles = _LEGEND_TILES
        self._spec_props = _SPEC_PROPS
        self._bg_cache: dict = {}
        self._scratch = None
        self._style_patches: dict = {}
        self._lattices: dict = {}

    # ------------------------------------------------------------------ building
    def clear(self, width_in: float | None = None, height_in: float | None = None):
        self.fig.clear()
        if width_in is not None:
            self.fig.set_size_inches(width_in, height_in)
        self.grids = []
        self._bg = None
        self._changed = {}
        self._overlays = []

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
            self.grids, self._bg, self._changed, self._overlays = [], None, {}, []
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
        """Draw a grid (see :func:`conv_backprop.drawing.draw_grid`) and track it. The grid is
        lazy: the scene paints it from its arrays, without making an artist per cell."""
        g = draw_grid(ax, values_or_shape, lazy=True, **kw)
        g._scene_seq = len(ax._children) if isinstance(getattr(ax, "_children", None), list) else 0
        self.grids.append(g)
        return g

    def materialize(self) -> None:
        """Make every grid's matplotlib artists, so that a plain matplotlib draw (``savefig``,
        ``canvas.draw``) shows the whole picture."""
        for g in self.grids:
            g.materialize()

    def freeze(self, key=None) -> None:
        """Render the base state and remember it as the background of every frame.

        ``key``, if given, names the background (an explorer passes the settings its picture is
        built from): the last few backgrounds are kept by key, and a key seen before restores
        its pixels instead of painting them again (a learner dragging a slider back and forth
        revisits the same settings).

        The background is painted layer by layer in z-order, as matplotlib's ``Axes.draw``
        would, but most layers are not drawn by matplotlib artist by artist: each grid's cells
        become a few compound paths (see :meth:`_cell_layers`), its cell texts are alpha-blended
        from glyph sprites (see :meth:`_blit_cell_texts`), its index labels and title, other
        plain texts and legends are pasted from pixel caches (see :meth:`_paste_label`,
        :meth:`_paste_legend`). Everything else (arrows, boxed texts) is drawn by matplotlib in
        its place in the order.
        """
        fig = self.fig
        for g in self.grids:
            g.base_roles = g.roles.copy()
            g.base_texts = g.strings.copy()
            g.base_faces = g.faces.copy()
        self._lattices = {}
        renderer = self.canvas.get_renderer()
        cache_key = None if key is None else (key, renderer.width, renderer.height, self.fig.dpi)
        cached = self._bg_cache.get(cache_key) if cache_key is not None else None
        self._lay_out_axes(renderer)  # frames draw in display coordinates, as a paint does
        if cached is not None:
            self._bg_cache[cache_key] = self._bg_cache.pop(cache_key)  # most recently used last
            self.canvas.restore_region(cached)
            self._bg = cached
            return
        renderer.clear()
        buf = np.asarray(self.canvas.buffer_rgba())
        face = np.round(np.array(to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
        buf.reshape(-1, 4).view(np.uint32)[:, 0] = face.view(np.uint32)[0]  # 50× faster than broadcasting
        grid_artists = {id(a) for g in self.grids for a in g.artists()}
        layers = []  # (zorder, order, paint): painted in that order, like Axes.draw
        for ax in fig.axes:
            if ax.axison:  # the explorers' axes are off; draw any other kind as matplotlib does
                for g in self.grids:
                    if g.ax is ax:
                        g.materialize()
                ax.draw(renderer)
                continue
            grids = [g for g in self.grids if g.ax is ax]
            for g in grids:
                for z, paint in self._grid_layers(ax, [g], buf):
                    layers.append((z, (g._scene_seq, 0), paint))
            children = [a for a in ax.get_children() if a is not ax.patch and a not in ax.spines.values()
                        and a not in ax._axis_map.values()]
            for k, a in enumerate(children):
                if id(a) in grid_artists or a.get_animated() or not a.get_visible():
                    continue
                if a is ax.legend_:
                    paint = (lambda a=a: self._paste_legend(buf, a))
                elif (isinstance(a, Text) and a.get_text() and a.get_bbox_patch() is None and a.get_rotation() == 0
                      and not a.get_path_effects()):
                    paint = (lambda a=a: self._paste_label(buf, a))
                else:
                    paint = (lambda a=a: a.draw(renderer))
                layers.append((a.get_zorder(), (k, 1), paint))
        layers.sort(key=lambda t: (t[0], t[1]))
        for _, _, paint in layers:
            paint()
        self._bg = self.canvas.copy_from_bbox(fig.bbox)
        if cache_key is not None:
            if len(self._bg_cache) >= self.BACKGROUNDS_KEPT:
                del self._bg_cache[next(iter(self._bg_cache))]  # the least recently used
            self._bg_cache[cache_key] = self._bg

    def _lay_out_axes(self, renderer) -> None:
        """Settle each Axes' limits and aspect-adjusted position, as ``Axes.draw`` does first."""
        for ax in self.fig.axes:
            ax._unstale_viewLim()
            locator = ax.get_axes_locator()
            ax.apply_aspect(locator(ax, renderer) if locator else None)

    def _grid_layers(self, ax, grids, buf):
        """The paint steps of ``grids`` (all on ``ax``) as (zorder, function) pairs: cells (see
        :meth:`_cell_layers`), labels and titles, cell texts."""
        if not grids:
            return []
        out = self._cell_layers([(g, r, c) for g in grids for (r, c) in np.ndindex(*g.shape)])
        specs = [spec for g in grids for spec in g.label_specs + ([g.title_spec] if g.title_spec else [])]
        if specs:
            out.append((Text.zorder, lambda: self._paste_specs(buf, specs, ax)))

        def texts():
            for g in grids:
                nz = [(r, c) for (r, c), t in np.ndenumerate(g.strings) if t]
                if nz:
                    self._blit_cell_texts(buf, g, nz)

        out.append((5, texts))
        return out

    def _blit_cell_texts(self, buf, g: Grid, cells) -> None:
        """Paint the texts of ``cells`` of ``g`` from their sprites, placed as :meth:`_blit`
        places them. All texts are blended at once: each sprite is set into a box of the
        largest sprite's size, and the boxes (one per cell, apart from each other when they fit
        in a cell) are gathered, blended and written back in a few NumPy operations; a per-text
        loop would cost a few milliseconds per grid."""
        xs, ys = self._lattice(g)
        color = COLORS["text"]
        items = []
        for r, c in cells:
            text = g.strings[r, c]
            if text:
                items.append((text, (xs[c] + xs[c + 1]) / 2, (ys[r] + ys[r + 1]) / 2))
        if not items:
            return
        sprites = {text: self._sprite(text, g.fontsize, color) for text in {t for t, _, _ in items}}
        bh = max(a.shape[0] for a, _ in sprites.values())
        bw = max(a.shape[1] for a, _ in sprites.values())
        H, W = buf.shape[:2]
        n = len(items)
        cx = np.array([x for _, x, _ in items])
        cy = np.array([y for _, _, y in items])
        hs = np.array([sprites[t][0].shape[0] for t, _, _ in items])
        ws = np.array([sprites[t][0].shape[1] for t, _, _ in items])
        tops = np.round(H - cy - hs / 2).astype(int)  # as _blit rounds
        lefts = np.round(cx - ws / 2).astype(int)
        oy, ox = (bh - hs) // 2, (bw - ws) // 2  # each sprite's place in its box
        btop, bleft = tops - oy, lefts - ox
        inside = (btop >= 0) & (bleft >= 0) & (btop + bh <= H) & (bleft + bw <= W)
        cell_w = np.abs(np.diff(xs)).min()
        cell_h = np.abs(np.diff(ys)).min()
        if bw >= cell_w or bh >= cell_h or not inside.all():  # boxes could overlap: one by one
            for text, x, y in items:
                self._blit(buf, text, g.fontsize, color, x, y)
            return
        alpha = np.zeros((n, bh, bw, 1), np.float32)
        for k, (text, _, _) in enumerate(items):
            a = sprites[text][0]
            alpha[k, oy[k] : oy[k] + a.shape[0], ox[k] : ox[k] + a.shape[1]] = a
        rgb = sprites[items[0][0]][1]
        # gather and scatter whole pixels (as uint32) by flat index: faster than indexing the
        # (H, W, 4) array with three index arrays
        flat = buf.reshape(-1).view(np.uint32)
        idx = (btop[:, None, None] + np.arange(bh)[None, :, None]) * W + bleft[:, None, None] + np.arange(bw)[None, None, :]
        region = flat[idx].view(np.uint8).reshape(n, bh, bw, 4)
        region[..., :3] = (region[..., :3] * (1.0 - alpha) + rgb * alpha + 0.5).astype(np.uint8)
        flat[idx] = region.view(np.uint32).reshape(n, bh, bw)

    def _lattice(self, g: Grid):
        """Display coordinates of ``g``'s column and row boundaries (cached until the next
        rebuild: they move when the figure is re-laid out)."""
        hit = self._lattices.get(id(g))
        if hit is None:
            (rows, cols), (r0, c0) = g.shape, g.origin
            t = g.ax.transData
            xs = t.transform(np.column_stack([c0 + np.arange(cols + 1), np.full(cols + 1, r0)]))[:, 0]
            ys = t.transform(np.column_stack([np.full(rows + 1, c0), r0 + np.arange(rows + 1)]))[:, 1]
            hit = self._lattices[id(g)] = (xs, ys)
        return hit

    def _cell_layers(self, cells) -> list:
        """Paint steps (zorder, function) that draw ``cells`` ((grid, r, c) triples) as their
        Rectangles would draw themselves, with few matplotlib calls.

        Drawing a few hundred Rectangles one by one costs tens of milliseconds, and a hatched
        PolyCollection re-renders the hatch pattern for every polygon. Instead, per z-order
        (thin edges, then thick ones), the faces of all cells of one look (colour, hatch) are
        one compound path, filled once; then the sides. Where two cells share a side, the later
        cell's edge is drawn on top when cells draw one by one; so each side is given to the
        last cell that has it, and all sides of one edge style are one path, stroked once (with
        square caps, which fill the corners as the rectangles' mitred joins do). Dashed edges are
        the exception (see below). Vertices are snapped to the pixel grid as Agg snaps a
        rectangle (to pixel centres for an odd stroke width in pixels), so lines stay as crisp
        as the patches'.
        """
        from matplotlib.path import Path

        dpi = self.fig.dpi
        renderer = self.canvas.get_renderer()
        height = renderer.height  # Agg flips y with its whole-pixel height
        faces: dict = {}
        edges: dict = {}  # zorder -> {side: (edge style, segment)}
        dashed: dict = {}  # (z, batch, face look, edge style) -> boxes
        dashed_level: dict = {}
        looks: dict = {}  # role -> (snap offset, z, face, hatch, edge, edge style, dashed)
        snapped: dict = {}  # (grid id, snap offset) -> (xs, ys) as plain floats
        for g, r, c in cells:
            role = g.roles[r, c]
            look = looks.get(role)
            if look is None:
                st = ROLE_STYLES[role]
                sv = 0.5 if math.floor(st["lw"] * dpi / 72 + 0.5) % 2 else 0.0
                look = looks[role] = (sv, 2 + (st["lw"] > 1.5), _hex(st["face"]), st["hatch"], st["edge"],
                                      (st["edge"], st["lw"], st["ls"]), st["ls"] not in ("-", "solid"))
            sv, z, face, hatch, edge, ekey, is_dashed = look
            gid = id(g)
            lat = snapped.get((gid, sv))
            if lat is None:
                xs, ys = self._lattice(g)
                # snapping happens in buffer rows (y down): snap height − y, then map back
                lat = snapped[(gid, sv)] = ((np.floor(xs + 0.5) + sv).tolist(),
                                            (height - (np.floor(height - ys + 0.5) + sv)).tolist())
            x0, x1 = lat[0][c], lat[0][c + 1]
            y0, y1 = lat[1][r], lat[1][r + 1]
            box = (x0, y0, x1, y1)
            if g.faces[r, c] is not None:
                face = _hex(g.faces[r, c])
            if is_dashed:
                # Dashed edges (kernel taps) keep the order of the patches, face then edge cell by
                # cell: a later neighbour's face hides part of a shared dashed edge (two dashed
                # edges stroked together would add up to a solid line). Cells that share no side
                # do not interact, so they go in one batch: a cell's batch is one after the
                # latest batch of an earlier neighbour (a k × k block takes 2k − 1 batches).
                level = 1 + max(dashed_level.get((gid, r - 1, c), -1), dashed_level.get((gid, r + 1, c), -1),
                                dashed_level.get((gid, r, c - 1), -1), dashed_level.get((gid, r, c + 1), -1))
                dashed_level[(gid, r, c)] = level
                dashed.setdefault((z, level, (face, hatch, edge), ekey), []).append(box)
                continue
            faces.setdefault((z, face, hatch, edge), []).append(box)
            # each side of the cell, keyed by its place in the grid's lattice: a later cell
            # sharing it takes it over
            owner = edges.setdefault(z, {})
            owner[(gid, 0, r, c)] = (ekey, (x0, y0, x1, y0))
            owner[(gid, 0, r + 1, c)] = (ekey, (x0, y1, x1, y1))
            owner[(gid, 1, r, c)] = (ekey, (x0, y0, x0, y1))
            owner[(gid, 1, r, c + 1)] = (ekey, (x1, y0, x1, y1))

        closed = np.array([Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], dtype=Path.code_type)

        def compound(boxes):  # closed rectangles, one subpath each
            verts = [v for x0, y0, x1, y1 in boxes for v in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
            return Path(np.array(verts, dtype=float), np.tile(closed, len(boxes)))

        out = []
        for (z, face, hatch, ec), boxes in faces.items():
            patch = self._style_patch("face", face, hatch, ec)
            out.append((z, lambda p=patch, path=compound(boxes): (p.set_path(path), p.draw(renderer))))
        for z, owner in edges.items():
            by_style: dict = {}
            for ekey, seg in owner.values():
                by_style.setdefault(ekey, []).append(seg)
            for (ec, lw, ls), segs in by_style.items():
                patch = self._style_patch("sides", ec, lw, ls)
                path = Path(np.asarray(segs, dtype=float).reshape(-1, 2),
                            np.tile(np.array([Path.MOVETO, Path.LINETO], dtype=Path.code_type), len(segs)))
                out.append((z + 0.5, lambda p=patch, path=path: (p.set_path(path), p.draw(renderer))))
        for (z, level, fkey, ekey), boxes in sorted(dashed.items(), key=lambda t: t[0][:2]):
            # after the solid cells of the same z-order, batch by batch
            fp, ep, path = self._style_patch("face", *fkey), self._style_patch("edge", *ekey), compound(boxes)
            out.append((z + 0.75, lambda fp=fp, ep=ep, path=path: (fp.set_path(path), fp.draw(renderer),
                                                                    ep.set_path(path), ep.draw(renderer))))
        return out

    def _style_patch(self, kind, *style):
        """A PathPatch (display coordinates, no snapping: vertices come snapped) that fills
        (``kind="face"``: colour, hatch, hatch colour) or strokes (``"edge"``: colour, width,
        style) whatever path it is given; made once per look."""
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path
        from matplotlib.transforms import IdentityTransform

        key = (kind,) + style
        patch = self._style_patches.get(key)
        if patch is None:
            empty = Path(np.zeros((1, 2)))
            if kind == "face":
                face, hatch, ec = style
                patch = PathPatch(empty, facecolor=face, edgecolor="none", linewidth=0, hatch=hatch or None,
                                  hatchcolor=ec, snap=False, transform=IdentityTransform(), clip_on=False)
            else:  # "edge": closed outlines, mitred corners; "sides": open segments whose square
                # caps fill the corners as a mitre join would
                ec, lw, ls = style
                patch = PathPatch(empty, facecolor="none", edgecolor=ec, linewidth=lw, linestyle=ls,
                                  joinstyle="miter", capstyle="butt" if kind == "edge" else "projecting",
                                  snap=False, transform=IdentityTransform(), clip_on=False)
            patch.set_figure(self.fig)
            self._style_patches[key] = patch
        return patch

    def _attach(self, ax, artist) -> None:
        """Give a free-standing artist the state an artist added to ``ax`` has (figure,
        transform, clip box), without adding it."""
        from matplotlib.transforms import Bbox, TransformedBbox

        artist.axes = ax
        artist.set_figure(ax.figure)
        artist.set_transform(ax.transData)
        artist.set_clip_box(TransformedBbox(Bbox.unit(), ax.patch.get_transform()))

    def _paste_legend(self, buf: np.ndarray, lg) -> None:
        """Draw legend ``lg`` into ``buf`` (the canvas), from a cache of its pixels when the same
        legend (same entries and layout settings) was drawn before, over white. The key is
        known before the legend is laid out, and the place of a legend anchored at a fixed
        location ("lower center", …) follows from its size and the anchor box, so a hit skips
        the layout and the glyph rendering, which cost tens of milliseconds; the tile lands at
        the nearest whole pixel. A first sighting is drawn by matplotlib."""
        from matplotlib.transforms import Bbox

        renderer = self.canvas.get_renderer()
        h, w = buf.shape[:2]
        try:
            key = ("legend", tuple(t.get_text() for t in lg.get_texts()),
                   tuple((tuple(a.get_facecolor()), tuple(a.get_edgecolor()), a.get_hatch(), a.get_linewidth(),
                          a.get_linestyle()) for a in lg.legend_handles),
                   self.fig.dpi, lg._loc, lg._ncols, lg._fontsize, lg.handlelength, lg.handleheight,
                   lg.handletextpad, lg.borderpad, lg.labelspacing, lg.borderaxespad, lg.columnspacing,
                   lg.get_frame_on(), lg._mode)
            anchor = lg.get_bbox_to_anchor()
            fixed = lg._loc in range(1, 11)

            def place(width, height):
                return lg._get_anchored_bbox(lg._loc, Bbox.from_bounds(0, 0, width, height), anchor, renderer)
        except AttributeError:  # a matplotlib without these attributes: no cache
            lg.draw(renderer)
            return
        tiles = self._legend_tiles
        hit = tiles.get(key) if fixed else None
        if hit is not None:
            width, height, (dx, dy), (ox, oy), tile = hit
            px, py = place(width, height)
            x0 = int(round(px + dx + ox))
            y0 = h - int(round(py + dy + height + oy))
            y1, x1 = y0 + tile.shape[0], x0 + tile.shape[1]
            if 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h and (buf[y0:y1, x0:x1, :3] == 255).all():
                buf[y0:y1, x0:x1] = tile
                return
            lg.draw(renderer)
            return
        bb = lg.get_window_extent(renderer)
        x0, x1 = int(np.floor(bb.x0)) - 2, int(np.ceil(bb.x1)) + 2
        y0, y1 = h - int(np.ceil(bb.y1)) - 2, h - int(np.floor(bb.y0)) + 2
        white = 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h and (buf[y0:y1, x0:x1, :3] == 255).all()
        lg.draw(renderer)
        if white and fixed:
            px, py = place(bb.width, bb.height)
            tiles[key] = (bb.width, bb.height, (bb.x0 - px, bb.y0 - py), (x0 - bb.x0, (h - y0) - bb.y1),
                          buf[y0:y1, x0:x1].copy())

    def _paste_specs(self, buf: np.ndarray, specs, ax) -> None:
        """Paste grid labels and titles (:class:`~conv_backprop.drawing.TextSpec` on ``ax``)."""
        xy = ax.transData.transform([(spec.x, spec.y) for spec in specs]).tolist()
        for spec, (px, py) in zip(specs, xy):
            # the common case inline (a label seen before): see _paste_label
            hit = self._sprites.get(self._tile_key(spec))
            if (hit is not None and math.isfinite(px) and math.isfinite(py)
                    and self._put_text_tile(buf, hit, int(round(px)), int(round(py)))):
                continue
            self._paste_label(buf, spec, ax, (px, py))

    @staticmethod
    def _put_text_tile(buf: np.ndarray, hit, ix: int, iy: int) -> bool:
        """Blend a text tile (see :meth:`_text_tile`) into ``buf`` with its anchor at display
        pixel (ix, iy); False (nothing drawn) if it does not fit in the canvas."""
        ox, oy, alpha, rgb = hit
        h, w = buf.shape[:2]
        x0, y0 = ix + ox, h - iy + oy
        x1, y1 = x0 + alpha.shape[1], y0 + alpha.shape[0]
        if not (0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h):
            return False
        region = buf[y0:y1, x0:x1, :3]
        region[...] = (region * (1.0 - alpha) + rgb * alpha + 0.5).astype(np.uint8)
        return True

    def _paste_label(self, buf: np.ndarray, t, ax=None, pos=None) -> None:
        """Draw text ``t`` (a ``Text`` artist, or a :class:`~conv_backprop.drawing.TextSpec` on
        ``ax``: a grid's label or title) into ``buf`` (the canvas), from a cache of its coverage
        when the same text with the same properties was drawn before. A first sighting is
        drawn by matplotlib on a scratch canvas (see :meth:`_text_tile`); index labels 0, 1,
        2, … repeat across grids and rebuilds. Tiles are blended at the nearest whole pixel,
        within a pixel of where matplotlib would draw the text."""
        renderer = self.canvas.get_renderer()
        h, w = buf.shape[:2]
        if isinstance(t, TextSpec):
            spec = t
            posx, posy = ax.transData.transform((spec.x, spec.y)) if pos is None else pos
        else:
            spec = None
            posx, posy = t.get_transform().transform(t.get_position())

        def artist():
            if spec is None:
                return t
            a = Text(spec.x, spec.y, spec.text, ha=spec.ha, va=spec.va, fontsize=spec.size, color=spec.color,
                     fontweight=spec.weight)
            self._attach(ax, a)
            a.set_clip_on(False)
            return a

        if not (np.isfinite(posx) and np.isfinite(posy)):
            artist().draw(renderer)
            return
        # Keyed without the sub-pixel offset: a tile made at another offset lands within a pixel
        # of where matplotlib would put the text (index labels then hit the cache across every
        # layout, not only when a layout repeats).
        ix, iy = int(round(posx)), int(round(posy))
        key = self._tile_key(t)
        hit = self._sprites.get(key)
        if hit is None:
            hit = self._text_tile(artist(), posx - ix, posy - iy)
            if hit is not None:
                self._sprites[key] = hit
        if hit is not None and self._put_text_tile(buf, hit, ix, iy):
            return
        artist().draw(renderer)  # too large for a tile, or off the canvas

    def _tile_key(self, t) -> tuple:
        """The cache key of a text's tile: everything that shapes its pixels except where it is.
        A :class:`~conv_backprop.drawing.TextSpec` gets the key a ``Text`` artist with the same
        properties would get."""
        if isinstance(t, TextSpec):
            style = t[2:]  # text, alignment, size, colour, weight: not the position
            props = self._spec_props.get(style)
            if props is None:
                fp = FontProperties(size=t.size, weight=t.weight)
                props = self._spec_props[style] = (t.text, hash(fp), to_hex(t.color, keep_alpha=True),
                                                   t.ha, t.va, None, 1.2)
        else:
            props = (t.get_text(), hash(t.get_fontproperties()), to_hex(t.get_color(), keep_alpha=True),
                     t.get_horizontalalignment(), t.get_verticalalignment(), t._multialignment, t._linespacing)
        return ("text",) + props + (self.fig.dpi,)

    def warm_labels(self, texts) -> None:
        """Render the index labels ``texts`` (row and column styles of
        :func:`~conv_backprop.drawing.draw_grid`) into the shared tile cache now, if they are
        not there: a slider move that grows a grid then pastes its new labels instead of
        drawing them (about 2 ms each). Costs about that much per label, once per kernel."""
        for text in texts:
            for ha, va in (("right", "center"), ("center", "bottom")):
                spec = TextSpec(0.0, 0.0, str(text), ha, va, LABEL_SIZE, LABEL_COLOR)
                key = self._tile_key(spec)
                if key not in self._sprites:
                    a = Text(0, 0, spec.text, ha=ha, va=va, fontsize=spec.size, color=spec.color)
                    tile = self._text_tile(a, 0.0, 0.0)
                    if tile is not None:
                        self._sprites[key] = tile

    def _text_tile(self, t, fx: float, fy: float):
        """Render text artist ``t`` alone, by matplotlib, on a scratch canvas of fixed size, at a
        point with sub-pixel offset (fx, fy) from a whole pixel; return ``(ox, oy, alpha, rgb)``:
        where the tile lies relative to that whole pixel (x right, rows down), each pixel's
        coverage and the text's colour; or None if it does not fit or is too light. The scratch canvas never changes size, so matplotlib's text
        metrics caches (kept per renderer) stay warm: drawing a new title there costs a fraction
        of drawing it on the explorer's canvas, whose renderer is new after every resize."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.transforms import IdentityTransform

        if self._scratch is None or self._scratch.dpi != self.fig.dpi:
            self._scratch = Figure(figsize=(1600 / self.fig.dpi, 400 / self.fig.dpi), dpi=self.fig.dpi)
            FigureCanvasAgg(self._scratch)
        fig = self._scratch
        renderer = fig.canvas.get_renderer()
        renderer.clear()
        sbuf = np.asarray(fig.canvas.buffer_rgba())
        sbuf.reshape(-1, 4).view(np.uint32)[:, 0] = np.array([255, 255, 255, 255], np.uint8).view(np.uint32)[0]
        H, W = sbuf.shape[:2]
        X, Y = W // 2, H // 2
        a = Text(X + fx, Y + fy, t.get_text())
        a.update_from(t)  # font, colour, alignment, line spacing (and transform and clipping: reset)
        a.set_transform(IdentityTransform())
        a.set_clip_on(False)
        a.set_clip_box(None)
        a.set_figure(fig)
        bb = a.get_window_extent(renderer)
        x0, x1 = int(np.floor(bb.x0)) - 2, int(np.ceil(bb.x1)) + 2
        y0, y1 = H - int(np.ceil(bb.y1)) - 2, H - int(np.floor(bb.y0)) + 2
        if not (0 <= x0 and 0 <= y0 and x1 <= W and y1 <= H):
            return None
        a.draw(renderer)
        # Drawn in one colour over white, the tile gives each pixel's coverage: v = 255·(1 − α)
        # + c·α, read on the channel where the colour is darkest. Kept as (α, colour), it blends
        # over anything (a cell's edge under a label's margin) as the text itself would.
        rgb = np.array(to_rgb(t.get_color()), np.float32) * 255.0
        k = int(np.argmin(rgb))
        if 255.0 - rgb[k] < 64:  # too light to recover the coverage
            return None
        tile = sbuf[y0:y1, x0:x1, k].astype(np.float32)
        alpha = np.clip((255.0 - tile) / (255.0 - rgb[k]), 0.0, 1.0)[..., None]
        return (x0 - X, y0 - (H - Y), alpha, rgb)

    @property
    def frozen(self) -> bool:
        return self._bg is not None

    # ------------------------------------------------------------------ frames
    def begin_frame(self) -> None:
        """Return every changed cell to its base look and drop the overlays."""
        for g, r, c in self._changed.values():
            g.set_role(r, c, g.base_roles[r, c])
            if g.faces[r, c] is not g.base_faces[r, c]:
                g.set_face(r, c, g.base_faces[r, c])
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
        cells = list(self._changed.values())
        # faces and edges, thin before thick (z-order), so thick (selected) edges stay on top
        for _, paint in sorted(self._cell_layers(cells), key=lambda t: t[0]):
            paint()
        by_grid: dict = {}
        for g, r, c in cells:
            by_grid.setdefault(id(g), (g, []))[1].append((r, c))
        for g, rc in by_grid.values():
            self._blit_cell_texts(buf, g, rc)
        for a in self._overlays:
            if isinstance(a, Text):
                self._blit_text(buf, a, boxed=a.get_bbox_patch() is not None or isinstance(a, ArrowLabel))
            else:
                a.axes.draw_artist(a) if a.axes is not None else self.fig.draw_artist(a)

    # Drawing text is the slow part of matplotlib (font layout and glyph rasterising on every
    # draw). Cell texts repeat a lot ("0", "−1", "×2"), so each distinct (text, size, colour)
    # is rasterised once with FreeType, as Agg does, and then alpha-blended into the canvas.
    def _sprite(self, text: str, size: float, color):
        key = (text, size, _hex(color), self.fig.dpi)
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
        x, y = t.axes.transData.transform(t.get_position())
        self._blit(buf, text, t.get_fontsize(), t.get_color(), x, y, boxed)

    def _blit(self, buf: np.ndarray, text: str, size: float, color, x: float, y: float,
              boxed: bool = False) -> None:
        """Paint ``text`` centred on display point (x, y) into ``buf`` (see :meth:`_blit_text`)."""
        alpha, rgb = self._sprite(text, size, color)
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

    def full_render(self) -> np.ndarray:
        """The current frame drawn by matplotlib alone (every artist made and drawn, no caches):
        an (H, W, 4) uint8 copy. For checking the fast path; slow."""
        self.materialize()
        for a in self._overlays:
            a.set_animated(False)
        try:
            self.canvas.draw()
            return np.asarray(self.canvas.buffer_rgba()).copy()
        finally:
            for a in self._overlays:
                a.set_animated(True)
            self._bg = None
    
    def savefig(self, path, dpi=None) -> None:
        """Write the current frame with a full redraw (for static figures): deterministic PNG."""
        self.materialize()
        for a in self._overlays:
            a.set_animated(False)
        try:
            self.fig.savefig(path, dpi=dpi, metadata={"Software": None}, facecolor="white")
        finally:
            for a in self._overlays:
                a.set_animated(True)
            self._bg = None  # the canvas now holds a full render at another dpi
    

def _hex(color) -> str:
    """``to_hex(color, keep_alpha=True)``, cached for hashable colours (they repeat on every cell)."""
    try:
        return _hex_cached(color)
    except TypeError:  # unhashable, e.g. a NumPy array
        return to_hex(color, keep_alpha=True)


@functools.lru_cache(maxsize=1024)
def _hex_cached(color) -> str:
    return to_hex(color, keep_alpha=True)


_POOL = None


def _deflate_part(rows: np.ndarray, last: bool) -> tuple[bytes, np.ndarray]:
    """Raw deflate of PNG scanlines (filter byte 0 + ``rows``); ends byte-aligned unless last."""
    raw = np.empty((rows.shape[0], 1 + rows.shape[1]), np.uint8)
    raw[:, 0] = 0  # PNG filter type "None" on every row
    raw[:, 1:] = rows
    comp = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY)
    return comp.compress(raw) + comp.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH), raw


def _deflate_rows(rows: np.ndarray) -> bytes:
    """The zlib stream (level 1) of PNG scanlines made of ``rows`` (H, bytes per row).

    A large frame is split in two halves deflated at once on two threads (zlib releases the
    GIL), as pigz does: the first part ends with a sync flush, so the raw deflate streams join
    into one; the Adler-32 checksum runs over both parts in order. About a third faster on two
    cores; one part on one core."""
    global _POOL
    h = rows.shape[0]
    if h * rows.shape[1] < 1_000_000 or (os.cpu_count() or 1) < 2:
        parts = [_deflate_part(rows, True)]
    else:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="png")
        m = h // 2
        first = _POOL.submit(_deflate_part, rows[:m], False)  # on the pool's thread …
        second = _deflate_part(rows[m:], True)  # … while this thread does the other half
        parts = [first.result(), second]
    adler = 1
    for _, raw in parts:
        adler = zlib.adler32(raw, adler)
    # zlib header: deflate, 32 KiB window, "fastest" level; then the parts and the checksum
    return b"\x78\x01" + b"".join(data for data, _ in parts) + struct.pack(">I", adler & 0xFFFFFFFF)


def encode_png(rgba: np.ndarray, fast: bool = True) -> bytes:
    """Encode an (H, W, 4) uint8 frame as a PNG.

    ``fast=True`` (every slider step) writes the RGBA rows as they are, compressed by zlib at
    level 1 (see :func:`_deflate_rows`): copying out the RGB channels costs more than deflating
    the extra alpha byte (the canvas is opaque, alpha is 255 throughout). Measured on an
    907 × 600 frame: about 8 ms and 70 kB on one core, against 25 ms for RGB with the run-length
    strategy. ``fast=False`` (outputs stored in notebooks) writes RGB at level 9: about four
    times slower and smaller.
    """
    h, w = rgba.shape[:2]
    if fast:
        color_type = 6
        data = _deflate_rows(np.asarray(rgba, np.uint8).reshape(h, 4 * w))
    else:
        raw = np.empty((h, 1 + 3 * w), np.uint8)
        raw[:, 1:].reshape(h, w, 3)[...] = rgba[:, :, :3]  # a view: rows stay contiguous
        raw[:, 0] = 0  # PNG filter type "None" on every row
        color_type = 2
        comp = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY)
        data = comp.compress(raw) + comp.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)  # 8 bits per channel, no interlace
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


def played_slider(description: str, value: int, hi: int, interval: int) -> tuple[widgets.IntSlider, widgets.Play]:
    """A step slider over [0, hi] and a Play button linked to it (Play walks the steps every
    ``interval`` ms). :meth:`Explorer.set_range` keeps the Play's range with the slider's."""
    slider = int_slider(description, value, 0, hi)
    play = widgets.Play(value=int(value), min=0, max=slider.max, interval=interval, description="Play")
    widgets.link((play, "value"), (slider, "value"))
    slider.play = play
    return slider, play


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
        self.scene.warm_labels(range(32))  # any grid the sliders can make is labelled from these

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
        play = getattr(w, "play", None)
        if play is not None:
            play.max = hi
        return w.value

    def set(self, **values) -> None:
        """Set several controls at once (by name), then update once: ``e.set(stride=2, padding=0)``."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"no control named {unknown[0]!r}; the controls are {sorted(self.controls)}")
        busy, self._busy = self._busy, True
        try:
            for name, v in values.items():
                self.controls[name].value = v
        finally:
            self._busy = busy
        self.update()

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

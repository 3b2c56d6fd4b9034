"""The static renderer of a scene: the same picture as the browser widget, drawn with
matplotlib's public API only.

Used for ``figures/``, for the notebooks' still pictures and for the ``image/png`` fallback of
each explorer (a notebook viewer without widgets still shows the picture).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from .scene import Scene, role_table

__all__ = ["draw_scene", "scene_png"]

CELL_INCHES = 0.42


def _style(role, table):
    s = table[role]
    return dict(facecolor=s["face"], edgecolor=s["edge"], linewidth=s["lw"],
                linestyle="--" if s["ls"] == "--" else "-", hatch=s["hatch"] or None)


# an arrow endpoint's anchor: where on its cell it starts or ends (cells from the centre)
_ANCHOR = {"center": (0.0, 0.0), "top": (0.0, -0.5), "right": (0.5, 0.0), "bottom": (0.0, 0.5), "left": (-0.5, 0.0)}


def _point(end, origin):
    g, r, c, *rest = end
    ax_, ay_ = _ANCHOR[rest[0] if rest else "center"]
    return (origin[g][1] + c + 0.5 + ax_, origin[g][0] + r + 0.5 + ay_)


def draw_scene(scene: Scene, view: str | None = None, *, legend: bool = True, step: int | None = None) -> Figure:
    """A matplotlib ``Figure`` (not attached to pyplot) showing ``scene`` with ``view`` selected
    (default: the scene's first view) at ``step`` (views with steps; default: the scene's first
    step for its first view, else 0)."""
    scene.finish()
    table = role_table()
    key = scene.view if view is None else view
    v = scene.views.get(key)
    if step is None:
        step = scene.step if key == scene.view else 0
    if v is not None and 0 < step <= len(v.steps):
        v = v.at(step)
    roles = {g.id: [list(row) for row in g.roles] for g in scene.grids}
    texts = {g.id: [list(row) for row in g.texts] for g in scene.grids}
    if v is not None:
        for g, r, c, role in v.cells:
            roles[g][r][c] = role
        for g, r, c, t in v.texts:
            texts[g][r][c] = t
    # the picture's box in cell units: grids with their index labels, and titles (about 0.24
    # cells per character at 12 pt), which may be wider than their grid
    half_title = [0.12 * len(g.title) for g in scene.grids]
    x0 = min(min(g.origin[1] - 1.2, g.origin[1] + g.shape[1] / 2 - h) for g, h in zip(scene.grids, half_title))
    y0 = min(g.origin[0] - 1.6 for g in scene.grids)
    x1 = max(max(g.origin[1] + g.shape[1] + 0.3, g.origin[1] + g.shape[1] / 2 + h)
             for g, h in zip(scene.grids, half_title))
    y1 = max(g.origin[0] + g.shape[0] + 0.3 for g in scene.grids)
    ncol = 2
    if legend and scene.legend:  # room for the legend's two columns (about 0.2 cells per character at 9 pt)
        rows = -(-len(scene.legend) // ncol)  # matplotlib fills the columns one after the other
        columns = [scene.legend[k * rows:(k + 1) * rows] for k in range(ncol)]
        x1 = max(x1, x0 + sum(1.5 + 0.19 * max(len(t) for _, t in col) for col in columns if col))
    extra = 0.55 * ((len(scene.legend) + ncol - 1) // ncol) + 0.3 if legend and scene.legend else 0.0
    fig = Figure(figsize=((x1 - x0) * CELL_INCHES, (y1 - y0 + extra) * CELL_INCHES), dpi=100)
    ax = fig.add_axes([0, extra / (y1 - y0 + extra), 1, (y1 - y0) / (y1 - y0 + extra)])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)
    ax.set_axis_off()
    for g in scene.grids:
        oy, ox = g.origin
        R, C = g.shape
        ax.text(ox + C / 2, oy - 1.1, g.title, ha="center", va="center", fontsize=12, weight="bold")
        for c in range(C):
            ax.text(ox + c + 0.5, oy - 0.35, g.col_labels[c], ha="center", va="center", fontsize=9, color="#333333")
        for r in range(R):
            ax.text(ox - 0.45, oy + r + 0.5, g.row_labels[r], ha="center", va="center", fontsize=9, color="#333333")
        for r in range(R):
            for c in range(C):
                style = _style(roles[g.id][r][c], table)
                if g.faces is not None and g.faces[r][c] and roles[g.id][r][c] == g.roles[r][c]:
                    style["facecolor"] = g.faces[r][c]  # a heat map, while the cell is in its own role
                ax.add_patch(Rectangle((ox + c, oy + r), 1, 1, **style))
                if texts[g.id][r][c]:
                    t = texts[g.id][r][c]
                    # numbers above outlines and arrows, as in the browser
                    ax.text(ox + c + 0.5, oy + r + 0.5, t, ha="center", va="center", fontsize=8 if "\n" in t else 10,
                            linespacing=1.0, zorder=4)
    origin = {g.id: g.origin for g in scene.grids}
    if v is not None:
        for g, r0, c0, h, w, role in v.windows:
            oy, ox = origin[g]
            s = table[role]
            ax.add_patch(Rectangle((ox + c0, oy + r0), w, h, fill=False, edgecolor=s["edge"],
                                   linewidth=s["lw"] + 0.5, linestyle="--" if s["ls"] == "--" else "-"))
        for a, b, role, label in v.arrows:
            pa, pb = _point(a, origin), _point(b, origin)
            # the browser's curve: a quadratic Bézier whose control point sits 0.15 chord lengths
            # to the side (arc3's rad, y pointing down as on screen); the label on its middle
            ax.add_patch(FancyArrowPatch(pa, pb, connectionstyle="arc3,rad=0.15", arrowstyle="-|>",
                                         mutation_scale=12, color=table[role]["edge"], linewidth=1.4,
                                         shrinkA=8 if len(a) < 4 else 0, shrinkB=9 if len(b) < 4 else 0))
            if label:
                dx, dy = pb[0] - pa[0], pb[1] - pa[1]
                lx = (pa[0] + pb[0]) / 2 - 0.075 * dy
                ly = (pa[1] + pb[1]) / 2 + 0.075 * dx
                ax.text(lx, ly, label, ha="center", va="center", fontsize=8, zorder=5,
                        bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
    if legend and scene.legend:
        handles = [Patch(**_style(role, table), label=text) for role, text in scene.legend]
        fig.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, fontsize=9)
    return fig


def scene_png(scene: Scene, view: str | None = None, *, dpi: int = 80, step: int | None = None,
              colors: int | None = 64) -> bytes:
    """The picture of :func:`draw_scene` as PNG bytes, without version metadata.

    With ``colors`` (the default, for the ``image/png`` fallback a notebook saves), the picture
    is reduced to a palette of that many colours (Pillow's fast octree): flat role
    colours and black text lose nothing visible, and the PNG is about a third of the size.
    ``colors=None`` keeps every colour."""
    import io

    fig = draw_scene(scene, view, step=step)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    if colors is None:
        return buf.getvalue()
    from PIL import Image  # matplotlib's own dependency

    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=colors, method=2).save(out, format="PNG")  # method 2: Pillow's fast octree
    return out.getvalue()

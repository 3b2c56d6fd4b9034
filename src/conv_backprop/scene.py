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
* **order**: the views in stepping order (the ◀ ▶ buttons and Play walk through it);
* **steps** (optional, per view): a view may carry numbered steps, each a small overlay on top
  of it (the dw explorer's (x, dout) pairs, one at a time). While such a view is shown, ◀ ▶ and
  Play walk its steps, step 0 being the view itself.

**Deferred views.** A builder may pass :meth:`Scene.add_view` a function that makes the view
instead of the view. Normally it is called at once. Inside :func:`only_views` it is called only
for the keys named there; the other views stay *pending*: their keys, selectors and order are in
the scene, their content is not (``views[key] is None``) until :meth:`Scene.materialize`. This
is how an explorer answers a slider change quickly: it sends the picture of the selected view
first, then every other view (``explorers/_shell.py``).

Two encodings: :meth:`Scene.to_json` is the readable one (tests, Python code);
:meth:`Scene.to_wire` is what the browser widget receives: the same content, compact (one
string table for every cell text and read-out line, roles as indices, a cell as one index
``r * width + c``, views as flat index lists), so that a structural change costs little to
encode, send, parse and apply. :func:`wire_to_json` turns it back into :meth:`to_json`'s form.

Used by every explorer (notebooks 01–07) and by ``conv_backprop.figures``.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

from .drawing import ROLE_MEANINGS, ROLE_STYLES

__all__ = ["Scene", "SceneGrid", "View", "InvalidSetting", "cell_key", "only_views", "role_table", "wire_to_json"]

# Where an arrow starts or ends on its cell (an optional fourth entry of an endpoint).
ANCHORS = ("center", "top", "right", "bottom", "left")


# The keys of the views a scene built now should make (None: all of them); see only_views.
_ONLY_VIEWS: contextvars.ContextVar = contextvars.ContextVar("conv_backprop_only_views", default=None)


@contextlib.contextmanager
def only_views(keys):
    """Scenes created inside this block make only the views ``keys`` at once; the views their
    builders pass as functions under other keys stay pending (:meth:`Scene.materialize` makes
    them). Views passed as :class:`View` objects are always kept."""
    token = _ONLY_VIEWS.set(frozenset(str(k) for k in keys))
    try:
        yield
    finally:
        _ONLY_VIEWS.reset(token)


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
    arrows  : [((grid, r, c), (grid, r, c), role, label)]: from cell to cell, label optional. An
        endpoint may name where on its cell the arrow starts or ends: ``(grid, r, c, anchor)``
        with anchor one of ``"center"`` (the default), ``"top"``, ``"right"``, ``"bottom"``,
        ``"left"`` (the middle of that edge).
    readout : the text equivalent of the picture (formula, dot product, terms), one line per
        line; the browser puts it in a live region that screen readers announce.
    state   : the numbers behind the picture (JSON-able), for tests and Python code.
    steps   : optional numbered steps: each a :class:`View` drawn on top of this one (its cells,
        texts, windows and arrows added; its read-out replacing this one's; its state merged).
        Step 0 is this view itself; :meth:`at` gives step k as one view.
    """

    cells: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    windows: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    readout: str = ""
    state: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)

    def at(self, step: int = 0) -> "View":
        """Step ``step`` as one view (step 0: this view; step k: this view with steps[k - 1] on top)."""
        step = int(step)
        if step == 0:
            return self
        if not 1 <= step <= len(self.steps):
            raise KeyError(f"step must be in 0..{len(self.steps)}; got {step}")
        top = self.steps[step - 1]
        return View(cells=list(self.cells) + list(top.cells), texts=list(self.texts) + list(top.texts),
                    windows=list(self.windows) + list(top.windows), arrows=list(self.arrows) + list(top.arrows),
                    readout=top.readout, state={**self.state, **top.state})

    def to_json(self) -> dict:
        out = {
            "cells": [[g, int(r), int(c), _check_role(role, "view cell")] for g, r, c, role in self.cells],
            "texts": [[g, int(r), int(c), str(t)] for g, r, c, t in self.texts],
            "windows": [[g, float(r), float(c), float(h), float(w), _check_role(role, "window")]
                        for g, r, c, h, w, role in self.windows],
            "arrows": [[_endpoint(a), _endpoint(b), _check_role(role, "arrow"), str(label or "")]
                       for a, b, role, label in self.arrows],
            "readout": self.readout,
        }
        if self.steps:
            out["steps"] = [st.to_json() for st in self.steps]
        return out


def _endpoint(e) -> list:
    """An arrow's endpoint as JSON: [grid, r, c] or [grid, r, c, anchor]."""
    g, r, c, *rest = e
    anchor = rest[0] if rest else "center"
    if anchor not in ANCHORS:
        raise ValueError(f"arrow endpoint {tuple(e)!r}: anchor must be one of {ANCHORS}; got {anchor!r}")
    return [g, int(r), int(c)] + ([anchor] if anchor != "center" else [])


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
    step: int = 0  # the step of ``view`` shown first (views with ``steps`` only)
    step_name: str = "step"  # what one step is, for the step counter ("pair 3 / 18")
    # the views to make at once (None: all), from only_views; and the pending ones' makers
    only: frozenset = field(default_factory=_ONLY_VIEWS.get, repr=False, compare=False)
    _pending: dict = field(default_factory=dict, repr=False, compare=False)
    _auto_legend: bool = field(default=False, repr=False, compare=False)

    def grid(self, *args, **kwargs) -> SceneGrid:
        """Add a :class:`SceneGrid` (same arguments) and return it."""
        g = SceneGrid(*args, **kwargs)
        if any(other.id == g.id for other in self.grids):
            raise ValueError(f"a grid with id {g.id!r} is already in the scene")
        self.grids.append(g)
        return g

    def add_view(self, key: str, view, *, selectors=(), step: bool = True) -> View | None:
        """Add ``view`` under ``key``; each ``(grid, r, c)`` in ``selectors`` selects it.

        ``view`` is a :class:`View`, or a function of no arguments that returns one: called now,
        unless an :func:`only_views` block leaves ``key`` out (then the view is pending, and
        ``None`` is returned)."""
        key = str(key)
        if not isinstance(view, View):
            if self.only is None or key in self.only:
                view = view()
            else:
                self._pending[key] = view
                view = None
        self.views[key] = view
        for g, r, c in selectors:
            self.select[cell_key(g, r, c)] = key
        if step:
            self.order.append(key)
        return view

    @property
    def partial(self) -> bool:
        """Whether some views are pending (see :func:`only_views`)."""
        return bool(self._pending)

    def materialize(self, keys=None) -> "Scene":
        """Make the pending views (all, or those among ``keys``); returns ``self``."""
        todo = list(self._pending) if keys is None else [str(k) for k in keys if str(k) in self._pending]
        for key in todo:
            view = self._pending.pop(key)()
            if not isinstance(view, View):
                raise TypeError(f"the maker of view {key!r} returned {type(view).__name__}, not a View")
            self.views[key] = view
        if todo and self._auto_legend and not self._pending:  # the legend of the whole scene
            self.legend = []
            self._complete()
        return self

    def roles_drawn(self) -> list:
        """Every role that appears in a grid, a view, a window or an arrow, in table order
        (of the views made so far)."""
        used = {role for g in self.grids for row in g.roles for role in row}
        for v in self.views.values():
            if v is None:
                continue
            for part in [v, *v.steps]:
                used |= {cell[3] for cell in part.cells}
                used |= {w[5] for w in part.windows}
                used |= {a[2] for a in part.arrows}
        return [role for role in ROLE_STYLES if role in used]

    def finish(self) -> "Scene":
        """Make pending views, check references, fill the legend and the first view; returns
        ``self``."""
        self.materialize()
        ids = {g.id: g for g in self.grids}
        for key, v in self.views.items():
            for part in [v, *v.steps]:
                for g, r, c, *_ in list(part.cells) + list(part.texts):
                    self._check_cell(ids, g, r, c, f"view {key!r}")
                for a, b, *_ in part.arrows:
                    self._check_cell(ids, *a[:3], f"view {key!r} arrow")
                    self._check_cell(ids, *b[:3], f"view {key!r} arrow")
        for k, key in self.select.items():
            if key not in self.views:
                raise ValueError(f"select[{k!r}] names the view {key!r}, which the scene does not have")
        self._complete()
        return self

    def _complete(self) -> None:
        """The first view and the legend, when left empty."""
        if not self.view:
            self.view = self.order[0] if self.order else next(iter(self.views), "")
        if not self.legend:
            self.legend = [(role, self.legend_labels.get(role, ROLE_MEANINGS.get(role, role)))
                           for role in self.roles_drawn()]
            self._auto_legend = True

    @staticmethod
    def _check_cell(ids, g, r, c, where):
        if g not in ids:
            raise ValueError(f"{where}: no grid {g!r}")
        rows, cols = ids[g].shape
        if not (0 <= r < rows and 0 <= c < cols):
            raise ValueError(f"{where}: cell ({r}, {c}) is outside grid {g!r} of shape {(rows, cols)}")

    def to_json(self) -> dict:
        """The scene as JSON-able data, readable (tests, Python code); pending views are made."""
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
            "step": int(self.step),
            "step_name": self.step_name,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Scene":
        """The scene of :meth:`to_json`'s (or :func:`wire_to_json`'s) dict (states are not in it)."""
        def view(v):
            def end(e):
                return tuple(e)
            return View(cells=[tuple(c) for c in v.get("cells", [])], texts=[tuple(t) for t in v.get("texts", [])],
                        windows=[tuple(w) for w in v.get("windows", [])],
                        arrows=[(end(a), end(b), role, label) for a, b, role, label in v.get("arrows", [])],
                        readout=v.get("readout", ""), steps=[view(st) for st in v.get("steps", [])])

        sc = cls(title=data.get("title", ""), note=data.get("note", ""), interval=data.get("interval", 700),
                 view=data.get("view", ""), legend=[tuple(x) for x in data.get("legend", [])],
                 step=data.get("step", 0), step_name=data.get("step_name", "step"))
        for g in data.get("grids", []):
            sc.grid(g["id"], g["title"], tuple(g["shape"]), origin=tuple(g["origin"]), roles=g["roles"],
                    texts=g["texts"], row_labels=g["row_labels"], col_labels=g["col_labels"],
                    label=g.get("label", ""), faces=g.get("faces"))
        sc.views = {k: None if v is None else view(v) for k, v in data.get("views", {}).items()}
        sc.select = dict(data.get("select", {}))
        sc.order = list(data.get("order", []))
        return sc

    def to_wire(self) -> dict:
        """The scene as the browser widget receives it: :meth:`to_json`'s content, compact.

        ``strings`` holds every cell text, label and read-out line once; a grid's ``roles``,
        ``texts`` and ``select`` are flat lists (cell (r, c) at index ``r * width + c``) of
        indices into ``roles`` (the role names), ``strings`` and ``keys`` (the view keys, -1 for
        a cell that selects nothing); a view's ``cells`` and ``texts`` are flat triples
        (grid, cell, role or string) under ``c`` and ``t``, ``w`` the windows (flat sextuples),
        ``a`` the arrows (flat octuples: grid, cell, anchor, grid, cell, anchor, role, label),
        ``r`` the read-out (the indices of its lines) and ``s`` the steps (each in the same
        form); an empty list is left out; a pending view is ``null``. It checks what
        :meth:`finish` checks, in the same pass.
        """
        self._complete()
        role_names = list(ROLE_STYLES)
        role_ix = {r: k for k, r in enumerate(role_names)}
        strings, str_ix = [], {}

        def sid(t):
            k = str_ix.get(t)
            if k is None:
                t = str(t)
                k = str_ix.get(t)
                if k is None:
                    k = str_ix[t] = len(strings)
                    strings.append(t)
            return k

        def rid(role, where):
            k = role_ix.get(role)
            if k is None:
                _check_role(role, where)
            return k

        keys = list(self.views)
        key_ix = {k: i for i, k in enumerate(keys)}
        gix, shapes = {}, []
        grids = []
        for gi, g in enumerate(self.grids):
            gix[g.id] = gi
            R, C = g.shape
            shapes.append((R, C))
            out = {"id": g.id, "title": g.title, "label": g.label or g.title, "shape": [R, C],
                   "origin": [float(v) for v in g.origin],
                   "rows": [str(v) for v in g.row_labels], "cols": [str(v) for v in g.col_labels],
                   "roles": [role_ix[r] for row in g.roles for r in row],
                   "texts": [sid(t) for row in g.texts for t in row]}
            if g.faces is not None:
                out["faces"] = [f or "" for row in g.faces for f in row]
            grids.append(out)

        info = {g.id: (gi, R, C) for gi, (g, (R, C)) in enumerate(zip(self.grids, shapes))}

        def cell(g, r, c, where):
            if g not in info:
                raise ValueError(f"{where}: no grid {g!r}")
            gi, R, C = info[g]
            if not (0 <= r < R and 0 <= c < C):
                raise ValueError(f"{where}: cell ({r}, {c}) is outside grid {g!r} of shape {(R, C)}")
            return gi, int(r) * C + int(c)

        used = {ri for g in grids for ri in g["roles"]}

        def part(v, key, step=0):
            # the common case inline (thousands of entries per scene); cell() explains a bad one,
            # with where() naming the view (built only then)
            def where():
                return f"view {key!r}" + (f" step {step}" if step else "")

            out = {}
            if v.cells:
                flat = out["c"] = []
                add = flat.extend
                for g, r, c, role in v.cells:
                    gi, R, C = info.get(g) or (None, 0, 0)
                    if gi is None or not (0 <= r < R and 0 <= c < C):
                        cell(g, r, c, where())
                    ri = role_ix.get(role)
                    if ri is None:
                        _check_role(role, "view cell")
                    used.add(ri)
                    add((gi, r * C + c, ri))
            if v.texts:
                flat = out["t"] = []
                add = flat.extend
                for g, r, c, t in v.texts:
                    gi, R, C = info.get(g) or (None, 0, 0)
                    if gi is None or not (0 <= r < R and 0 <= c < C):
                        cell(g, r, c, where())
                    k = str_ix.get(t)
                    add((gi, r * C + c, sid(t) if k is None else k))
            if v.windows:
                flat = out["w"] = []
                for g, r, c, h, w, role in v.windows:
                    if g not in gix:
                        raise ValueError(f"{where()} window: no grid {g!r}")
                    ri = rid(role, "window")
                    used.add(ri)
                    flat.extend((gix[g], r, c, h, w, ri))
            if v.arrows:
                flat = out["a"] = []
                for a, b, role, label in v.arrows:
                    for e in (a, b):
                        anchor = e[3] if len(e) > 3 else "center"
                        if anchor not in ANCHORS:
                            raise ValueError(f"arrow endpoint {tuple(e)!r}: anchor must be one of {ANCHORS}; got {anchor!r}")
                        g, r, c = e[:3]
                        gi, R, C = info.get(g) or (None, 0, 0)
                        if gi is None or not (0 <= r < R and 0 <= c < C):
                            cell(g, r, c, f"{where()} arrow")
                        flat.extend((gi, r * C + c, ANCHORS.index(anchor)))
                    ri = rid(role, "arrow")
                    used.add(ri)
                    flat.extend((ri, sid(label or "")))
            if v.readout:
                lines = out["r"] = []
                for line in v.readout.split("\n"):
                    k = str_ix.get(line)
                    lines.append(sid(line) if k is None else k)
            else:
                out["r"] = []
            return out

        views = []
        for key, v in self.views.items():
            if v is None:
                views.append(None)
                continue
            out = part(v, key)
            if v.steps:
                out["s"] = [part(st, key, k + 1) for k, st in enumerate(v.steps)]
            views.append(out)
        for k, key in self.select.items():
            if key not in key_ix:
                raise ValueError(f"select[{k!r}] names the view {key!r}, which the scene does not have")
            g, r, c = k.rsplit(":", 2)
            gi, at = cell(g, int(r), int(c), f"select[{k!r}]")
            sel = grids[gi].get("select")
            if sel is None:
                sel = grids[gi]["select"] = [-1] * (shapes[gi][0] * shapes[gi][1])
            sel[at] = key_ix[key]
        used = [role for k, role in enumerate(role_names) if k in used]
        table = role_table()
        return {
            "format": 2, "title": self.title, "note": self.note, "interval": int(self.interval),
            "roles": role_names, "styles": {r: table[r] for r in used}, "strings": strings,
            "grids": grids, "keys": keys, "views": views,
            "order": [key_ix[k] for k in self.order], "view": key_ix.get(self.view, 0) if keys else -1,
            "step": int(self.step), "step_name": self.step_name,
            "legend": [[role, text] for role, text in self.legend],
        }


def wire_to_json(data: dict) -> dict:
    """:meth:`Scene.to_wire`'s compact form back in :meth:`Scene.to_json`'s form (what the
    browser received, readable: for tests and Python code)."""
    if not data:
        return {}
    if data.get("format") != 2:
        return data  # already the readable form
    S, roles, keys = data["strings"], data["roles"], data["keys"]
    grids = data["grids"]
    shapes = [g["shape"] for g in grids]

    def rc(gi, k):
        return divmod(k, shapes[gi][1])

    def part(v):
        cells, texts, windows, arrows = [], [], [], []
        fl = v.get("c", [])
        for q in range(0, len(fl), 3):
            gi, k, ri = fl[q:q + 3]
            cells.append([grids[gi]["id"], *rc(gi, k), roles[ri]])
        fl = v.get("t", [])
        for q in range(0, len(fl), 3):
            gi, k, si = fl[q:q + 3]
            texts.append([grids[gi]["id"], *rc(gi, k), S[si]])
        fl = v.get("w", [])
        for q in range(0, len(fl), 6):
            gi, r, c, h, w, ri = fl[q:q + 6]
            windows.append([grids[gi]["id"], float(r), float(c), float(h), float(w), roles[ri]])
        fl = v.get("a", [])
        for q in range(0, len(fl), 8):
            ga, ka, aa, gb, kb, ab, ri, si = fl[q:q + 8]
            ends = [[grids[gi]["id"], *rc(gi, k)] + ([ANCHORS[an]] if an else []) for gi, k, an in
                    ((ga, ka, aa), (gb, kb, ab))]
            arrows.append([*ends, roles[ri], S[si]])
        out = {"cells": cells, "texts": texts, "windows": windows, "arrows": arrows,
               "readout": "\n".join(S[k] for k in v.get("r", []))}
        if "s" in v:
            out["steps"] = [part(st) for st in v["s"]]
        return out

    select = {}
    out_grids = []
    for gi, g in enumerate(grids):
        R, C = g["shape"]
        for k, vi in enumerate(g.get("select", [])):
            if vi >= 0:
                select[cell_key(g["id"], *divmod(k, C))] = keys[vi]
        grid = {"id": g["id"], "title": g["title"], "shape": [R, C], "origin": g["origin"],
                "roles": [[roles[ri] for ri in g["roles"][r * C:(r + 1) * C]] for r in range(R)],
                "texts": [[S[si] for si in g["texts"][r * C:(r + 1) * C]] for r in range(R)],
                "row_labels": g["rows"], "col_labels": g["cols"], "label": g["label"]}
        if "faces" in g:
            grid["faces"] = [[f or None for f in g["faces"][r * C:(r + 1) * C]] for r in range(R)]
        out_grids.append(grid)
    return {
        "title": data["title"], "grids": out_grids,
        "views": {k: None if v is None else part(v) for k, v in zip(keys, data["views"])},
        "select": select, "order": [keys[i] for i in data["order"]],
        "view": keys[data["view"]] if keys else "", "note": data["note"],
        "legend": data["legend"], "roles": role_table(), "interval": data["interval"],
        "step": data["step"], "step_name": data["step_name"],
    }

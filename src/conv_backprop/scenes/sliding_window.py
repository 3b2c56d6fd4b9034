"""The scene of the sliding-window explorer of notebook 01
(``notebooks/01-shapes-and-sliding-windows.ipynb``), built from the package's maths alone.

The padded input (padding ring hatched ``//``, rows and columns the stride never reaches hatched
``xx``), the window of output (i, j) with its kernel taps, and the output grid; the read-out
writes the output-size formula out with the numbers (``AxisGeometry.formula()``).
:func:`build_sliding_window` takes the explorer's keyword arguments and returns what it shows
first; the widget (:mod:`conv_backprop.explorers.sliding_window`) adds the sliders.
"""

from __future__ import annotations

from ..scene import InvalidSetting, Scene, View
from ..shapes import explain_geometry
from ._common import first_view, sentence
from ._settings import check_index, check_int, check_sizes, output_shape, check_steps

__all__ = ["build_sliding_window", "sliding_window_settings", "sliding_window_scene"]


def sliding_window_scene(H, W, HH, WW, stride, padding, dilation, interval=700):
    """The scene of the sliding-window explorer and its settings-wide state.

    One view per output (i, j), keyed ``"i,j"``, in row-major order; clicking output cell
    (i, j) selects it. Raises :class:`InvalidSetting` when no window fits.
    """
    s, p, d = stride, padding, dilation
    geom = explain_geometry((H, W), (HH, WW), s, p, d)
    gh, gw = geom.height, geom.width
    formula = {"height": gh.formula(), "width": gw.formula()}
    base = {"valid": geom.valid, "formula": formula,
            "settings": dict(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p, dilation=d)}
    if not geom.valid:
        raise InvalidSetting(" ".join(sentence(a.reason) for a in (gh, gw) if a.reason))
    Ho, Wo = geom.output_shape
    Hp, Wp = gh.padded_size, gw.padded_size
    unused_rows = list(range(Hp - gh.unused, Hp))
    unused_cols = list(range(Wp - gw.unused, Wp))
    roles, texts = [], []
    for r in range(Hp):
        row_roles, row_texts = [], []
        for c in range(Wp):
            pad = r < p or r >= p + H or c < p or c >= p + W
            role = "unused" if (r in unused_rows or c in unused_cols) else ("padding" if pad else "input")
            row_roles.append(role)
            row_texts.append("0" if pad else "")
        roles.append(row_roles)
        texts.append(row_texts)
    gap = 2.5
    sc = Scene(title="sliding window", interval=interval,
               legend_labels={"kernel": "kernel tap u,v (dashed edge)",
                              "highlight": "window / current output (thick edge)",
                              "unused": "never reached: stride leaves it (hatched xx)"})
    sc.grid("x", f"padded input ({H}+2·{p}) × ({W}+2·{p})", (Hp, Wp), roles=roles, texts=texts,
            label="padded input cell")
    sc.grid("y", f"output {Ho} × {Wo}", (Ho, Wo), origin=(0, Wp + gap), roles="output",
            label="output cell")
    lines_unused = []
    for ax_g, name, rows in ((gh, "row", unused_rows), (gw, "column", unused_cols)):
        if ax_g.unused:
            many = len(rows) > 1
            lines_unused.append(
                f"{len(rows)} padded {name}{'s' if many else ''} ({', '.join(map(str, rows))}) "
                f"never meet{'' if many else 's'} the kernel: the stride {ax_g.stride} steps past "
                f"{'them' if many else 'it'} (hatched xx), so the gradient there is 0."
            )
    sc.note = "\n".join([f"H_out = {formula['height']}", f"W_out = {formula['width']}", *lines_unused])
    for i in range(Ho):
        for j in range(Wo):
            r0, c0 = i * s, j * s
            pairs = [(u, v) for u in range(HH) for v in range(WW)]
            taps = [(r0 + u * d, c0 + v * d) for u, v in pairs]
            label_taps = max(HH, WW) <= 5
            v = View(
                cells=[("x", r, c, "kernel") for r, c in taps] + [("y", i, j, "highlight")],
                texts=([("x", r, c, f"{u},{v}") for (r, c), (u, v) in zip(taps, pairs)] if label_taps else [])
                + [("y", i, j, f"{i},{j}")],
                windows=[("x", r0, c0, gh.extent, gw.extent, "highlight")],
                arrows=[(("x", r0 + (gh.extent - 1) // 2, c0 + gw.extent - 1), ("y", i, j), "highlight", "")],
                readout=(f"output ({i}, {j}) reads padded rows {r0}…{r0 + gh.extent - 1} "
                         f"and columns {c0}…{c0 + gw.extent - 1}"
                         + (f", every {d}th one (dilation {d})" if d > 1 else "")
                         + "; kernel taps are labelled u,v (row tap u, column tap v)."),
                state=dict(output_shape=(Ho, Wo), current=(i, j), taps=taps,
                           window_rows=list(range(r0, r0 + gh.extent, d)),
                           window_cols=list(range(c0, c0 + gw.extent, d)),
                           unused_rows=unused_rows, unused_cols=unused_cols, padded_shape=(Hp, Wp)),
            )
            sc.add_view(f"{i},{j}", v, selectors=[("y", i, j)])
    return sc, base


def sliding_window_settings(H=5, W=5, HH=3, WW=3, stride=1, padding=1, dilation=1, step=0, interval=700) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"view"`` is the key ``"i,j"`` of output ``step`` (None when the
    setting cannot be drawn)."""
    H, W, HH, WW = check_sizes(H=H, W=W, HH=HH, WW=WW).values()
    stride, padding, dilation = check_steps(stride, padding, dilation)
    out = output_shape(H, W, HH, WW, stride, padding, dilation)
    step = check_index("step", step, None if out is None else out[0] * out[1],
                       "the outputs (k = i·W_out + j)")
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    view = None if out is None else f"{step // out[1]},{step % out[1]}"
    return dict(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, dilation=dilation, step=step,
                interval=interval, view=view)


def build_sliding_window(**settings):
    """The scene ``sliding_window_explorer(**settings)`` shows first, its settings-wide state
    and the key of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = sliding_window_settings(**settings)
    sc, base = sliding_window_scene(**{k: s[k] for k in ("H", "W", "HH", "WW", "stride", "padding", "dilation")},
                                    interval=s["interval"])
    return sc, base, first_view(sc, s["view"])

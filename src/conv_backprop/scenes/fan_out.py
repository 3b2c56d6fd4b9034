"""The scene of the fan-out explorer of notebook 03 (``notebooks/03-backward-dx-by-indices.ipynb``),
built from the package's maths alone.

Selecting an input pixel ``(c, q, r)`` (channel, row, column; 0-based, unpadded) draws an arrow
from it to every output it affects (the set P, empty when the pixel falls between windows, between
a dilated kernel's taps or in rows the stride leaves unused). The weight on each arrow,
``w[f, c, u, v]``, is written under ``dout`` at the output the arrow reaches, and the kernel taps
(u, v) it meets are highlighted; the read-out lists P per axis as (output, tap) pairs and
assembles ``dx[0, c, q, r]`` term by term from ``dout``: equal to ``cb.conv2d_backward``'s dx.
Works with stride, padding and dilation (``cb.outputs_reached``).

Layout: no arrow crosses a number. The arrows start in the grid ``x`` and end in the grid ``out``,
both without numbers; the ``dx`` grids sit to the left of ``x`` and the ``dout`` and ``w`` grids to
the right of ``out``, where no arrow goes. (Labels on the arrows would pile up where up to F·HH·WW
arrows leave one cell, so each weight is written in the ``dout`` cell of its output instead.)

:func:`build_fan_out` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.fan_out`) adds the stride, padding and dilation sliders.
"""

from __future__ import annotations

import functools

import numpy as np

from ..conv import conv2d_backward
from ..drawing import format_number
from ..indices import outputs_reached
from ..scene import Scene, View
from ._common import demo_values, drawable_geometry, first_view, fmt
from ._settings import check_index, check_seed, check_sizes, check_steps

__all__ = ["build_fan_out", "fan_out_settings", "fan_out_weights", "fan_out_dout", "fan_out_scene",
           "fan_out_key"]

ROW_GAP = 2.6  # room above a grid for its title and column labels
COL_GAP = 1.5  # between two grids side by side
ARROW_GAP = 4.5  # between the input side and the output side: the arrows' room


def fan_out_key(c, q, r) -> str:
    """The key of the view of input pixel (c, q, r): ``"c,q,r"``."""
    return f"{c},{q},{r}"


def _why_unreached(name: str, index: int, g) -> str:
    """Why input ``index`` (unpadded) meets no kernel tap along one axis of geometry ``g``."""
    at = index + g.padding
    if at >= g.padded_size - g.unused:
        return f"{name} {index} lies in the part the stride leaves unused"
    if any(start <= at < start + g.extent for start in g.starts):
        return f"{name} {index} lies inside a window, between the taps dilation {g.dilation} spreads apart"
    return f"{name} {index} falls between windows (stride {g.stride} > kernel extent {g.extent})"


def fan_out_scene(w, dout, H, W, stride, padding, dilation) -> tuple[Scene, dict]:
    """The scene of the fan-out explorer for weights ``w`` (F, C, HH, WW), the upstream gradient
    ``dout`` (1, F, H_out, W_out) and an input of H × W pixels per channel; and the
    settings-wide state.

    Grids: ``dx{c}`` (dx[0, c], with numbers), ``x{c}`` (the input pixels, no numbers: the
    arrows start here), ``o{f}`` (the outputs of filter f, no numbers: the arrows end here),
    ``g{f}`` (dout[0, f]), ``w{f}_{c}`` (w[f, c]). One view per input pixel,
    keyed ``"c,q,r"`` in the order of ``x.ravel()``; clicking cell (q, r) of ``x{c}`` or of
    ``dx{c}`` selects it. Raises :class:`InvalidSetting` when no window fits.
    """
    F, C, HH, WW = w.shape
    s, pad, d = stride, padding, dilation
    geom = drawable_geometry(H, W, HH, WW, s, pad, d)
    Ho, Wo = geom.output_shape
    if dout.shape != (1, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(1, F, Ho, Wo)} for these settings; got {dout.shape}")
    dx, _, _ = conv2d_backward(dout, np.zeros((1, C, H, W)), w, stride=s, padding=pad, dilation=d)
    P_rows = [outputs_reached(q, H, HH, s, pad, d) for q in range(H)]
    P_cols = [outputs_reached(r, W, WW, s, pad, d, axis="width") for r in range(W)]
    # Pixels no kernel tap reaches (after the last window, between windows when the stride exceeds
    # the kernel's extent, between the taps of a dilated kernel): hatched, dx = 0 there.
    unreached_rows = [q for q in range(H) if not P_rows[q]]
    unreached_cols = [r for r in range(W) if not P_cols[r]]

    def roles(base):
        return [["unused" if q in unreached_rows or r in unreached_cols else base for r in range(W)]
                for q in range(H)]

    # a cell's text and a factor in the read-out, remembered: the few demo values recur thousands of times
    num, par = functools.lru_cache(maxsize=None)(format_number), functools.lru_cache(maxsize=None)(fmt)
    sc = Scene(title="fan-out: one input pixel reaches these outputs",
               legend_labels={
                   "highlight": "the pixel, the outputs it reaches (dout there over ×the weight on the "
                                "arrow), the taps it meets (thick edge)",
                   "kernel": "weights w[f, c] (dashed edge)",
                   "unused": "no kernel tap reaches it: dx = 0 (hatched xx)",
               })
    left_h = C * (H + ROW_GAP) - ROW_GAP
    block = max(Ho, HH) + ROW_GAP
    right_h = F * block - ROW_GAP
    top_left, top_right = max(0.0, (right_h - left_h) / 2), max(0.0, (left_h - right_h) / 2)
    xcol = W + COL_GAP
    ocol = xcol + W + ARROW_GAP
    gcol = ocol + Wo + COL_GAP
    kcol = gcol + Wo + COL_GAP
    for c in range(C):
        top = top_left + c * (H + ROW_GAP)
        sc.grid(f"dx{c}", f"dx[0, {c}]", (H, W), origin=(top, 0), roles=roles("gradient"),
                texts=[[num(v) for v in row] for row in dx[0, c]], label=f"dx of channel {c}")
        sc.grid(f"x{c}", f"x[0, {c}]: pick a pixel", (H, W), origin=(top, xcol), roles=roles("input"),
                label=f"input pixel of channel {c}")
    for f in range(F):
        top = top_right + f * block
        sc.grid(f"o{f}", f"out[0, {f}]", (Ho, Wo), origin=(top, ocol), roles="output",
                label=f"output of filter {f}")
        sc.grid(f"g{f}", f"dout[0, {f}]", (Ho, Wo), origin=(top, gcol), roles="gradient",
                texts=[[num(v) for v in row] for row in dout[0, f]], label=f"dout of filter {f}")
        for c in range(C):
            sc.grid(f"w{f}_{c}", f"w[{f}, {c}]", (HH, WW), origin=(top, kcol + c * (WW + COL_GAP)),
                    roles="kernel", texts=[[num(v) for v in row] for row in w[f, c]],
                    label=f"kernel of filter {f}, channel {c}")
    sc.note = (f"dx[0, c, q, r] = Σ_f Σ_(i,u) Σ_(j,v) dout[0, f, i, j] · w[f, c, u, v]  with "
               f"i·{s} + u·{d} = q + {pad}, j·{s} + v·{d} = r + {pad} (outputs that exist; u, v: kernel taps)")

    G, Wt, DX = dout[0].tolist(), w.tolist(), dx[0].tolist()  # Python floats: fast to index
    def view_of(c, q, r):  # the view fan_out_key(c, q, r)
        rows_P, cols_P = P_rows[q], P_cols[r]
        cells = [(f"x{c}", q, r, "highlight"), (f"dx{c}", q, r, "highlight")]
        texts, arrows, terms, reached = [], [], [], []
        for f in range(F):
            for i, u in rows_P:
                for j, v in cols_P:
                    g, wv = G[f][i][j], Wt[f][c][u][v]
                    terms.append((f, i, j, u, v, g, wv))
                    reached.append((f, i, j))
                    cells += [(f"o{f}", i, j, "highlight"), (f"g{f}", i, j, "highlight"),
                              (f"w{f}_{c}", u, v, "highlight")]
                    texts.append((f"g{f}", i, j, f"{num(g)}\n×{num(wv)}"))
                    arrows.append(((f"x{c}", q, r), (f"o{f}", i, j), "highlight", ""))
        value = sum(g * wv for *_, g, wv in terms)
        ref = DX[c][q][r]
        lines = [f"dx[0, {c}, {q}, {r}] = Σ over P of dout[0, f, i, j] · w[f, {c}, u, v]",
                 f"  P_rows = {rows_P}   (i, u) with i·{s} + u·{d} = {q} + {pad}",
                 f"  P_cols = {cols_P}   (j, v) with j·{s} + v·{d} = {r} + {pad}"]
        if not terms:
            why = [_why_unreached(name, idx, g) for name, P, idx, g in
                   (("row", rows_P, q, geom.height), ("column", cols_P, r, geom.width)) if not P]
            lines.append(f"  P is empty: {'; '.join(why)}. No output reads this pixel, so dx = 0.")
        else:
            for f in range(F):
                chunk = " + ".join(f"{par(g)}·{par(wv)}" for f2, *_, g, wv in terms if f2 == f)
                part = sum(g * wv for f2, *_, g, wv in terms if f2 == f)
                lines.append(f"  filter {f}: {chunk} = {num(part)}")
        ok = "✓" if abs(value - ref) <= 1e-8 + 1e-5 * abs(ref) else "✗ MISMATCH"  # np.isclose
        lines.append(f"  total = {num(value)}   (cb.conv2d_backward: dx = {num(ref)} {ok})")
        return View(cells=cells, texts=texts, arrows=arrows, readout="\n".join(lines),
                    state={"pixel": (c, q, r), "P_rows": rows_P, "P_cols": cols_P, "reached": reached,
                           "terms": terms, "value": value, "reference": ref})

    for c in range(C):
        for q in range(H):
            for r in range(W):
                sc.add_view(fan_out_key(c, q, r), functools.partial(view_of, c, q, r),
                            selectors=[(f"x{c}", q, r), (f"dx{c}", q, r)])
    base = {"valid": True, "output_shape": (Ho, Wo), "unreached_rows": unreached_rows,
            "unreached_cols": unreached_cols, "settings": dict(stride=s, padding=pad, dilation=d)}
    return sc, base


def fan_out_settings(C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                     c=0, p=1, q=1, seed=1) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"shapes"`` holds C, H, W, F, HH, WW and ``"view"`` the key of pixel
    (c, p, q)."""
    shapes = check_sizes(C=C, H=H, W=W, F=F, HH=HH, WW=WW)
    stride, padding, dilation = check_steps(stride, padding, dilation)
    c = check_index("c", c, C, "the input channels")
    p = check_index("p", p, H, "the input rows")
    q = check_index("q", q, W, "the input columns")
    seed = check_seed(seed)
    return dict(shapes=shapes, stride=stride, padding=padding, dilation=dilation, c=c, p=p, q=q, seed=seed,
                view=fan_out_key(c, p, q))


def fan_out_weights(seed, F, C, HH, WW) -> np.ndarray:
    """The seeded weights w (F, C, HH, WW) the explorer shows: small non-zero integers."""
    return demo_values(np.random.default_rng(seed), (F, C, HH, WW), -2, 2)


def fan_out_dout(seed, F, Ho, Wo) -> np.ndarray:
    """The seeded upstream gradient (1, F, Ho, Wo) the explorer shows for an output of size
    (Ho, Wo)."""
    return demo_values(np.random.default_rng([seed + 1, Ho, Wo]), (1, F, Ho, Wo))


def build_fan_out(**settings):
    """The scene ``fan_out_explorer(**settings)`` shows first, its settings-wide state and the
    key of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = fan_out_settings(**settings)
    sh = s["shapes"]
    geom = drawable_geometry(sh["H"], sh["W"], sh["HH"], sh["WW"], s["stride"], s["padding"], s["dilation"])
    w = fan_out_weights(s["seed"], sh["F"], sh["C"], sh["HH"], sh["WW"])
    dout = fan_out_dout(s["seed"], sh["F"], *geom.output_shape)
    sc, base = fan_out_scene(w, dout, sh["H"], sh["W"], s["stride"], s["padding"], s["dilation"])
    return sc, base, first_view(sc, s["view"])

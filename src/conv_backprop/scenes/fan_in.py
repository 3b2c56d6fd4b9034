"""The scene of the fan-in explorer of notebook 02 (``notebooks/02-forward-3d-dot-product.ipynb``),
built from the package's maths alone.

The picture is the whole batch: one row of padded inputs ``xpad[n, c]`` per example (one grid per
channel) with its outputs ``out[n, f]`` (one grid per filter) beside them, and under each channel
the kernels ``w[f, c]`` of every filter, under each output column its bias ``b[f]``. Selecting an
output cell ``(n, f, i, j)`` outlines its receptive field in every channel of example n at once (a
3-D window of shape (C, HH, WW)); each input cell of the field shows its value and, below it, the
weight ``w[f, c, u, v]`` it meets (u, v: the kernel's row and column tap); the kernels and bias of filter f are outlined, and the read-out
writes the dot product out with the numbers. The value equals ``cb.conv2d_forward``'s.

:func:`build_fan_in` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.fan_in`) adds the stride, padding and dilation sliders.
"""

from __future__ import annotations

import functools

import numpy as np

from ..conv import conv2d_forward
from ..drawing import format_number
from ..scene import Scene, View
from ._common import demo_values, drawable_geometry, first_view, fmt, padded_roles
from ._settings import check_index, check_seed, check_sizes, check_steps, output_shape

__all__ = ["build_fan_in", "fan_in_settings", "fan_in_arrays", "fan_in_scene", "fan_in_key"]

ROW_GAP = 2.6  # room above a grid for its title and column labels
COL_GAP = 1.5  # between two grids side by side


def fan_in_key(n, f, i, j) -> str:
    """The key of the view of output (n, f, i, j): ``"n,f,i,j"``."""
    return f"{n},{f},{i},{j}"


def fan_in_scene(x, w, b, stride, padding, dilation) -> tuple[Scene, dict]:
    """The scene of the fan-in explorer for ``x`` (N, C, H, W), ``w`` (F, C, HH, WW), ``b`` (F,)
    and the settings-wide state.

    Grids: ``x{n}_{c}`` (xpad[n, c]), ``y{n}_{f}`` (out[n, f]), ``w{f}_{c}`` (w[f, c]), ``b{f}``
    (b[f], one cell). One view per output, keyed ``"n,f,i,j"`` in the order of ``out.ravel()``;
    clicking cell (i, j) of ``y{n}_{f}`` selects it. Raises :class:`InvalidSetting` when no window
    fits.
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p, d = stride, padding, dilation
    geom = drawable_geometry(H, W, HH, WW, s, p, d)
    Ho, Wo = geom.output_shape
    gh, gw = geom.height, geom.width
    Hp, Wp = gh.padded_size, gw.padded_size
    out = conv2d_forward(x, w, b, stride=s, padding=p, dilation=d)
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    unused_rows = list(range(Hp - gh.unused, Hp))
    unused_cols = list(range(Wp - gw.unused, Wp))
    roles = padded_roles(H, W, p, p, unused_rows=unused_rows, unused_cols=unused_cols).tolist()

    # a cell's text and a factor in the read-out, remembered: the few demo values recur thousands of times
    num, par = functools.lru_cache(maxsize=None)(format_number), functools.lru_cache(maxsize=None)(fmt)
    sc = Scene(title="fan-in: one output reads a window across every input channel",
               legend_labels={
                   "kernel": "weights w[f, c] and bias b[f] (dashed edge)",
                   "highlight": "the output, its window (x over ×the weight it meets), its filter's weights "
                                "(thick edge)",
               })
    # Layout: a column per channel (its padded input, the kernels of every filter under it), then
    # a column per filter (its outputs, its bias under them); a row per example.
    kernels_wide = F * WW + (F - 1) * COL_GAP
    col_w = max(Wp, kernels_wide)
    xcol = [c * (col_w + COL_GAP) for c in range(C)]
    ycol0 = C * (col_w + COL_GAP) + COL_GAP
    ycol = [ycol0 + f * (Wo + COL_GAP) for f in range(F)]
    rows = [n * (max(Hp, Ho) + ROW_GAP) for n in range(N)]
    krow = N * (max(Hp, Ho) + ROW_GAP)
    for n in range(N):
        for c in range(C):
            texts = [[num(v) for v in row] for row in xpad[n, c]]
            sc.grid(f"x{n}_{c}", f"xpad[{n}, {c}]", (Hp, Wp), origin=(rows[n], xcol[c] + (col_w - Wp) / 2),
                    roles=roles, texts=texts, label=f"padded input of example {n}, channel {c}")
        for f in range(F):
            sc.grid(f"y{n}_{f}", f"out[{n}, {f}]", (Ho, Wo), origin=(rows[n], ycol[f]), roles="output",
                    texts=[[num(v) for v in row] for row in out[n, f]],
                    label=f"output of example {n}, filter {f}")
    for c in range(C):
        k0 = xcol[c] + (col_w - kernels_wide) / 2
        for f in range(F):
            sc.grid(f"w{f}_{c}", f"w[{f}, {c}]", (HH, WW), origin=(krow, k0 + f * (WW + COL_GAP)), roles="kernel",
                    texts=[[num(v) for v in row] for row in w[f, c]],
                    label=f"kernel of filter {f}, channel {c}")
    for f in range(F):
        sc.grid(f"b{f}", f"b[{f}]", (1, 1), origin=(krow, ycol[f] + (Wo - 1) / 2), roles="kernel",
                texts=[[num(b[f])]], row_labels=[""], col_labels=[""], label=f"bias of filter {f}")
    sc.note = (f"out[n, f, i, j] = Σ_c Σ_u Σ_v xpad[n, c, i·{s} + u·{d}, j·{s} + v·{d}] · w[f, c, u, v] + b[f]"
               f"   (c < {C}, u < {HH}, v < {WW}: {C * HH * WW} products; b[f] is the bias)")

    taps = [(u, v) for u in range(HH) for v in range(WW)]
    X, Wt, B, Y = xpad.tolist(), w.tolist(), b.tolist(), out.tolist()  # Python floats: fast to index
    cell_text, product = {}, {}  # "x over ×w" and "x·w" by (x, w): a few demo values, many cells
    def view_of(n, f, i, j):  # the view of output (n, f, i, j)
        texts, terms, field, lines = [], [], [], []
        value = B[f]
        for c in range(C):
            part, total = [], 0.0
            grid, Xc, Wc = f"x{n}_{c}", X[n][c], Wt[f][c]
            for u, v in taps:
                r, cc = i * s + u * d, j * s + v * d
                xv, wv = Xc[r][cc], Wc[u][v]
                field.append((c, r, cc))
                terms.append((c, u, v, xv, wv))
                t = cell_text.get((xv, wv))
                if t is None:
                    t = cell_text[xv, wv] = f"{num(xv)}\n×{num(wv)}"
                    product[xv, wv] = f"{par(xv)}·{par(wv)}"
                texts.append((grid, r, cc, t))
                part.append(product[xv, wv])
                total += xv * wv
            value += total
            lines.append(f"  channel {c}: {' + '.join(part)} = {num(total)}")
        ref = Y[n][f][i][j]
        ok = "✓" if abs(value - ref) <= 1e-8 + 1e-5 * abs(ref) else "✗ MISMATCH"  # np.isclose
        step = f":{d}" if d > 1 else ""
        rows_, cols_ = f"{i * s}:{i * s + gh.extent}{step}", f"{j * s}:{j * s + gw.extent}{step}"
        readout = "\n".join(
            [f"out[{n}, {f}, {i}, {j}] = sum(xpad[{n}, :, {rows_}, {cols_}] * w[{f}]) + b[{f}]"]
            + lines
            + [f"  bias b[{f}] = {num(B[f])}",
               f"  total = {num(value)}   (cb.conv2d_forward: {num(ref)} {ok})"])
        windows = [(f"x{n}_{c}", i * s, j * s, gh.extent, gw.extent, "highlight") for c in range(C)]
        windows += [(f"w{f}_{c}", 0, 0, HH, WW, "highlight") for c in range(C)]
        windows.append((f"b{f}", 0, 0, 1, 1, "highlight"))
        return View(
            cells=[(f"y{n}_{f}", i, j, "highlight")],
            texts=texts,
            windows=windows,
            readout=readout,
            state={"index": (n, f, i, j), "field": field, "terms": terms, "bias": B[f],
                   "value": value, "reference": ref},
        )

    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    sc.add_view(fan_in_key(n, f, i, j), functools.partial(view_of, n, f, i, j),
                                selectors=[(f"y{n}_{f}", i, j)])
    base = {"valid": True, "output_shape": (Ho, Wo), "padded_shape": (Hp, Wp),
            "unused_rows": unused_rows, "unused_cols": unused_cols,
            "settings": dict(stride=s, padding=p, dilation=d)}
    return sc, base


def fan_in_settings(N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=1, dilation=1,
                    n=0, f=0, i=0, j=0, seed=0) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"shapes"`` holds N, C, H, W, F, HH, WW and ``"view"`` the key of
    output (n, f, i, j) (None when the setting cannot be drawn)."""
    shapes = check_sizes(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW)
    stride, padding, dilation = check_steps(stride, padding, dilation)
    n = check_index("n", n, N, "the batch")
    f = check_index("f", f, F, "the filters")
    out = output_shape(H, W, HH, WW, stride, padding, dilation)
    shown = "" if out is None else f" ({out[0]}×{out[1]} with these settings)"
    i = check_index("i", i, None if out is None else out[0], "the output rows" + shown)
    j = check_index("j", j, None if out is None else out[1], "the output columns" + shown)
    seed = check_seed(seed)
    return dict(shapes=shapes, stride=stride, padding=padding, dilation=dilation, n=n, f=f, i=i, j=j,
                seed=seed, view=None if out is None else fan_in_key(n, f, i, j))


def fan_in_arrays(seed, N, C, H, W, F, HH, WW):
    """The seeded x (N, C, H, W), w (F, C, HH, WW) and b (F,) the explorer shows: small non-zero
    integers."""
    rng = np.random.default_rng(seed)
    x = demo_values(rng, (N, C, H, W))
    w = demo_values(rng, (F, C, HH, WW), -2, 2)
    b = demo_values(rng, (F,), -2, 2)
    return x, w, b


def build_fan_in(**settings):
    """The scene ``fan_in_explorer(**settings)`` shows first, its settings-wide state and the key
    of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = fan_in_settings(**settings)
    x, w, b = fan_in_arrays(s["seed"], **s["shapes"])
    sc, base = fan_in_scene(x, w, b, s["stride"], s["padding"], s["dilation"])
    return sc, base, first_view(sc, s["view"])

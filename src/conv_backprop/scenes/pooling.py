"""The scene of the pooling-routing explorer of notebook 07 (``notebooks/07-pooling-backprop.ipynb``),
built from the package's maths alone.

Max or average pooling with a kernel (height × width), a stride (overlap allowed) and padding, a
tie policy (``first``: the first maximum in row-major order takes the whole gradient, as PyTorch
does; ``split``: tied maxima share it) and an integer-valued input option that makes ties likely.

Selecting a ``dout`` cell picks a window. The picture shows that window in x, its gradient
g = dout[i, j], arrows from g to the cells that receive a share of it ("this window's share",
blank elsewhere, so no arrow crosses a number), and the accumulated dx, where overlapping windows
add up. The routes come from :func:`conv_backprop.pool.pool_routes`; their sum equals
``cb.maxpool2d_backward`` / ``cb.avgpool2d_backward``.

:func:`build_pooling` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.pooling`) adds the toggles and sliders.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..drawing import format_number
from ..pool import (
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    pool_routes,
)
from ..scene import InvalidSetting, Scene, View
from ._common import drawable_geometry, first_view, fmt, padded_roles
from ._settings import check_choice, check_flag, check_index, check_int, check_seed, check_sizes, output_shape

__all__ = ["build_pooling", "pooling_settings", "pooling_scene", "pooling_arrays", "padding_reason"]


def pooling_arrays(seed: int, H: int, W: int, Ho: int, Wo: int, integer_input: bool):
    """The seeded x (1, 1, H, W) and dout (1, 1, Ho, Wo) the explorer shows for these sizes.

    Integer input (0…3) makes ties in a window likely; otherwise x holds distinct one-decimal
    values in −4…4 (short to read), so every maximum is unique.
    """
    rng = np.random.default_rng([seed, H, W, int(integer_input)])
    if integer_input:
        x = rng.integers(0, 4, size=(1, 1, H, W)).astype(float)
    else:
        tenths = np.arange(-40, 41)
        if H * W > tenths.size:  # beyond the sliders' 8 × 8: widen the range, still distinct
            tenths = np.arange(-(H * W), H * W + 1)
        x = rng.choice(tenths, size=H * W, replace=False).reshape(1, 1, H, W) / 10
    choices = np.array([1.0, 2.0, 3.0, 4.0])  # small non-zero gradients, easy to share out
    dout = np.random.default_rng([seed + 1, Ho, Wo]).choice(choices, size=(1, 1, Ho, Wo))
    return x, dout


def _short(v) -> str:
    """A grid cell's number: at most two decimals (fits a cell), a true minus sign."""
    v = float(v)
    if not np.isfinite(v) or abs(v - round(v)) < 1e-9:
        return format_number(v)
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("0", "-0") else text.replace("-", "−")


def _share(g: float, n: int) -> str:
    """g/n as a short exact fraction when g is a whole number ("3/4", "2"), else a decimal."""
    if float(g).is_integer():
        f = Fraction(int(g), n)
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}".replace("-", "−")
    return _short(g / n)


def padding_reason(p: int, kh: int, kw: int) -> str:
    """Why padding p is refused (more than half the kernel), or "" when it is allowed."""
    if p <= min(kh, kw) // 2:
        return ""
    if kh == kw:
        side = f"the kernel ({kh} // 2 = {kh // 2})"
    else:
        name, k = ("height", kh) if p > kh // 2 else ("width", kw)
        side = f"the kernel {name} ({k} // 2 = {k // 2})"
    return (f"Padding {p} is more than half {side}: a window could then hold only padding and no "
            f"input entry. Use padding ≤ {min(kh, kw) // 2} or a larger kernel (PyTorch's rule).")


def _overlap(s: int, kh: int, kw: int) -> str:
    """How the windows sit: overlapping, tiling, or leaving entries out."""
    def side(k):
        return "kernel" if kh == kw else ("kernel height" if k == kh else "kernel width")

    parts = []
    if s < kh or s < kw:
        k = kh if s < kh else kw
        parts.append(f"windows overlap (stride {s} < {side(k)} {k}): an entry in several windows adds up "
                     "their shares")
    if s > kh or s > kw:
        k = kh if s > kh else kw
        parts.append(f"stride {s} > {side(k)} {k}: some entries are in no window and get no gradient")
    return "; ".join(parts) if parts else "windows tile the input without overlap"


def _title(width: int, *titles: str) -> str:
    """The longest of ``titles`` that fits over a grid ``width`` cells wide (bold titles take
    about 0.3 cell per character; a little overhang is fine)."""
    return next((t for t in titles if 0.3 * len(t) <= width + 1.5), titles[-1])


def pooling_scene(mode, ties, integer_input, H, W, kernel_h, kernel_w, stride, padding, seed=5,
                  interval=700):
    """The scene of the pooling explorer and its settings-wide state.

    One view per window (i, j), keyed ``"i,j"``, in row-major order; clicking dout cell (i, j)
    selects it. Grids: ``x`` (padded input), ``dout``, ``g`` (the selected dout entry),
    ``share`` (where this window's gradient lands) and ``dx`` (all windows' shares summed).
    Raises :class:`InvalidSetting` when no window fits or the padding is over half the kernel.
    """
    kh, kw, s, p = kernel_h, kernel_w, stride, padding
    geom = drawable_geometry(H, W, kh, kw, s, p, 1)
    reason = padding_reason(p, kh, kw)
    if reason:
        raise InvalidSetting(reason)
    Ho, Wo = geom.output_shape
    Hp, Wp = H + 2 * p, W + 2 * p
    x, dout = pooling_arrays(seed, H, W, Ho, Wo, integer_input)
    fill = -np.inf if mode == "max" else 0.0
    xpad = np.pad(x[0, 0], p, constant_values=fill)
    if mode == "max":
        out = maxpool2d_forward(x, (kh, kw), s, p)[0, 0]
        reference = maxpool2d_backward(dout, x, (kh, kw), s, p, ties=ties)[0, 0]
    else:
        out = avgpool2d_forward(x, (kh, kw), s, p)[0, 0]
        reference = avgpool2d_backward(dout, x, (kh, kw), s, p)[0, 0]
    routes = pool_routes(dout[0, 0], x[0, 0], (kh, kw), s, p, mode=mode, ties=ties)
    dx = np.zeros((H, W))
    into = {}  # (r, c) -> [(i, j, amount)]: every share an entry receives
    for i, j, r, c, amount in routes:
        dx[r, c] += amount
        into.setdefault((r, c), []).append((i, j, amount))
    fn = "maxpool2d_backward" if mode == "max" else "avgpool2d_backward"
    matches = bool(np.allclose(dx, reference))
    base = dict(valid=True, mode=mode, ties=ties, x=x[0, 0], dout=dout[0, 0], out=out, dx=dx,
                reference=reference, routes=routes, output_shape=(Ho, Wo), kernel=(kh, kw),
                stride=s, padding=p, matches_reference=matches)

    # ------------------------------------------------------------------ layout
    # Top: x (padded) and dout. Below: dx under x's unpadded part, this window's share, and g.
    # Arrows run from g into the share grid, which is blank outside the selected window, so
    # they cross no number.
    gap = 2.5
    R2 = max(Hp, Ho) + 2.6
    xs = Wp + gap
    hub_col = xs + W + 2.0
    hub_row = R2 + (H - 1) / 2
    sc = Scene(title=f"{mode} pooling routes", interval=interval, legend_labels={
        "padding": ("padding −∞ (hatched //): never a maximum" if mode == "max"
                    else "padding 0 (hatched //): counts in the divisor"),
        "kernel": "wins some window: receives gradient (dashed edge)",
        "gradient": "dout, and dx entries that receive gradient",
        "highlight": "selected window, its g and where g lands (thick edge)",
        "blank": "receives nothing",
    })
    roles = padded_roles(H, W, p, p)
    if mode == "max":
        for _, _, r, c, _ in routes:
            roles[r + p, c + p] = "kernel"
    sc.grid("x", _title(Wp, f"x (padded, {'−∞' if mode == 'max' else '0'})" if p else "x", "x"), (Hp, Wp),
            roles=roles.tolist(), texts=[[format_number(v) for v in row] for row in xpad],
            row_labels=[format_number(r - p) for r in range(Hp)],
            col_labels=[format_number(c - p) for c in range(Wp)],
            label="input cell")
    sc.grid("dout", _title(Wo, f"dout {Ho} × {Wo}", "dout"), (Ho, Wo), origin=(0, xs), roles="gradient",
            texts=[[format_number(v) for v in row] for row in dout[0, 0]], label="dout cell: pick a window")
    sc.grid("dx", _title(W, "dx: all windows' shares summed", "dx (all windows)", "dx"), (H, W), origin=(R2, p),
            roles=[["gradient" if v != 0 else "blank" for v in row] for row in dx],
            texts=[[_short(v) for v in row] for row in dx], label="dx cell")
    sc.grid("share", _title(W, "this window's share of g", "its share of g", "share"), (H, W), origin=(R2, xs), roles="blank",
            label="share of the selected window")
    sc.grid("g", "g", (1, 1), origin=(hub_row, hub_col), roles="highlight",
            row_labels=[""], col_labels=[""], label="the selected window's gradient g")
    sc.note = "\n".join([
        f"{mode} pooling, kernel {kh}×{kw}, stride {s}, padding {p} → out {Ho}×{Wo}; {_overlap(s, kh, kw)}.",
        "g = dout[i, j], the gradient of the selected window's output. x is labelled with input "
        "coordinates, as dx is: padding lies outside 0…H−1, 0…W−1.",
        f"dx = every window's share added up; equals cb.{fn}: {'✓' if matches else '✗ MISMATCH'}",
    ])

    # ------------------------------------------------------------------ one view per window
    by_window = {}
    for rt in routes:
        by_window.setdefault(rt[:2], []).append(rt)
    for i in range(Ho):
        for j in range(Wo):
            sc.add_view(f"{i},{j}", _window_view(i, j, by_window.get((i, j), []), into, xpad, dout[0, 0], dx,
                                                 mode, ties, kh, kw, s, p),
                        selectors=[("dout", i, j)])
    return sc, base


def _window_view(i, j, mine, into, xpad, dout, dx, mode, ties, kh, kw, s, p) -> View:
    """The view of window (i, j): its routes ``mine`` (i, j, r, c, amount), drawn and read out."""
    H, W = dx.shape
    r0, c0 = i * s, j * s  # padded coordinates of the window's top-left entry
    g = float(dout[i, j])
    win = xpad[r0 : r0 + kh, c0 : c0 + kw]
    tied = [(int(a) + r0 - p, int(b) + c0 - p) for a, b in np.argwhere(win == win.max())]
    n = kh * kw if mode == "average" else (len(tied) if ties == "split" else 1)
    share = _share(g, n)
    cells = [("dout", i, j, "highlight")]
    texts = [("g", 0, 0, _short(g))]
    for _, _, r, c, _ in mine:
        cells += [("share", r, c, "highlight"), ("dx", r, c, "highlight")]
        texts.append(("share", r, c, share))
        if mode == "max":
            cells.append(("x", r + p, c + p, "highlight"))
    # the window in unpadded coordinates, clipped to the input (dx and share grids)
    r_lo, r_hi = max(r0 - p, 0), min(r0 - p + kh, H)
    c_lo, c_hi = max(c0 - p, 0), min(c0 - p + kw, W)
    windows = [("x", r0, c0, kh, kw, "highlight"),
               ("share", r_lo, c_lo, r_hi - r_lo, c_hi - c_lo, "highlight"),
               ("dx", r_lo, c_lo, r_hi - r_lo, c_hi - c_lo, "highlight")]
    if mode == "max" or not mine:
        arrows = [(("g", 0, 0), ("share", r, c), "highlight", "") for _, _, r, c, _ in mine]
    else:
        # average: every entry gets the same share; one arrow into the window's entry nearest g
        # (an arrow per entry would cross the other entries' numbers)
        r, c = min(((r, c) for _, _, r, c, _ in mine), key=lambda t: (-t[1], abs(t[0] - (H - 1) / 2)))
        arrows = [(("g", 0, 0), ("share", r, c), "highlight", f"{share} each")]

    lines = [f"window ({i}, {j}) covers x rows {r0 - p}…{r0 - p + kh - 1}, columns "
             f"{c0 - p}…{c0 - p + kw - 1}; g = dout[{i}, {j}] = {fmt(g)}."]
    if mode == "max":
        m = fmt(win.max())
        where = ", ".join(f"x[{r}, {c}]" for r, c in tied)
        if len(tied) == 1:
            lines.append(f"Its maximum {m} is at {where}: it takes all of g = {fmt(g)}.")
        elif ties == "first":
            lines.append(f"Its maximum {m} is at {where}: a tie; ties='first': the first one (row-major), "
                         f"x[{tied[0][0]}, {tied[0][1]}], takes all of g = {fmt(g)}.")
        else:
            lines.append(f"Its maximum {m} is at {where}: a tie; ties='split': each of the {len(tied)} "
                         f"gets g/{len(tied)} = {fmt(g)}/{len(tied)} = {share}.")
    else:
        dropped = kh * kw - len(mine)
        exact = f"{fmt(g)}/{kh * kw}" + ("" if share == f"{fmt(g)}/{kh * kw}" else f" = {share}")
        lines.append(f"Every entry receives g/(HH·WW) = {exact}" + (f" ≈ {fmt(g / n)}" if "/" in share else "")
                     + (f"; {dropped} of these shares land on the padding and reach no input" if dropped else "")
                     + ".")
    if not mine:
        lines.append("Routes: none reach the input.")
    elif len(mine) <= 3:
        lines.append("Routes: " + "; ".join(f"dx[{r}, {c}] += {share}" for _, _, r, c, _ in mine) + ".")
        for _, _, r, c, _ in mine:
            terms = into[(r, c)]
            if len(terms) == 1:
                lines.append(f"dx[{r}, {c}] = {fmt(dx[r, c])}: only this window reaches it.")
            elif len(terms) <= 4:
                lines.append(f"dx[{r}, {c}] = " + " + ".join(f"{fmt(a)} (window {ii},{jj})" for ii, jj, a in terms)
                             + f" = {fmt(dx[r, c])}: overlapping windows add up.")
            else:
                lines.append(f"dx[{r}, {c}] = the shares of {len(terms)} windows = {fmt(dx[r, c])}.")
    else:
        lines.append(f"Routes: dx[{r_lo}…{r_hi - 1}, {c_lo}…{c_hi - 1}] each += {share} ({len(mine)} entries).")
        lines.append("dx there, every window's shares added: "
                     + ", ".join(f"dx[{r}, {c}] = {fmt(dx[r, c])}" for _, _, r, c, _ in mine) + ".")
    return View(
        cells=cells, texts=texts, windows=windows, arrows=arrows, readout="\n".join(lines),
        state=dict(selected=(i, j), selected_routes=mine, window=(r0, c0, kh, kw),
                   receiving=[(r, c) for _, _, r, c, _ in mine], share=share),
    )


def pooling_settings(mode="max", ties="first", integer_input=True, H=6, W=6, kernel=2, stride=2,
                     padding=0, window=0, seed=5, kernel_h=None, kernel_w=None, interval=700) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict (``kernel_h``/``kernel_w`` filled in from ``kernel``); ``"view"`` is the
    key ``"i,j"`` of window ``window`` (None when the setting cannot be drawn)."""
    mode = check_choice("mode", mode, ("max", "average"), aliases={"avg": "average"})
    ties = check_choice("ties", ties, ("first", "split"))
    integer_input = check_flag("integer_input", integer_input)
    H, W, kernel = check_sizes(H=H, W=W, kernel=kernel).values()
    kernel_h = kernel if kernel_h is None else check_sizes(kernel_h=kernel_h)["kernel_h"]
    kernel_w = kernel if kernel_w is None else check_sizes(kernel_w=kernel_w)["kernel_w"]
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    out = (output_shape(H, W, kernel_h, kernel_w, stride, padding)
           if not padding_reason(padding, kernel_h, kernel_w) else None)
    window = check_index("window", window, None if out is None else out[0] * out[1],
                         "the pooling windows (i·W_out + j)")
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    view = None if out is None else f"{window // out[1]},{window % out[1]}"
    return dict(mode=mode, ties=ties, integer_input=integer_input, H=H, W=W, kernel=kernel, stride=stride,
                padding=padding, window=window, seed=seed, kernel_h=kernel_h, kernel_w=kernel_w,
                interval=interval, view=view)


def build_pooling(**settings):
    """The scene ``pooling_explorer(**settings)`` shows first, its settings-wide state and the key
    of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = pooling_settings(**settings)
    names = ("mode", "ties", "integer_input", "H", "W", "kernel_h", "kernel_w", "stride", "padding", "seed",
             "interval")
    sc, base = pooling_scene(**{k: s[k] for k in names})
    return sc, base, first_view(sc, s["view"])

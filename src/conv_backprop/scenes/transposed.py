"""The scene of the transposed-convolution explorer of notebook 11
(``notebooks/11-transposed-convolution.ipynb``), built from the package's maths alone.

One input channel, one output channel: x (1, 1, H, W), w (1, 1, HH, WW), no bias. Two modes.

* ``"scatter"``: selecting input entry (i, j) (click it in ``x``, or step with ◀ ▶ and Play)
  adds the weighted kernel copy ``x[i, j]·w`` onto the output at rows ``i·s + u·d − p`` and
  columns ``j·s + v·d − p``; the output grid shows the running total after the inputs scattered
  so far (row-major order), so Play builds the output copy by copy. The output is drawn with
  its padding ring: a transposed convolution's padding *crops* that ring (hatched //). Selecting
  an output cell instead lists every (input, tap) pair that lands there: the copies that
  overlap and add up.
* ``"correlation"``: the same output computed as an ordinary convolution, cell by cell: the
  rotated kernel slides with stride 1 over ``z = cb.transposed_conv_input(x)`` (``s − 1`` zeros
  inserted between the entries, padded by ``d·(k − 1) − p``, plus ``output_padding`` rows at
  the bottom/right).

In both modes the grid ``count`` is the overlap count ``cb.conv_transpose2d_forward(ones, ones)``:
how many kernel copies land on each output. When the stride does not divide the kernel size the
count alternates (the checkerboard pattern); in the correlation view it is the number of taps
that meet an entry of x rather than an inserted zero.

:func:`build_transposed` takes the explorer's keyword arguments and returns what it shows first;
the widget (:mod:`conv_backprop.explorers.transposed`) adds the sliders and the mode toggle.
"""

from __future__ import annotations

import functools

import numpy as np

from ..drawing import format_number
from ..scene import InvalidSetting, Scene, View
from ..transposed import conv_transpose2d_forward, conv_transpose2d_output_size, transposed_conv_input
from ._common import demo_values, first_view, fmt, roles_from_kinds, sentence
from ._settings import check_choice, check_index, check_int, check_seed, check_sizes
from .im2col_scene import _heat

__all__ = ["build_transposed", "transposed_settings", "transposed_arrays", "transposed_scene",
           "transposed_geometry", "per_phase_counts", "MODES"]

MODES = ("scatter", "correlation")
ROW_GAP = 2.6  # room above a grid for its title and column labels
COL_GAP = 2.0


def transposed_geometry(H, W, HH, WW, stride, padding, output_padding, dilation) -> tuple[int, int]:
    """(H_out, W_out) of these settings (``cb.conv_transpose2d_output_size``); raises
    :class:`InvalidSetting` with the package's explanation when they are not valid (an
    ``output_padding`` not below the stride or the dilation, an output smaller than 1)."""
    try:
        return conv_transpose2d_output_size((H, W), (HH, WW), stride, padding, output_padding, dilation)
    except ValueError as exc:
        raise InvalidSetting(sentence(f"PyTorch refuses this setting, and so does the package: {exc}")) from None


def transposed_arrays(seed, H, W, HH, WW) -> tuple[np.ndarray, np.ndarray]:
    """The seeded x (1, 1, H, W) and w (1, 1, HH, WW) the explorer shows: small non-zero
    integers, x positive so the overlaps visibly add up."""
    rng = np.random.default_rng([seed, H, W, HH, WW])
    return demo_values(rng, (1, 1, H, W), 1, 3), demo_values(rng, (1, 1, HH, WW), -2, 2)


def per_phase_counts(k: int, stride: int, dilation: int) -> list:
    """Along one axis, away from the borders: how many of the k taps of the copies land on an
    output at each position modulo the stride, ``[#{u : u·d ≡ ρ (mod s)} for ρ = 0 … s − 1]``.
    All equal (e.g. s divides k when d = 1): no checkerboard; uneven: a checkerboard."""
    return [sum(1 for u in range(k) if (u * dilation) % stride == rho) for rho in range(stride)]


def _list(values) -> str:
    return "/".join(str(v) for v in values)


def _z_kinds(size, n_in, k, s, p, op, d) -> list:
    """What each row (or column) of z = transposed_conv_input(x) is, along one axis: "entry" (an
    x row), "inserted" (one of the s − 1 zeros between), "padding" (the d·(k − 1) − p zeros
    around) or "extra" (the output_padding zeros at the end)."""
    before = d * (k - 1) - p  # E − 1 − p: where x's row 0 lands (negative: cropped)
    span = (n_in - 1) * s + 1
    kinds = []
    for t in range(size):
        u = t - before
        if 0 <= u < span:
            kinds.append("entry" if u % s == 0 else "inserted")
        elif u >= span and size - t <= op:
            kinds.append("extra")
        else:
            kinds.append("padding")
    return kinds


def _axis_text(name: str, index: int, stride: int, taps, dilation: int, pad: int) -> str:
    """``"rows 2·2 + u·1 − 0 = 4, 5, 6"``: where one input index's kernel copy lands."""
    where = ", ".join(str(index * stride + t * dilation - pad) for t in taps)
    return f"{name} {index}·{stride} + {'u' if name == 'rows' else 'v'}·{dilation} − {pad} = {where}"


def transposed_scene(H, W, HH, WW, stride, padding, output_padding, dilation, mode="scatter", seed=2,
                     interval=700):
    """The scene of the transposed-convolution explorer and its settings-wide state.

    ``mode="scatter"``: one view per input entry (i, j), keyed ``"in:i,j"``, in row-major order
    (clicking x[i, j] selects it), and one per cell of the output drawn with its padding ring,
    keyed ``"out:r,q"`` by its output position (−p ≤ r < H_out + p: the ring's rows are below 0
    or from H_out on; clicking it, or the count grid at that output, selects it; not in the
    stepping order). The keys of the outputs are the same in both modes, so a selected output
    stays selected when the mode changes. ``mode="correlation"``: one view per output
    (r, q), keyed ``"out:r,q"``, in row-major order (clicking the output, the count grid or the
    window's corner in z selects it). Raises :class:`InvalidSetting` for an invalid setting.
    """
    s, p, op, d = stride, padding, output_padding, dilation
    Ho, Wo = transposed_geometry(H, W, HH, WW, s, p, op, d)
    x, w = transposed_arrays(seed, H, W, HH, WW)
    zero = np.zeros(1)
    out = conv_transpose2d_forward(x, w, zero, s, p, op, d)[0, 0]
    # The uncropped buffer: the same layer without padding (same output_padding, still valid)
    # has H_out + 2p rows, the padding ring included.
    buf = conv_transpose2d_forward(x, w, zero, s, 0, op, d)[0, 0]
    ones_x, ones_w = np.ones_like(x), np.ones_like(w)
    count = conv_transpose2d_forward(ones_x, ones_w, zero, s, p, op, d)[0, 0].round().astype(int)
    buf_count = conv_transpose2d_forward(ones_x, ones_w, zero, s, 0, op, d)[0, 0].round().astype(int)
    Hb, Wb = buf.shape
    assert (Hb, Wb) == (Ho + 2 * p, Wo + 2 * p) and np.array_equal(buf[p:p + Ho, p:p + Wo], out)
    Eh, Ew = d * (HH - 1) + 1, d * (WW - 1) + 1
    num = functools.lru_cache(maxsize=None)(format_number)
    base = {"valid": True, "mode": mode, "x": x[0, 0], "w": w[0, 0], "out": out, "buffer": buf, "count": count,
            "output_shape": (Ho, Wo), "settings": dict(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p,
                                                       output_padding=op, dilation=d)}
    note = [f"H_out = (H − 1)·s − 2p + d·(HH − 1) + output_padding + 1 = ({H} − 1)·{s} − 2·{p} + "
            f"{d}·({HH} − 1) + {op} + 1 = {Ho};  W_out = ({W} − 1)·{s} − 2·{p} + {d}·({WW} − 1) + {op} + 1 = {Wo}."]
    rows_n, cols_n = per_phase_counts(HH, s, d), per_phase_counts(WW, s, d)
    base["per_phase"] = (rows_n, cols_n)
    if len(set(rows_n)) > 1 or len(set(cols_n)) > 1:
        note.append(f"count: away from the borders, an output row receives {_list(rows_n)} copies by its "
                    f"position modulo the stride {s}, a column {_list(cols_n)}: uneven, so the counts form a "
                    f"checkerboard (the stride does not divide the kernel's taps evenly).")
    else:
        note.append(f"count: away from the borders every output receives {rows_n[0] * cols_n[0]} "
                    f"cop{'y' if rows_n[0] * cols_n[0] == 1 else 'ies'}: even, no checkerboard (only the "
                    f"borders receive fewer).")
    count_roles = [["unused" if n == 0 else "blank" if n == 1 else "gradient" for n in row] for row in count]
    count_legend = {"blank": "count 1: one kernel copy lands here",
                    "gradient": "count ≥ 2: copies overlap and add (darker: more)",
                    "unused": "count 0: no copy lands here (hatched xx)"}
    if mode == "correlation" and op:
        count_legend["unused"] = ("output_padding zero in z; count 0: no copy lands here (hatched xx)"
                                  if (count == 0).any() else "output_padding zero (hatched xx)")
    if mode == "scatter":
        sc = _scatter(x[0, 0], w[0, 0], buf, buf_count, count, count_roles, num, s, p, op, d, Ho, Wo, Eh, Ew,
                      interval, count_legend)
        note.append("Scatter: each input entry adds x[i, j]·w onto the output at rows i·s + u·d − p, "
                    "columns j·s + v·d − p; the ring (hatched //) is what padding p crops.")
    else:
        sc, z = _correlation(x, w, out, count, count_roles, num, s, p, op, d, Ho, Wo, Eh, Ew, interval,
                             count_legend)
        base["z"] = z
        around = (f"padded by d·(k − 1) − p = {Eh - 1 - p}" if Eh - 1 - p >= 0 else
                  f"cropped by p − d·(k − 1) = {p - Eh + 1}")
        note.append(f"Correlation: out = rot(w) slid with stride 1 over z (x with {s - 1} zero"
                    f"{'s' if s != 2 else ''} inserted between entries, {around}, plus output_padding = "
                    f"{op} at the bottom/right).")
    sc.note = "\n".join(note)
    return sc, base


def _scatter(x, w, buf, buf_count, count, count_roles, num, s, p, op, d, Ho, Wo, Eh, Ew, interval, count_legend):
    H, W = x.shape
    HH, WW = w.shape
    Hb, Wb = buf.shape
    sc = Scene(title="transposed convolution: every input scatters a weighted kernel copy", interval=interval,
               legend_labels={"input": "input x (click an entry)", "kernel": "weights w (dashed edge)",
                              "output": "output: running total of the copies scattered so far",
                              "padding": "cropped by padding p (hatched //)",
                              "highlight": "the input entry, its kernel copy (thick edge)", **count_legend})
    sc.grid("x", "x[0, 0]: pick one" if W >= 5 else "x[0, 0]", (H, W), roles="input",
            texts=[[num(v) for v in row] for row in x], label="input entry")
    sc.grid("w", "w[0, 0]", (HH, WW), origin=(H + ROW_GAP, 0), roles="kernel",
            texts=[[num(v) for v in row] for row in w], label="kernel tap")
    ox = max(W, WW) + COL_GAP
    roles = []
    for t in range(Hb):
        line = []
        for c in range(Wb):
            if not (p <= t < p + Ho and p <= c < p + Wo):
                line.append("padding")
            elif buf_count[t, c] == 0:
                line.append("unused")
            else:
                line.append("output")
        roles.append(line)
    sc.grid("out", "out[0, 0], cropped ring" if p else "out[0, 0]", (Hb, Wb),
            origin=(0, ox), roles=roles, texts=[[num(v) for v in row] for row in buf],
            row_labels=[str(t - p) for t in range(Hb)], col_labels=[str(c - p) for c in range(Wb)],
            label="output cell")
    cx = ox + Wb + COL_GAP
    sc.grid("count", "count: copies per output", (Ho, Wo), origin=(0, cx), roles=count_roles,
            texts=[[str(n) for n in row] for row in count], faces=_heat(count), label="overlap count")

    # every input's copy, at once: a batch of one-hot inputs (package maths), then running sums
    onehot = (np.eye(H * W) * x.reshape(-1)).reshape(H * W, 1, H, W)
    copies = conv_transpose2d_forward(onehot, w[None, None], np.zeros(1), s, 0, op, d)[:, 0]
    running = np.cumsum(copies, axis=0)
    final = [[num(v) for v in row] for row in buf]
    def scatter_view(k):  # the view of input k = i·W + j: its copy, and the running total
        i, j = divmod(k, W)
        xv = float(x[i, j])
        taps = [(u, v, i * s + u * d, j * s + v * d) for u in range(HH) for v in range(WW)]
        cells = [("x", i, j, "highlight")]
        texts = []
        run = running[k]
        block = {(t, c) for _, _, t, c in taps}
        for t in range(Hb):
            for c in range(Wb):
                if (t, c) in block:
                    continue
                label = num(run[t, c])
                if label != final[t][c]:
                    texts.append(("out", t, c, label))
        lines = [f"x[0, 0, {i}, {j}] = {num(xv)} scatters {num(xv)}·w onto "
                 f"{_axis_text('rows', i, s, range(HH), d, p)}; {_axis_text('columns', j, s, range(WW), d, p)}:"]
        terms = []
        for u, v, t, c in taps:
            wv = float(w[u, v])
            inside = p <= t < p + Ho and p <= c < p + Wo
            cells.append(("out", t, c, "highlight"))
            part = num(xv * wv)  # "+6" or "−3": what this copy adds
            texts.append(("out", t, c, f"{num(run[t, c])}\n{part if part.startswith('−') else '+' + part}"))
            terms.append((u, v, t - p, c - p, xv, wv, inside))
            where = "" if inside else "   (in the ring: cropped by the padding)"
            lines.append(f"  out[{t - p}, {c - p}] += {fmt(xv)}·w[{u}, {v}] = {fmt(xv)}·{fmt(wv)} = {num(xv * wv)}{where}")
        windows = [("out", i * s, j * s, Eh, Ew, "highlight"), ("w", 0, 0, HH, WW, "highlight")]
        r0, r1 = max(i * s - p, 0), min(i * s - p + Eh, Ho)
        c0, c1 = max(j * s - p, 0), min(j * s - p + Ew, Wo)
        if r1 > r0 and c1 > c0:
            windows.append(("count", r0, c0, r1 - r0, c1 - c0, "highlight"))
        if k + 1 < H * W:
            lines.append(f"The output shows the running total after inputs 0…{k} (row-major); "
                         f"{H * W - k - 1} more to scatter.")
        else:
            ok = "✓" if np.allclose(run[p:p + Ho, p:p + Wo], buf[p:p + Ho, p:p + Wo]) else "✗ MISMATCH"
            lines.append(f"All {H * W} inputs scattered: out = cb.conv_transpose2d_forward(x, w) {ok}")
        return View(cells=cells, texts=texts, windows=windows, readout="\n".join(lines),
                    state={"input": (i, j), "terms": terms, "running": run[p:p + Ho, p:p + Wo].copy(),
                           "reached": [(t - p, c - p) for _, _, t, c in taps]})

    for k in range(H * W):
        i, j = divmod(k, W)
        sc.add_view(f"in:{i},{j}", functools.partial(scatter_view, k), selectors=[("x", i, j)])

    # the gather view of each output cell: which (input, tap) pairs land there
    def gather_view(t, c):  # the view of output cell (t, c) of the uncropped grid
        r, q = t - p, c - p
        pairs = [(i, j, u, v) for i in range(H) for u in range(HH) if i * s + u * d == t
                 for j in range(W) for v in range(WW) if j * s + v * d == c]
        value = sum(float(x[i, j] * w[u, v]) for i, j, u, v in pairs)
        cells = [("out", t, c, "highlight")]
        cells += [("x", i, j, "highlight") for i, j, _, _ in pairs]
        cells += [("w", u, v, "highlight") for _, _, u, v in pairs]
        inside = 0 <= r < Ho and 0 <= q < Wo
        head = f"out[0, 0, {r}, {q}]" + ("" if inside else " (in the ring: cropped by the padding)")
        lines = [f"{head} = Σ x[i, j]·w[u, v] over i·{s} + u·{d} = {r} + {p}, j·{s} + v·{d} = {q} + {p}:"]
        if pairs:
            lines.append("  " + " + ".join(f"x[{i}, {j}]·w[{u}, {v}]" for i, j, u, v in pairs))
            lines.append("  = " + " + ".join(f"{fmt(x[i, j])}·{fmt(w[u, v])}" for i, j, u, v in pairs)
                         + f" = {num(value)}")
        else:
            lines.append("  no kernel copy lands here: 0")
        if inside:
            ok = "✓" if abs(value - buf[t, c]) <= 1e-9 * (1 + abs(value)) else "✗ MISMATCH"
            lines.append(f"  {len(pairs)} cop{'y' if len(pairs) == 1 else 'ies'} overlap here (count "
                         f"{count[r, q]}); cb.conv_transpose2d_forward gives {num(buf[t, c])} {ok}")
        return View(cells=cells, readout="\n".join(lines),
                    state={"output": (r, q), "pairs": pairs, "value": value, "inside": inside,
                           "reference": float(buf[t, c])})

    for t in range(Hb):
        for c in range(Wb):
            r, q = t - p, c - p
            inside = 0 <= r < Ho and 0 <= q < Wo
            selectors = [("out", t, c)] + ([("count", r, q)] if inside else [])
            sc.add_view(f"out:{r},{q}", functools.partial(gather_view, t, c), selectors=selectors, step=False)
    return sc


def _correlation(x, w, out, count, count_roles, num, s, p, op, d, Ho, Wo, Eh, Ew, interval, count_legend):
    H, W = x.shape[2:]
    HH, WW = w.shape[2:]
    z = transposed_conv_input(x, (HH, WW), s, p, op, d)[0, 0]
    w_rot = w[0, 0, ::-1, ::-1]
    Hz, Wz = z.shape
    rows = _z_kinds(Hz, H, HH, s, p, op, d)
    cols = _z_kinds(Wz, W, WW, s, p, op, d)
    roles = roles_from_kinds(rows, cols, entry="input", unused_kind="extra")
    before = (Eh - 1 - p, Ew - 1 - p)
    # which x entry sits where in z (none when the padding crops it away)
    source = {}
    for i in range(H):
        for j in range(W):
            t, c = before[0] + i * s, before[1] + j * s
            if 0 <= t < Hz and 0 <= c < Wz:
                source[(t, c)] = (i, j)
    sc = Scene(title="transposed convolution as a correlation: rot(w) over the zero-inserted input",
               interval=interval,
               legend_labels={"input": "an entry of x", "blank": f"inserted zero (s − 1 = {s - 1} between)",
                              "padding": "padding zero, d·(k − 1) − p (hatched //)",
                              "kernel": "rotated kernel rot(w) (dashed edge)", "output": "output",
                              "highlight": "the output, its window (thick edge)", **count_legend})
    z_title = "z: x zero-inserted, padded" if Wz >= 8 else "z"
    sc.grid("z", z_title, (Hz, Wz), roles=roles, texts=[[num(v) for v in row] for row in z],
            label="entry of z")
    kx = Wz + COL_GAP
    sc.grid("w", "w[0, 0]", (HH, WW), origin=(0, kx), roles="kernel",
            texts=[[num(v) for v in row] for row in w[0, 0]], label="kernel tap")
    sc.grid("r", "rot(w)", (HH, WW), origin=(HH + ROW_GAP, kx), roles="kernel",
            texts=[[num(v) for v in row] for row in w_rot], label="rotated kernel tap")
    ox = kx + WW + COL_GAP
    sc.grid("out", "out[0, 0]", (Ho, Wo), origin=(0, ox), roles="output",
            texts=[[num(v) for v in row] for row in out], label="output cell")
    cx = ox + Wo + COL_GAP
    sc.grid("count", "count: copies per output", (Ho, Wo), origin=(0, cx), roles=count_roles,
            texts=[[str(n) for n in row] for row in count], faces=_heat(count), label="overlap count")
    def view_of(r, q):  # the view of output (r, q)
        terms, pairs, texts = [], [], []
        cells = [("out", r, q, "highlight")]
        for u in range(HH):
            for v in range(WW):
                t, c = r + u * d, q + v * d
                zv, wv = float(z[t, c]), float(w_rot[u, v])
                terms.append((u, v, t, c, zv, wv))
                cells.append(("z", t, c, "highlight"))
                texts.append(("z", t, c, f"{num(zv)}\n×{num(wv)}"))
                if (t, c) in source:
                    i, j = source[(t, c)]
                    pairs.append((i, j, HH - 1 - u, WW - 1 - v))
        value = sum(zv * wv for *_, zv, wv in terms)
        ok = "✓" if abs(value - out[r, q]) <= 1e-9 * (1 + abs(value)) else "✗ MISMATCH"
        lines = [f"out[0, 0, {r}, {q}] = Σ_(u,v) z[{r} + u·{d}, {q} + v·{d}] · rot(w)[u, v]",
                 "  = " + " + ".join(f"{fmt(zv)}·{fmt(wv)}" for *_, zv, wv in terms) + f" = {num(value)}"
                 f"   (cb.conv_transpose2d_forward: {num(out[r, q])} {ok})",
                 f"  {len(pairs)} of the {HH * WW} taps meet an entry of x (the rest meet inserted or "
                 f"padding zeros): the count {count[r, q]}."]
        if pairs:
            lines.append("  the same products as the scatter view: "
                         + ", ".join(f"x[{i}, {j}]·w[{u}, {v}]" for i, j, u, v in pairs))
        windows = [("z", r, q, Eh, Ew, "highlight"), ("r", 0, 0, HH, WW, "highlight")]
        return View(cells=cells, texts=texts, windows=windows,
                    readout="\n".join(lines),
                    state={"output": (r, q), "terms": terms, "pairs": pairs, "value": value,
                           "reference": float(out[r, q])})

    for r in range(Ho):
        for q in range(Wo):
            sc.add_view(f"out:{r},{q}", functools.partial(view_of, r, q),
                        selectors=[("out", r, q), ("count", r, q), ("z", r, q)])
    return sc, z


def transposed_settings(H=3, W=3, HH=3, WW=3, stride=2, padding=0, output_padding=0, dilation=1,
                        mode="scatter", step=0, seed=2, interval=700) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"view"`` is the key of view ``step`` of the stepping order: input
    entry k = i·W + j (scatter) or output k = r·W_out + q (correlation)."""
    H, W, HH, WW = check_sizes(H=H, W=W, HH=HH, WW=WW).values()
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    output_padding = check_int("output_padding", output_padding, 0)
    dilation = check_int("dilation", dilation, 1)
    mode = check_choice("mode", mode, MODES)
    try:
        Ho, Wo = conv_transpose2d_output_size((H, W), (HH, WW), stride, padding, output_padding, dilation)
    except ValueError:
        Ho = Wo = None  # explained when drawn
    if mode == "scatter":
        step = check_index("step", step, H * W, "the input entries (k = i·W + j)")
        view = f"in:{step // W},{step % W}"
    else:
        step = check_index("step", step, None if Ho is None else Ho * Wo, "the outputs (k = r·W_out + q)")
        view = f"out:{step // Wo},{step % Wo}" if Ho is not None else ""
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    return dict(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation, mode=mode, step=step, seed=seed, interval=interval, view=view)


def build_transposed(**settings):
    """The scene ``transposed_explorer(**settings)`` shows first, its settings-wide state and the
    key of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = transposed_settings(**settings)
    sc, base = transposed_scene(**{k: s[k] for k in ("H", "W", "HH", "WW", "stride", "padding",
                                                     "output_padding", "dilation", "mode", "seed", "interval")})
    return sc, base, first_view(sc, s["view"])

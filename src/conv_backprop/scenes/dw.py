"""The scene of the weight-gradient explorer of notebook 04 (``notebooks/04-backward-dw-db.ipynb``),
built from the package's maths alone.

Every kernel ``w[f, c]`` and its gradient ``dw[f, c]``, every padded input channel ``xpad[n, c]``
and every upstream gradient ``dout[n, f]``. Selecting the weight ``w[f, c, u, v]`` (kernel row
tap u, column tap v) marks every input entry it multiplies in the forward pass
(``xpad[n, c, i·s + u·d, j·s + v·d]`` for every output (i, j) and every batch item n). The
marked entries form a grid of the same shape as ``dout[n, f]``, and the entry in place (i, j)
meets ``dout[n, f, i, j]``. The read-out writes out the sum of the products that gives
``dw[f, c, u, v]``; it equals ``cb.conv2d_backward``'s dw. That is step 0, all pairs at once;
◀ ▶ and Play then step through the (x, dout) pairs one at a time (the view's steps): each pair
highlighted, an arrow from x to dout carrying its product, and the read-out adding dw up term
by term.

:func:`build_dw` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.dw`) adds the stride, padding and dilation sliders.
"""

from __future__ import annotations

import functools

import numpy as np

from ..conv import conv2d_backward
from ..drawing import format_number
from ..scene import Scene, View
from ._common import demo_values, drawable_geometry, first_view, fmt, padded_roles
from ._settings import check_index, check_int, check_seed, check_sizes, output_shape, check_steps

__all__ = ["build_dw", "dw_settings", "dw_arrays", "dw_dout", "dw_scene", "weight_pairs"]


def weight_pairs(xpad, dout, f, c, u, v, stride, dilation) -> list:
    """Every (x, dout) pair that weight ``w[f, c, u, v]`` meets in the forward pass.

    One tuple ``(n, i, j, row, column, x value, dout value)`` per batch item n and output
    (i, j), in the order k = (n·H_out + i)·W_out + j: weight (u, v) multiplies
    ``xpad[n, c, row, column]`` with ``row = i·s + u·d`` and ``column = j·s + v·d``, and the
    product reaches ``out[n, f, i, j]``, whose gradient is ``dout[n, f, i, j]``. Summing
    ``x · dout`` over the pairs gives ``dw[f, c, u, v]``.
    """
    N, _, Ho, Wo = dout.shape
    pairs = []
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                r, cc = i * stride + u * dilation, j * stride + v * dilation
                pairs.append((n, i, j, r, cc, float(xpad[n, c, r, cc]), float(dout[n, f, i, j])))
    return pairs


def dw_scene(x, w, stride, padding, dilation, dout, pair=None, interval=700):
    """The scene of the dw explorer and its settings-wide state.

    ``x`` is (N, C, H, W), ``w`` is (F, C, HH, WW); ``dout`` is the (N, F, H_out, W_out) upstream
    gradient, or a function ``(H_out, W_out) → dout`` (the output size is known only once the
    geometry is checked). ``pair`` is the index k = (n·H_out + i)·W_out + j of the pair shown
    first (step k + 1, clamped to the last pair), None for all pairs at once (step 0).

    One view per weight (f, c, u, v), keyed ``"f,c,u,v"``, in that order; clicking cell (u, v)
    of the kernel ``w[f, c]`` or of ``dw[f, c]`` selects it. Each view has one step per pair:
    step k + 1 highlights pair k (its x entry and its dout entry, an arrow between them with
    the product) and its read-out adds the product to the sum of the earlier ones; its state
    holds ``pair`` (k), ``current`` (the pair) and ``running`` (the sum up to pair k). Raises
    :class:`InvalidSetting` when no window fits.
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p, d = stride, padding, dilation
    geom = drawable_geometry(H, W, HH, WW, s, p, d)
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    if callable(dout):
        dout = dout(Ho, Wo)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)}; got {dout.shape}")
    _, dw, _ = conv2d_backward(dout, x, w, stride=s, padding=p, dilation=d)
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Hp, Wp = gh.padded_size, gw.padded_size
    npairs = N * Ho * Wo
    base = {"valid": True, "output_shape": (Ho, Wo), "padded_shape": (Hp, Wp),
            "settings": dict(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=s, padding=p, dilation=d)}

    sc = Scene(title="dw: every input one weight multiplies", interval=interval, step_name="pair",
               legend_labels={"kernel": "w; x entries the chosen weight multiplies (dashed)",
                              "highlight": "chosen weight and its dw; the pair of this step (thick edge)",
                              "gradient": "dout and dw",
                              "unused": "never reached: stride steps past it (hatched xx)"})
    sc.step = 0 if pair is None else min(int(pair), npairs - 1) + 1
    # Layout: the kernels w[f, c] (rows f, columns c) and dw[f, c] side by side on top; below,
    # the padded inputs xpad[n, c] (rows n, columns c) and the upstream gradients dout[n, f].
    gap, between, title = 2.5, 1.8, 2.6
    kernel_band = F * (HH + title)
    x_width = C * Wp + (C - 1) * between
    w_width = C * WW + (C - 1) * between
    right = max(x_width, w_width) + gap
    band = max(Hp, Ho) + title
    for f in range(F):
        for c in range(C):
            top, left = f * (HH + title), c * (WW + between)
            sc.grid(f"w{f}_{c}", f"w[{f}, {c}]", (HH, WW), origin=(top, left), roles="kernel",
                    texts=[[format_number(t) for t in row] for row in w[f, c]], label=f"weight w[{f}, {c}]")
            sc.grid(f"dw{f}_{c}", f"dw[{f}, {c}]", (HH, WW), origin=(top, right + left), roles="gradient",
                    texts=[[format_number(t) for t in row] for row in dw[f, c]], label=f"gradient dw[{f}, {c}]")
    unused_rows = list(range(Hp - gh.unused, Hp))
    unused_cols = list(range(Wp - gw.unused, Wp))
    roles = padded_roles(H, W, p, p, unused_rows=unused_rows, unused_cols=unused_cols).tolist()
    for n in range(N):
        top = kernel_band + n * band
        for c in range(C):
            sc.grid(f"x{n}_{c}", f"xpad[{n}, {c}]", (Hp, Wp), origin=(top, c * (Wp + between)), roles=roles,
                    texts=[[format_number(t) for t in row] for row in xpad[n, c]], label=f"padded input xpad[{n}, {c}]")
        for f in range(F):
            sc.grid(f"g{n}_{f}", f"dout[{n}, {f}]", (Ho, Wo), origin=(top, right + f * (Wo + between)),
                    roles="gradient", texts=[[format_number(t) for t in row] for row in dout[n, f]],
                    label=f"upstream gradient dout[{n}, {f}]")
    sc.note = "\n".join([
        "dw[f,c,u,v] = Σ_n Σ_i Σ_j xpad[n, c, i·s + u·d, j·s + v·d] · dout[n, f, i, j]"
        f"   (u, v: the kernel's row and column tap; s = stride {s}, p = padding {p}, d = dilation {d}; "
        "xpad = x with p zeros around it)",
        "dout = ∂L/∂out, the upstream gradient. The (x, dout) pairs are numbered k = (n·H_out + i)·W_out + j.",
        "Click a cell of a kernel w[f, c] (or of dw[f, c]) to choose that weight. "
        "◀ ▶ and Play step through its pairs one at a time, dw adding up term by term (step 0: all pairs).",
    ])

    def inside(r, cc):  # a real input entry, not the zero padding
        return p <= r < p + H and p <= cc < p + W

    # the lines of a step's read-out recur across weights (the same x entry, dout entry, product
    # or running sum): kept as separate lines, the scene's string table sends each once
    fmt_ = functools.lru_cache(maxsize=None)(fmt)
    cache = functools.lru_cache(maxsize=None)
    head = [f"pair k={k} ({k + 1} of {npairs}):" for k in range(npairs)]
    x_line = cache(lambda n, c, r, cc, xv: f"   xpad[{n},{c},{r},{cc}] = {fmt_(xv)}" + ("" if inside(r, cc) else " (padding)"))
    g_line = cache(lambda n, f, i, j, gv: f"   meets dout[{n},{f},{i},{j}] = {fmt_(gv)}")
    p_line = cache(lambda xv, gv: f"   product {fmt_(xv)}·{fmt_(gv)} = {fmt_(xv * gv)}")
    s_line = cache(lambda before, prod: f"   sum so far: {fmt_(before)} + {fmt_(prod)} = {fmt_(before + prod)}")
    ext_h, ext_w = (Ho - 1) * s + 1, (Wo - 1) * s + 1  # the marked entries span dout's shape, s apart

    def view_of(f, c, u, v):  # the view f"{f},{c},{u},{v}"
        pairs = weight_pairs(xpad, dout, f, c, u, v, s, d)
        cells = [(f"x{n}_{c}", r, cc, "kernel") for n, _, _, r, cc, _, _ in pairs]
        cells += [(f"w{f}_{c}", u, v, "highlight"), (f"dw{f}_{c}", u, v, "highlight")]
        windows = [(f"x{n}_{c}", u * d, v * d, ext_h, ext_w, "highlight") for n in range(N)]
        windows += [(f"g{n}_{f}", 0, 0, Ho, Wo, "highlight") for n in range(N)]
        value = sum(xv * gv for *_, xv, gv in pairs)
        ref = float(dw[f, c, u, v])
        name = f"dw[{f},{c},{u},{v}]"
        lines = [f"{name} = Σ_n Σ_i Σ_j xpad[n, {c}, i·{s} + {u}·{d}, j·{s} + {v}·{d}]"
                 f" · dout[n, {f}, i, j]"]
        for n in range(N):
            mine = [(xv, gv) for m, _, _, r, cc, xv, gv in pairs if m == n and inside(r, cc)]
            on_pad = sum(1 for m, _, _, r, cc, *_ in pairs if m == n and not inside(r, cc))
            chunk = " + ".join(f"{fmt_(xv)}·{fmt_(gv)}" for xv, gv in mine) or "0"
            lines.append(f"   batch item {n}: {chunk} = {fmt_(sum(xv * gv for xv, gv in mine))}"
                         + (f"   (+ {on_pad} pair{'s' if on_pad > 1 else ''} on padding zeros,"
                            f" adding 0)" if on_pad else ""))
        ok = "✓" if abs(value - ref) <= 1e-8 + 1e-5 * abs(ref) else "✗ MISMATCH"  # np.isclose
        lines.append(f"   total (summed over the batch, not averaged) = {fmt_(value)};  "
                     f"cb.conv2d_backward gives dw = {fmt_(ref)} {ok}")
        steps, running = [], 0.0
        for k, (n, i, j, r, cc, xv, gv) in enumerate(pairs):
            prod = xv * gv
            before, running = running, running + prod
            step_lines = [
                head[k],
                x_line(n, c, r, cc, xv),
                g_line(n, f, i, j, gv),
                p_line(xv, gv),
                s_line(before, prod),
            ]
            if k == npairs - 1:
                step_lines.append(f"   all {npairs} pairs: {name} = {fmt_(running)};  "
                                  f"cb.conv2d_backward gives {fmt_(ref)} {ok}")
            steps.append(View(
                cells=[(f"x{n}_{c}", r, cc, "highlight"), (f"g{n}_{f}", i, j, "highlight")],
                arrows=[((f"x{n}_{c}", r, cc), (f"g{n}_{f}", i, j), "highlight", format_number(prod))],
                readout="\n".join(step_lines),
                state=dict(pair=k, current=pairs[k], running=running),
            ))
        return View(cells=cells, windows=windows, readout="\n".join(lines), steps=steps,
                    state=dict(weight=(f, c, u, v), pairs=pairs, value=value, reference=ref,
                               output_shape=(Ho, Wo)))

    for f in range(F):
        for c in range(C):
            for u in range(HH):
                for v in range(WW):
                    sc.add_view(f"{f},{c},{u},{v}", functools.partial(view_of, f, c, u, v),
                                selectors=[(f"w{f}_{c}", u, v), (f"dw{f}_{c}", u, v)])
    return sc, base


def dw_settings(N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                f=0, c=0, u=0, v=0, pair=None, seed=2, interval=700, a=None, b=None) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"shapes"`` holds N, C, H, W, F, HH, WW and ``"view"`` the key of
    weight (f, c, u, v). ``a`` and ``b`` are the former names of ``u`` and ``v`` (still
    accepted)."""
    shapes = check_sizes(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW)
    stride, padding, dilation = check_steps(stride, padding, dilation)
    f = check_index("f", f, F, "the filters")
    c = check_index("c", c, C, "the input channels")
    u = check_index("a" if a is not None else "u", a if a is not None else u, HH, "the kernel rows")
    v = check_index("b" if b is not None else "v", b if b is not None else v, WW, "the kernel columns")
    out = output_shape(H, W, HH, WW, stride, padding, dilation)
    if pair is not None:
        pair = check_index("pair", pair, None if out is None else N * out[0] * out[1],
                           "the (x, dout) pairs (k = (n·H_out + i)·W_out + j)")
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    return dict(shapes=shapes, stride=stride, padding=padding, dilation=dilation, f=f, c=c, u=u, v=v,
                pair=pair, seed=seed, interval=interval, view=f"{f},{c},{u},{v}")


def dw_arrays(seed, N, C, H, W, F, HH, WW):
    """The seeded x (N, C, H, W) and w (F, C, HH, WW) the explorer shows: small non-zero
    integers."""
    rng = np.random.default_rng(seed)
    x = demo_values(rng, (N, C, H, W))
    w = demo_values(rng, (F, C, HH, WW), -2, 2)
    return x, w


def dw_dout(seed, N, F, Ho, Wo) -> np.ndarray:
    """The seeded upstream gradient (N, F, Ho, Wo) the explorer shows for an output of size
    (Ho, Wo)."""
    return demo_values(np.random.default_rng([seed + 1, Ho, Wo]), (N, F, Ho, Wo), -2, 2)


def build_dw(**settings):
    """The scene ``dw_explorer(**settings)`` shows first, its settings-wide state and the key of
    the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = dw_settings(**settings)
    sh = s["shapes"]
    x, w = dw_arrays(s["seed"], **sh)
    sc, base = dw_scene(x, w, s["stride"], s["padding"], s["dilation"],
                        dout=lambda Ho, Wo: dw_dout(s["seed"], sh["N"], sh["F"], Ho, Wo),
                        pair=s["pair"], interval=s["interval"])
    return sc, base, first_view(sc, s["view"])

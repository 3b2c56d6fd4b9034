"""The scene of the weight-gradient explorer of notebook 04 (``notebooks/04-backward-dw-db.ipynb``),
built from the package's maths alone.

Every kernel ``w[f, c]`` and its gradient ``dw[f, c]``, every padded input channel ``xpad[n, c]``
and every upstream gradient ``dout[n, f]``. Selecting the weight ``w[f, c, a, b]`` marks every
input entry it multiplies in the forward pass (``xpad[n, c, i·s + a·d, j·s + b·d]`` for every
output (i, j) and every batch item n). The marked entries form a grid of the same shape as
``dout[n, f]``, and the entry in place (i, j) meets ``dout[n, f, i, j]``. One such pair is
highlighted as a worked example. The read-out writes out the sum of the products that gives
``dw[f, c, a, b]``; it equals ``cb.conv2d_backward``'s dw.

:func:`build_dw` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.dw`) adds the stride, padding and dilation sliders.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward
from ..drawing import format_number
from ..scene import Scene, View
from ._common import demo_values, drawable_geometry, first_view, fmt, padded_roles
from ._settings import check_index, check_int, check_seed, check_sizes, output_shape, check_steps

__all__ = ["build_dw", "dw_settings", "dw_arrays", "dw_dout", "dw_scene", "weight_pairs"]


def weight_pairs(xpad, dout, f, c, a, b, stride, dilation) -> list:
    """Every (x, dout) pair that weight ``w[f, c, a, b]`` meets in the forward pass.

    One tuple ``(n, i, j, row, column, x value, dout value)`` per batch item n and output
    (i, j), in the order k = (n·H_out + i)·W_out + j: weight (a, b) multiplies
    ``xpad[n, c, row, column]`` with ``row = i·s + a·d`` and ``column = j·s + b·d``, and the
    product reaches ``out[n, f, i, j]``, whose gradient is ``dout[n, f, i, j]``. Summing
    ``x · dout`` over the pairs gives ``dw[f, c, a, b]``.
    """
    N, _, Ho, Wo = dout.shape
    pairs = []
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                r, cc = i * stride + a * dilation, j * stride + b * dilation
                pairs.append((n, i, j, r, cc, float(xpad[n, c, r, cc]), float(dout[n, f, i, j])))
    return pairs


def dw_scene(x, w, stride, padding, dilation, dout, pair=0, interval=700):
    """The scene of the dw explorer and its settings-wide state.

    ``x`` is (N, C, H, W), ``w`` is (F, C, HH, WW); ``dout`` is the (N, F, H_out, W_out) upstream
    gradient, or a function ``(H_out, W_out) → dout`` (the output size is known only once the
    geometry is checked). ``pair`` is the index k = (n·H_out + i)·W_out + j of the pair shown
    as a worked example (clamped to the last pair).

    One view per weight (f, c, a, b), keyed ``"f,c,a,b"``, in that order; clicking cell (a, b) of
    the kernel ``w[f, c]`` or of ``dw[f, c]`` selects it. Raises :class:`InvalidSetting` when no
    window fits.
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
    k = min(int(pair), npairs - 1)
    base = {"valid": True, "output_shape": (Ho, Wo), "padded_shape": (Hp, Wp),
            "settings": dict(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=s, padding=p, dilation=d)}

    sc = Scene(title="dw: every input one weight multiplies", interval=interval,
               legend_labels={"kernel": "w; x entries the chosen weight multiplies (dashed)",
                              "highlight": "chosen weight and its dw; pair k (thick edge)",
                              "gradient": "dout and dw",
                              "unused": "never reached: stride steps past it (hatched xx)"})
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
                    texts=[[format_number(v) for v in row] for row in w[f, c]], label=f"weight w[{f}, {c}]")
            sc.grid(f"dw{f}_{c}", f"dw[{f}, {c}]", (HH, WW), origin=(top, right + left), roles="gradient",
                    texts=[[format_number(v) for v in row] for row in dw[f, c]], label=f"gradient dw[{f}, {c}]")
    unused_rows = list(range(Hp - gh.unused, Hp))
    unused_cols = list(range(Wp - gw.unused, Wp))
    roles = padded_roles(H, W, p, p, unused_rows=unused_rows, unused_cols=unused_cols).tolist()
    for n in range(N):
        top = kernel_band + n * band
        for c in range(C):
            sc.grid(f"x{n}_{c}", f"xpad[{n}, {c}]", (Hp, Wp), origin=(top, c * (Wp + between)), roles=roles,
                    texts=[[format_number(v) for v in row] for row in xpad[n, c]], label=f"padded input xpad[{n}, {c}]")
        for f in range(F):
            sc.grid(f"g{n}_{f}", f"dout[{n}, {f}]", (Ho, Wo), origin=(top, right + f * (Wo + between)),
                    roles="gradient", texts=[[format_number(v) for v in row] for row in dout[n, f]],
                    label=f"upstream gradient dout[{n}, {f}]")
    sc.note = "\n".join([
        "dw[f,c,a,b] = Σ_n Σ_i Σ_j xpad[n, c, i·s + a·d, j·s + b·d] · dout[n, f, i, j]"
        f"   (s = stride {s}, p = padding {p}, d = dilation {d}; xpad = x with p zeros around it)",
        "dout = ∂L/∂out, the upstream gradient. The (x, dout) pair k = (n·H_out + i)·W_out + j is "
        "highlighted as a worked example.",
        "Click a cell of a kernel w[f, c] (or of dw[f, c]) to choose that weight. "
        "◀ ▶ and Play walk through the weights.",
    ])

    def inside(r, cc):  # a real input entry, not the zero padding
        return p <= r < p + H and p <= cc < p + W

    ext_h, ext_w = (Ho - 1) * s + 1, (Wo - 1) * s + 1  # the marked entries span dout's shape, s apart
    for f in range(F):
        for c in range(C):
            for a in range(HH):
                for b in range(WW):
                    pairs = weight_pairs(xpad, dout, f, c, a, b, s, d)
                    kn, ki, kj, kr, kc, kx, kg = pairs[k]
                    cells = [(f"x{n}_{c}", r, cc, "kernel") for n, _, _, r, cc, _, _ in pairs]
                    cells += [(f"x{kn}_{c}", kr, kc, "highlight"), (f"g{kn}_{f}", ki, kj, "highlight"),
                              (f"w{f}_{c}", a, b, "highlight"), (f"dw{f}_{c}", a, b, "highlight")]
                    windows = [(f"x{n}_{c}", a * d, b * d, ext_h, ext_w, "highlight") for n in range(N)]
                    windows += [(f"g{n}_{f}", 0, 0, Ho, Wo, "highlight") for n in range(N)]
                    value = sum(xv * gv for *_, xv, gv in pairs)
                    ref = float(dw[f, c, a, b])
                    lines = [f"dw[{f},{c},{a},{b}] = Σ_n Σ_i Σ_j xpad[n, {c}, i·{s} + {a}·{d}, j·{s} + {b}·{d}]"
                             f" · dout[n, {f}, i, j]"]
                    for n in range(N):
                        mine = [(xv, gv) for m, _, _, r, cc, xv, gv in pairs if m == n and inside(r, cc)]
                        on_pad = sum(1 for m, _, _, r, cc, *_ in pairs if m == n and not inside(r, cc))
                        chunk = " + ".join(f"{fmt(xv)}·{fmt(gv)}" for xv, gv in mine) or "0"
                        lines.append(f"   batch item {n}: {chunk} = {fmt(sum(xv * gv for xv, gv in mine))}"
                                     + (f"   (+ {on_pad} pair{'s' if on_pad > 1 else ''} on padding zeros,"
                                        f" adding 0)" if on_pad else ""))
                    ok = "✓" if np.isclose(value, ref) else "✗ MISMATCH"
                    lines.append(f"   total (summed over the batch, not averaged) = {fmt(value)};  "
                                 f"cb.conv2d_backward gives dw = {fmt(ref)} {ok}")
                    lines.append(f"   highlighted pair k={k}: xpad[{kn},{c},{kr},{kc}] = {fmt(kx)} meets "
                                 f"dout[{kn},{f},{ki},{kj}] = {fmt(kg)}, product {fmt(kx * kg)}")
                    v = View(cells=cells, windows=windows, readout="\n".join(lines),
                             state=dict(weight=(f, c, a, b), pairs=pairs, current=pairs[k], pair=k,
                                        value=value, reference=ref, output_shape=(Ho, Wo)))
                    sc.add_view(f"{f},{c},{a},{b}", v, selectors=[(f"w{f}_{c}", a, b), (f"dw{f}_{c}", a, b)])
    return sc, base


def dw_settings(N=2, C=2, H=5, W=5, F=2, HH=3, WW=3, stride=1, padding=0, dilation=1,
                f=0, c=0, a=0, b=0, pair=0, seed=2, interval=700) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"shapes"`` holds N, C, H, W, F, HH, WW and ``"view"`` the key of
    weight (f, c, a, b)."""
    shapes = check_sizes(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW)
    stride, padding, dilation = check_steps(stride, padding, dilation)
    f = check_index("f", f, F, "the filters")
    c = check_index("c", c, C, "the input channels")
    a = check_index("a", a, HH, "the kernel rows")
    b = check_index("b", b, WW, "the kernel columns")
    out = output_shape(H, W, HH, WW, stride, padding, dilation)
    pair = check_index("pair", pair, None if out is None else N * out[0] * out[1],
                       "the (x, dout) pairs (k = (n·H_out + i)·W_out + j)")
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    return dict(shapes=shapes, stride=stride, padding=padding, dilation=dilation, f=f, c=c, a=a, b=b,
                pair=pair, seed=seed, interval=interval, view=f"{f},{c},{a},{b}")


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

"""The scene of the flipped-kernel explorer of notebook 05
(``notebooks/05-flipped-kernel-identity.ipynb``), built from the package's maths alone.

``dout`` gets ``s − 1`` zeros inserted between its entries and is padded by ``E − 1 − p``
(``cb.flipped_kernel_input``; ``E = d·(k − 1) + 1`` is the kernel's extent, and the rows the
forward pass left unused are zero-filled at the bottom/right). The kernel rotated by 180° slides
over it with stride 1, and dx appears cell by cell; each value matches the index derivation
(``cb.conv2d_dx_by_indices``) and ``cb.conv2d_backward``.

One image and one filter (F = 1), with C input channels: channel c of dx is computed with
``rot(w)[c, 0]``, the forward kernel ``w[0, c]`` turned by 180°. The backward kernel has the
in/out channels swapped: (F, C) forward, (C, F) backward.

:func:`build_flipped_kernel` takes the explorer's keyword arguments and returns what it shows
first; the widget (:mod:`conv_backprop.explorers.flipped`) adds the sliders.
"""

from __future__ import annotations

import functools

import numpy as np

from ..conv import conv2d_backward, flipped_kernel_input
from ..drawing import format_number
from ..indices import conv2d_dx_by_indices
from ..scene import Scene, View
from ._common import demo_values, drawable_geometry, first_view, fmt, roles_from_kinds
from ._settings import check_index, check_int, check_seed, check_sizes, check_steps

__all__ = ["build_flipped_kernel", "flipped_settings", "flipped_arrays", "flipped_scene", "prepared_roles"]


def _axis_kinds(size: int, before: int, n_out: int, stride: int, unused: int) -> list:
    """What each row (or column) of the prepared dout is, along one axis: "entry" (holds dout
    entries), "inserted" (one of the s − 1 zeros between them), "unused" (zero fill for the rows
    the forward pass never reached) or "padding". ``before`` = E − 1 − p (negative: cropped)."""
    span = (n_out - 1) * stride + 1
    kinds = []
    for t in range(size):
        u = t - before  # row of the zero-inserted dout
        if 0 <= u < span:
            kinds.append("entry" if u % stride == 0 else "inserted")
        elif span <= u < span + unused:
            kinds.append("unused")
        else:
            kinds.append("padding")
    return kinds


def prepared_roles(geom, shape) -> list:
    """The role of every cell of the prepared dout (``cb.flipped_kernel_input``) of shape
    ``shape``: ``"gradient"`` where a dout entry sits, ``"blank"`` for an inserted zero,
    ``"unused"`` for the zero fill of rows/columns the forward pass never reached, ``"padding"``
    for the E − 1 − p zeros around."""
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    rows = _axis_kinds(shape[0], gh.extent - 1 - gh.padding, Ho, gh.stride, gh.unused)
    cols = _axis_kinds(shape[1], gw.extent - 1 - gw.padding, Wo, gw.stride, gw.unused)
    return roles_from_kinds(rows, cols, entry="gradient")


def flipped_scene(H, W, HH, WW, stride, padding, dilation, arrays, interval=700):
    """The scene of the flipped-kernel explorer and its settings-wide state.

    ``arrays`` is ``(w, dout)`` with w of shape (1, C, HH, WW) and dout (1, 1, H_out, W_out), or a
    function ``(H_out, W_out) → (w, dout)`` (the output size is known only once the geometry is
    checked). One view per dx cell (c, q, r), keyed ``"c,q,r"``, channel by channel in row-major
    order; clicking cell (q, r) of dx channel c selects it. Raises :class:`InvalidSetting` when
    no window fits.
    """
    s, p, d = stride, padding, dilation
    geom = drawable_geometry(H, W, HH, WW, s, p, d)
    gh, gw = geom.height, geom.width
    Ho, Wo = geom.output_shape
    w, dout = arrays(Ho, Wo) if callable(arrays) else arrays
    C = w.shape[1]
    if w.shape != (1, C, HH, WW) or dout.shape != (1, 1, Ho, Wo):
        raise ValueError(f"w must be (1, C, {HH}, {WW}) and dout (1, 1, {Ho}, {Wo}); "
                         f"got {w.shape} and {dout.shape}")
    x = np.zeros((1, C, H, W))
    D = flipped_kernel_input(dout, x.shape, (HH, WW), s, p, d)[0, 0]
    w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, HH, WW): rotated, channels swapped
    dx = conv2d_backward(dout, x, w, stride=s, padding=p, dilation=d)[0][0]
    dx_idx = conv2d_dx_by_indices(dout, x, w, stride=s, padding=p, dilation=d)[0]
    Hd, Wd = D.shape
    Eh, Ew = gh.extent, gw.extent
    top, left = Eh - 1 - p, Ew - 1 - p  # where dout[0, 0] lands (may be < 0: cropped)
    entries = [(i, j, top + i * s, left + j * s) for i in range(Ho) for j in range(Wo)
               if 0 <= top + i * s < Hd and 0 <= left + j * s < Wd]
    base = {"valid": True, "D": D, "entries": entries, "pad_before": (top, left), "output_shape": (Ho, Wo),
            "channels": C, "settings": dict(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p, dilation=d, C=C)}

    zeros = "zeros" if s != 2 else "zero"
    sc = Scene(title="dx by the flipped kernel", interval=interval,
               legend_labels={"gradient": "dout entry / dx", "blank": f"inserted zero (s − 1 = {s - 1} between)",
                              "padding": "padding zero (hatched //)",
                              "unused": "zero fill: never reached (hatched xx)",
                              "kernel": "weights; rotated-kernel taps (dashed)",
                              "highlight": "current dx cell, kernel window (thick)"})
    roles = prepared_roles(geom, (Hd, Wd))
    texts = [["0"] * Wd for _ in range(Hd)]
    for _, _, rr, cc in entries:
        texts[rr][cc] = format_number(D[rr, cc])
    d_title = f"D: dout, {s - 1} {zeros} inserted, padded" if s > 1 else "D: dout, padded"
    if len(d_title) * 0.26 > Wd + 2.2:  # its width in cells: keep it clear of the kernels' titles
        d_title = "D"
    sc.grid("D", d_title, (Hd, Wd), roles=roles, texts=texts, label="prepared dout D")
    gap, between, title = 2.5, 1.8, 2.6
    band = max(H, HH) + title
    kx = Wd + gap
    rx = kx + WW + between
    ox = rx + WW + gap
    for c in range(C):
        sc.grid(f"w{c}", f"w[0, {c}]", (HH, WW), origin=(c * band, kx), roles="kernel",
                texts=[[format_number(v) for v in row] for row in w[0, c]], label=f"forward kernel w[0, {c}]")
        sc.grid(f"r{c}", f"rot(w)[{c}, 0]", (HH, WW), origin=(c * band, rx), roles="kernel",
                texts=[[format_number(v) for v in row] for row in w_back[c, 0]],
                label=f"rotated kernel rot(w)[{c}, 0]")
        sc.grid(f"dx{c}", f"dx[0, {c}]", (H, W), origin=(c * band, ox), roles="gradient",
                texts=[[format_number(v) for v in row] for row in dx[c]], label=f"dx channel {c}")

    num = format_number
    after = ""
    if gh.unused or gw.unused:
        after = (f" and {num(top + gh.unused)} / {num(left + gw.unused)} after (the forward pass left "
                 f"{gh.unused} row{'s' if gh.unused != 1 else ''} / {gw.unused} column{'s' if gw.unused != 1 else ''}"
                 " unused)")
    sc.note = "\n".join([
        f"D = dout ({Ho}×{Wo}) with s − 1 = {s - 1} {zeros} between entries, padded by E − 1 − p = "
        f"{num(top)} row{'s' if top != 1 else ''} / {num(left)} column{'s' if left != 1 else ''} before{after} "
        f"→ {Hd}×{Wd}.",
        f"s = stride {s}, p = padding {p}, d = dilation {d}, E = d·(k − 1) + 1 = {Eh}×{Ew} is the kernel's extent; "
        "a negative amount crops.",
        f"rot(w)[c, 0] is w[0, c] turned by 180°: the backward kernel swaps in and out channels, "
        f"(F, C) = ({w.shape[0]}, {C}) forward → ({C}, {w.shape[0]}) backward.",
        "Click a dx cell to compute it; ◀ ▶ and Play fill dx in cell by cell.",
    ])

    # a factor in the read-out, remembered: the few demo values recur hundreds of times
    fmt_ = functools.lru_cache(maxsize=None)(fmt)
    DL, DX, DXI = D.tolist(), dx.tolist(), dx_idx.tolist()  # Python floats: fast to index

    def close(a, b):  # np.isclose's test, on Python floats
        return abs(a - b) <= 1e-8 + 1e-5 * abs(b)

    def view_of(c, q, r, w_rot, WR):  # the view f"{c},{q},{r}"
        terms = []
        for u in range(HH):
            for v in range(WW):
                rr, cc = q + u * d, r + v * d
                terms.append((u, v, rr, cc, DL[rr][cc], WR[u][v]))
        value = sum(dv * wv for *_, dv, wv in terms)
        later = [divmod(kk, W) for kk in range(q * W + r + 1, H * W)]  # not computed yet: no text
        cells = [("D", rr, cc, "kernel") for _, _, rr, cc, _, _ in terms]
        cells.append((f"dx{c}", q, r, "highlight"))
        ref, by_idx = DX[c][q][r], DXI[c][q][r]
        ok1 = "✓" if close(value, ref) else "✗ MISMATCH"
        ok2 = "✓" if close(value, by_idx) else "✗ MISMATCH"
        lines = [
            f"dx[0,{c},{q},{r}] = Σ_u Σ_v D[{q} + u·{d}, {r} + v·{d}] · rot(w)[{c}, 0, u, v]",
            "   = " + " + ".join(f"{fmt_(dv)}·{fmt_(wv)}" for *_, dv, wv in terms) + f" = {fmt_(value)}",
            f"   index derivation (cb.conv2d_dx_by_indices): {fmt_(by_idx)} {ok2};  "
            f"cb.conv2d_backward: {fmt_(ref)} {ok1}",
        ]
        return View(
            cells=cells,
            texts=[(f"dx{c}", qq, rq, "") for qq, rq in later],
            windows=[("D", q, r, Eh, Ew, "highlight"), (f"r{c}", 0, 0, HH, WW, "highlight")],
            readout="\n".join(lines),
            state=dict(current=(q, r), channel=c, w_rot=w_rot, terms=terms, value=value,
                       reference=ref, by_indices=by_idx),
        )

    for c in range(C):
        w_rot = w_back[c, 0]
        WR = w_rot.tolist()
        for q in range(H):
            for r in range(W):
                sc.add_view(f"{c},{q},{r}", functools.partial(view_of, c, q, r, w_rot, WR),
                            selectors=[(f"dx{c}", q, r)])
    return sc, base


def flipped_settings(H=5, W=5, HH=3, WW=3, stride=2, padding=0, dilation=1, step=0, seed=3, interval=700,
                     C=2) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"view"`` is the key ``"0,q,r"`` of dx cell ``step`` of channel 0."""
    H, W, HH, WW, C = check_sizes(H=H, W=W, HH=HH, WW=WW, C=C).values()
    stride, padding, dilation = check_steps(stride, padding, dilation)
    step = check_index("step", step, H * W, "the cells of dx (k = q·W + r)")
    seed = check_seed(seed)
    interval = check_int("interval", interval, 1, "milliseconds per Play step")
    return dict(H=H, W=W, HH=HH, WW=WW, stride=stride, padding=padding, dilation=dilation, step=step,
                seed=seed, interval=interval, C=C, view=f"0,{step // W},{step % W}")


def flipped_arrays(seed, HH, WW, Ho, Wo, C=1):
    """The seeded w (1, C, HH, WW) and dout (1, 1, Ho, Wo) the explorer shows for these sizes
    (channel 0 of w and dout do not depend on C)."""
    rng = np.random.default_rng([seed, HH, WW, Ho, Wo])
    w0 = demo_values(rng, (1, 1, HH, WW), -2, 2)
    dout = demo_values(rng, (1, 1, Ho, Wo))
    w = np.concatenate([w0, demo_values(rng, (1, C - 1, HH, WW), -2, 2)], axis=1)
    return w, dout


def build_flipped_kernel(**settings):
    """The scene ``flipped_kernel_explorer(**settings)`` shows first, its settings-wide state and
    the key of the view it selects: ``(scene, base_state, view)``.

    Same keyword arguments and checks as the explorer; raises :class:`InvalidSetting` for a
    setting that cannot be drawn (the explorer explains it instead).
    """
    s = flipped_settings(**settings)
    sc, base = flipped_scene(
        **{k: s[k] for k in ("H", "W", "HH", "WW", "stride", "padding", "dilation")},
        arrays=lambda Ho, Wo: flipped_arrays(s["seed"], s["HH"], s["WW"], Ho, Wo, s["C"]),
        interval=s["interval"])
    return sc, base, first_view(sc, s["view"])

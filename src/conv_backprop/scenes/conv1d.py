"""The scene of the 1-D explorer of notebook 13 (``notebooks/13-conv1d.ipynb``), built from the
package's maths alone.

One sequence, one channel, one filter, on lines: the padded input ``xpad`` on top, the kernel
``w`` beside it, the output ``out`` under it, and under those the upstream gradient ``dout`` and
the input gradient ``dx``. Two kinds of selection:

* an **output** i (fan-in, the forward pass): its window ``xpad[i·s + u·d]``, u < K, is outlined,
  each cell of it shows ``x × w[u]``, and the read-out writes the dot product;
* an **input** t (fan-out, the backward pass): every output it reaches is highlighted with an
  arrow labelled by the tap ``w[u]`` that carries it (``i·s + u·d = t + p``), and the read-out
  writes ``dx[t] = Σ dout[i] · w[u]`` term by term. An input that no window reaches (between
  windows when s > d·(K − 1) + 1, or after the last window) gets ``dx[t] = 0``, said so.

Values are checked against ``cb.conv1d_forward`` and ``cb.conv1d_backward``.
:func:`build_conv1d` takes the explorer's keyword arguments and returns what it shows first.
"""

from __future__ import annotations

import numpy as np

from ..conv1d import conv1d_backward, conv1d_forward
from ..drawing import format_number
from ..scene import InvalidSetting, Scene, View
from ..shapes import AxisGeometry
from ._common import demo_values, first_view, fmt, sentence
from ._settings import check_index, check_int, check_seed, check_sizes

__all__ = ["build_conv1d", "conv1d_settings", "conv1d_scene", "conv1d_arrays", "conv1d_key"]

ROW_GAP = 3.6


def conv1d_key(kind: str, index: int) -> str:
    """``"out:i"`` (the fan-in of output i) or ``"in:t"`` (the fan-out of input t)."""
    return f"{kind}:{int(index)}"


def _geometry(L, K, s, p, d) -> AxisGeometry:
    axis = AxisGeometry("width", L, K, s, p, d)
    if not axis.valid:
        raise InvalidSetting(sentence(
            f"the kernel spans d·(K − 1) + 1 = {axis.extent} entries but the padded input has only "
            f"L + 2p = {axis.padded_size}: make the kernel or the dilation smaller, or pad more"))
    return axis


def conv1d_scene(x, w, b, dout, stride, padding, dilation) -> tuple[Scene, dict]:
    """The scene for ``x`` (L,), ``w`` (K,), the number ``b`` and ``dout`` (L_out,), and the
    settings-wide state. Raises :class:`InvalidSetting` when the kernel does not fit."""
    L, K = len(x), len(w)
    s, p, d = stride, padding, dilation
    axis = _geometry(L, K, s, p, d)
    Lp, Lo = axis.padded_size, axis.output_size
    if len(dout) != Lo:
        raise ValueError(f"dout must have L_out = {Lo} entries; got {len(dout)}")
    out = conv1d_forward(x[None, None], w[None, None], np.array([b]), s, p, d)[0, 0]
    dx = conv1d_backward(dout[None, None], x[None, None], w[None, None], s, p, d)[0][0, 0]
    xpad = np.pad(x, (p, p))
    unused = list(range(Lp - axis.unused, Lp))
    roles = ["padding" if (c < p or c >= p + L) else "unused" if c in unused else "input" for c in range(Lp)]
    num = format_number

    sc = Scene(title="1-D convolution: fan-in of an output, fan-out of an input",
               legend_labels={"highlight": "the selection and what it touches (thick edge)",
                              "gradient": "dout, dx, and the taps carrying dout back"})
    sc.grid("x", "xpad (input x, padded)", (1, Lp), origin=(0, 0), roles=[roles],
            texts=[[num(v) for v in xpad]], row_labels=[""], col_labels=[str(c - p) for c in range(Lp)],
            label="padded input")
    sc.grid("w", "w", (1, K), origin=(0, Lp + 1.5), roles="kernel", texts=[[num(v) for v in w]],
            row_labels=[""], label="kernel tap")
    sc.grid("b", "b", (1, 1), origin=(0, Lp + K + 3), roles="kernel", texts=[[num(b)]],
            row_labels=[""], col_labels=[""], label="bias")
    sc.grid("y", "out", (1, Lo), origin=(ROW_GAP + 1, 0), roles="output", texts=[[num(v) for v in out]],
            row_labels=[""], label="output")
    sc.grid("g", "dout", (1, Lo), origin=(2 * ROW_GAP + 1, 0), roles="gradient", texts=[[num(v) for v in dout]],
            row_labels=[""], label="upstream gradient dout")
    sc.grid("dx", "dx", (1, L), origin=(3 * ROW_GAP + 1, p), roles="gradient", texts=[[num(v) for v in dx]],
            row_labels=[""], label="input gradient dx")
    sc.note = (f"out[i] = Σ_u xpad[i·{s} + u·{d}] · w[u] + b,  u < {K};   L_out = ⌊({L} + 2·{p} − "
               f"{d}·({K} − 1) − 1)/{s}⌋ + 1 = {Lo};   dx[t] = Σ over (i, u) with i·{s} + u·{d} = t + {p} "
               f"of dout[i] · w[u]")
    X, Wt, D = xpad.tolist(), w.tolist(), dout.tolist()
    for i in range(Lo):
        taps = [(u, i * s + u * d) for u in range(K)]
        value = b + sum(X[c] * Wt[u] for u, c in taps)
        ok = "✓" if abs(value - out[i]) <= 1e-8 + 1e-5 * abs(out[i]) else "✗ MISMATCH"
        readout = "\n".join([
            f"out[{i}] = Σ_u xpad[{i}·{s} + u·{d}] · w[u] + b",
            "  = " + " + ".join(f"{fmt(X[c])}·{fmt(Wt[u])}" for u, c in taps) + f" + {fmt(b)}",
            f"  = {num(value)}   (cb.conv1d_forward: {num(out[i])} {ok})"])
        sc.add_view(conv1d_key("out", i), View(
            cells=[("y", 0, i, "highlight")] + [("w", 0, u, "highlight") for u in range(K)],
            texts=[("x", 0, c, f"{num(X[c])}\n×{num(Wt[u])}") for u, c in taps],
            windows=[("x", 0, i * s, 1, axis.extent, "highlight")],
            arrows=[(("x", 0, c), ("y", 0, i), "kernel", "") for u, c in taps],
            readout=readout,
            state={"selected": ("output", i), "reads": [c - p for _, c in taps], "taps": [u for u, _ in taps],
                   "value": value, "reference": float(out[i])}),
            selectors=[("y", 0, i)])
    for t in range(L):
        pairs = [(i, u) for i in range(Lo) for u in range(K) if i * s + u * d == t + p]
        value = sum(D[i] * Wt[u] for i, u in pairs)
        ok = "✓" if abs(value - dx[t]) <= 1e-8 + 1e-5 * abs(dx[t]) else "✗ MISMATCH"
        if pairs:
            terms = " + ".join(f"{fmt(D[i])}·{fmt(Wt[u])}" for i, u in pairs)
            lines = [f"x[{t}] (padded index {t} + {p} = {t + p}) reaches "
                     + ", ".join(f"out[{i}] through w[{u}]" for i, u in pairs),
                     f"dx[{t}] = " + " + ".join(f"dout[{i}]·w[{u}]" for i, u in pairs),
                     f"  = {terms} = {num(value)}   (cb.conv1d_backward: {num(dx[t])} {ok})"]
        else:
            why = ("it lies after the last window" if t + p >= Lp - axis.unused
                   else f"it falls between the taps (i·{s} + u·{d} = {t + p} has no solution with u < {K})")
            lines = [f"x[{t}] (padded index {t + p}) reaches no output: {why}",
                     f"dx[{t}] = 0   (cb.conv1d_backward: {num(dx[t])} {ok})"]
        sc.add_view(conv1d_key("in", t), View(
            cells=[("x", 0, t + p, "highlight"), ("dx", 0, t, "highlight")]
            + [("y", 0, i, "highlight") for i, _ in pairs] + [("g", 0, i, "highlight") for i, _ in pairs],
            arrows=[(("x", 0, t + p), ("y", 0, i), "gradient", f"w[{u}]") for i, u in pairs],
            readout="\n".join(lines),
            state={"selected": ("input", t), "reached": [i for i, _ in pairs], "taps": [u for _, u in pairs],
                   "value": value, "reference": float(dx[t])}),
            selectors=[("x", 0, t + p), ("dx", 0, t)], step=False)
    base = {"valid": True, "L": L, "K": K, "L_out": Lo, "padded_length": Lp, "unused": unused,
            "settings": dict(stride=s, padding=p, dilation=d)}
    return sc, base


def conv1d_settings(L=9, K=3, stride=2, padding=1, dilation=1, i=0, seed=0) -> dict:
    """The explorer's keyword arguments, checked (errors name the parameter), as a dict."""
    sizes = check_sizes(L=L, K=K)
    stride, padding, dilation = (check_int("stride", stride, 1), check_int("padding", padding, 0),
                                 check_int("dilation", dilation, 1))
    axis = AxisGeometry("width", sizes["L"], sizes["K"], stride, padding, dilation)
    i = check_index("i", i, axis.output_size if axis.valid else None, "the outputs")
    return dict(**sizes, stride=stride, padding=padding, dilation=dilation, i=i, seed=check_seed(seed),
                view=conv1d_key("out", i) if axis.valid else None)


def conv1d_arrays(seed, L, K, stride, padding, dilation):
    """The seeded x (L,), w (K,), b and dout (L_out,) the explorer shows: small non-zero integers
    (dout's length follows the geometry; an invalid one gets an empty dout)."""
    rng = np.random.default_rng(seed)
    x = demo_values(rng, (L,))
    w = demo_values(rng, (K,), -2, 2)
    b = float(demo_values(rng, (1,), -2, 2)[0])
    axis = AxisGeometry("width", L, K, stride, padding, dilation)
    dout = demo_values(rng, (axis.output_size,), -2, 2)
    return x, w, b, dout


def build_conv1d(**settings):
    """``(scene, base_state, view)`` that ``conv1d_explorer(**settings)`` shows first; raises
    :class:`InvalidSetting` when the kernel does not fit."""
    s = conv1d_settings(**settings)
    x, w, b, dout = conv1d_arrays(s["seed"], s["L"], s["K"], s["stride"], s["padding"], s["dilation"])
    sc, base = conv1d_scene(x, w, b, dout, s["stride"], s["padding"], s["dilation"])
    return sc, base, first_view(sc, s["view"])

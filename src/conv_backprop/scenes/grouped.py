"""The scene of the grouped-convolution explorer of notebook 12
(``notebooks/12-grouped-and-depthwise.ipynb``), built from the package's maths alone.

The picture is about channels, not pixels: each input channel ``x[:, c]`` is one block of a
row on top, each output channel ``out[:, f]`` one block of a column on the right, and between
them the F × C matrix of channel pairs: cell (f, c) is a kernel (dashed) when filter f reads
channel c, blank when it does not. With ``groups = G`` the kernels form G blocks on the
diagonal (C/G channels × F/G filters each), the shape of ``w`` is (F, C/G, HH, WW), and a kernel
cell shows k, the index of that channel inside ``w[f]`` (channel ``c = g·(C/G) + k``).

Selecting an output channel f (the layer's forward pass) highlights the C/G input channels of its
group and its row of kernels; selecting an input channel c (the backward pass into ``dx[:, c]``)
highlights the F/G output channels whose ``dout`` reaches it; selecting a cell of the matrix says
whether that pair is connected and through which kernel. Which channel reads which is taken from
``cb.conv2d_forward`` itself (unit images pushed through the grouped layer), and the counts of
parameters and multiply-adds from the weight shape.

:func:`build_grouped` takes the explorer's keyword arguments and returns what it shows first; the
widget (:mod:`conv_backprop.explorers.grouped`) adds the C, F, groups and kernel sliders.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward
from ..scene import InvalidSetting, Scene, View
from ._common import first_view
from ._settings import check_index, check_sizes

__all__ = ["build_grouped", "grouped_settings", "grouped_scene", "grouped_reads", "grouped_key"]

ROW_GAP = 2.6  # room above a grid for its title and column labels
COL_GAP = 2.5  # room for the kernel grid's title when C is small


def grouped_key(kind: str, *index) -> str:
    """The key of a view: ``"out:f"`` (output channel f), ``"in:c"`` (input channel c) or
    ``"w:f:c"`` (the channel pair (f, c) of the matrix)."""
    return ":".join([kind, *(str(int(i)) for i in index)])


def _explain(C: int, F: int, groups: int) -> str:
    if C % groups:
        return (f"With groups = {groups}, the {C} input channels do not split into equal groups: every "
                f"group must get the same whole number of channels (C/groups). Pick groups among "
                f"{[g for g in range(1, C + 1) if C % g == 0 and F % g == 0]}.")
    if F % groups:
        return (f"With groups = {groups}, the {F} output channels (filters) do not split into equal "
                f"groups: every group must get the same whole number of filters (F/groups). Pick groups among "
                f"{[g for g in range(1, C + 1) if C % g == 0 and F % g == 0]}.")
    return ""


def grouped_reads(C: int, F: int, groups: int) -> np.ndarray:
    """(F, C) bool matrix: does output channel f read input channel c? Measured with the package's
    grouped forward pass: a batch of C unit images (image c is 1 on channel c, 0 elsewhere)
    through a layer of all-one 1×1 kernels; out[c, f] ≠ 0 exactly when f reads c."""
    x = np.eye(C).reshape(C, C, 1, 1)
    out = conv2d_forward(x, np.ones((F, C // groups, 1, 1)), np.zeros(F), groups=groups)
    return out[:, :, 0, 0].T != 0


def grouped_scene(C: int, F: int, groups: int, HH: int, WW: int) -> tuple[Scene, dict]:
    """The scene for C input channels, F filters, ``groups`` and a HH × WW kernel, and the
    settings-wide state. Raises :class:`InvalidSetting` when groups does not divide C and F."""
    reason = _explain(C, F, groups)
    if reason:
        raise InvalidSetting(reason)
    G, Cg, Fg = groups, C // groups, F // groups
    reads = grouped_reads(C, F, G)
    group_of_f = [f // Fg for f in range(F)]
    group_of_c = [c // Cg for c in range(C)]
    params, plain = F * Cg * HH * WW + F, F * C * HH * WW + F
    macs, plain_macs = F * Cg * HH * WW, F * C * HH * WW
    kind = ("plain layer" if G == 1 else "depthwise" if G == C and Cg == 1 else f"{G} groups")

    sc = Scene(title=f"grouped convolution ({kind}): which input channels each output channel reads",
               legend_labels={
                   "kernel": "w[f, k]: filter f reads channel c = g·(C/G) + k (dashed edge)",
                   "blank": "no kernel: filter f does not read channel c",
                   "highlight": "the selection, the channels of its group (thick edge)",
               })
    wtop = 1 + ROW_GAP
    sc.grid("x", "input channels x[:, c]", (1, C), origin=(0, 0), roles="input",
            texts=[[f"g{group_of_c[c]}" for c in range(C)]], row_labels=[""],
            label="input channel")
    roles = [["kernel" if reads[f, c] else "blank" for c in range(C)] for f in range(F)]
    texts = [[str(c - group_of_f[f] * Cg) if reads[f, c] else "" for c in range(C)] for f in range(F)]
    sc.grid("w", f"w: {F}×{Cg}×{HH}×{WW} kernels", (F, C), origin=(wtop, 0), roles=roles,
            texts=texts, label="channel pair (filter f, input channel c)")
    sc.grid("y", "out[:, f]", (F, 1), origin=(wtop, C + COL_GAP), roles="output",
            texts=[[f"g{group_of_f[f]}"] for f in range(F)], col_labels=[""],
            label="output channel")
    sc.note = (f"groups G = {G}: {Cg} input channel{'s' if Cg > 1 else ''} and {Fg} filter"
               f"{'s' if Fg > 1 else ''} per group; w is (F, C/G, HH, WW) = ({F}, {Cg}, {HH}, {WW}): "
               f"{params} parameters with the bias (plain layer {plain}); {macs} multiply-adds per "
               f"output pixel (plain {plain_macs}, {G}× more)")

    def block(g):
        return [("w", g * Fg, g * Cg, Fg, Cg, "highlight"), ("x", 0, g * Cg, 1, Cg, "highlight")]

    for f in range(F):
        g = group_of_f[f]
        chans = [int(c) for c in np.flatnonzero(reads[f])]
        filters = list(range(g * Fg, (g + 1) * Fg))
        cells = [("y", f, 0, "highlight")] + [("x", 0, c, "highlight") for c in chans]
        cells += [("w", f, c, "highlight") for c in chans]
        readout = "\n".join([
            f"output channel f = {f} is in group g = f // (F/G) = {f} // {Fg} = {g}",
            f"it reads input channels {chans[0]} … {chans[-1]} ({Cg} of {C}): "
            f"out[n, {f}] = Σ_(k<{Cg}) x[n, {g * Cg} + k] ⋆ w[{f}, k] + b[{f}]",
            f"w[{f}] is {Cg}×{HH}×{WW}: {Cg * HH * WW} multiply-adds per output pixel",
            f"backward: dout[:, {f}] reaches dx only in channels {chans[0]} … {chans[-1]}; "
            f"dw[{f}] = Σ_n x[n, {chans[0]}:{chans[-1] + 1}] ⋆ dout[n, {f}]",
        ])
        sc.add_view(grouped_key("out", f), View(
            cells=cells, windows=block(g), readout=readout,
            state={"selected": ("output", f), "group": g, "channels": chans, "filters": filters}),
            selectors=[("y", f, 0)])
    for c in range(C):
        g = group_of_c[c]
        filters = [int(f) for f in np.flatnonzero(reads[:, c])]
        cells = [("x", 0, c, "highlight")] + [("y", f, 0, "highlight") for f in filters]
        cells += [("w", f, c, "highlight") for f in filters]
        readout = "\n".join([
            f"input channel c = {c} is in group g = c // (C/G) = {c} // {Cg} = {g}",
            f"it is read by output channels {filters[0]} … {filters[-1]} ({Fg} of {F}), "
            f"as channel k = {c - g * Cg} of their kernels",
            f"backward: dx[n, {c}] = Σ_(f={filters[0]}…{filters[-1]}) dout[n, f] ⋆ rot180(w[f, {c - g * Cg}]) "
            f"(full correlation); no other filter's dout reaches it",
        ])
        sc.add_view(grouped_key("in", c), View(
            cells=cells, windows=block(g), readout=readout,
            state={"selected": ("input", c), "group": g, "filters": filters}),
            selectors=[("x", 0, c)], step=False)
    for f in range(F):
        for c in range(C):
            if reads[f, c]:
                k = c - group_of_f[f] * Cg
                readout = (f"filter {f} reads input channel {c} through the kernel w[{f}, {k}] "
                           f"({HH}×{WW} taps): k = c − g·(C/G) = {c} − {group_of_f[f]}·{Cg} = {k}")
            else:
                k = None
                readout = (f"filter {f} (group {group_of_f[f]}) does not read input channel {c} "
                           f"(group {group_of_c[c]}): no kernel, no multiply-adds, and dout[:, {f}] "
                           f"never reaches dx[:, {c}]")
            sc.add_view(grouped_key("w", f, c), View(
                cells=[("w", f, c, "highlight"), ("x", 0, c, "highlight"), ("y", f, 0, "highlight")],
                readout=readout, state={"selected": ("pair", f, c), "reads": bool(reads[f, c]), "k": k}),
                selectors=[("w", f, c)], step=False)
    base = {"valid": True, "C": C, "F": F, "groups": G, "kernel": (HH, WW),
            "weight_shape": (F, Cg, HH, WW), "parameters": params, "plain_parameters": plain,
            "multiply_adds_per_pixel": macs, "plain_multiply_adds_per_pixel": plain_macs,
            "reads": reads.tolist()}
    return sc, base


def grouped_settings(C=4, F=4, groups=2, HH=3, WW=3, f=0) -> dict:
    """The explorer's keyword arguments, checked (``TypeError``/``ValueError`` naming the
    parameter), as a dict; ``"view"`` is the key of output channel f."""
    sizes = check_sizes(C=C, F=F, groups=groups, HH=HH, WW=WW)
    f = check_index("f", f, sizes["F"], "the output channels (filters)")
    return dict(**sizes, f=f, view=grouped_key("out", f))


def build_grouped(**settings):
    """The scene ``grouped_explorer(**settings)`` shows first, its settings-wide state and the key
    of the view it selects: ``(scene, base_state, view)``. Raises :class:`InvalidSetting` when
    groups does not divide C and F (the explorer explains it instead)."""
    s = grouped_settings(**settings)
    sc, base = grouped_scene(s["C"], s["F"], s["groups"], s["HH"], s["WW"])
    return sc, base, first_view(sc, s["view"])

"""Exercises for ``notebooks/12-grouped-and-depthwise.ipynb``: grouped and depthwise convolution.

With ``groups = G``, C input channels and F filters, filter f belongs to group
``g = f // (F/G)`` and reads the C/G channels ``g·(C/G) … (g+1)·(C/G) − 1``; w is
``(F, C/G, HH, WW)`` and

    out[n, f, i, j] = Σ_{k, u, v} xpad[n, g·(C/G) + k, i·s + u, j·s + v] · w[f, k, u, v] + b[f]

A grouped layer is G plain layers side by side, so its backward pass is the plain one per group.
The solutions are written with plain loops and slices, independently of the package's
``groups=`` code, which the checkers use as the reference. Each checker also knows the classic
wrong answers of its exercise (:class:`~.checking.Mistake`) and names the one a learner's result
reproduces: a group's channels taken as every G-th channel instead of a block, the group's offset
forgotten, a plain layer's count, db per group, a transposed result, …
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help
from ..conv import conv2d_backward_naive, conv2d_forward_naive

__all__ = [
    "solution_channels_read",
    "check_channels_read",
    "solution_grouped_forward",
    "check_grouped_forward",
    "solution_grouped_backward",
    "check_grouped_backward",
    "solution_cost",
    "check_cost",
    "solution_separable_kernel",
    "check_separable_kernel",
    "hint",
    "solution",
    "progress",
]


# (description, x_shape, (F, HH, WW), groups, stride, padding): the cases a learner does not see
_SETTINGS = [
    ("2 groups, C = 4, F = 6 (3 filters per group), padding 1: group 1 reads the block of channels 2, 3",
     (2, 4, 5, 5), (6, 3, 3), 2, 1, 1),
    ("depthwise: C = 3, F = 3, groups = 3, stride 2 drops a row", (2, 3, 6, 7), (3, 3, 3), 3, 2, 0),
    ("depthwise with multiplier 2: C = 2, F = 4, groups = 2", (1, 2, 6, 6), (4, 3, 2), 2, 1, 1),
    ("3 groups of 2 channels (blocks 0, 1 | 2, 3 | 4, 5), F = 3 (one filter per group), non-square 2×3 kernel",
     (2, 6, 5, 6), (3, 2, 3), 3, 1, 0),
    ("groups = 1: the plain layer, batch 3", (3, 2, 5, 4), (2, 3, 2), 1, 2, 1),
]


def _problem(rng, x_shape, fk, groups):
    F, HH, WW = fk
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((F, x_shape[1] // groups, HH, WW))
    b = rng.standard_normal(F)
    return x, w, b


# The checkers' wrong variants (never called by a solution, so ``ex.solution`` does not print them).


def _strided_order(C, groups):
    """The channel order of the "every G-th channel" mistake: slot g·(C/G) + k holds channel g + k·G."""
    return np.array([g + k * groups for g in range(groups) for k in range(C // groups)])


def _first_block(x, groups):
    """x with every group's channels replaced by channels 0 … C/G − 1 (the group's offset forgotten)."""
    Cg = x.shape[1] // groups
    return np.concatenate([x[:, :Cg]] * groups, axis=1)


# --------------------------------------------------------------------------- exercise 1


def solution_channels_read(f, C, F, groups):
    """The input channels filter f reads, as a list of ints: those of its group g = f // (F/G)."""
    per_group_f, per_group_c = F // groups, C // groups
    g = f // per_group_f
    return list(range(g * per_group_c, (g + 1) * per_group_c))


@checker
def check_channels_read(learner) -> CheckReport:
    """Check ``learner(f, C, F, groups) -> list of channel indices``."""
    cases = [
        Case("f = 4 of F = 6, C = 4, groups = 2: group 1 (filters 3–5) reads the block of channels 2, 3",
             (4, 4, 6, 2)),
        Case("f = 1 of F = 4, C = 4, groups = 2: filters go to groups in blocks (0, 1 | 2, 3), not in turn",
             (1, 4, 4, 2)),
        Case("f = 2 of F = 3, C = 6, groups = 3: one filter per group, a block of 2 channels "
             "(4, 5), not every third channel", (2, 6, 3, 3)),
        Case("f = 5 of F = 8, C = 4, groups = 4 (depthwise, 2 filters per channel): "
             "f // (F/G), not f // G nor f % G", (5, 4, 8, 4)),
        Case("f = 1 of F = 4, C = 4, groups = 4 (depthwise): one channel, not all of them", (1, 4, 4, 4)),
        Case("f = 3 of F = 5, C = 7, groups = 1: the plain layer reads every channel", (3, 7, 5, 1)),
    ]

    def reference(f, C, F, groups):
        # the package's naive loops, asked which channels carry a gradient from filter f
        w = np.ones((F, C // groups, 1, 1))
        dout = np.zeros((1, F, 1, 1))
        dout[0, f] = 1.0
        dx = conv2d_backward_naive(dout, np.ones((1, C, 1, 1)), w, groups=groups)[0]
        return [int(c) for c in np.flatnonzero(dx[0, :, 0, 0])]

    def block(g, C, G):
        return list(range(g * (C // G), (g + 1) * (C // G)))

    mistakes = [
        Mistake("the group taken as f // G instead of f // (F/G): group g owns the F/G consecutive "
                "filters g·F/G … (g+1)·F/G − 1", lambda f, C, F, G: block(f // G, C, G)),
        Mistake("filters dealt to the groups in turn (f % G) instead of in blocks: group g owns the "
                "F/G consecutive filters g·F/G … (g+1)·F/G − 1", lambda f, C, F, G: block(f % G, C, G)),
        Mistake("the channels of group g taken as every G-th channel (g, g + G, g + 2G, …) instead of "
                "the contiguous block g·C/G … (g+1)·C/G − 1",
                lambda f, C, F, G: list(range(f // (F // G), C, G))),
        Mistake("every channel read, as in a plain layer: filter f reads only the C/G channels of its group",
                lambda f, C, F, G: list(range(C))),
    ]
    return check_function("the channels filter f reads", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_grouped_forward(x, w, b, stride, padding, groups):
    """out (N, F, H_out, W_out) of a grouped convolution, one group at a time.

    x (N, C, H, W), w (F, C/groups, HH, WW), b (F,); stride and padding ints.
    """
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Fg = F // groups
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    H_out = (H + 2 * padding - HH) // stride + 1
    W_out = (W + 2 * padding - WW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for g in range(groups):
        xg = xpad[:, g * Cg : (g + 1) * Cg]  # this group's channels
        for f in range(g * Fg, (g + 1) * Fg):  # this group's filters
            for i in range(H_out):
                for j in range(W_out):
                    window = xg[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3)) + b[f]
    return out


@checker
def check_grouped_forward(learner) -> CheckReport:
    """Check ``learner(x, w, b, stride, padding, groups) -> out``."""
    rng = np.random.default_rng(12)
    cases = [Case(desc, (*_problem(rng, xs, fk, G), s, p, G)) for desc, xs, fk, G, s, p in _SETTINGS]

    def reference(x, w, b, s, p, G):
        return conv2d_forward_naive(x, w, b, s, p, groups=G)

    mistakes = [
        Mistake("the channels of group g taken as every G-th channel (g, g + G, …) instead of the "
                "contiguous block g·C/G … (g+1)·C/G − 1",
                lambda x, w, b, s, p, G: reference(x[:, _strided_order(x.shape[1], G)], w, b, s, p, G)),
        Mistake("every filter reading channels 0 … C/G − 1: w[f, k] multiplies channel g·C/G + k of "
                "filter f's group g, not channel k (the group's offset forgotten)",
                lambda x, w, b, s, p, G: reference(_first_block(x, G), w, b, s, p, G)),
        Mistake("a transposed result: out in NHWC order (N, H_out, W_out, F) instead of NCHW (N, F, H_out, W_out)",
                lambda *args: reference(*args).transpose(0, 2, 3, 1)),
    ]
    return check_function("grouped forward pass", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_grouped_backward(dout, x, w, stride, padding, groups):
    """(dx, dw, db) of a grouped convolution: the plain backward pass of each group.

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C/groups, HH, WW) →
    dx (N, C, H, W), dw (F, C/groups, HH, WW), db (F,).
    """
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Fg = F // groups
    _, _, H_out, W_out = dout.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad = np.zeros(xpad.shape)
    dw = np.zeros(w.shape)
    for f in range(F):
        chans = slice((f // Fg) * Cg, (f // Fg + 1) * Cg)  # the group's channels
        for i in range(H_out):
            for j in range(W_out):
                rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                g = dout[:, f, i, j][:, None, None, None]  # (N, 1, 1, 1)
                dxpad[:, chans, rows, cols] += g * w[f]
                dw[f] += np.sum(g * xpad[:, chans, rows, cols], axis=0)
    db = dout.sum(axis=(0, 2, 3))
    return dxpad[:, :, padding : padding + H, padding : padding + W], dw, db


@checker
def check_grouped_backward(learner) -> CheckReport:
    """Check ``learner(dout, x, w, stride, padding, groups) -> (dx, dw, db)``."""
    rng = np.random.default_rng(13)
    cases = []
    for desc, xs, fk, G, s, p in _SETTINGS:
        x, w, b = _problem(rng, xs, fk, G)
        out = conv2d_forward_naive(x, w, b, s, p, groups=G)
        cases.append(Case(desc, (rng.standard_normal(out.shape), x, w, s, p, G)))

    def reference(dout, x, w, s, p, G):
        return conv2d_backward_naive(dout, x, w, s, p, groups=G)

    def strided(dout, x, w, s, p, G):
        order = _strided_order(x.shape[1], G)
        dx_slots, dw, db = reference(dout, x[:, order], w, s, p, G)
        dx = np.zeros(x.shape)
        dx[:, order] = dx_slots
        return dx, dw, db

    def dw_offset_forgotten(dout, x, w, s, p, G):
        dx, _, db = reference(dout, x, w, s, p, G)
        return dx, reference(dout, _first_block(x, G), w, s, p, G)[1], db

    def dw_all_channels(dout, x, w, s, p, G):
        dx, _, db = reference(dout, x, w, s, p, G)
        F, Cg = w.shape[:2]
        plain_dw = conv2d_backward_naive(dout, x, np.zeros((F, x.shape[1], *w.shape[2:])), s, p)[1]
        return dx, plain_dw.reshape(F, G, Cg, *w.shape[2:]).sum(axis=1), db

    def db_per_group(dout, x, w, s, p, G):
        dx, dw, db = reference(dout, x, w, s, p, G)
        return dx, dw, db.reshape(G, -1).sum(axis=1)

    def dw_transposed(dout, x, w, s, p, G):
        dx, dw, db = reference(dout, x, w, s, p, G)
        return dx, dw.transpose(1, 0, 2, 3), db

    mistakes = [
        Mistake("the channels of group g taken as every G-th channel (g, g + G, …) instead of the "
                "contiguous block g·C/G … (g+1)·C/G − 1", strided),
        Mistake("dw[f, k] paired with channel k (a global channel index) instead of channel g·C/G + k "
                "of filter f's group g", dw_offset_forgotten),
        Mistake("dw summed over the channels of every group (for a depthwise layer: over all channels), "
                "as in a plain layer: filter f met only its own group's channels", dw_all_channels),
        Mistake("db per group instead of per filter: db has F entries, db[f] = Σ dout[:, f]", db_per_group),
        Mistake("a transposed dw: (C/G, F, HH, WW) instead of w's shape (F, C/G, HH, WW)", dw_transposed),
        Mistake("averaged over the batch instead of summed (off by a factor of N): the batch's loss is "
                "the sum of its examples' losses",
                lambda dout, x, *rest: tuple(v / x.shape[0] if k else v
                                             for k, v in enumerate(reference(dout, x, *rest)))),
    ]
    return check_function("grouped backward pass", learner, reference, cases, names=("dx", "dw", "db"),
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_cost(C, F, HH, WW, H_out, W_out, groups):
    """(parameters, multiply-adds) of one grouped layer for one example.

    parameters = F·(C/G)·HH·WW weights + F biases; multiply-adds = F·H_out·W_out outputs, each a
    dot product of (C/G)·HH·WW terms.
    """
    per_output = (C // groups) * HH * WW
    return F * per_output + F, F * H_out * W_out * per_output


@checker
def check_cost(learner) -> CheckReport:
    """Check ``learner(C, F, HH, WW, H_out, W_out, groups) -> (parameters, multiply_adds)``."""
    cases = [
        Case("C = 32, F = 64, 3×3, 16×16 outputs, plain layer (groups 1)", (32, 64, 3, 3, 16, 16, 1)),
        Case("the same with groups = 4 (ResNeXt-style): 4 times fewer weights and multiply-adds",
             (32, 64, 3, 3, 16, 16, 4)),
        Case("depthwise: C = F = 32, groups = 32, 5×5 kernel, 8×8 outputs: one channel per filter",
             (32, 32, 5, 5, 8, 8, 32)),
        Case("pointwise 1×1: C = 32, F = 64, groups 1, 7×5 outputs (non-square)", (32, 64, 1, 1, 7, 5, 1)),
        Case("depthwise multiplier 3: C = 4, F = 12, groups = 4, 3×2 kernel", (4, 12, 3, 2, 6, 6, 4)),
    ]

    def reference(C, F, HH, WW, H_out, W_out, groups):
        # counted, not computed by formula: the weights of a layer of that shape, and the
        # nonzero entries of the layer's matrix (every output reads (C/G)·HH·WW inputs, each
        # with one weight) counted on a 1×1-output stand-in and scaled by the outputs
        w = np.ones((F, C // groups, HH, WW))
        params = w.size + F
        dout = np.ones((1, F, 1, 1))
        _, dw, _ = conv2d_backward_naive(dout, np.ones((1, C, HH, WW)), w, groups=groups)
        return params, int(np.count_nonzero(dw)) * H_out * W_out

    def plain(C, F, HH, WW, H_out, W_out, G):
        return F * C * HH * WW + F, F * H_out * W_out * C * HH * WW

    def one_group(C, F, HH, WW, H_out, W_out, G):
        Fg, Cg = F // G, C // G
        return Fg * Cg * HH * WW + Fg, Fg * H_out * W_out * Cg * HH * WW

    mistakes = [
        Mistake("counted as for a plain layer: each filter reads C/G channels, not C, so a grouped "
                "layer has G times fewer weights and multiply-adds", plain),
        Mistake("one group counted: there are G groups of F/G filters, F filters in all", one_group),
        Mistake("the F biases left out of the parameters",
                lambda *a: (reference(*a)[0] - a[1], reference(*a)[1])),
        Mistake("the pair in the wrong order: return (parameters, multiply_adds)",
                lambda *a: reference(*a)[::-1]),
    ]
    return check_function("parameters and multiply-adds", learner, reference, cases,
                          names=("parameters", "multiply-adds"), rtol=0, atol=0, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 5


def solution_separable_kernel(k, p, C):
    """The plain kernel w (F, C, HH, WW) equal to a depthwise layer k (C·M, 1, HH, WW) (groups = C,
    M filters per channel) followed by a pointwise layer p (F, C·M, 1, 1):
    ``w[f, c, u, v] = Σ_m p[f, c·M + m, 0, 0] · k[c·M + m, 0, u, v]``."""
    CM, _, HH, WW = k.shape
    F, M = p.shape[0], CM // C
    w = np.zeros((F, C, HH, WW))
    for f in range(F):
        for c in range(C):
            for m in range(M):  # depthwise filters c·M … c·M + M − 1 read channel c
                w[f, c] += p[f, c * M + m, 0, 0] * k[c * M + m, 0]
    return w


@checker
def check_separable_kernel(learner) -> CheckReport:
    """Check ``learner(k, p, C) -> w``: the checker compares the block's output with a plain
    convolution by your kernel on a random input, so any kernel that computes the same map
    passes (there is exactly one)."""
    rng = np.random.default_rng(14)
    shapes = [
        ("C = 3, M = 1, F = 4, 3×3 (MobileNets' block)", 3, 1, 4, 3, 3),
        ("C = 2, M = 2, F = 3, 3×3: depthwise filters 0, 1 read channel 0 (a block), 2, 3 channel 1; "
         "both of a channel's terms add", 2, 2, 3, 3, 3),
        ("C = 4, M = 1, F = 2, non-square 2×3", 4, 1, 2, 2, 3),
        ("C = 1, M = 3, F = 5, 1×2: three depthwise filters on one channel", 1, 3, 5, 1, 2),
    ]
    cases = [Case(desc, (rng.standard_normal((C * M, 1, HH, WW)), rng.standard_normal((F, C * M, 1, 1)), C))
             for desc, C, M, F, HH, WW in shapes]

    def reference(k, p, C):
        # the kernel, read off the block itself: push each unit input image through the
        # depthwise and pointwise layers (the package's naive loops); the response of output f
        # at (0, 0) to a unit at channel c, position (u, v) is w[f, c, u, v]
        CM, _, HH, WW = k.shape
        F = p.shape[0]
        w = np.zeros((F, C, HH, WW))
        for c in range(C):
            for u in range(HH):
                for v in range(WW):
                    x = np.zeros((1, C, HH, WW))
                    x[0, c, u, v] = 1.0
                    mid = conv2d_forward_naive(x, k, np.zeros(CM), groups=C)
                    w[:, c, u, v] = conv2d_forward_naive(mid, p, np.zeros(F))[0, :, 0, 0]
        return w

    def interleaved(k, p, C):
        M = k.shape[0] // C
        return np.stack([sum(p[:, c + m * C, 0, 0][:, None, None] * k[c + m * C, 0][None] for m in range(M))
                         for c in range(C)], axis=1)

    mistakes = [
        Mistake("the multiplier M ignored: depthwise filters c·M … c·M + M − 1 all read channel c, and "
                "their terms add", lambda k, p, C: p[:, :C, 0, 0][:, :, None, None] * k[:C, 0][None]),
        Mistake("the depthwise filters of channel c taken as c, c + C, c + 2C, … instead of the "
                "block c·M … c·M + M − 1", interleaved),
        Mistake("a transposed result: (C, F, HH, WW) instead of a plain kernel's (F, C, HH, WW)",
                lambda k, p, C: reference(k, p, C).transpose(1, 0, 2, 3)),
    ]
    return check_function("the separable block's plain kernel", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "channels_read": (
        "First find filter f's group: the F filters are split into G blocks of F/G consecutive "
        "filters. Then list the channels of that group.",
        "Filter f is in group g = f // (F // groups) (not f // groups, not f % groups). Group g owns "
        "the C/G consecutive channels that start at g·(C/G).",
        "g = f // (F // groups); Cg = C // groups; return list(range(g * Cg, (g + 1) * Cg))",
    ),
    "grouped_forward": (
        "Formula 2: filter f is a plain filter over the C/G channels of its own group. Do one plain "
        "forward pass per group, or loop over filters and pick each one's channels.",
        "Pad x. For group g, take the block xg = xpad[:, g*Cg:(g+1)*Cg] and the filters "
        "f = g*Fg … (g+1)*Fg − 1; out[:, f, i, j] is the sum of a window of xg times w[f], plus b[f].",
        "for g: xg = xpad[:, g*Cg:(g+1)*Cg]; for f in range(g*Fg, (g+1)*Fg), i, j: "
        "window = xg[:, :, i*s:i*s + HH, j*s:j*s + WW]; out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3)) + b[f]",
    ),
    "grouped_backward": (
        "Steps 2–4: each output (n, f, i, j) sends gradient only to the channels of f's group, to w[f] "
        "and to b[f]. It is notebook 04's loop with the channels cut down to one block.",
        "For filter f, chans = slice(g*Cg, (g+1)*Cg) with g = f // Fg. Output (i, j) adds "
        "dout[:, f, i, j]·w[f] to dxpad[:, chans, window] and dout·xpad[:, chans, window], summed over "
        "the batch, to dw[f]. db[f] sums dout[:, f] over n, i, j: F entries, one per filter.",
        "g = dout[:, f, i, j][:, None, None, None]; dxpad[:, chans, rows, cols] += g * w[f]; "
        "dw[f] += np.sum(g * xpad[:, chans, rows, cols], axis=0); db = dout.sum(axis=(0, 2, 3)); "
        "return dxpad[:, :, p:p + H, p:p + W], dw, db",
    ),
    "cost": (
        "Count the entries of w (its shape is (F, C/G, HH, WW)) and add the biases. For the work: "
        "how many output entries are there, and how many products does each one add?",
        "Parameters: F·(C/G)·HH·WW + F. Each of the F·H_out·W_out output entries is a dot product of "
        "(C/G)·HH·WW products: the channels of one group, not all C.",
        "per_output = (C // groups) * HH * WW; return F * per_output + F, F * H_out * W_out * per_output",
    ),
    "separable_kernel": (
        "Both layers are linear, so write the pointwise output as a sum over the depthwise channels "
        "m' and substitute the depthwise output. Which input channel does depthwise filter m' read?",
        "Depthwise filter m' = c·M + m reads channel c only (groups = C: filters in blocks of M). So "
        "w[f, c] adds p[f, c·M + m, 0, 0] · k[c·M + m, 0] over m = 0 … M − 1.",
        "w = np.zeros((F, C, HH, WW)); for f, c, m: w[f, c] += p[f, c*M + m, 0, 0] * k[c*M + m, 0], "
        "with M = k.shape[0] // C",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Exercises for ``notebooks/13-conv1d.ipynb``: the whole story of notebooks 02–05 in one dimension.

One sequence x (L,), one kernel w (K,), stride s, padding p, dilation d (no channels, no bias;
exercise 5 takes a batch of N sequences, x (N, L), and sums over it):

    L_out     = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1
    out[i]    = Σ_u xpad[i·s + u·d] · w[u]
    dx[t]     = Σ over (i, u) with i·s + u·d = t + p of dout[i] · w[u]
    dw[u]     = Σ_n Σ_i dout[n, i] · xpad[n, i·s + u·d]
    zero insertion: dout_up[i·s] = dout[i], zeros in between, length (L_out − 1)·s + 1

The solutions are plain loops, written independently of the package, whose ``conv1d_forward``
and ``conv1d_backward`` the checkers use as the reference. Each checker also knows the classic
wrong answers of its exercise (:class:`~.checking.Mistake`) and names the one a learner's result
reproduces: the kernel not rotated, the stride ignored (no zero insertion), the padding not
cropped, a bound off by one, the batch averaged, …
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help
from ..conv1d import conv1d_backward, conv1d_forward, conv1d_output_length

__all__ = [
    "solution_output_length",
    "check_output_length",
    "solution_forward",
    "check_forward",
    "solution_dx",
    "check_dx",
    "solution_zero_insert",
    "check_zero_insert",
    "solution_dw",
    "check_dw",
    "hint",
    "solution",
    "progress",
]

# (description, L, K, stride, padding, dilation)
_SETTINGS = [
    ("L = 7, K = 3, stride 2 (the pen-and-paper case)", 7, 3, 2, 0, 1),
    ("L = 10, K = 3, stride 2, padding 1: the last entry is dropped", 10, 3, 2, 1, 1),
    ("L = 9, K = 2, stride 3 > K: some inputs reach nothing", 9, 2, 3, 0, 1),
    ("L = 11, K = 3, dilation 2, padding 2", 11, 3, 1, 2, 2),
    ("L = 5, K = 5, padding 2, stride 1", 5, 5, 1, 2, 1),
]


def _problem(rng, L, K, s, p, d):
    x = rng.standard_normal(L)
    w = rng.standard_normal(K)
    dout = rng.standard_normal(conv1d_output_length(L, K, s, p, d))
    return x, w, dout


def _1d(f, *arrays):
    """Call a package function on (N, C, L) views of 1-D arrays."""
    return f(*(a[None, None] for a in arrays))


# Loops for the checkers' wrong variants, which the package's validated functions refuse (a dout
# of the wrong length for the stride or dilation used). Never called by a solution.


def _scatter(dout, w, L, s, p, d):
    """dxpad (L + 2p,): output i sends dout[i]·w[u] to padded index i·s + u·d."""
    dxpad = np.zeros(L + 2 * p)
    for i in range(len(dout)):
        for u in range(len(w)):
            dxpad[i * s + u * d] += dout[i] * w[u]
    return dxpad


def _tap_sums(dout, x, K, s, p, d):
    """dw (K,) = Σ_n Σ_i dout[n, i]·xpad[n, i·s + u·d] for dout (N, L_out), x (N, L)."""
    xpad = np.pad(x, ((0, 0), (p, p)))
    return np.array([sum(dout[n, i] * xpad[n, i * s + u * d] for n in range(len(x)) for i in range(dout.shape[1]))
                     for u in range(K)])


# --------------------------------------------------------------------------- exercise 1


def solution_output_length(L, K, stride, padding, dilation):
    """L_out = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1 (floor, as in PyTorch)."""
    return (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1


@checker
def check_output_length(learner) -> CheckReport:
    """Check ``learner(L, K, stride, padding, dilation) -> int``."""
    cases = [Case(desc, (L, K, s, p, d)) for desc, L, K, s, p, d in _SETTINGS]
    cases.append(Case("L = 9, K = 1, stride 3: ⌊8/3⌋ + 1 = 3 (floor, not round)", (9, 1, 3, 0, 1)))

    def span(L, K, s, p, d):
        return L + 2 * p - d * (K - 1) - 1  # the last window's start can go this far

    mistakes = [
        Mistake("the + 1 forgotten (a bound off by one): window starts 0, s, …, ⌊span/s⌋·s are "
                "⌊span/s⌋ + 1 outputs", lambda L, K, s, p, d: span(L, K, s, p, d) // s),
        Mistake("the division rounded (to the nearest, or up) instead of floored: a window that does "
                "not fit is not an output",
                lambda L, K, s, p, d: int(round(span(L, K, s, p, d) / s)) + 1),
        Mistake("a ceiling instead of a floor: a window that does not fit is not an output",
                lambda L, K, s, p, d: -(-span(L, K, s, p, d) // s) + 1),
        Mistake("the dilation ignored: a dilated kernel spans d·(K − 1) + 1 inputs",
                lambda L, K, s, p, d: (L + 2 * p - K) // s + 1),
        Mistake("the padding counted once: p zeros go on each side, L + 2p in all",
                lambda L, K, s, p, d: (L + p - d * (K - 1) - 1) // s + 1),
    ]
    return check_function("output length", learner, conv1d_output_length, cases, rtol=0, atol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_forward(x, w, stride, padding, dilation):
    """out (L_out,) = Σ_u xpad[i·s + u·d] · w[u], with plain loops."""
    xpad = np.concatenate([np.zeros(padding), x, np.zeros(padding)])
    L_out = solution_output_length(len(x), len(w), stride, padding, dilation)
    out = np.zeros(L_out)
    for i in range(L_out):
        for u in range(len(w)):
            out[i] += xpad[i * stride + u * dilation] * w[u]
    return out


@checker
def check_forward(learner) -> CheckReport:
    """Check ``learner(x, w, stride, padding, dilation) -> out``."""
    rng = np.random.default_rng(130)
    cases = []
    for desc, L, K, s, p, d in _SETTINGS:
        x, w, _ = _problem(rng, L, K, s, p, d)
        cases.append(Case(desc, (x, w, s, p, d)))

    def reference(x, w, s, p, d):
        return conv1d_forward(x[None, None], w[None, None], np.zeros(1), s, p, d)[0, 0]

    mistakes = [
        Mistake("the kernel reversed (np.convolve, a true convolution): a layer's forward pass is a "
                "cross-correlation, out[i] = Σ_u xpad[i·s + u·d]·w[u]",
                lambda x, w, s, p, d: reference(x, w[::-1], s, p, d)),
        Mistake("the stride ignored: output i reads from xpad[i·s] on, one output every s inputs",
                lambda x, w, s, p, d: reference(x, w, 1, p, d)),
        Mistake("the padding forgotten: pad x with p zeros on each side first",
                lambda x, w, s, p, d: reference(x, w, s, 0, d)),
        Mistake("the dilation ignored: tap u reads xpad[i·s + u·d]",
                lambda x, w, s, p, d: reference(x, w, s, p, 1)),
        Mistake("the last output left out (a loop bound off by one): i runs from 0 to L_out − 1 included",
                lambda x, w, s, p, d: reference(x, w, s, p, d)[:-1]),
    ]
    return check_function("1-D forward pass", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_dx(dout, w, L, stride, padding, dilation):
    """dx (L,) by fan-out: output i sends dout[i]·w[u] to padded index i·s + u·d."""
    dxpad = np.zeros(L + 2 * padding)
    for i in range(len(dout)):
        for u in range(len(w)):
            dxpad[i * stride + u * dilation] += dout[i] * w[u]
    return dxpad[padding : padding + L]


@checker
def check_dx(learner) -> CheckReport:
    """Check ``learner(dout, w, L, stride, padding, dilation) -> dx``."""
    rng = np.random.default_rng(131)
    cases = []
    for desc, L, K, s, p, d in _SETTINGS:
        _, w, dout = _problem(rng, L, K, s, p, d)
        cases.append(Case(desc, (dout, w, L, s, p, d)))

    def reference(dout, w, L, s, p, d):
        return conv1d_backward(dout[None, None], np.zeros((1, 1, L)), w[None, None], s, p, d)[0][0, 0]

    def full(dout, w, L, s, p, d):
        # dxpad, the padding ring included: the dx of an unpadded input of length L + 2p
        return reference(dout, w, L + 2 * p, s, 0, d)

    mistakes = [
        Mistake("the kernel not rotated: in the correlation form dx needs the reversed kernel "
                "w[K − 1 − u]; in the fan-out form tap u sends dout[i]·w[u] to xpad index i·s + u·d",
                lambda dout, w, L, s, p, d: reference(dout, w[::-1], L, s, p, d)),
        Mistake("the stride ignored: dout needs s − 1 zeros inserted between its entries (output i "
                "starts at xpad index i·s, not i)",
                lambda dout, w, L, s, p, d: _scatter(dout, w, L, 1, p, d)[p : p + L]),
        Mistake("the padding not cropped: dx has the length L of x, not the L + 2p of xpad", full),
        Mistake("the padding cropped at the wrong end: dx = dxpad[p : p + L], not dxpad[:L]",
                lambda dout, w, L, s, p, d: full(dout, w, L, s, p, d)[:L]),
        Mistake("the last output left out (a loop bound off by one): i runs from 0 to L_out − 1 included",
                lambda dout, w, L, s, p, d: reference(np.append(dout[:-1], 0.0), w, L, s, p, d)),
        Mistake("the dilation ignored: tap u sits at xpad index i·s + u·d",
                lambda dout, w, L, s, p, d: _scatter(dout, w, L, s, p, 1)[p : p + L]),
    ]
    return check_function("dx", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_zero_insert(dout, stride):
    """dout_up ((L_out − 1)·s + 1,): dout[i] at position i·s, s − 1 zeros between neighbours."""
    up = np.zeros((len(dout) - 1) * stride + 1)
    up[::stride] = dout
    return up


@checker
def check_zero_insert(learner) -> CheckReport:
    """Check ``learner(dout, stride) -> dout_up``."""
    rng = np.random.default_rng(132)
    cases = [
        Case("dout of 3, stride 2: 5 entries, one zero at 1 and one at 3", (rng.standard_normal(3), 2)),
        Case("dout of 4, stride 3: two zeros between neighbours, none after the last entry",
             (rng.standard_normal(4), 3)),
        Case("stride 1: unchanged", (rng.standard_normal(5), 1)),
        Case("a single entry, stride 2: nothing to insert, not even after it", (rng.standard_normal(1), 2)),
    ]

    def reference(dout, s):
        # the stride-s dout seen from dx's side: the dx of a stride-1 layer of one tap w = [1]
        # reads dout_up back: dout_up[m] = dx of the unit kernel with stride s at input m
        L = (len(dout) - 1) * s + 1
        return conv1d_backward(dout[None, None], np.zeros((1, 1, L)), np.ones((1, 1, 1)), s)[0][0, 0]

    def trailing(dout, s):
        up = np.zeros(len(dout) * s)
        up[::s] = dout
        return up

    mistakes = [
        Mistake("zeros after the last entry too: dout_up ends with dout's last entry, length (L_out − 1)·s + 1",
                trailing),
        Mistake("s zeros between neighbours instead of s − 1: dout[i] goes to position i·s",
                lambda dout, s: reference(dout, s + 1)),
        Mistake("the stride ignored: dout returned unchanged; s − 1 zeros go between neighbours",
                lambda dout, s: np.array(dout, dtype=float)),
    ]
    return check_function("zero insertion", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 5


def solution_dw(dout, x, K, stride, padding, dilation):
    """dw (K,) for a batch: dw[u] = Σ_n Σ_i dout[n, i] · xpad[n, i·s + u·d].

    dout (N, L_out), x (N, L). Each tap meets one input per output, in every sequence of the
    batch; the batch is summed, not averaged.
    """
    N, L = x.shape
    xpad = np.concatenate([np.zeros((N, padding)), x, np.zeros((N, padding))], axis=1)
    dw = np.zeros(K)
    for n in range(N):
        for u in range(K):
            for i in range(dout.shape[1]):
                dw[u] += dout[n, i] * xpad[n, i * stride + u * dilation]
    return dw


@checker
def check_dw(learner) -> CheckReport:
    """Check ``learner(dout, x, K, stride, padding, dilation) -> dw`` for dout (N, L_out), x (N, L)."""
    rng = np.random.default_rng(133)
    cases = []
    for (desc, L, K, s, p, d), N in zip(_SETTINGS, (1, 3, 2, 2, 4)):
        x = rng.standard_normal((N, L))
        dout = rng.standard_normal((N, conv1d_output_length(L, K, s, p, d)))
        batch = "one sequence" if N == 1 else f"a batch of {N} (summed, not averaged)"
        cases.append(Case(f"{desc}; {batch}", (dout, x, K, s, p, d)))

    def reference(dout, x, K, s, p, d):
        return conv1d_backward(dout[:, None], x[:, None], np.zeros((1, 1, K)), s, p, d)[1][0, 0]

    def unpadded(dout, x, K, s, p, d):
        # x read without its padding: every index shifts by p (zeros where the ring was read)
        return reference(dout, np.pad(x, ((0, 0), (0, 2 * p))), K, s, 0, d)

    mistakes = [
        Mistake("dw averaged over the batch instead of summed (off by a factor of N): the batch's "
                "loss is the sum of its examples' losses",
                lambda dout, x, *rest: reference(dout, x, *rest) / x.shape[0]),
        Mistake("only the first sequence of the batch summed: every sequence n adds its share",
                lambda dout, x, *rest: reference(dout[:1], x[:1], *rest)),
        Mistake("dw reversed (the true-convolution convention): with a cross-correlation forward pass, "
                "tap u meets xpad[n, i·s + u·d]", lambda *args: reference(*args)[::-1]),
        Mistake("the stride ignored: output i reads from xpad index i·s on",
                lambda dout, x, K, s, p, d: _tap_sums(dout, x, K, 1, p, d)),
        Mistake("x read without its padding: tap u of output i meets xpad[n, i·s + u·d], in padded "
                "coordinates", unpadded),
        Mistake("the last output left out (a loop bound off by one): i runs from 0 to L_out − 1 included",
                lambda dout, x, *rest: reference(np.concatenate([dout[:, :-1], np.zeros((len(dout), 1))], axis=1),
                                                 x, *rest)),
    ]
    return check_function("dw", learner, reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "output_length": (
        "Output i starts at padded index i·s, and its last tap reads index i·s + d·(K − 1). How large "
        "can i be while that stays inside xpad, which has L + 2p entries?",
        "The condition is i·s + d·(K − 1) ≤ L + 2p − 1. The largest such i is a floor, and outputs are "
        "numbered from 0, so add one.",
        "return (L + 2*padding - dilation*(K - 1) - 1) // stride + 1",
    ),
    "forward": (
        "Pad x with p zeros on each side. Output i is a dot product of w with K entries of xpad, "
        "the first at i·s and the others d apart.",
        "out[i] = Σ_u xpad[i·s + u·d] · w[u], for i = 0 … L_out − 1 (exercise 1 gives L_out). This "
        "is a cross-correlation: the kernel is not reversed.",
        "xpad = np.concatenate([np.zeros(padding), x, np.zeros(padding)]); for i, u: "
        "out[i] += xpad[i*stride + u*dilation] * w[u]",
    ),
    "dx": (
        "Run the forward pass backwards: output i read xpad[i·s + u·d] through tap u. Where does "
        "dout[i] go?",
        "Work on a padded gradient dxpad of length L + 2p: for every output i and tap u, add "
        "dout[i]·w[u] to dxpad[i·s + u·d] (+=: windows may overlap). Then drop the p entries at each end.",
        "dxpad = np.zeros(L + 2*padding); for i, u: dxpad[i*stride + u*dilation] += dout[i] * w[u]; "
        "return dxpad[padding : padding + L]",
    ),
    "zero_insert": (
        "dout[i] belongs at position i·s of the new sequence. How long must it be for the last "
        "entry to fit, with nothing after it?",
        "The last entry goes to (L_out − 1)·s, so the length is (L_out − 1)·s + 1. Start from zeros "
        "and put dout in every s-th position.",
        "up = np.zeros((len(dout) - 1) * stride + 1); up[::stride] = dout; return up",
    ),
    "dw": (
        "w[u] is used by every output i of every sequence n. Which input does it meet there?",
        "At output i of sequence n, tap u meets xpad[n, i·s + u·d] (pad each sequence first). dw[u] "
        "adds dout[n, i] times that value over n and i: a sum over the batch, not a mean.",
        "xpad = np.pad(x, ((0, 0), (padding, padding))); for n, u, i: "
        "dw[u] += dout[n, i] * xpad[n, i*stride + u*dilation]",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

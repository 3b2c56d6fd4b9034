"""Exercises for ``notebooks/13-conv1d.ipynb``: the whole story of notebooks 02–05 in one dimension.

One sequence x (L,), one kernel w (K,), stride s, padding p, dilation d (no batch, no channels,
no bias unless stated):

    L_out     = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1
    out[i]    = Σ_u xpad[i·s + u·d] · w[u]
    dx[t]     = Σ over (i, u) with i·s + u·d = t + p of dout[i] · w[u]
    dw[u]     = Σ_i dout[i] · xpad[i·s + u·d]
    zero insertion: dout_up[i·s] = dout[i], zeros in between, length (L_out − 1)·s + 1

The solutions are plain loops, written independently of the package, whose ``conv1d_forward``
and ``conv1d_backward`` the checkers use as the reference.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, check_function, checker
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


# --------------------------------------------------------------------------- exercise 1


def solution_output_length(L, K, stride, padding, dilation):
    """L_out = ⌊(L + 2p − d·(K − 1) − 1) / s⌋ + 1 (floor, as in PyTorch)."""
    return (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1


@checker
def check_output_length(learner) -> CheckReport:
    """Check ``learner(L, K, stride, padding, dilation) -> int``."""
    cases = [Case(desc, (L, K, s, p, d)) for desc, L, K, s, p, d in _SETTINGS]
    cases.append(Case("L = 9, K = 1, stride 3: ⌊8/3⌋ + 1 = 3 (floor, not round)", (9, 1, 3, 0, 1)))
    return check_function("output length", learner, conv1d_output_length, cases, rtol=0, atol=0)


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

    return check_function("1-D forward pass", learner, reference, cases)


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

    return check_function("dx", learner, reference, cases)


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
        Case("dout of 3, stride 2: 5 entries, zeros at 1 and 3", (rng.standard_normal(3), 2)),
        Case("dout of 4, stride 3: no zeros after the last entry", (rng.standard_normal(4), 3)),
        Case("stride 1: unchanged", (rng.standard_normal(5), 1)),
        Case("a single entry, stride 2: nothing to insert", (rng.standard_normal(1), 2)),
    ]

    def reference(dout, s):
        # the stride-s dout seen from dx's side: the dx of a stride-1 layer of one tap w = [1]
        # reads dout_up back: dout_up[m] = dx of the unit kernel with stride s at input m
        L = (len(dout) - 1) * s + 1
        return conv1d_backward(dout[None, None], np.zeros((1, 1, L)), np.ones((1, 1, 1)), s)[0][0, 0]

    return check_function("zero insertion", learner, reference, cases)


# --------------------------------------------------------------------------- exercise 5


def solution_dw(dout, x, K, stride, padding, dilation):
    """dw (K,) = Σ_i dout[i] · xpad[i·s + u·d]: each tap meets one input per output."""
    xpad = np.concatenate([np.zeros(padding), x, np.zeros(padding)])
    dw = np.zeros(K)
    for u in range(K):
        for i in range(len(dout)):
            dw[u] += dout[i] * xpad[i * stride + u * dilation]
    return dw


@checker
def check_dw(learner) -> CheckReport:
    """Check ``learner(dout, x, K, stride, padding, dilation) -> dw``."""
    rng = np.random.default_rng(133)
    cases = []
    for desc, L, K, s, p, d in _SETTINGS:
        x, _, dout = _problem(rng, L, K, s, p, d)
        cases.append(Case(desc, (dout, x, K, s, p, d)))

    def reference(dout, x, K, s, p, d):
        return conv1d_backward(dout[None, None], x[None, None], np.zeros((1, 1, K)), s, p, d)[1][0, 0]

    return check_function("dw", learner, reference, cases)

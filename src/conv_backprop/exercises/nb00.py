"""Exercises for ``notebooks/00-start-here.ipynb``: a first taste of the exercise pattern.

Each exercise has a ``solution_*`` (the reference answer) and a ``check_*`` that runs a
learner's function on hidden cases and returns a :class:`~conv_backprop.exercises.CheckReport`.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help

__all__ = [
    "solution_padded_shape",
    "check_padded_shape",
    "solution_pad",
    "check_pad",
    "solution_stackexchange_row",
    "check_stackexchange_row",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- exercise 1


def solution_padded_shape(x_shape, padding):
    """Shape of x (N, C, H, W) after ``padding`` zeros on every side of each spatial axis.

    Returns the tuple ``(N, C, H + 2·padding, W + 2·padding)``.
    """
    N, C, H, W = x_shape
    return (N, C, H + 2 * padding, W + 2 * padding)


def _reference_padded_shape(x_shape, padding):
    # Independent of the solution: let numpy pad an empty array of that shape.
    return tuple(np.pad(np.zeros(x_shape), ((0, 0), (0, 0), (padding, padding), (padding, padding))).shape)


@checker
def check_padded_shape(learner) -> CheckReport:
    """Check ``learner(x_shape, padding) -> (N, C, H_pad, W_pad)`` on hidden cases."""
    cases = [
        Case("the CS231n post: x (4, 3, 5, 5), padding 1", ((4, 3, 5, 5), 1)),
        Case("no padding leaves the shape alone", ((2, 1, 7, 6), 0)),
        Case("non-square input (1, 2, 3, 8), padding 2", ((1, 2, 3, 8), 2)),
        Case("batch and channels are never padded: (5, 4, 1, 1), padding 3", ((5, 4, 1, 1), 3)),
    ]
    mistakes = [
        Mistake("padding added on one side only (H + p instead of H + 2p): the ring has a top "
                "and a bottom row, a left and a right column",
                lambda s, p: (s[0], s[1], s[2] + p, s[3] + p)),
        Mistake("padding on every axis: only the two spatial axes H and W are padded, never N or C",
                lambda s, p: tuple(v + 2 * p for v in s)),
    ]
    return check_function("padded shape", learner, _reference_padded_shape, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_pad(x, padding):
    """Zero-pad x (N, C, H, W) by ``padding`` on all four spatial sides → (N, C, H+2p, W+2p)."""
    N, C, H, W = x.shape
    xpad = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=np.result_type(x, np.float64))
    xpad[:, :, padding : padding + H, padding : padding + W] = x
    return xpad


def _reference_pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


@checker
def check_pad(learner) -> CheckReport:
    """Check ``learner(x, padding) -> xpad`` on hidden random inputs."""
    rng = np.random.default_rng(0)
    cases = [
        Case("x (1, 1, 3, 3), padding 1", (rng.standard_normal((1, 1, 3, 3)), 1)),
        Case("x (2, 3, 4, 5) non-square, padding 2", (rng.standard_normal((2, 3, 4, 5)), 2)),
        Case("padding 0 returns x unchanged", (rng.standard_normal((1, 2, 3, 3)), 0)),
        Case("x (3, 1, 1, 2), padding 3 (a big ring around a tiny image)",
             (rng.standard_normal((3, 1, 1, 2)), 3)),
    ]
    mistakes = [
        Mistake("x returned without padding", lambda x, p: x),
        Mistake("all the padding on the top and left (2p there, none at the bottom and right)",
                lambda x, p: np.pad(x, ((0, 0), (0, 0), (2 * p, 0), (2 * p, 0)))),
        Mistake("padding on every axis, N and C included",
                lambda x, p: np.pad(x, p)),
    ]
    return check_function("zero padding", learner, _reference_pad, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_stackexchange_row(i, r, stride):
    """0-based row of x read by the StackExchange question's output row ``i`` at kernel row ``r`` (both 1-based).

    The StackExchange question (no padding) reads 1-based input row ``(i-1)·s + r``. With our 0-based output row
    ``i - 1`` and tap ``u = r - 1`` we read row ``(i-1)·s + (r-1)``: one less. Taught in
    notebooks/00-start-here.ipynb ("Translate the sources into this notation").
    """
    i0, u = i - 1, r - 1          # their 1-based indices → our 0-based ones
    return i0 * stride + u        # our formula: output row i0 reads row i0·s + u


def _reference_stackexchange_row(i, r, stride):
    # Independent of the solution: build the StackExchange question's 1-based index table literally, then find the
    # 0-based position of that row by searching a labelled 0-based axis.
    one_based_row = (i - 1) * stride + r
    labels = list(range(1, one_based_row + 5))   # labels[k] is the 1-based name of 0-based row k
    return labels.index(one_based_row)


@checker
def check_stackexchange_row(learner) -> CheckReport:
    """Check ``learner(i, r, stride) -> 0-based row`` for the StackExchange question's 1-based indices on hidden cases."""
    cases = [
        Case("the very first tap: i=1, r=1, stride 1 (row 0 in 0-based code)", (1, 1, 1)),
        Case("i=1, r=3, stride 1: the last tap of the first window", (1, 3, 1)),
        Case("i=2, r=1, stride 2: the second window starts two rows lower", (2, 1, 2)),
        Case("i=3, r=2, stride 2", (3, 2, 2)),
        Case("i=4, r=3, stride 3 (stride equals the kernel size)", (4, 3, 3)),
        Case("i=2, r=5, stride 1 (a 5-row kernel)", (2, 5, 1)),
    ]
    mistakes = [
        Mistake("the StackExchange question's 1-based row, not converted to 0-based (one too many)",
                lambda i, r, s: (i - 1) * s + r),
        Mistake("the output row i used as if it were already 0-based (one stride too far)",
                lambda i, r, s: i * s + r - 1),
        Mistake("the stride ignored (windows one row apart whatever the stride)",
                lambda i, r, s: (i - 1) + r - 1),
    ]
    return check_function("the StackExchange question's row, in 0-based code", learner,
                          _reference_stackexchange_row, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "padded_shape": (
        "Padding adds rows and columns of zeros around each image. Which of the four axes "
        "(N, C, H, W) grow?",
        "Only H and W grow. The padding goes on both sides: p rows on top and p below.",
        "Unpack N, C, H, W = x_shape and return (N, C, H + 2 * padding, W + 2 * padding).",
    ),
    "pad": (
        "Make an array of zeros of the padded shape (your answer to the first exercise), then "
        "copy x into its middle.",
        "x lands at rows padding … padding + H − 1 and columns padding … padding + W − 1 of the "
        "zero array, for every example and channel.",
        "xpad = np.zeros((N, C, H + 2*padding, W + 2*padding)); "
        "xpad[:, :, padding:padding + H, padding:padding + W] = x; return xpad. "
        "(np.pad with ((0, 0), (0, 0), (p, p), (p, p)) does the same.)",
    ),
    "stackexchange_row": (
        "Translate first: turn the question's 1-based output row i and kernel row r into our "
        "0-based output row and tap u.",
        "Our output row is i − 1 and our tap is u = r − 1. In our notation, output row i0 reads "
        "input row i0·s + u.",
        "return (i - 1) * stride + (r - 1). Check by hand: i = 1, r = 1 must give row 0.",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

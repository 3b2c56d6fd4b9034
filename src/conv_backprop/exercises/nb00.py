"""Exercises for ``notebooks/00-start-here.ipynb``: a first taste of the exercise pattern.

Each exercise has a ``solution_*`` (the reference answer) and a ``check_*`` that runs a
learner's function on hidden cases and returns a :class:`~conv_backprop.exercises.CheckReport`.
"""

from __future__ import annotations

import numpy as np

from .checking import Case, CheckReport, check_function

__all__ = [
    "solution_padded_shape",
    "check_padded_shape",
    "solution_pad",
    "check_pad",
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


def check_padded_shape(learner) -> CheckReport:
    """Check ``learner(x_shape, padding) -> (N, C, H_pad, W_pad)`` on hidden cases."""
    cases = [
        Case("seed 000: x (4, 3, 5, 5), padding 1", ((4, 3, 5, 5), 1)),
        Case("no padding leaves the shape alone", ((2, 1, 7, 6), 0)),
        Case("non-square input (1, 2, 3, 8), padding 2", ((1, 2, 3, 8), 2)),
        Case("batch and channels are never padded: (5, 4, 1, 1), padding 3", ((5, 4, 1, 1), 3)),
    ]
    return check_function("padded shape", learner, _reference_padded_shape, cases)


# --------------------------------------------------------------------------- exercise 2


def solution_pad(x, padding):
    """Zero-pad x (N, C, H, W) by ``padding`` on all four spatial sides → (N, C, H+2p, W+2p)."""
    N, C, H, W = x.shape
    xpad = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=np.result_type(x, np.float64))
    xpad[:, :, padding : padding + H, padding : padding + W] = x
    return xpad


def _reference_pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


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
    return check_function("zero padding", learner, _reference_pad, cases)

"""Exercises of ``notebooks/08-gradient-checking.ipynb``: reference solutions and checkers.

Each ``check_*`` function runs the learner's function on hidden cases (a step h large enough
that a forward difference is visibly wrong, values of very different scales, points near kinks,
near-ties in max pooling) and returns a :class:`~conv_backprop.exercises.checking.CheckReport`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import rel_error as _rel_error
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help, int_pair

__all__ = [
    "solution_centred_difference",
    "check_centred_difference",
    "solution_relative_error",
    "check_relative_error",
    "solution_difference_errors_cubic",
    "check_difference_errors_cubic",
    "solution_relu_kink_mask",
    "check_relu_kink_mask",
    "solution_maxpool_safe_h",
    "check_maxpool_safe_h",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- exercise 1


def solution_centred_difference(f, x, h):
    """Centred-difference gradient of a scalar function: ``(f(x + h e_k) − f(x − h e_k)) / 2h``.

    f : callable, array shaped like x → float. x : any shape; never modified.
    Returns a float64 array shaped like x. Derived in ``notebooks/08-gradient-checking.ipynb``.
    """
    x = np.array(x, dtype=np.float64)  # a copy
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        plus = f(x)
        x[k] = old - h
        minus = f(x)
        x[k] = old  # restore before the next entry
        grad[k] = (plus - minus) / (2 * h)
    return grad


def _centred_reference(f, x, h):
    """All perturbations built at once from the identity matrix (a different route)."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    eye = np.eye(flat.size) * h
    plus = np.array([f((flat + e).reshape(x.shape)) for e in eye])
    minus = np.array([f((flat - e).reshape(x.shape)) for e in eye])
    return ((plus - minus) / (2 * h)).reshape(x.shape)


@checker
def check_centred_difference(learner) -> CheckReport:
    """Check ``learner(f, x, h)``; also fails if the learner changes ``x`` in place (as every
    checker does for every input)."""
    rng = np.random.default_rng(801)

    cases = [
        Case("f = Σ x³ with a large step h = 0.1 (a forward difference is off by ~3xh)",
             (lambda z: np.sum(z**3), rng.normal(size=5), 0.1)),
        Case("f = Σ sin(x) · c on a 2-D array, h = 1e-2",
             (lambda z: np.sum(np.sin(z) * np.arange(1, 7).reshape(2, 3)), rng.normal(size=(2, 3)), 1e-2)),
        Case("f = (Σ x)², entries interact, h = 1e-3", (lambda z: np.sum(z) ** 2, rng.normal(size=4), 1e-3)),
        Case("integer input (compute in float, not in int)", (lambda z: np.sum(z**3), np.array([1, 2, 3]), 0.5)),
        Case("f = Σ exp(x) on a 4-D array", (lambda z: np.sum(np.exp(z)), rng.normal(size=(1, 2, 2, 2)), 1e-3)),
    ]
    def forward(f, x, h):
        x = np.array(x, dtype=np.float64)
        grad, f0 = np.zeros_like(x), f(x)
        for k in np.ndindex(x.shape):
            old = x[k]
            x[k] = old + h
            grad[k] = (f(x) - f0) / h
            x[k] = old
        return grad

    mistakes = [
        Mistake("a forward difference (f(x + h) − f(x))/h: the centred one, (f(x + h) − f(x − h))/(2h), "
                "is far more accurate", forward),
        Mistake("divided by h instead of 2h: the two points x + h and x − h are 2h apart",
                lambda f, x, h: 2 * _centred_reference(f, x, h)),
    ]
    return check_function("Exercise 1: centred differences", learner, _centred_reference, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_relative_error(a, b):
    """``max |a − b| / max(1e-8, |a| + |b|)`` over all entries, as a float.

    Derived in ``notebooks/08-gradient-checking.ipynb``.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@checker
def check_relative_error(learner) -> CheckReport:
    """Check ``learner(a, b) -> float`` against :func:`conv_backprop.rel_error`."""
    cases = [
        Case("equal arrays", (np.array([1.0, -2.0]), np.array([1.0, -2.0]))),
        Case("large values: a large absolute error is a small relative one",
             (np.array([1e6, 2e6]), np.array([1e6 + 1.0, 2e6]))),
        Case("small values: a small absolute error is a large relative one",
             (np.array([1e-6, 1.0]), np.array([2e-6, 1.0]))),
        Case("both zero somewhere: the 1e-8 floor avoids 0/0", (np.array([0.0, 1.0]), np.array([0.0, 1.1]))),
        Case("opposite signs", (np.array([[1.0, 3.0], [-1.0, 2.0]]), np.array([[1.0, 3.0], [1.0, 2.0]]))),
        Case("the maximum, not the mean, over entries", (np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0, 3.0]))),
    ]
    def with_max(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))

    def mean(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))

    def absolute(a, b):
        return float(np.max(np.abs(np.subtract(a, b, dtype=float))))

    mistakes = [
        Mistake("the relative error with max(|a|, |b|) in the denominator instead of |a| + |b| "
                "(this notebook's definition)", with_max),
        Mistake("the mean over entries instead of the maximum: one bad entry must show", mean),
        Mistake("the absolute error |a − b|, not divided by |a| + |b|", absolute),
    ]
    return check_function("Exercise 2: relative error", learner, _rel_error, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_difference_errors_cubic(x, h):
    """Exact errors of the forward and centred differences of ``f(x) = x³`` (derivation step).

    forward: ``((x + h)³ − x³)/h − 3x² = 3xh + h²``; centred: ``((x + h)³ − (x − h)³)/(2h) − 3x² = h²``.
    Returns ``(forward_error, centred_error)``. Derived in ``notebooks/08-gradient-checking.ipynb``.
    """
    return (3 * x * h + h * h, h * h)


def _difference_errors_reference(x, h):
    # Exact rational arithmetic, so the reference has no rounding at all.
    from fractions import Fraction

    X, Hh = Fraction(x), Fraction(h)
    fwd = ((X + Hh) ** 3 - X**3) / Hh - 3 * X**2
    cen = ((X + Hh) ** 3 - (X - Hh) ** 3) / (2 * Hh) - 3 * X**2
    return (float(fwd), float(cen))


@checker
def check_difference_errors_cubic(learner) -> CheckReport:
    """Check ``learner(x, h) -> (forward_error, centred_error)`` for f(x) = x³."""
    cases = [
        Case("x = 1, h = 0.1", (1.0, 0.1)),
        Case("x = 2, h = 0.5", (2.0, 0.5)),
        Case("x = −3, h = 0.25 (negative x)", (-3.0, 0.25)),
        Case("x = 0, h = 0.5: the forward error is h² here too", (0.0, 0.5)),
        Case("x = 10, h = 1e-3", (10.0, 1e-3)),
    ]
    mistakes = [
        Mistake("the h² term forgotten: (x + h)³ = x³ + 3x²h + 3xh² + h³, so the forward error is 3xh + h²",
                lambda x, h: (3 * x * h, h * h)),
        Mistake("the forward error taken to be h² like the centred one: only the centred difference "
                "cancels the 3xh term", lambda x, h: (h * h, h * h)),
    ]
    return check_function("Exercise 3: truncation errors for x³", learner, _difference_errors_reference,
                          cases, names=("forward_error", "centred_error"), mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_relu_kink_mask(x, h):
    """Boolean mask of the entries where a centred difference of ReLU with step h straddles the
    kink at 0 and so differs from the derivative: ``|x| < h``.

    Derived in ``notebooks/08-gradient-checking.ipynb``.
    """
    return np.abs(np.asarray(x, dtype=float)) < h


def _relu_kink_reference(x, h):
    x = np.asarray(x, dtype=float)
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    numeric = (relu(x + h) - relu(x - h)) / (2 * h)
    derivative = (x > 0).astype(float)
    return np.abs(numeric - derivative) > 1e-3


@checker
def check_relu_kink_mask(learner) -> CheckReport:
    """Check ``learner(x, h) -> bool mask``; compared as 0/1 values (a 0/1 float mask passes too)."""
    cases = [
        Case("values far from 0", (np.array([-2.0, -0.5, 0.5, 3.0]), 1e-5)),
        Case("values closer to 0 than h", (np.array([1e-7, -3e-6, 2e-5, -4e-4]), 1e-5)),
        Case("exactly 0", (np.array([0.0, 1.0]), 1e-5)),
        Case("a 2-D array, large h = 0.1", (np.array([[0.05, -0.2], [0.3, -0.01]]), 0.1)),
        Case("|x| = 2h on both sides", (np.array([2e-3, -2e-3, 5e-4]), 1e-3)),
        Case("values between h and 2h", (np.array([1.5e-5, -1.2e-5, 0.9e-5]), 1e-5)),
        Case("|x| exactly h: the step just touches the kink, no error", (np.array([0.25, -0.25, 0.1]), 0.25)),
    ]
    mistakes = [
        Mistake("only x = 0 marked: the two points x − h and x + h straddle the kink whenever |x| < h",
                lambda x, h: np.asarray(x, dtype=float) == 0),
        Mistake("≤ where < is needed: at |x| = h the step just touches the kink, and both points "
                "stay on one side", lambda x, h: np.abs(np.asarray(x, dtype=float)) <= h),
        Mistake("2h instead of h: the difference reads x − h and x + h, so only |x| < h straddles 0",
                lambda x, h: np.abs(np.asarray(x, dtype=float)) < 2 * h),
    ]
    return check_function("Exercise 4: where ReLU's kink spoils the check", learner,
                          _relu_kink_reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 5


def solution_maxpool_safe_h(x, kernel_size, stride):
    """The largest safe step for checking max pooling (no padding): the smallest gap between the
    largest and second-largest entry of any window. A centred difference with ``h`` below it
    never changes a winner. x : (N, C, H, W). Returns a float (``inf`` for 1-entry windows).

    Derived in ``notebooks/08-gradient-checking.ipynb``.
    """
    x = np.asarray(x, dtype=float)
    (kh, kw), (sh, sw) = int_pair(kernel_size), int_pair(stride)
    N, C, H, W = x.shape
    best = np.inf
    for i in range(0, H - kh + 1, sh):
        for j in range(0, W - kw + 1, sw):
            win = np.sort(x[:, :, i : i + kh, j : j + kw].reshape(N, C, -1), axis=-1)
            if win.shape[-1] > 1:
                best = min(best, float(np.min(win[..., -1] - win[..., -2])))
    return best


def _safe_h_reference(x, kernel_size, stride):
    from numpy.lib.stride_tricks import sliding_window_view

    (kh, kw), (sh, sw) = int_pair(kernel_size), int_pair(stride)
    if kh * kw == 1:
        return np.inf
    view = sliding_window_view(np.asarray(x, dtype=float), (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    flat = view.reshape(*view.shape[:4], -1)
    top2 = np.partition(flat, -2, axis=-1)[..., -2:]
    return float(np.min(top2[..., 1] - top2[..., 0]))


@checker
def check_maxpool_safe_h(learner) -> CheckReport:
    """Check ``learner(x, kernel_size, stride) -> float``."""
    rng = np.random.default_rng(805)
    x_tie = rng.normal(size=(1, 1, 4, 4))
    x_tie[0, 0, 1, 1] = x_tie[0, 0, 0, 0] = 5.0
    x_near = rng.normal(size=(1, 2, 4, 4))
    x_near[0, 1, 2, 3], x_near[0, 1, 3, 3] = 4.0, 4.0 + 1e-6
    cases = [
        Case("2×2 windows, stride 2", (rng.normal(size=(1, 1, 4, 4)), 2, 2)),
        Case("a tie: the safe step is 0", (x_tie, 2, 2)),
        Case("a near-tie 1e-6 apart in the second channel", (x_near, 2, 2)),
        Case("overlapping 3×3 windows, stride 1, batch 2", (rng.normal(size=(2, 1, 5, 5)), 3, 1)),
        Case("stride 2 on 5×5: the last row is in no window", (rng.normal(size=(1, 1, 5, 5)), 2, 2)),
        Case("non-square 1×3 windows, stride (1, 2)", (rng.normal(size=(1, 1, 3, 7)), (1, 3), (1, 2))),
    ]
    mistakes = [
        Mistake("the gap between the two smallest entries: what matters is the winner and the "
                "runner-up, the two largest", lambda x, k, s: _safe_h_reference(-np.asarray(x, dtype=float), k, s)),
        Mistake("half the gap: a step h moves one entry by h; only a gap below h can change the winner",
                lambda x, k, s: _safe_h_reference(x, k, s) / 2),
    ]
    return check_function("Exercise 5: the largest safe h for max pooling", learner, _safe_h_reference,
                          cases, rtol=1e-9, atol=1e-12, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "centred_difference": (
        "For each entry k of x: nudge it up by h, evaluate f; nudge it down by h, evaluate f; the "
        "slope between the two points is the gradient's entry k.",
        "Work on a float copy of x (never change the caller's x), and put the entry back to its "
        "old value before moving on to the next one. The two points are 2h apart.",
        "x = np.array(x, dtype=float); for k in np.ndindex(x.shape): old = x[k]; x[k] = old + h; "
        "plus = f(x); x[k] = old - h; minus = f(x); x[k] = old; grad[k] = (plus - minus) / (2*h)",
    ),
    "relative_error": (
        "Divide the absolute difference by the size of the numbers compared, entry by entry, then "
        "report the worst entry.",
        "The size is |a| + |b| (floored at 1e-8 so that two zeros give 0, not 0/0). Take the "
        "maximum over entries, not the mean.",
        "return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))",
    ),
    "difference_errors_cubic": (
        "Expand (x + h)³ and (x − h)³ with the binomial formula, then subtract the true derivative 3x².",
        "(x ± h)³ = x³ ± 3x²h + 3xh² ± h³. So ((x + h)³ − x³)/h = 3x² + 3xh + h², while in "
        "((x + h)³ − (x − h)³)/(2h) the 3xh² terms cancel.",
        "return (3*x*h + h*h, h*h)",
    ),
    "relu_kink_mask": (
        "The centred difference reads ReLU at x − h and x + h. When are those two points on "
        "different sides of 0?",
        "They straddle 0 exactly when x − h < 0 < x + h, that is |x| < h. At |x| = h one point is 0 "
        "itself, where ReLU is 0 from either side, so the difference is still exact: use <, not ≤.",
        "return np.abs(np.asarray(x, dtype=float)) < h",
    ),
    "maxpool_safe_h": (
        "A step h changes one entry by h. When can that change which entry of a window is the maximum?",
        "Only when the gap between a window's largest and second-largest entries is below h. Find "
        "that gap for every window (every example and channel), and keep the smallest.",
        "for each window: top = np.sort(window.ravel()); gap = top[-1] - top[-2]; "
        "return the minimum gap (np.inf when windows have one entry)",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Exercises of ``notebooks/07-pooling-backprop.ipynb``: reference solutions and checkers.

Each ``check_*`` function runs the learner's function on hidden cases (overlapping windows,
ties, padding, odd sizes where the stride drops rows, batch > 1, several channels) and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`.

Shapes: x (N, C, H, W), dout and out (N, C, H_out, W_out), dx (N, C, H, W). A window's taps
are (u, v): u the row, v the column inside the window.
"""

from __future__ import annotations

import numpy as np

from .. import pool as _pool
from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help, int_pair

__all__ = [
    "solution_first_max_tap",
    "check_first_max_tap",
    "solution_maxpool_backward",
    "check_maxpool_backward",
    "solution_maxpool_backward_split",
    "check_maxpool_backward_split",
    "solution_avgpool_backward",
    "check_avgpool_backward",
    "solution_windows_containing",
    "check_windows_containing",
    "hint",
    "solution",
    "progress",
]


def _out_size(size, k, s, p=0):
    return (size + 2 * p - k) // s + 1


# --------------------------------------------------------------------------- exercise 1


def solution_first_max_tap(window):
    """Position ``(u, v)`` of the first maximum of a 2-D ``window`` in row-major order.

    This is the tap that receives the whole gradient under PyTorch's tie rule.
    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    window = np.asarray(window)
    best = None
    for u in range(window.shape[0]):
        for v in range(window.shape[1]):
            if best is None or window[u, v] > window[best]:
                best = (u, v)
    return best


@checker
def check_first_max_tap(learner) -> CheckReport:
    """Check ``learner(window) -> (u, v)`` on windows with and without ties."""
    cases = [
        Case("a single maximum", (np.array([[1.0, 5.0], [2.0, 3.0]]),)),
        Case("a tie inside one row: the left one wins", (np.array([[0.0, 4.0, 4.0], [1.0, 2.0, 3.0]]),)),
        Case("a tie across rows: the upper one wins", (np.array([[1.0, 2.0], [7.0, 0.0], [7.0, 7.0]]),)),
        Case("a tie on a diagonal: the first in reading order (row by row) wins",
             (np.array([[0.0, 0.0, 6.0], [6.0, 6.0, 0.0]]),)),
        Case("all entries equal", (np.full((3, 3), 2.0),)),
        Case("negative values (the maximum is not 0)", (np.array([[-3.0, -1.0], [-2.0, -5.0]]),)),
        Case("−inf padding next to real values", (np.array([[-np.inf, -np.inf], [-np.inf, -4.0]]),)),
    ]
    def last_max(window):
        w = np.asarray(window)
        flat = w.ravel()
        k = flat.size - 1 - int(np.argmax(flat[::-1]))
        return tuple(int(t) for t in np.unravel_index(k, w.shape))

    def column_major(window):
        w = np.asarray(window)
        v, u = np.unravel_index(int(np.argmax(w.T)), w.T.shape)
        return (int(u), int(v))

    mistakes = [
        Mistake("the last maximum instead of the first (`>=` where `>` keeps the first one)", last_max),
        Mistake("the first maximum in column-major order: scan row by row (np.argmax of the window, "
                "then np.unravel_index)", column_major),
    ]
    return check_function("Exercise 1: which tap wins", learner, solution_first_max_tap, cases,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercises 2 and 3


def _max_backward(dout, x, kernel_size, stride, split):
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    (kh, kw), (sh, sw) = int_pair(kernel_size), int_pair(stride)
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    if split:
                        mask = win == win.max()
                        dx[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw] += (
                            mask * dout[n, c, i, j] / mask.sum()
                        )
                    else:
                        u, v = solution_first_max_tap(win)
                        dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]  # += : windows overlap
    return dx


def _wrong_max_backward(dout, x, kernel_size, stride, rule, assign=False):
    """The classic wrong answers: ``rule`` "first", "split", "every" (every tied maximum gets the
    whole gradient), with ``assign`` = ``=`` instead of ``+=``."""
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    (kh, kw), (sh, sw) = int_pair(kernel_size), int_pair(stride)
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    if rule == "first":
                        share = np.zeros_like(win)
                        share[solution_first_max_tap(win)] = 1.0
                    else:
                        share = (win == win.max()).astype(float)
                        if rule == "split":
                            share /= share.sum()
                    view = dx[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    if assign:
                        view[share > 0] = (share * dout[n, c, i, j])[share > 0]
                    else:
                        view += share * dout[n, c, i, j]
    return dx


def solution_maxpool_backward(dout, x, kernel_size, stride):
    """Max-pooling gradient, no padding, ties to the first maximum (PyTorch's rule).

    dout : (N, C, H_out, W_out); x : (N, C, H, W); kernel_size, stride : int or pair.
    Returns dx : (N, C, H, W). Overlapping windows add their contributions.
    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    return _max_backward(dout, x, kernel_size, stride, split=False)


def solution_maxpool_backward_split(dout, x, kernel_size, stride):
    """Max-pooling gradient, no padding, tied maxima share each window's gradient equally.

    Same shapes as :func:`solution_maxpool_backward`.
    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    return _max_backward(dout, x, kernel_size, stride, split=True)


def _max_cases(rng):
    def case(desc, shape, k, s, integers=False):
        if integers:
            x = rng.integers(0, 3, size=shape).astype(float)  # many ties
        else:
            x = rng.permutation(np.prod(shape)).reshape(shape).astype(float) / 7  # no ties
        Ho = _out_size(shape[2], int_pair(k)[0], int_pair(s)[0])
        Wo = _out_size(shape[3], int_pair(k)[1], int_pair(s)[1])
        return Case(desc, (rng.normal(size=(shape[0], shape[1], Ho, Wo)), x, k, s))

    cases = [
        case("2×2 windows, stride 2, no ties", (1, 1, 4, 4), 2, 2),
        case("overlapping 3×3 windows, stride 1: one input can win several windows", (1, 1, 5, 5), 3, 1),
        case("stride 2 on a 5×5 input: the last row and column are never pooled", (1, 1, 5, 5), 2, 2),
        case("non-square 2×3 windows, stride (1, 2)", (1, 2, 4, 7), (2, 3), (1, 2)),
        case("batch 2, 3 channels, overlapping 3×3 windows, stride 2", (2, 3, 7, 7), 3, 2),
        case("small integers: many tied maxima", (1, 2, 4, 6), 2, 2, integers=True),
        case("ties and overlap together", (2, 1, 5, 5), 3, 1, integers=True),
    ]
    return cases


@checker
def check_maxpool_backward(learner) -> CheckReport:
    """Check ``learner(dout, x, kernel_size, stride) -> dx`` against
    :func:`conv_backprop.maxpool2d_backward_naive` with ``ties="first"``."""
    rng = np.random.default_rng(701)

    def reference(dout, x, k, s):
        return _pool.maxpool2d_backward_naive(dout, x, k, s, ties="first")

    mistakes = [
        Mistake("`=` instead of `+=`: where windows overlap, one input can win several windows and "
                "must collect every one's gradient",
                lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "first", assign=True)),
        Mistake("ties sent to every maximum instead of the first: only the first maximum (row-major) "
                "gets the gradient", lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "every")),
        Mistake("tied maxima sharing the gradient (exercise 3's rule): here the first maximum gets it all",
                lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "split")),
    ]
    return check_function("Exercise 2: max-pooling backward (first maximum wins)", learner,
                          reference, _max_cases(rng), mistakes=mistakes)


@checker
def check_maxpool_backward_split(learner) -> CheckReport:
    """Check ``learner(dout, x, kernel_size, stride) -> dx`` against
    :func:`conv_backprop.maxpool2d_backward_naive` with ``ties="split"``."""
    rng = np.random.default_rng(702)

    def reference(dout, x, k, s):
        return _pool.maxpool2d_backward_naive(dout, x, k, s, ties="split")

    mistakes = [
        Mistake("`=` instead of `+=`: where windows overlap, one input must collect every window's share",
                lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "split", assign=True)),
        Mistake("ties sent the whole gradient each: k tied maxima share dout, dout/k each",
                lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "every")),
        Mistake("the first maximum taking it all (exercise 2's rule): here tied maxima share",
                lambda d, x, k, s: _wrong_max_backward(d, x, k, s, "first")),
    ]
    return check_function("Exercise 3: max-pooling backward (tied maxima share)", learner,
                          reference, _max_cases(rng), mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_avgpool_backward(dout, x, kernel_size, stride, padding):
    """Average-pooling gradient: every entry of a window gets ``dout / (HH·WW)``.

    Zero padding counts in the divisor (PyTorch's ``count_include_pad=True``); the gradient
    that lands on the padding ring is dropped. dout : (N, C, H_out, W_out); x : (N, C, H, W).
    Returns dx : (N, C, H, W).
    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    (kh, kw), (sh, sw), (ph, pw) = int_pair(kernel_size), int_pair(stride), int_pair(padding)
    N, C, H, W = x.shape
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            share = dout[:, :, i, j] / (kh * kw)
            dxpad[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += share[:, :, None, None]
    return dxpad[:, :, ph : ph + H, pw : pw + W]


@checker
def check_avgpool_backward(learner) -> CheckReport:
    """Check ``learner(dout, x, kernel_size, stride, padding) -> dx`` against
    :func:`conv_backprop.avgpool2d_backward_naive`."""
    rng = np.random.default_rng(703)

    def case(desc, shape, k, s, p):
        (kh, kw), (sh, sw), (ph, pw) = int_pair(k), int_pair(s), int_pair(p)
        Ho, Wo = _out_size(shape[2], kh, sh, ph), _out_size(shape[3], kw, sw, pw)
        return Case(desc, (rng.normal(size=(shape[0], shape[1], Ho, Wo)), rng.normal(size=shape), k, s, p))

    cases = [
        case("2×2 windows, stride 2 (the NPTEL slides's K×K case)", (1, 1, 4, 4), 2, 2, 0),
        case("overlapping 3×3 windows, stride 1", (1, 1, 5, 5), 3, 1, 0),
        case("stride 2 on a 5×5 input: the last row is never pooled", (1, 1, 5, 5), 2, 2, 0),
        case("padding 1 with 3×3 windows: zeros count in the divisor", (1, 1, 4, 4), 3, 2, 1),
        case("non-square 2×3 windows, stride (2, 1), padding (1, 1)", (1, 2, 5, 6), (2, 3), (2, 1), (1, 1)),
        case("batch 3, 2 channels", (3, 2, 6, 6), 3, 3, 0),
    ]
    def assign(dout, x, k, s, p):
        dout = np.asarray(dout, dtype=float)
        (kh, kw), (sh, sw), (ph, pw) = int_pair(k), int_pair(s), int_pair(p)
        N, C, H, W = np.shape(x)
        dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                dxpad[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] = (dout[:, :, i, j] / (kh * kw))[:, :, None, None]
        return dxpad[:, :, ph : ph + H, pw : pw + W]

    def ring_kept(dout, x, k, s, p):
        (ph, pw) = int_pair(p)
        xpad = np.pad(np.asarray(x, dtype=float), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        return _pool.avgpool2d_backward_naive(dout, xpad, k, s, 0)

    def exclude_pad(dout, x, k, s, p):
        real = _pool.avgpool2d_forward(np.ones_like(np.asarray(x, dtype=float)), k, s, p)
        return _pool.avgpool2d_backward_naive(np.asarray(dout) / real, x, k, s, p)

    def no_divide(dout, x, k, s, p):
        kh, kw = int_pair(k)
        return _pool.avgpool2d_backward_naive(dout, x, k, s, p) * kh * kw

    mistakes = [
        Mistake("`=` instead of `+=`: where windows overlap, an entry collects every window's share", assign),
        Mistake("the padding ring not discarded: dx has the shape of x", ring_kept),
        Mistake("the divisor counting only real entries (count_include_pad=False): here the zero "
                "padding counts, every window divides by HH·WW", exclude_pad),
        Mistake("no division: each of the HH·WW entries gets dout / (HH·WW), not dout", no_divide),
    ]
    return check_function("Exercise 4: average-pooling backward", learner,
                          _pool.avgpool2d_backward_naive, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 5


def solution_windows_containing(q, size, kernel_size, stride, padding=0):
    """How many pooling windows contain input entry ``q`` along one axis (0-based, unpadded).

    Window ``i`` covers padded positions ``i·s … i·s + k − 1``; input ``q`` is padded position
    ``q + p``. Count the ``i`` in ``[0, n_out)`` with ``i·s ≤ q + p ≤ i·s + k − 1``.
    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """
    n_out = _out_size(size, kernel_size, stride, padding)
    return sum(1 for i in range(n_out) if i * stride <= q + padding <= i * stride + kernel_size - 1)


def _windows_containing_reference(q, size, kernel_size, stride, padding=0):
    """Average pooling of a column of ones with dout = 1 gives count / k at each entry."""
    x = np.zeros((1, 1, size, 1))
    n_out = _out_size(size, kernel_size, stride, padding)
    dx = _pool.avgpool2d_backward_naive(np.ones((1, 1, n_out, 1)), x, (kernel_size, 1),
                                        (stride, 1), (padding, 0))
    return int(round(dx[0, 0, q, 0] * kernel_size))


@checker
def check_windows_containing(learner) -> CheckReport:
    """Check ``learner(q, size, kernel_size, stride, padding) -> int``."""
    cases = [
        Case("k = s = 2: every entry in exactly one window", (3, 6, 2, 2, 0)),
        Case("k = 3, s = 1, middle entry: three windows", (2, 5, 3, 1, 0)),
        Case("k = 3, s = 1, first entry: one window", (0, 5, 3, 1, 0)),
        Case("k = 3, s = 2, entry 2 is shared by two windows", (2, 7, 3, 2, 0)),
        Case("k = 2, s = 2 on size 5: the last entry is in no window", (4, 5, 2, 2, 0)),
        Case("padding 1, k = 3, s = 2, first entry", (0, 4, 3, 2, 1)),
        Case("padding 1, k = 3, s = 2, last entry: only the padding makes a window reach it", (3, 4, 3, 2, 1)),
        Case("k = 4, s = 1, size 8, entry 5", (5, 8, 4, 1, 0)),
    ]
    def unclipped(q, n, k, s, p=0):
        return (q + p) // s - max(0, -(-(q + p - k + 1) // s)) + 1

    def no_padding(q, n, k, s, p=0):
        return _windows_containing_reference(q, n, k, s, 0)

    mistakes = [
        Mistake("windows that do not exist counted: only windows i = 0 … n_out − 1 hold entries "
                "(the floor in the output size drops the last ones)", unclipped),
        Mistake("k // s for every entry: entries near the edges are in fewer windows, and where s "
                "does not divide k the count changes from entry to entry", lambda q, n, k, s, p=0: k // s),
        Mistake("padding forgotten: entry q is at padded position q + p", no_padding),
    ]
    return check_function("Exercise 5: how many windows hold an entry", learner,
                          _windows_containing_reference, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "first_max_tap": (
        "Scan the window in reading order (row by row, left to right) and remember the best "
        "position seen so far.",
        "Replace the best only when a value is strictly larger (>), so that a tie keeps the "
        "earlier one. np.argmax on the flattened window does the same.",
        "return tuple(int(t) for t in np.unravel_index(np.argmax(window), window.shape))",
    ),
    "maxpool_backward": (
        "Each output came from one input: the first maximum of its window. Send dout there, and "
        "nowhere else.",
        "For each output (n, c, i, j): find the winning tap (u, v) of its window (exercise 1), then "
        "dx[n, c, i*s + u, j*s + v] += dout[n, c, i, j]. The += matters: overlapping windows can "
        "share a winner.",
        "dx = zeros like x; loop n, c, i, j: win = x[n, c, i*sh:i*sh + kh, j*sw:j*sw + kw]; "
        "u, v = my_first_max_tap(win); dx[n, c, i*sh + u, j*sw + v] += dout[n, c, i, j]",
    ),
    "maxpool_backward_split": (
        "Same loop as exercise 2, but now every tied maximum of a window gets an equal share.",
        "mask = (win == win.max()); each True entry gets dout[n, c, i, j] / mask.sum(). Add (+=) the "
        "shares onto the window of dx.",
        "dx[n, c, i*sh:i*sh + kh, j*sw:j*sw + kw] += mask * dout[n, c, i, j] / mask.sum()",
    ),
    "avgpool_backward": (
        "Every entry of a window contributed 1/(HH·WW) of its value to the average. The gradient "
        "flows back with the same weight.",
        "Work on a padded gradient dxpad: every window adds dout[:, :, i, j] / (HH·WW) to all its "
        "entries (+=, windows may overlap). The padding counts in the divisor; drop the ring at the end.",
        "dxpad[:, :, i*sh:i*sh + kh, j*sw:j*sw + kw] += (dout[:, :, i, j] / (kh*kw))[:, :, None, None]; "
        "return dxpad[:, :, ph:ph + H, pw:pw + W]",
    ),
    "windows_containing": (
        "Window i covers padded positions i·s … i·s + k − 1. Where is input q in padded coordinates?",
        "Count the windows that exist, i = 0 … n_out − 1, with i·s ≤ q + p ≤ i·s + k − 1.",
        "n_out = (size + 2*padding - kernel_size) // stride + 1; return sum(1 for i in range(n_out) "
        "if i*stride <= q + padding <= i*stride + kernel_size - 1)",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

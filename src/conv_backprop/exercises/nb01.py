"""Exercises for ``notebooks/01-shapes-and-sliding-windows.ipynb``: output sizes and windows.

All indices are 0-based and along one axis (rows); columns work the same way.
"""

from __future__ import annotations

from .checking import Case, CheckReport, Mistake, check_function, checker, exercise_help
from ..shapes import explain_geometry

__all__ = [
    "solution_output_size",
    "check_output_size",
    "solution_window_starts",
    "check_window_starts",
    "solution_window_rows",
    "check_window_rows",
    "solution_unused_rows",
    "check_unused_rows",
    "hint",
    "solution",
    "progress",
]

# Hidden settings (size, kernel_size, stride, padding, dilation) shared by the checkers: each
# one is a trap for a common mistake.
_SETTINGS = [
    ("the CS231n post: size 5, kernel 3, stride 1, padding 1", (5, 3, 1, 1, 1)),
    ("padding 2 on both sides: size 6, kernel 3, stride 1", (6, 3, 1, 2, 1)),
    ("the NPTEL slides: size 32, kernel 5, stride 1, padding 0", (32, 5, 1, 0, 1)),
    ("stride 2 with an odd leftover: size 8, kernel 3, stride 2 (floor drops a row)", (8, 3, 2, 0, 1)),
    ("stride 3 larger than the kernel: size 10, kernel 2, stride 3, padding 1", (10, 2, 3, 1, 1)),
    ("dilation 2: size 9, kernel 3, stride 1, padding 0 (extent 5)", (9, 3, 1, 0, 2)),
    ("dilation 2, stride 2, padding 2: size 7, kernel 3", (7, 3, 2, 2, 2)),
    ("kernel as large as the padded input: size 3, kernel 5, padding 1", (3, 5, 1, 1, 1)),
]


def _cases():
    return [Case(desc, args) for desc, args in _SETTINGS]


# --------------------------------------------------------------------------- exercise 1


def solution_output_size(size, kernel_size, stride, padding, dilation):
    """Number of window positions along one axis: ⌊(size + 2p − (d(k − 1) + 1)) / s⌋ + 1."""
    extent = dilation * (kernel_size - 1) + 1
    return (size + 2 * padding - extent) // stride + 1


def _ref_output_size(size, kernel_size, stride, padding, dilation):
    # Brute force: count the start positions whose window fits in the padded input.
    padded = size + 2 * padding
    last_tap = dilation * (kernel_size - 1)
    return sum(1 for start in range(0, padded, stride) if start + last_tap < padded)


@checker
def check_output_size(learner) -> CheckReport:
    """Check ``learner(size, kernel_size, stride, padding, dilation) -> int``."""
    mistakes = [
        Mistake("the output-size formula off by one: the + 1 is missing (the first window, at "
                "position 0, counts too)", lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s),
        Mistake("a ceiling where a floor is needed: a window that does not fit in the padded "
                "input is not a window", lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1),
        Mistake("dilation ignored: a dilated kernel spans d·(k − 1) + 1 rows, not k",
                lambda n, k, s, p, d: (n + 2 * p - k) // s + 1),
        Mistake("padding added once instead of twice (it is on both sides)",
                lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1),
    ]
    return check_function("output size", learner, _ref_output_size, _cases(), atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 2


def solution_window_starts(size, kernel_size, stride, padding, dilation):
    """Start index (in padded coordinates) of every window along one axis: [0, s, 2s, …]."""
    n_out = solution_output_size(size, kernel_size, stride, padding, dilation)
    return [i * stride for i in range(n_out)]


def _ref_window_starts(size, kernel_size, stride, padding, dilation):
    return list(explain_geometry(size, kernel_size, stride, padding, dilation).height.starts)


@checker
def check_window_starts(learner) -> CheckReport:
    """Check ``learner(size, kernel_size, stride, padding, dilation) -> list of starts``."""
    def one_too_many(n, k, s, p, d):
        return [i * s for i in range(solution_output_size(n, k, s, p, d) + 1)]

    def unpadded(n, k, s, p, d):
        return [i * s - p for i in range(solution_output_size(n, k, s, p, d))]

    mistakes = [
        Mistake("one window too many (the output-size bound off by one)", one_too_many),
        Mistake("starts given in unpadded coordinates (i·s − p); here they are positions in the "
                "padded input, so the first is always 0", unpadded),
    ]
    return check_function("window starts", learner, _ref_window_starts, _cases(), atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 3


def solution_window_rows(i, kernel_size, stride, dilation):
    """Padded rows that output row i reads: [i·s + u·d for u in 0 … k − 1] (a derivation step)."""
    return [i * stride + u * dilation for u in range(kernel_size)]


def _ref_window_rows(i, kernel_size, stride, dilation):
    # The same rows as a slice of range(): start i·s, step d, k taps.
    start = i * stride
    return list(range(start, start + dilation * (kernel_size - 1) + 1, dilation))


@checker
def check_window_rows(learner) -> CheckReport:
    """Check ``learner(i, kernel_size, stride, dilation) -> list of padded row indices``."""
    cases = [
        Case("output 0, kernel 3, stride 1, dilation 1", (0, 3, 1, 1)),
        Case("output 2, kernel 3, stride 2, dilation 1", (2, 3, 2, 1)),
        Case("output 1, kernel 3, stride 1, dilation 2 (gaps between taps)", (1, 3, 1, 2)),
        Case("output 3, kernel 2, stride 3, dilation 1 (stride > kernel)", (3, 2, 3, 1)),
        Case("output 4, kernel 4, stride 2, dilation 3", (4, 4, 2, 3)),
        Case("output 0, kernel 1 (a 1×1 kernel reads one row)", (0, 1, 2, 1)),
    ]
    mistakes = [
        Mistake("dilation ignored: the taps are d rows apart, at i·s + u·d",
                lambda i, k, s, d: [i * s + u for u in range(k)]),
        Mistake("stride ignored: window i starts at row i·s, not at row i",
                lambda i, k, s, d: [i + u * d for u in range(k)]),
        Mistake("the stride and the dilation swapped (i·d + u·s)",
                lambda i, k, s, d: [i * d + u * s for u in range(k)]),
    ]
    return check_function("rows of one window", learner, _ref_window_rows, cases, atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- exercise 4


def solution_unused_rows(size, kernel_size, stride, padding, dilation):
    """Rows of the padded input after the last window: never read, so their gradient is zero."""
    extent = dilation * (kernel_size - 1) + 1
    padded = size + 2 * padding
    return (padded - extent) % stride


def _ref_unused_rows(size, kernel_size, stride, padding, dilation):
    # Brute force: mark every row any window reads, count the unmarked rows after the last one.
    padded = size + 2 * padding
    read = set()
    start = 0
    while start + dilation * (kernel_size - 1) < padded:
        read.update(range(start, start + dilation * (kernel_size - 1) + 1))
        start += stride
    return padded - 1 - max(read)


@checker
def check_unused_rows(learner) -> CheckReport:
    """Check ``learner(size, kernel_size, stride, padding, dilation) -> int``."""
    def no_padding(n, k, s, p, d):
        return (n - (d * (k - 1) + 1)) % s

    mistakes = [
        Mistake("padding forgotten: the windows slide over the padded input, n + 2p rows", no_padding),
        Mistake("always 0: with a stride larger than 1 the last rows can be skipped",
                lambda n, k, s, p, d: 0),
    ]
    return check_function("unused rows", learner, _ref_unused_rows, _cases(), atol=0, rtol=0,
                          mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "output_size": (
        "Count window positions. A window covers d·(k − 1) + 1 rows of the padded input, which "
        "has size + 2·padding rows.",
        "The first window starts at 0, the next at s, 2s, …; the last start must leave room for "
        "the whole window. How many multiples of s fit in (padded size − window extent)?",
        "extent = dilation * (kernel_size - 1) + 1; return (size + 2 * padding - extent) // stride + 1 "
        "(floor division: a window that does not fit is not counted, and + 1 for the window at 0).",
    ),
    "window_starts": (
        "Window i starts at row i·s of the padded input. How many windows are there?",
        "Use your output_size (or the formula) for the number of windows, then list i·s for each.",
        "return [i * stride for i in range(my_output_size(size, kernel_size, stride, padding, dilation))] "
        "(my_output_size: your answer to the first exercise).",
    ),
    "window_rows": (
        "Output row i starts at padded row i·s. Tap u then adds an offset; how far apart are "
        "neighbouring taps when the kernel is dilated?",
        "Taps are d rows apart: tap u reads row i·s + u·d, for u = 0 … k − 1.",
        "return [i * stride + u * dilation for u in range(kernel_size)]",
    ),
    "unused_rows": (
        "Find the last padded row any window reads, then count the rows after it.",
        "Between the extent of one window and the padded size there are (padded − extent) rows "
        "of room; the stride uses them in steps of s. What is left over?",
        "extent = dilation * (kernel_size - 1) + 1; padded = size + 2 * padding; "
        "return (padded - extent) % stride",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Input checks shared by every public function.

Each check raises ``ValueError`` (wrong value) or ``TypeError`` (wrong type) with a message that
names the parameter, the value received and what was expected, so a learner never meets an
``IndexError`` from deep inside a loop.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    ``value`` may be an int or a pair of ints. ``name`` is the parameter's name, used in errors.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got the bool {value!r}")
    if isinstance(value, numbers.Integral):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list, np.ndarray)) and len(value) == 2:
        if not all(
            isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value
        ):
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
    for v in pair:
        if v < minimum:
            what = "at least 1" if minimum == 1 else f"at least {minimum}"
            if minimum == 0:
                what = "non-negative (0 or more)"
            raise ValueError(f"{name} must be {what}; got {value!r}")
    return pair


def as_array(value, name: str, ndim: int, layout: str) -> np.ndarray:
    """Return ``value`` as a real numeric ndarray with ``ndim`` dimensions (no copy if possible).

    ``layout`` describes the expected axes, e.g. ``"(N, C, H, W)"``, and appears in the error.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric array {layout}; could not convert it: {exc}")
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (integer or float dtype); got dtype {arr.dtype}"
        )
    if arr.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-D with layout {layout}; got shape {arr.shape} "
            f"({arr.ndim}-D)"
        )
    return arr


def compute_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype to compute in: float32 stays float32, float64 wins, integers become float64."""
    floats = [a.dtype if a.dtype.kind == "f" else np.dtype(np.float64) for a in arrays]
    return np.result_type(np.float32, *floats)


def check_shape(arr: np.ndarray, name: str, expected: tuple, meaning: str) -> None:
    """Raise ``ValueError`` unless ``arr.shape == expected``; ``meaning`` explains the axes."""
    if tuple(arr.shape) != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)} {meaning}; got {arr.shape}")


def check_ties(ties: str) -> str:
    if ties not in ("first", "split"):
        raise ValueError(f"ties must be 'first' or 'split'; got {ties!r}")
    return ties

"""Input checks shared by every public function.

Each check raises ``ValueError`` (wrong value) or ``TypeError`` (wrong type) with a message that
names the parameter, the value received and what was expected, so a learner never meets an
``IndexError`` from deep inside a loop.

Integers may be Python ints, numpy integer scalars or 0-d integer arrays (``np.array(2)``);
bools are refused everywhere an int is expected, as are floats, even integral ones (``2.0``), so
that nothing is ever truncated silently; a flag (``ceil_mode``) takes only True or False.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# The largest single array the package will allocate, in bytes. A size derived from the
# parameters (a padded input, an im2col matrix, an output) above it is refused up front with a
# ValueError naming the parameters, instead of a MemoryError (or minutes of swapping) from
# inside numpy. A fixed cap rather than a fraction of this machine's memory: the same call then
# behaves the same on every machine (and in the tests), and 8 GiB is ~70 times the largest
# array of any course or benchmark case (the N=8, C=64, 56×56, 3×3 im2col matrix is ~115 MiB),
# so only settings that cannot be meant (padding=10_000 on a 5×5 input: 161 GiB) are refused.
# Arrays below the cap can still exceed the free memory; numpy then raises its MemoryError.
# Raise it (``conv_backprop._validation.MAX_ARRAY_BYTES = ...``) on a machine that has more.
MAX_ARRAY_BYTES = 8 * 2**30


def _unwrap_0d(value):
    """A 0-d numpy array as its scalar (``np.array(2)`` → ``np.int64(2)``); anything else as is."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def is_int(value) -> bool:
    """Whether ``value`` is an integer (int, numpy integer, 0-d integer array), not a bool."""
    value = _unwrap_0d(value)
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def as_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int (see :func:`is_int`), at least ``minimum`` if given."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int; got {value!r}")
    val = int(_unwrap_0d(value))
    if minimum is not None and val < minimum:
        raise ValueError(f"{name} must be {_at_least(minimum)}; got {value!r}")
    return val


def _at_least(minimum: int) -> str:
    if minimum == 0:
        return "non-negative (0 or more)"
    return f"at least {minimum}"


def as_pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    ``value`` may be an int or a pair of ints (tuple, list or 1-D array of two). ``name`` is the
    parameter's name, used in errors.
    """
    val = _unwrap_0d(value)
    if is_int(val):
        pair = (int(val), int(val))
    elif (
        isinstance(val, (tuple, list)) or (isinstance(val, np.ndarray) and val.ndim == 1)
    ) and len(val) == 2 and all(is_int(e) for e in val):
        pair = (int(_unwrap_0d(val[0])), int(_unwrap_0d(val[1])))
    elif isinstance(val, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got the bool {value!r}")
    else:
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
    for p in pair:
        if p < minimum:
            raise ValueError(f"{name} must be {_at_least(minimum)}; got {value!r}")
    return pair


def as_shape(value, name: str, ndim: int, layout: str) -> tuple[int, ...]:
    """Return ``value`` as a tuple of ``ndim`` positive ints (an array's shape, e.g. ``x_shape``).

    ``value`` may be a tuple, a list or a 1-D integer array; ``layout`` (e.g. ``"(N, C, H, W)"``)
    appears in errors.
    """
    val = value
    if isinstance(val, np.ndarray) and val.ndim == 1:
        val = list(val)
    if not isinstance(val, (tuple, list)):
        raise TypeError(f"{name} must be {ndim} positive ints {layout}, as a tuple; got {value!r}")
    if len(val) != ndim:
        raise ValueError(f"{name} must be {ndim} positive ints {layout}; got {value!r} "
                         f"({len(val)} entries)")
    for e in val:
        if not is_int(e):
            raise TypeError(f"{name} must be {ndim} positive ints {layout}; got {value!r} "
                            f"(the entry {e!r} is not an int)")
    shape = tuple(int(_unwrap_0d(e)) for e in val)
    if min(shape) < 1:
        raise ValueError(f"{name} must be {ndim} positive ints {layout}; got {value!r}")
    return shape


def as_real(value, name: str) -> float:
    """Return ``value`` as a finite positive float: any real number (Python or numpy float or
    int, 0-d array) except bools, NaN, ±inf and numbers ≤ 0."""
    val = _unwrap_0d(value)
    if isinstance(val, (bool, np.bool_)) or not isinstance(val, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    f = float(val)
    if not (math.isfinite(f) and f > 0):
        raise ValueError(f"{name} must be a positive number; got {value!r} (it must be finite "
                         f"and above 0)")
    return f


def as_array(value, name: str, ndim: int | None, layout: str) -> np.ndarray:
    """Return ``value`` as a real numeric ndarray with ``ndim`` dimensions (no copy if possible).

    ``layout`` describes the expected axes, e.g. ``"(N, C, H, W)"``, and appears in the error.
    ``ndim=None`` accepts any number of dimensions.
    """
    if value is None:
        raise TypeError(f"{name} must be a numeric array {layout}; got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric array {layout}; could not convert it: {exc}")
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (integer or float dtype); got dtype {arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
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


def as_bool(value, name: str) -> bool:
    """Return ``value`` as a Python bool: ``True`` or ``False`` (numpy bools too), nothing else,
    so that a misplaced argument (``ceil_mode=2``) is named rather than read as true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_ties(ties) -> str:
    if not isinstance(ties, str):
        raise TypeError(f"ties must be the string 'first' or 'split'; got {ties!r}")
    if ties not in ("first", "split"):
        raise ValueError(f"ties must be 'first' or 'split'; got {ties!r}")
    return ties


def format_bytes(nbytes: int) -> str:
    """``nbytes`` for people, e.g. ``"161.0 GiB (172,872,000,000 bytes)"`` (exact Python ints:
    no overflow, whatever the size)."""
    if nbytes < 2**20:
        return f"{nbytes:,} bytes"
    if nbytes < 2**30:
        return f"{nbytes / 2**20:.1f} MiB ({nbytes:,} bytes)"
    if nbytes < 2**80:
        return f"{nbytes / 2**30:,.1f} GiB ({nbytes:,} bytes)"
    return f"about 2^{nbytes.bit_length() - 1} bytes"


def check_memory(arrays, itemsize: int, settings: str) -> None:
    """Refuse up front (``ValueError``) if any array would exceed :data:`MAX_ARRAY_BYTES`.

    ``arrays`` is an iterable of ``(description, shape)`` pairs of the arrays a call is about to
    allocate; ``settings`` names the parameters they follow from (``"x of shape (…) with
    padding=…"``) and starts the message. Sizes are exact Python ints: O(1), no overflow.
    """
    limit = MAX_ARRAY_BYTES
    for what, shape in arrays:
        nbytes = itemsize * math.prod(int(s) for s in shape)
        if nbytes > limit:
            raise ValueError(
                f"{settings} would need {what} of shape {tuple(shape)}: {format_bytes(nbytes)}, "
                f"more than the {format_bytes(limit)} conv_backprop allows for one array "
                f"(conv_backprop._validation.MAX_ARRAY_BYTES). Check these settings: a padding or "
                f"kernel far larger than the input is the usual cause."
            )

"""Validation of the explorers' settings (their constructor arguments, which the entry points of
:mod:`conv_backprop.scenes` take too).

Every check raises ``TypeError`` (wrong type) or ``ValueError`` (wrong value) with a message that
names the parameter, the value received and what was expected, in the package's style — e.g.
``n must be an index into the batch, 0 ≤ n < 2; got 5`` — so a bad setting is refused up front
instead of widening a slider to it and failing while drawing.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..shapes import explain_geometry

__all__ = ["check_sizes", "check_int", "check_index", "check_choice", "check_flag", "check_seed", "output_shape"]


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_sizes(**sizes) -> dict:
    """Validate an explorer's shape settings (positive ints); return them as ints.

    Raises ``TypeError``/``ValueError`` naming the parameter, its value and what was expected.
    """
    out = {}
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be a positive int; got {v!r}")
        if v < 1:
            raise ValueError(f"{name} must be at least 1; got {v!r}")
        out[name] = int(v)
    return out


def check_int(name: str, value, minimum: int, meaning: str = "") -> int:
    """``value`` as an int of at least ``minimum``; ``meaning`` (e.g. "the stride") is added to
    the message."""
    what = {0: "a non-negative int (0 or more)", 1: "a positive int"}.get(minimum, f"an int ≥ {minimum}")
    about = f" ({meaning})" if meaning else ""
    if not _is_int(value):
        raise TypeError(f"{name}{about} must be {what}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}{about} must be {what}; got {value!r}")
    return int(value)



def check_steps(stride, padding, dilation=1) -> tuple[int, int, int]:
    """Stride (≥ 1), padding (≥ 0) and dilation (≥ 1) checked with :func:`check_int`, in that order."""
    return check_int("stride", stride, 1), check_int("padding", padding, 0), check_int("dilation", dilation, 1)

def check_index(name: str, value, size: int | None, into: str) -> int:
    """``value`` as an index ``0 ≤ value < size`` into ``into`` (e.g. "the batch"); with ``size``
    None (not known yet, e.g. the output size of an invalid geometry) only ``value ≥ 0``."""
    bound = f"0 ≤ {name} < {size}" if size is not None else f"{name} ≥ 0"
    if not _is_int(value):
        raise TypeError(f"{name} must be an int index into {into}, {bound}; got {value!r}")
    if value < 0 or (size is not None and value >= size):
        raise ValueError(f"{name} must be an index into {into}, {bound}; got {value!r}")
    return int(value)


def check_choice(name: str, value, options, aliases: dict | None = None) -> str:
    """``value`` as one of ``options`` (strings); ``aliases`` maps other accepted spellings."""
    aliases = aliases or {}
    listed = " or ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {listed}; got {value!r}")
    if value in options:
        return value
    if value in aliases:
        return aliases[value]
    raise ValueError(f"{name} must be {listed}; got {value!r}")


def check_flag(name: str, value) -> bool:
    """``value`` as a bool (True/False, or 0/1)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if _is_int(value) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {value!r}")


def check_seed(value) -> int:
    """The seed of an explorer's demo values: a non-negative int."""
    return check_int("seed", value, 0, "the seed of the demo values")


def output_shape(H: int, W: int, HH: int, WW: int, stride: int, padding: int, dilation: int = 1):
    """(H_out, W_out) of these settings, or None when they are not a valid geometry (the explorer
    then explains why when it draws, and output indices can only be checked to be ≥ 0)."""
    try:
        geom = explain_geometry((H, W), (HH, WW), stride, padding, dilation)
    except (TypeError, ValueError):
        return None
    return tuple(geom.output_shape) if geom.valid else None

"""The data set of notebook 09: scikit-learn's bundled 8×8 handwritten digits, split three ways.

The 1797 images ship inside scikit-learn (no download). Each pixel is an integer 0–16 (how many
of a 4×4 block's pixels were inked in the original 32×32 bitmap); we divide by 16 so inputs lie
in [0, 1].

Used in ``notebooks/09-train-a-tiny-cnn.ipynb``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

__all__ = ["DigitsSplit", "load_digits_split"]


class DigitsSplit(NamedTuple):
    """Train / validation / test arrays; unpacks as ``x_train, y_train, x_val, y_val, x_test, y_test``.

    x_* : (N, 1, 8, 8) floats in [0, 1]; y_* : (N,) int64 labels 0–9.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _fraction(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1; got {value!r}")
    return float(value)


def load_digits_split(seed=0, val_fraction=0.1, test_fraction=0.2, dtype=np.float64) -> DigitsSplit:
    """scikit-learn's 8×8 digits as NCHW arrays, split with a fixed seed, stratified by class.

    Parameters
    ----------
    seed : int, fixes the split (same seed, same split on every machine).
    val_fraction, test_fraction : shares of the 1797 images held out for validation and test
        (each class keeps its proportion in every part); the rest is training data.
    dtype : float dtype of the images (float64 for gradient checks, float32 for speed).

    Returns
    -------
    :class:`DigitsSplit` with x_* (N, 1, 8, 8) in [0, 1] (pixel / 16) and y_* (N,) int64.
    With the defaults: 1257 training, 180 validation and 360 test images.

    Used in ``notebooks/09-train-a-tiny-cnn.ipynb``.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    val_fraction = _fraction(val_fraction, "val_fraction")
    test_fraction = _fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data; got "
            f"{val_fraction} + {test_fraction}"
        )
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a float dtype (np.float32 or np.float64); got {dtype!r}")

    from sklearn.datasets import load_digits  # imported here: scikit-learn is slow to import
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(dt)[:, None, :, :]  # (1797, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=int(seed)
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_fraction / (1 - test_fraction), stratify=y_rest,
        random_state=int(seed) + 1,
    )
    return DigitsSplit(x_train, y_train, x_val, y_val, x_test, y_test)

"""The data sets of notebooks 09 and 09b.

* :func:`load_digits_split`: scikit-learn's bundled 8×8 handwritten digits, split three ways.
  The 1797 images ship inside scikit-learn (no download). Each pixel is an integer 0–16 (how
  many of a 4×4 block's pixels were inked in the original 32×32 bitmap); we divide by 16 so
  inputs lie in [0, 1]. Notebook 09 gradient-checks a network on four of them.
* :func:`make_bars` and :func:`load_bars_split`: a seeded synthetic data set of 16×16 images
  whose class is the *orientation* of the bars in them (0°, 45°, 90°, 135°), with the bars'
  number, position, length and exact angle random and Gaussian noise on every pixel. Notebook
  09b trains on it because what a first-layer filter must detect is then known in advance (an
  oriented bar), so the learned filters can be checked, not only looked at.
  :func:`draw_bar` draws one clean bar (for probing the filters).

Used in ``notebooks/09-layers-of-a-tiny-cnn.ipynb`` and ``notebooks/09b-train-a-tiny-cnn.ipynb``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

__all__ = ["ORIENTATIONS", "DataSplit", "DigitsSplit", "draw_bar", "load_bars_split", "load_digits_split",
           "make_bars"]


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

    Used in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
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


# --------------------------------------------------------------------------- oriented bars

#: The classes of :func:`make_bars`: bar orientations in degrees, counter-clockwise from
#: horizontal as seen on screen (45° rises to the right, like "/"). Class k is ORIENTATIONS[k].
ORIENTATIONS = (0, 45, 90, 135)


class DataSplit(NamedTuple):
    """Train / validation / test arrays; unpacks as ``x_train, y_train, x_val, y_val, x_test, y_test``.

    x_* : (N, 1, H, W) floats; y_* : (N,) int64 class labels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _count(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int ≥ {minimum}; got {value!r}")
    return int(value)


def _real(value, name, minimum=0.0):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < minimum:
        raise ValueError(f"{name} must be a finite number ≥ {minimum}; got {value!r}")
    return float(value)


def draw_bar(size, angle, centre=None, length=None, width=1.5) -> np.ndarray:
    """One bright bar on a dark square, anti-aliased: a (size, size) array in [0, 1].

    Parameters
    ----------
    size : int ≥ 3, the image's height and width in pixels.
    angle : degrees, counter-clockwise from horizontal as seen on screen (rows grow downwards,
        so 45° rises to the right).
    centre : (row, column) of the bar's centre, floats; default the image's centre.
    length, width : in pixels; default length ``size − 4``, width 1.5. A pixel is 1 when its
        centre lies inside the bar shrunk by half a pixel, 0 beyond the bar grown by half a
        pixel, linear in between.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb`` to probe the learned filters.
    """
    size = _count(size, "size", 3)
    angle = _real(angle, "angle", -np.inf)
    if centre is None:
        centre = ((size - 1) / 2, (size - 1) / 2)
    if not (isinstance(centre, (tuple, list, np.ndarray)) and len(centre) == 2):
        raise ValueError(f"centre must be a (row, column) pair; got {centre!r}")
    row0, col0 = (_real(c, "centre", -np.inf) for c in centre)
    length = size - 4.0 if length is None else _real(length, "length")
    width = _real(width, "width")
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    t = np.deg2rad(angle)
    d_col, d_row = np.cos(t), -np.sin(t)                     # the bar's direction, on screen
    along = (cols - col0) * d_col + (rows - row0) * d_row     # distance along the bar
    across = (rows - row0) * d_col - (cols - col0) * d_row    # distance across it
    return (np.clip(width / 2 + 0.5 - np.abs(across), 0, 1)
            * np.clip(length / 2 + 0.5 - np.abs(along), 0, 1))


def make_bars(n_per_class, size=16, noise=0.3, seed=0, dtype=np.float64):
    """Images whose class is the orientation of their bars: ``(x, y)``, shuffled.

    Each image holds 1 to 3 bars of its class's orientation (:data:`ORIENTATIONS`, each bar
    turned by a random angle in ±10°), of random length 5–9 pixels and width 1.5, centred at
    random at least 3 pixels from the border; where bars cross, the brighter pixel wins. Then
    Gaussian noise of standard deviation ``noise`` is added to every pixel. So the position, the
    number and the exact look of the bars carry no information: only the orientation does.

    Parameters
    ----------
    n_per_class : int ≥ 1, images per class (the classes are balanced).
    size : int ≥ 8, height and width.
    noise : standard deviation of the pixel noise, ≥ 0.
    seed : int ≥ 0 (same seed, same images on every machine).
    dtype : float dtype of the images.

    Returns
    -------
    x : (4·n_per_class, 1, size, size) floats; y : (4·n_per_class,) int64 classes 0–3, class k
    being orientation ``ORIENTATIONS[k]``.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb``.
    """
    n_per_class = _count(n_per_class, "n_per_class")
    size = _count(size, "size", 8)
    noise = _real(noise, "noise")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a float dtype (np.float32 or np.float64); got {dtype!r}")
    rng = np.random.default_rng(seed)
    n = n_per_class * len(ORIENTATIONS)
    x = np.zeros((n, 1, size, size))
    y = np.repeat(np.arange(len(ORIENTATIONS), dtype=np.int64), n_per_class)
    for k in range(n):
        for _ in range(rng.integers(1, 4)):
            bar = draw_bar(size, ORIENTATIONS[y[k]] + rng.uniform(-10, 10),
                           centre=rng.uniform(3, size - 4, size=2), length=rng.uniform(5, 9))
            np.maximum(x[k, 0], bar, out=x[k, 0])
    x += noise * rng.standard_normal(x.shape)
    order = rng.permutation(n)
    return x[order].astype(dt), y[order]


def load_bars_split(seed=0, n_train=400, n_val=50, n_test=100, size=16, noise=0.3,
                    dtype=np.float64) -> DataSplit:
    """Three independent sets of :func:`make_bars` images (counts per class), from one seed.

    The three sets use three generators spawned from ``np.random.SeedSequence(seed)``, so they
    share no image and each is reproducible on its own. With the defaults: 1600 training, 200
    validation and 400 test images of 16×16 pixels, 4 classes.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb``.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    counts = [_count(n_train, "n_train"), _count(n_val, "n_val"), _count(n_test, "n_test")]
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(int(seed)).spawn(3)]
    parts = []
    for count, part_seed in zip(counts, seeds):
        parts += make_bars(count, size=size, noise=noise, seed=part_seed, dtype=dtype)
    return DataSplit(*parts)

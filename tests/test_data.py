"""Tests of the synthetic data set of notebook 09b (``conv_backprop.data``: oriented bars).

Independent oracles: symmetry of the drawing (a 90° bar is the transpose of a 0° bar, a 135° bar
the mirror image of a 45° bar), and the orientation read back from every noise-free image with
the structure tensor (image gradients, no knowledge of how the bars were drawn).
"""

from __future__ import annotations

import numpy as np
import pytest

from conv_backprop import data


def _orientation(image):
    """The dominant bar orientation of a 2-D image, in degrees [0, 180), read from its gradients.

    The structure tensor's leading eigenvector is the dominant gradient direction, which is
    perpendicular to the bars. Screen coordinates: column to the right, row upwards (= −row index).
    """
    g_row, g_col = np.gradient(image)
    g_up = -g_row
    jxx, jyy, jxy = np.sum(g_col * g_col), np.sum(g_up * g_up), np.sum(g_col * g_up)
    gradient_angle = 0.5 * np.degrees(np.arctan2(2 * jxy, jxx - jyy))
    return (gradient_angle + 90) % 180


def _angle_gap(a, b):
    d = abs(a - b) % 180
    return min(d, 180 - d)


def test_draw_bar_symmetries_and_values():
    horizontal = data.draw_bar(16, 0)
    assert horizontal.shape == (16, 16) and horizontal.min() == 0
    np.testing.assert_allclose(data.draw_bar(16, 90), horizontal.T, atol=1e-12)
    np.testing.assert_allclose(data.draw_bar(16, 135), data.draw_bar(16, 45)[:, ::-1], atol=1e-12)
    np.testing.assert_allclose(data.draw_bar(16, 180), horizontal, atol=1e-12)
    # width 1.5 centred on row 7.5: rows 7 and 8 are 0.5 from the axis, so 0.75 + 0.5 − 0.5 = 0.75;
    # row 6 is 1.5 away, beyond the bar grown by half a pixel: 0. Length 12: columns 2..13 lit.
    assert horizontal[7, 8] == horizontal[8, 8] == 0.75 and horizontal[6, 8] == 0 and horizontal[7, 0] == 0
    assert data.draw_bar(16, 0, centre=(8, 8), width=2)[8, 8] == 1.0
    # 45° rises to the right on screen: lit at the lower left and the upper right of the centre
    rising = data.draw_bar(16, 45, length=10)
    assert rising[10, 5] > 0.5 and rising[5, 10] > 0.5 and rising[5, 5] == 0 and rising[10, 10] == 0


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 120, 135])
def test_structure_tensor_oracle_reads_a_drawn_bar(angle):
    # within 8°: the end caps and the pixel grid bias the gradients of a short bar a little
    assert _angle_gap(_orientation(data.draw_bar(24, angle, length=16, width=2)), angle) < 8


def test_make_bars_shapes_balance_and_determinism():
    x, y = data.make_bars(25, seed=3)
    assert x.shape == (100, 1, 16, 16) and x.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [25, 25, 25, 25]
    assert not np.array_equal(y[:25], np.sort(y[:25])) or len(set(y[:25])) > 1  # shuffled
    again_x, again_y = data.make_bars(25, seed=3)
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    other_x, _ = data.make_bars(25, seed=4)
    assert not np.array_equal(x, other_x)
    assert data.make_bars(2, size=20, dtype=np.float32)[0].dtype == np.float32
    assert data.make_bars(2, size=20)[0].shape == (8, 1, 20, 20)


def test_noise_free_bars_have_their_class_orientation():
    """The orientation of every noise-free image, read back by the structure tensor, is its
    class's. The oracle is blurred by each bar's ±10° turn, the end caps of bars only 5 to 9
    pixels long and the 16-pixel grid, so: the median gap is small, every gap is below 30°, and at
    least 98% of the images are nearer their own class than any other (classes are 45° apart)."""
    x, y = data.make_bars(50, noise=0.0, seed=5)
    assert x.min() >= 0 and x.max() <= 1
    read = [_orientation(img[0]) for img in x]
    gaps = np.array([_angle_gap(r, data.ORIENTATIONS[k]) for r, k in zip(read, y)])
    nearest = np.array([np.argmin([_angle_gap(r, a) for a in data.ORIENTATIONS]) for r in read])
    assert np.median(gaps) < 8 and gaps.max() < 30, (np.median(gaps), gaps.max())
    assert np.mean(nearest == y) >= 0.98


def test_noise_has_the_requested_size():
    clean, _ = data.make_bars(40, noise=0.0, seed=6)
    noisy, _ = data.make_bars(40, noise=0.3, seed=6)
    residual = noisy - clean
    # 40·4·256 = 40 960 draws: the sample standard deviation is within 2% of 0.3 (10 standard errors)
    assert abs(residual.std() / 0.3 - 1) < 0.02


def test_load_bars_split_parts_are_independent_and_reproducible():
    d = data.load_bars_split(seed=0, n_train=20, n_val=5, n_test=10)
    assert d.x_train.shape == (80, 1, 16, 16) and d.x_val.shape == (20, 1, 16, 16) and d.x_test.shape == (40, 1, 16, 16)
    assert np.bincount(d.y_test).tolist() == [10] * 4
    train = {img.tobytes() for img in d.x_train}
    assert not any(img.tobytes() in train for img in d.x_test) and not any(img.tobytes() in train for img in d.x_val)
    again = data.load_bars_split(seed=0, n_train=20, n_val=5, n_test=10)
    assert all(np.array_equal(a, b) for a, b in zip(d, again))
    assert not np.array_equal(data.load_bars_split(seed=1, n_train=20, n_val=5, n_test=10).x_train, d.x_train)


@pytest.mark.parametrize("call, words", [
    (lambda: data.make_bars(0), "n_per_class"),
    (lambda: data.make_bars(2.5), "n_per_class"),
    (lambda: data.make_bars(2, size=4), "size"),
    (lambda: data.make_bars(2, noise=-1), "noise"),
    (lambda: data.make_bars(2, seed=-1), "seed"),
    (lambda: data.make_bars(2, seed=True), "seed"),
    (lambda: data.draw_bar(16, "flat"), "angle"),
    (lambda: data.draw_bar(16, 0, centre=3), "centre"),
    (lambda: data.draw_bar(16, 0, width=-2), "width"),
    (lambda: data.load_bars_split(n_val=0), "n_val"),
])
def test_bad_input_names_the_parameter(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_a_non_float_dtype_is_refused():
    with pytest.raises(TypeError, match="dtype"):
        data.make_bars(2, dtype=np.int32)

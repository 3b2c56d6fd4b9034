"""Output-size arithmetic against brute-force counting and the seeds' numbers."""

import itertools

import numpy as np
import pytest

import conv_backprop as cb


def brute_output_size(size, k, s, p, d):
    """Count window start positions by walking them one by one."""
    padded, extent = size + 2 * p, d * (k - 1) + 1
    count, start = 0, 0
    while start + extent <= padded:
        count += 1
        start += s
    return count


def test_cs231n_output_size():
    assert cb.conv_output_size(5, 3, stride=1, padding=1) == 5  # (5 − 3 + 2·1)/1 + 1


def test_nptel_output_volume():
    # 32×32×3 image, six 5×5×3 filters, stride 1, pad 0 → 28×28×6
    x = np.zeros((1, 3, 32, 32))
    w = np.zeros((6, 3, 5, 5))
    assert cb.conv2d_forward(x, w, np.zeros(6)).shape == (1, 6, 28, 28)
    assert cb.conv_output_size((32, 32), 5) == (28, 28)


def test_matches_brute_force_counting():
    for size, k, s, p, d in itertools.product(range(1, 12), range(1, 5), range(1, 4), range(0, 3), range(1, 3)):
        expected = brute_output_size(size, k, s, p, d)
        g = cb.explain_geometry(size, k, s, p, d).height
        if expected == 0:
            assert not g.valid and "overhangs" in g.reason
            with pytest.raises(ValueError, match="kernel_size"):
                cb.conv_output_size(size, k, s, p, d)
        else:
            assert g.valid and g.output_size == expected == cb.conv_output_size(size, k, s, p, d)
            last_end = (expected - 1) * s + g.extent
            assert g.unused == size + 2 * p - last_end and 0 <= g.unused < s
            assert g.starts == list(range(0, (expected - 1) * s + 1, s))


def test_geometry_explains_rectangles_and_formula():
    g = cb.explain_geometry((7, 6), (3, 2), stride=(2, 3), padding=(1, 0), dilation=(1, 2))
    assert g.valid and g.output_shape == (4, 2)
    assert g.height.formula().endswith("= 4")
    assert "⌊(6 + 2·0 − (2·(2−1)+1)) / 3⌋" in g.width.formula()
    assert g.width.unused == 0 and g.height.unused == 0
    g = cb.explain_geometry(8, 3, stride=2)  # (8 − 3)/2 = 2.5 → floor → one row unused
    assert g.output_shape == (3, 3) and g.height.unused == 1
    assert "unused row" in str(g)


def test_invalid_geometry_says_which_quantity_and_by_how_much():
    g = cb.explain_geometry(4, 3, dilation=2)  # extent 5 > 4
    assert not g.valid
    assert "spans 5 rows" in g.explanation and "overhangs by 1 row" in g.explanation
    assert "dilation 2" in g.explanation
    g = cb.explain_geometry(5, 3, stride=0)
    assert "stride" in g.explanation and not g.valid
    g = cb.explain_geometry((5, 2), (3, 4))
    assert "columns" in g.explanation and g.height.valid


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(size=5, kernel_size=3, stride=0), "stride must be at least 1; got 0"),
        (dict(size=5, kernel_size=3, padding=-1), "padding must be non-negative.*got -1"),
        (dict(size=5, kernel_size=3, dilation=0), "dilation must be at least 1; got 0"),
        (dict(size=0, kernel_size=1), "size must be at least 1; got 0"),
        (dict(size=5, kernel_size=(3, 0)), r"kernel_size must be at least 1; got \(3, 0\)"),
    ],
)
def test_conv_output_size_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cb.conv_output_size(**kwargs)


@pytest.mark.parametrize("bad", [2.5, "3", (1, 2, 3), True, None])
def test_conv_output_size_rejects_bad_types(bad):
    with pytest.raises(TypeError, match="kernel_size must be an int or an"):
        cb.conv_output_size(5, bad)


def brute_pool_windows(size, k, s, p, ceil_mode):
    """PyTorch's pooling windows along one axis, walked one by one (start rows, padded coordinates).

    Floor: every window that fits inside the padded input. Ceil: windows at 0, s, 2s, … as long
    as the window one stride earlier (a virtual one at −s for the first) ends before the end of
    the padded input, so the last one reaches or passes that end; then drop one that would start
    in the right padding (at or after row size + p), as PyTorch's documentation says."""
    padded = size + 2 * p
    starts, start = [], 0
    if not ceil_mode:
        while start + k <= padded:
            starts.append(start)
            start += s
        return starts
    while start - s + k < padded:
        starts.append(start)
        start += s
    return [t for t in starts if t < size + p]


def test_pool_output_size_matches_brute_force():
    checked = 0
    for size, k, s, p in itertools.product(range(1, 12), range(1, 6), range(1, 5), range(0, 3)):
        if p > k // 2:
            continue  # pooling allows padding up to half the kernel only
        for ceil_mode in (False, True):
            expected = len(brute_pool_windows(size, k, s, p, ceil_mode))
            if expected == 0:
                with pytest.raises(ValueError, match="leaves no pooling window"):
                    cb.pool_output_size(size, k, s, p, ceil_mode=ceil_mode)
                continue
            assert cb.pool_output_size(size, k, s, p, ceil_mode=ceil_mode) == expected, (size, k, s, p, ceil_mode)
            checked += 1
        if size + 2 * p >= k:  # floor mode is the convolution's formula wherever a window fits
            assert cb.pool_output_size(size, k, s, p) == cb.conv_output_size(size, k, s, p)
    assert checked > 500


def test_pool_output_size_pairs_defaults_and_errors():
    assert cb.pool_output_size(5, 2) == 2 and cb.pool_output_size(5, 2, ceil_mode=True) == 3
    assert cb.pool_output_size((6, 6), (3, 2), (2, 3), (1, 0), ceil_mode=True) == (4, 2)
    assert cb.pool_output_size((6, 6), (3, 2), (2, 3), (1, 0)) == (3, 2)
    assert cb.pool_output_size(5, 3, 3, 1, ceil_mode=True) == 2  # a third window would start in the padding
    with pytest.raises(TypeError, match="ceil_mode must be True or False; got 1"):
        cb.pool_output_size(5, 2, ceil_mode=1)
    with pytest.raises(ValueError, match=r"no pooling window along the height.*⌈\(2 \+ 2·0 − 3\) / 1⌉ \+ 1 = 0"):
        cb.pool_output_size(2, 3, 1, ceil_mode=True)

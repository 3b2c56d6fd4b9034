"""Pooling against finite differences, hand-worked examples and the naive loops."""

import numpy as np
import pytest

import conv_backprop as cb

# (shape, kernel, stride, padding): non-overlapping, overlapping (3×3/2), odd sizes that drop a
# row, non-square, padding (at most half the kernel).
CASES = [
    ((2, 3, 6, 6), 2, None, 0),
    ((2, 2, 7, 7), 3, 2, 0),
    ((1, 2, 7, 8), 3, 2, 1),
    ((2, 1, 9, 7), (3, 2), (2, 1), (1, 0)),
    ((1, 2, 5, 5), 2, 1, 0),
    ((1, 1, 8, 8), 2, 3, 0),  # stride > kernel: some entries are in no window
]


def distinct_values(shape, rng):
    """A random permutation of well-separated values: no ties, no kink within ±h."""
    return rng.permutation(np.arange(np.prod(shape), dtype=float)).reshape(shape) * 0.1


@pytest.mark.parametrize("shape, k, s, p", CASES)
def test_max_and_avg_backward_match_finite_differences(shape, k, s, p, rng, margins):
    x = distinct_values(shape, rng)
    for fwd, bwd in ((cb.maxpool2d_forward, cb.maxpool2d_backward), (cb.avgpool2d_forward, cb.avgpool2d_backward)):
        dout = rng.standard_normal(fwd(x, k, s, p).shape)
        # Both are linear while no step changes a winner: the values are 0.1 apart, so h = 0.05
        # (half the gap) keeps every winner, and rounding ε·S/(2h|g|) ≈ 1e-12 (docs/testing.md).
        num = cb.numerical_gradient(lambda v: fwd(v, k, s, p), x, dout, h=0.05)
        margins.below(fwd.__name__, cb.rel_error(bwd(dout, x, k, s, p), num), 1e-7)


@pytest.mark.parametrize("shape, k, s, p", CASES)
def test_vectorised_equals_naive(shape, k, s, p, rng):
    x = rng.integers(0, 3, size=shape).astype(float)  # small integers: many ties
    out = cb.maxpool2d_forward(x, k, s, p)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(out, cb.maxpool2d_forward_naive(x, k, s, p))
    np.testing.assert_allclose(cb.avgpool2d_forward(x, k, s, p), cb.avgpool2d_forward_naive(x, k, s, p), rtol=1e-12)
    for ties in ("first", "split"):
        np.testing.assert_allclose(
            cb.maxpool2d_backward(dout, x, k, s, p, ties=ties),
            cb.maxpool2d_backward_naive(dout, x, k, s, p, ties=ties), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cb.avgpool2d_backward(dout, x, k, s, p),
                               cb.avgpool2d_backward_naive(dout, x, k, s, p), rtol=1e-12, atol=1e-14)


def test_max_pool_hand_example_with_ties():
    # One 2×2 window whose maximum 5 appears twice, at (0, 1) and (1, 0) in row-major order.
    x = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])
    dout = np.array([[[[6.0]]]])
    first = cb.maxpool2d_backward(dout, x, 2, ties="first")
    split = cb.maxpool2d_backward(dout, x, 2, ties="split")
    np.testing.assert_array_equal(first[0, 0], [[0.0, 6.0], [0.0, 0.0]])  # first maximum only
    np.testing.assert_array_equal(split[0, 0], [[0.0, 3.0], [3.0, 0.0]])  # shared equally


def test_overlapping_windows_accumulate():
    # 1×3 rows pooled by 1×2 windows with stride 1: the middle value 9 wins both windows.
    x = np.array([[[[1.0, 9.0, 2.0]]]])
    dout = np.array([[[[10.0, 20.0]]]])
    dx = cb.maxpool2d_backward(dout, x, (1, 2), stride=1)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 30.0, 0.0]])
    # average pooling: each window gives half of its dout to each member
    dx = cb.avgpool2d_backward(dout, x, (1, 2), stride=1)
    np.testing.assert_array_equal(dx[0, 0], [[5.0, 15.0, 10.0]])


def test_padding_semantics():
    x = -np.ones((1, 1, 2, 2))  # all negative: −inf padding never wins, zero padding would
    assert np.all(cb.maxpool2d_forward(x, 3, stride=1, padding=1) == -1.0)
    # average pooling counts the zero padding in the divisor (PyTorch's default):
    # the top-left 3×3 window over the padded input holds 4 entries of −1 and 5 zeros
    out = cb.avgpool2d_forward(x, 3, stride=1, padding=1)
    assert np.isclose(out[0, 0, 0, 0], -4 / 9)
    dx = cb.avgpool2d_backward(np.ones_like(out), x, 3, stride=1, padding=1)
    np.testing.assert_allclose(dx, np.full_like(x, 4 / 9))  # each entry is in all 4 windows


def test_stride_defaults_to_kernel_and_dtypes(rng):
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    assert cb.maxpool2d_forward(x, 2).shape == (1, 2, 3, 3)
    assert cb.maxpool2d_forward(x, 2).dtype == np.float32
    assert cb.avgpool2d_backward(np.ones((1, 2, 3, 3), np.float32), x, 2).dtype == np.float32
    xi = np.arange(16).reshape(1, 1, 4, 4)
    assert cb.avgpool2d_forward(xi, 2).dtype == np.float64
    np.testing.assert_array_equal(cb.maxpool2d_forward(xi, 2)[0, 0], [[5, 7], [13, 15]])


def test_pool_rejects_bad_input():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel size"):
        cb.maxpool2d_forward(x, 2, padding=2)
    with pytest.raises(ValueError, match="ties must be 'first' or 'split'; got 'last'"):
        cb.maxpool2d_backward(np.zeros((1, 1, 2, 2)), x, 2, ties="last")
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 1, 2, 2\)"):
        cb.avgpool2d_backward(np.zeros((1, 1, 3, 3)), x, 2)
    with pytest.raises(ValueError, match="kernel_size=5 does not fit"):
        cb.avgpool2d_forward(x, 5)
    with pytest.raises(ValueError, match="stride must be at least 1; got 0"):
        cb.maxpool2d_forward(x, 2, stride=0)


def test_max_pool_backward_with_non_finite_dout():
    # an infinite upstream gradient must reach the winner only, not turn the others into nan
    x = np.array([[[[1.0, 5.0], [2.0, 0.0]]]])
    dx = cb.maxpool2d_backward(np.array([[[[np.inf]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, np.inf], [0.0, 0.0]])
    dx = cb.maxpool2d_backward(np.array([[[[np.inf]]]]), x, 2, ties="split")
    np.testing.assert_array_equal(dx[0, 0], [[0.0, np.inf], [0.0, 0.0]])

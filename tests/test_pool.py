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


# ceil_mode and count_include_pad: settings where the last window hangs past the padded input
# (rows and columns), where ceil_mode drops a window that would start in the right padding, and
# where it changes nothing.
CEIL_CASES = [
    ((2, 2, 5, 5), 2, None, 0),      # 5 = 2·2 + 1: a third window holds one row
    ((1, 2, 6, 7), 3, 2, 1),         # hangs past the padding on both axes
    ((2, 1, 5, 6), (3, 2), (3, 2), (1, 0)),  # rows: a window would start in the padding, dropped
    ((1, 1, 2, 3), 3, 2, 0),         # the kernel is larger than the input (allowed by the ceil rule)
    ((1, 2, 7, 7), 3, 2, 0),         # ceil = floor here
]


def brute_avgpool(x, k, s, p, ceil_mode, count_include_pad):
    """Average pooling written from the definition, one window at a time, on one explicit
    array padded with zeros far enough for every window: the divisor counts the window's
    entries inside the padded input (True) or inside x itself (False)."""
    (kh, kw), (sh, sw), (ph, pw) = [(v, v) if isinstance(v, int) else v for v in (k, s if s else k, p)]
    Ho, Wo = cb.pool_output_size(x.shape[2:], (kh, kw), (sh, sw), (ph, pw), ceil_mode=ceil_mode)
    H, W = x.shape[2:]
    big = np.zeros((*x.shape[:2], H + 2 * ph + kh + sh, W + 2 * pw + kw + sw))
    big[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((*x.shape[:2], Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            rows = [r for r in range(i * sh, i * sh + kh)]
            cols = [c for c in range(j * sw, j * sw + kw)]
            if count_include_pad:
                divisor = sum(r < H + 2 * ph for r in rows) * sum(c < W + 2 * pw for c in cols)
            else:
                divisor = sum(ph <= r < ph + H for r in rows) * sum(pw <= c < pw + W for c in cols)
            out[:, :, i, j] = big[:, :, rows][:, :, :, cols].sum(axis=(2, 3)) / divisor
    return out


def brute_maxpool(x, k, s, p, ceil_mode):
    (kh, kw), (sh, sw), (ph, pw) = [(v, v) if isinstance(v, int) else v for v in (k, s if s else k, p)]
    Ho, Wo = cb.pool_output_size(x.shape[2:], (kh, kw), (sh, sw), (ph, pw), ceil_mode=ceil_mode)
    H, W = x.shape[2:]
    big = np.full((*x.shape[:2], H + 2 * ph + kh + sh, W + 2 * pw + kw + sw), -np.inf)
    big[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((*x.shape[:2], Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = big[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(2, 3))
    return out


@pytest.mark.parametrize("shape, k, s, p", CEIL_CASES + CASES)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_ceil_mode_and_count_include_pad_against_brute_force(shape, k, s, p, ceil_mode, rng):
    x = rng.integers(-3, 4, size=shape).astype(float)  # ties too
    if shape == (1, 1, 2, 3) and not ceil_mode:  # the kernel larger than the input: no window fits
        with pytest.raises(ValueError, match="kernel_size=3 does not fit"):
            cb.maxpool2d_forward(x, k, s, p)
        return
    expected = brute_maxpool(x, k, s, p, ceil_mode)
    for fwd in (cb.maxpool2d_forward, cb.maxpool2d_forward_naive):
        np.testing.assert_array_equal(fwd(x, k, s, p, ceil_mode=ceil_mode), expected)
    for cip in (True, False):
        expected = brute_avgpool(x, k, s, p, ceil_mode, cip)
        for fwd in (cb.avgpool2d_forward, cb.avgpool2d_forward_naive):
            # the same sum of at most 9 integers divided once: equal to rounding (rtol 1e-14)
            np.testing.assert_allclose(fwd(x, k, s, p, ceil_mode=ceil_mode, count_include_pad=cip),
                                       expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("shape, k, s, p", CEIL_CASES)
def test_ceil_mode_backward_vectorised_equals_naive_and_finite_differences(shape, k, s, p, rng, margins):
    x_ties = rng.integers(0, 3, size=shape).astype(float)
    x = distinct_values(shape, rng)
    out = cb.maxpool2d_forward(x, k, s, p, ceil_mode=True)
    dout = rng.standard_normal(out.shape)
    for ties in ("first", "split"):
        np.testing.assert_allclose(cb.maxpool2d_backward(dout, x_ties, k, s, p, ties=ties, ceil_mode=True),
                                   cb.maxpool2d_backward_naive(dout, x_ties, k, s, p, ties=ties, ceil_mode=True),
                                   rtol=1e-12, atol=1e-14)
    # h = 0.05, half the 0.1 gap between values: no winner changes; average pooling is linear.
    num = cb.numerical_gradient(lambda v: cb.maxpool2d_forward(v, k, s, p, ceil_mode=True), x, dout, h=0.05)
    margins.below("maxpool ceil_mode", cb.rel_error(cb.maxpool2d_backward(dout, x, k, s, p, ceil_mode=True), num), 1e-7)
    for cip in (True, False):
        kw = dict(ceil_mode=True, count_include_pad=cip)
        np.testing.assert_allclose(cb.avgpool2d_backward(dout, x, k, s, p, **kw),
                                   cb.avgpool2d_backward_naive(dout, x, k, s, p, **kw), rtol=1e-12, atol=1e-14)
        num = cb.numerical_gradient(lambda v: cb.avgpool2d_forward(v, k, s, p, **kw), x, dout, h=0.05)
        margins.below(f"avgpool ceil_mode count_include_pad={cip}",
                      cb.rel_error(cb.avgpool2d_backward(dout, x, k, s, p, **kw), num), 1e-7)


def test_count_include_pad_false_conserves_the_gradient(rng):
    # Without the padding in the divisor, each window's shares on real entries add up to its dout.
    x = rng.standard_normal((2, 3, 7, 6))
    for k, s, p, ceil_mode in [(3, 2, 1, False), (3, 2, 1, True), ((2, 3), (2, 2), (1, 1), True)]:
        out = cb.avgpool2d_forward(x, k, s, p, ceil_mode=ceil_mode, count_include_pad=False)
        dout = rng.standard_normal(out.shape)
        dx = cb.avgpool2d_backward(dout, x, k, s, p, ceil_mode=ceil_mode, count_include_pad=False)
        np.testing.assert_allclose(dx.sum(axis=(2, 3)), dout.sum(axis=(2, 3)), rtol=1e-12)
        ones = cb.avgpool2d_forward(np.ones_like(x), k, s, p, ceil_mode=ceil_mode, count_include_pad=False)
        np.testing.assert_array_equal(ones, 1.0)  # the mean of real entries only


def test_pool_routes_follow_ceil_mode_and_count_include_pad(rng):
    x = rng.integers(0, 3, size=(6, 7)).astype(float)
    for mode, extra in [("max", dict(ties="split")), ("average", dict(count_include_pad=False)),
                        ("average", dict(count_include_pad=True))]:
        out_shape = cb.pool_output_size(x.shape, 3, 2, 1, ceil_mode=True)
        dout = rng.standard_normal(out_shape)
        routes = cb.pool_routes(dout, x, 3, 2, 1, mode=mode, ceil_mode=True, **extra)
        summed = np.zeros_like(x)
        for _, _, r, c, amount in routes:
            summed[r, c] += amount
        if mode == "max":
            reference = cb.maxpool2d_backward(dout[None, None], x[None, None], 3, 2, 1, ceil_mode=True, **extra)
        else:
            reference = cb.avgpool2d_backward(dout[None, None], x[None, None], 3, 2, 1, ceil_mode=True, **extra)
        np.testing.assert_allclose(summed, reference[0, 0], rtol=1e-12, atol=1e-14)


def test_flags_are_checked():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(TypeError, match="ceil_mode must be True or False; got 'yes'"):
        cb.maxpool2d_forward(x, 2, ceil_mode="yes")
    with pytest.raises(TypeError, match="count_include_pad must be True or False; got 0"):
        cb.avgpool2d_backward(np.zeros((1, 1, 2, 2)), x, 2, count_include_pad=0)
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 1, 3, 3\)"):
        cb.avgpool2d_backward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 5, 5)), 2, ceil_mode=True)
    with pytest.raises(ValueError, match="leaves no pooling window along the height"):
        cb.maxpool2d_forward(np.zeros((1, 1, 2, 5)), 3, stride=1, ceil_mode=True)

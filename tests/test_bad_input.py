"""Regression tests for the public-API audit: bad input gets a clear error that names the
parameter (ValueError for a wrong value, TypeError for a wrong type), never a silent wrong answer
and never an error from deep inside numpy; odd-but-valid input (lists, numpy scalars, 0-d arrays,
NaN) gets the right answer."""

import itertools
import time
import warnings

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop import _validation

POOL_BACKWARDS = [
    cb.maxpool2d_backward, cb.maxpool2d_backward_naive, cb.avgpool2d_backward, cb.avgpool2d_backward_naive,
]
MAX_BACKWARDS = [cb.maxpool2d_backward, cb.maxpool2d_backward_naive]
MAX_FORWARDS = [cb.maxpool2d_forward, cb.maxpool2d_forward_naive]
CONV_FORWARDS = [cb.conv2d_forward_naive, cb.conv2d_forward]
CONV_BACKWARDS = [cb.conv2d_backward_naive, cb.conv2d_backward, cb.conv2d_backward_flipped]


@pytest.fixture(autouse=True)
def no_warnings():
    """Every warning is an error here (pyproject already does this for conv_backprop's
    RuntimeWarnings; this also catches numpy's own, wherever they are attributed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------- 1. pooling dout


@pytest.mark.parametrize("bwd", POOL_BACKWARDS)
def test_pool_backward_accepts_a_list_dout(bwd, rng):
    x = rng.standard_normal((2, 3, 6, 5))
    dout = rng.standard_normal((2, 3, 3, 2))
    np.testing.assert_array_equal(bwd(dout.tolist(), x.tolist(), 2), bwd(dout, x, 2))


@pytest.mark.parametrize("bwd", POOL_BACKWARDS)
def test_pool_backward_names_a_bad_dout(bwd):
    x = np.ones((1, 2, 4, 4))
    with pytest.raises(TypeError, match="dout must be a numeric array.*got None"):
        bwd(None, x, 2)
    with pytest.raises(ValueError, match=r"dout must be 4-D.*got shape \(\)"):
        bwd(1.0, x, 2)
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 2, 2, 2\).*got \(1, 2, 2, 3\)"):
        bwd(np.ones((1, 2, 2, 3)), x, 2)
    with pytest.raises(TypeError, match="dout must hold real numbers"):
        bwd(np.full((1, 2, 2, 2), "a"), x, 2)
    with pytest.raises(TypeError, match="dout must be a numeric array"):
        bwd([[1.0, 2.0], [3.0]], x, 2)


# --------------------------------------------------------------------------- 2. NaN in max pooling


def brute_force_maxpool(x, dout, k, s, p, ties):
    """Forward and backward of max pooling written window by window from PyTorch's rule: a NaN
    is the maximum and (as a NaN always replaces the running maximum) the last NaN in row-major
    window order is the one that takes the gradient."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    out = np.empty((N, C, Ho, Wo))
    dx = np.zeros((N, C, H, W))
    for n, c, i, j in itertools.product(range(N), range(C), range(Ho), range(Wo)):
        cells = [(r, q) for r in range(i * s - p, i * s - p + k) for q in range(j * s - p, j * s - p + k)
                 if 0 <= r < H and 0 <= q < W]  # row-major; the padding never wins
        values = [x[n, c, r, q] for r, q in cells]
        nans = [cell for cell, v in zip(cells, values) if v != v]
        if nans:
            out[n, c, i, j] = np.nan
            winners = nans[-1:]
        else:
            out[n, c, i, j] = max(values)
            winners = [cell for cell, v in zip(cells, values) if v == max(values)]
            if ties == "first":
                winners = winners[:1]
        for r, q in winners:
            dx[n, c, r, q] += dout[n, c, i, j] / len(winners)
    return out, dx


NAN_CASES = [  # (x, kernel, stride, padding)
    (np.array([[[[1.0, np.nan], [3.0, 2.0]]]]), 2, 2, 0),  # the audit's case
    (np.array([[[[np.nan, 1.0, np.nan], [2.0, np.nan, 0.0], [5.0, 5.0, 1.0]]]]), 3, 3, 0),  # three NaNs
    (np.array([[[[np.nan, np.nan], [np.nan, np.nan]]]]), 2, 2, 0),  # nothing but NaN
    (np.array([[[[np.inf, np.nan], [np.inf, -np.inf]]]]), 2, 2, 0),  # NaN beats +inf
]


def random_nan_case(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(2, 2, 7, 6)).astype(float)  # small integers: many ties
    x[rng.random(x.shape) < 0.15] = np.nan
    return x


@pytest.mark.parametrize("ties", ["first", "split"])
@pytest.mark.parametrize("case", range(len(NAN_CASES) + 3))
def test_maxpool_nan_is_the_maximum_and_takes_the_gradient(case, ties):
    if case < len(NAN_CASES):
        x, k, s, p = NAN_CASES[case]
    else:  # overlapping windows (3/2), padding, several NaNs per window
        x, k, s, p = random_nan_case(case), 3, [2, 1, 2][case % 3], 1
    dout = np.arange(1.0, 1.0 + np.prod(cb.maxpool2d_forward(x, k, s, p).shape)).reshape(
        cb.maxpool2d_forward(x, k, s, p).shape)
    want_out, want_dx = brute_force_maxpool(x, dout, k, s, p, ties)
    for fwd in MAX_FORWARDS:
        np.testing.assert_array_equal(fwd(x, k, s, p), want_out)  # NaN where expected, too
    for bwd in MAX_BACKWARDS:
        dx = bwd(dout, x, k, s, p, ties=ties)
        np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=0)
        assert np.isfinite(dx).all()


def test_maxpool_nan_gradient_is_the_same_in_both_tie_modes():
    x = random_nan_case(7)
    dout = np.random.default_rng(1).standard_normal(cb.maxpool2d_forward(x, 2).shape)
    nan_windows = np.isnan(cb.maxpool2d_forward(x, 2))
    assert nan_windows.any()
    for bwd in MAX_BACKWARDS:
        first, split = bwd(dout, x, 2, ties="first"), bwd(dout, x, 2, ties="split")
        # with non-overlapping windows, each NaN window's gradient lands in its own 2×2 block
        blocks = lambda a: a[..., :6, :6].reshape(2, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5)
        np.testing.assert_array_equal(blocks(first)[nan_windows], blocks(split)[nan_windows])


@pytest.mark.torch
def test_maxpool_nan_matches_torch():
    torch = pytest.importorskip("torch")
    for case in range(len(NAN_CASES) + 3):
        if case < len(NAN_CASES):
            x, k, s, p = NAN_CASES[case]
        else:
            x, k, s, p = random_nan_case(case), 3, [2, 1, 2][case % 3], 1
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out_t = torch.nn.functional.max_pool2d(xt, k, s, p)
        dout = np.random.default_rng(case).standard_normal(tuple(out_t.shape))
        out_t.backward(torch.tensor(dout))
        for fwd in MAX_FORWARDS:
            np.testing.assert_array_equal(fwd(x, k, s, p), out_t.detach().numpy())
        for bwd in MAX_BACKWARDS:
            # with ties="first" (PyTorch's rule for equal maxima) the gradients agree everywhere
            np.testing.assert_allclose(bwd(dout, x, k, s, p, ties="first"), xt.grad.numpy(), rtol=1e-12, atol=0)


def test_maxpool_without_nan_is_unchanged(rng):
    # the NaN route must not disturb ordinary ties (hand example of test_pool.py)
    x = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])
    dout = np.array([[[[6.0]]]])
    for bwd in MAX_BACKWARDS:
        np.testing.assert_array_equal(bwd(dout, x, 2, ties="first")[0, 0], [[0, 6], [0, 0]])
        np.testing.assert_array_equal(bwd(dout, x, 2, ties="split")[0, 0], [[0, 3], [3, 0]])


# --------------------------------------------------------------------------- 3. unused in O(1)


def test_unused_closed_form_matches_the_brute_force_way():
    for size, k, s, p, d in itertools.product(range(1, 13), range(1, 5), range(1, 6), range(3), range(1, 4)):
        g = cb.explain_geometry(size, k, s, p, d).height
        if not g.valid:
            assert g.unused == 0
            continue
        old = g.padded_size - (g.starts[-1] + g.extent)  # what unused used to compute
        assert g.unused == old, (size, k, s, p, d)


def test_unused_of_a_huge_input_is_instant():
    start = time.perf_counter()
    assert cb.explain_geometry(10**8, 3).height.unused == 0
    assert cb.explain_geometry(10**18, 4, stride=3).height.unused == (10**18 - 4) % 3
    text = str(cb.explain_geometry((10**12, 10**12 + 1), 3, stride=2))  # the report uses unused
    assert "1 unused row" in text and "0 unused columns" in text
    assert time.perf_counter() - start < 0.5


# --------------------------------------------------------------------------- 4. impossible sizes


def test_huge_padding_is_refused_up_front_naming_the_parameters():
    # The audit's case: padding=10_000 on a 5×5 input asked numpy for 161 GiB (a MemoryError
    # naming nothing); now a ValueError names the settings and the size, before any allocation.
    x, w, b = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4)
    for fwd in CONV_FORWARDS:
        with pytest.raises(ValueError, match=r"padding=10000.*GiB.*MAX_ARRAY_BYTES"):
            fwd(x, w, b, padding=10_000)
    # a dout of the right shape (2, 4, 20003, 20003), as a broadcast view that takes no memory
    dout = np.broadcast_to(1.0, (2, 4, 20003, 20003))
    for bwd in CONV_BACKWARDS:
        with pytest.raises(ValueError, match=r"stride=1, padding=10000, dilation=1 would need .*GiB"):
            bwd(dout, x, w, padding=10_000)
    with pytest.raises(ValueError, match=r"padding=10000.*GiB"):
        cb.im2col(x, 3, padding=10_000)
    with pytest.raises(ValueError, match=r"padding=10000.*GiB"):
        cb.flipped_kernel_input(dout, x.shape, 3, padding=10_000)
    # conv2d_dx_by_indices allocates nothing beyond dx (x's shape): it is not refused
    assert cb.conv2d_dx_by_indices(dout, x, w, padding=10_000).shape == x.shape


def test_a_huge_x_shape_is_refused_naming_the_parameters():
    # A tiny dout can ask for a huge dx-side array: x_shape in col2im and flipped_kernel_input
    # is a parameter, and a large stride makes few windows of a large input.
    big = (1, 1, 300_000, 300_000)  # 720 GB as float64
    with pytest.raises(ValueError, match=r"x_shape=\(1, 1, 300000, 300000\).*stride=300000.*GiB"):
        cb.col2im(np.ones((1, 1)), big, 1, stride=300_000)
    with pytest.raises(ValueError, match=r"x_shape=\(1, 1, 300000, 300000\).*stride=300000.*GiB"):
        cb.flipped_kernel_input(np.ones((1, 1, 1, 1)), big, 1, stride=300_000)


def test_pooling_with_a_huge_kernel_is_refused_naming_the_parameters():
    # padding may be up to kernel_size // 2, so a huge kernel allows a huge padded input
    x = np.ones((1, 1, 5, 5))
    for fwd in (cb.maxpool2d_forward, cb.maxpool2d_forward_naive, cb.avgpool2d_forward, cb.avgpool2d_forward_naive):
        with pytest.raises(ValueError, match=r"kernel_size=100001.*padding=50000.*GiB"):
            fwd(x, 100_001, padding=50_000)
    for bwd in POOL_BACKWARDS:
        with pytest.raises(ValueError, match=r"kernel_size=100001.*padding=50000.*GiB"):
            bwd(np.ones((1, 1, 1, 1)), x, 100_001, padding=50_000)


def test_every_sized_allocation_is_checked(monkeypatch):
    """With the cap lowered to 1 KiB, every function refuses a case needing more, by name."""
    monkeypatch.setattr(_validation, "MAX_ARRAY_BYTES", 1024)
    x, w, b = np.ones((1, 2, 6, 6)), np.ones((3, 2, 3, 3)), np.ones(3)
    dout = np.ones((1, 3, 8, 8))  # padding 2: 8×8 outputs; the padded x is 2·10·10 = 1600 bytes
    for fwd in CONV_FORWARDS:
        with pytest.raises(ValueError, match=r"padding=2.*MAX_ARRAY_BYTES"):
            fwd(x, w, b, padding=2)
    for bwd in CONV_BACKWARDS:
        with pytest.raises(ValueError, match=r"padding=2.*MAX_ARRAY_BYTES"):
            bwd(dout, x, w, padding=2)
    with pytest.raises(ValueError, match=r"padding=2.*im2col matrix"):
        cb.im2col(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"x_shape=\(1, 2, 16, 16\)"):
        cb.col2im(np.ones((18, 1)), (1, 2, 16, 16), 3, stride=16)
    with pytest.raises(ValueError, match=r"x_shape=\(1, 2, 6, 6\).*padding=2"):
        cb.flipped_kernel_input(dout, x.shape, 3, padding=2)
    for fwd in (cb.maxpool2d_forward, cb.maxpool2d_forward_naive, cb.avgpool2d_forward, cb.avgpool2d_forward_naive):
        with pytest.raises(ValueError, match=r"kernel_size=9.*padding=4"):
            fwd(x, 9, stride=1, padding=4)


@pytest.mark.parametrize("case", ["a", "b", "c", "d", "e"])
def test_benchmark_cases_are_not_refused(case):
    """benchmarks/conv_layers.py's cases (up to N=50 C=3 32² F=32 7×7 and N=8 C=64 56² F=64
    3×3) run in full: the memory cap is far above them."""
    N, C, H, F, k, s, p = dict(
        a=(4, 3, 5, 2, 3, 1, 1), b=(50, 3, 32, 32, 7, 1, 3), c=(32, 16, 32, 32, 3, 1, 1),
        d=(32, 16, 32, 32, 3, 2, 1), e=(8, 64, 56, 64, 3, 1, 1))[case]
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((N, C, H, H)), rng.standard_normal((F, C, k, k)), np.zeros(F)
    cache = {}
    out = cb.conv2d_forward(x, w, b, s, p, cache=cache)
    dout = np.ones_like(out)
    dx, dw, db = cb.conv2d_backward(dout, x, w, s, p, cache=cache)
    np.testing.assert_allclose(cb.conv2d_backward_flipped(dout, x, w, s, p)[0], dx, rtol=1e-9, atol=1e-9)
    cols = cb.im2col(x, k, s, p)
    assert cb.col2im(cols, x.shape, k, s, p).shape == x.shape
    assert cb.flipped_kernel_input(dout, x.shape, k, s, p).shape == (N, F, H + k - 1, H + k - 1)
    pooled = cb.maxpool2d_forward(out, 2)
    cb.maxpool2d_backward(np.ones_like(pooled), out, 2)
    cb.avgpool2d_backward(np.ones_like(pooled), out, 2)


def test_naive_loops_are_not_refused_on_course_sizes():
    x, w, b = np.ones((4, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.zeros(2)
    out = cb.conv2d_forward_naive(x, w, b, 1, 1)
    cb.conv2d_backward_naive(np.ones_like(out), x, w, 1, 1)


def test_size_message_formats_any_size():
    assert _validation.format_bytes(512) == "512 bytes"
    assert _validation.format_bytes(3 * 2**20) == "3.0 MiB (3,145,728 bytes)"
    assert _validation.format_bytes(161 * 2**30).startswith("161.0 GiB (")
    assert _validation.format_bytes(10**400) == f"about 2^{(10**400).bit_length() - 1} bytes"
    with pytest.raises(ValueError, match=r"padding=10{50}, .* about 2\^\d+ bytes"):
        cb.conv2d_forward(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.ones(1), padding=10**50)


# --------------------------------------------------------------------------- 5. 0-d arrays


def test_0d_integer_arrays_and_numpy_ints_are_ints(rng):
    x, w, b = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    want = cb.conv2d_forward(x, w, b, stride=2, padding=1, dilation=2)
    for two, one in ((np.array(2), np.array(1)), (np.int64(2), np.int32(1)), ((np.array(2), 2), [1, np.array(1)])):
        for fwd in CONV_FORWARDS:
            np.testing.assert_allclose(fwd(x, w, b, stride=two, padding=one, dilation=two), want, rtol=1e-12)
    np.testing.assert_array_equal(cb.maxpool2d_forward(x, np.array(2), stride=np.array(1), padding=np.array(1)),
                                  cb.maxpool2d_forward(x, 2, 1, 1))
    np.testing.assert_array_equal(cb.im2col(x, np.array(3), np.array(2)), cb.im2col(x, 3, 2))
    assert cb.conv_output_size(np.array(5), np.array(3), padding=np.array(1)) == 5  # an int, not a pair
    assert cb.explain_geometry(np.array(8), np.array(3), np.array(2)).height.unused == 1
    assert cb.outputs_reached(np.array(2), np.array(5), np.array(3)) == cb.outputs_reached(2, 5, 3)
    assert cb.output_bounds(np.int8(2), 5, np.array(3)) == cb.output_bounds(2, 5, 3)
    assert cb.stackexchange_bounds(np.array(6), np.int64(3), np.array(2)) == (2, 3)
    layer = cb.layers.Conv2D(np.array(3), np.int64(4), np.array(3), rng=rng)
    assert (layer.in_channels, layer.out_channels, layer.kernel_size) == (3, 4, (3, 3))


def test_0d_float_and_bool_arrays_are_refused_by_name():
    x, w, b = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.ones(1)
    for fwd in CONV_FORWARDS:
        with pytest.raises(TypeError, match=r"stride must be an int or an \(h, w\) pair of ints; got array\(2\.\)"):
            fwd(x, w, b, stride=np.array(2.0))
        with pytest.raises(TypeError, match="padding must be an int"):
            fwd(x, w, b, padding=np.array(True))
        with pytest.raises(TypeError, match="dilation must be an int"):
            fwd(x, w, b, dilation=(np.array(1.0), 1))
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        cb.maxpool2d_forward(x, np.array(2.0))
    with pytest.raises(TypeError, match="stride must be an int"):
        cb.explain_geometry(5, 3, np.float64(2))
    with pytest.raises(TypeError, match="index must be an int"):
        cb.outputs_reached(np.array(1.0), 5, 3)


# --------------------------------------------------------------------------- 6. shapes, seed 002


@pytest.mark.parametrize("call", [
    lambda shape: cb.flipped_kernel_input(np.ones((1, 1, 2, 2)), shape, 2, 2),
    lambda shape: cb.col2im(np.ones((4, 4)), shape, 2, 2),
])
def test_x_shape_is_validated_by_name(call):
    assert call((1, 1, 4, 4)).shape[:2] == (1, 1)
    assert call([np.int64(1), 1, np.array(4), 4]).shape[:2] == (1, 1)  # any integers, any sequence
    assert call(np.array([1, 1, 4, 4])).shape[:2] == (1, 1)
    with pytest.raises(TypeError, match=r"x_shape must be 4 positive ints.*4\.7.*is not an int"):
        call((1, 1, 4.7, 4))  # used to be truncated to 4
    with pytest.raises(TypeError, match="x_shape must be 4 positive ints.*4.0 is not an int"):
        call((1, 1, 4.0, 4))
    with pytest.raises(TypeError, match="x_shape must be 4 positive ints.*True is not an int"):
        call((True, 1, 4, 4))
    with pytest.raises(ValueError, match=r"x_shape must be 4 positive ints.*\(3 entries\)"):
        call((1, 4, 4))
    with pytest.raises(ValueError, match="x_shape must be 4 positive ints.*got \\(1, 1, 0, 4\\)"):
        call((1, 1, 0, 4))
    with pytest.raises(TypeError, match="x_shape must be 4 positive ints.*as a tuple; got 4"):
        call(4)
    with pytest.raises(TypeError, match="x_shape must be 4 positive ints.*as a tuple; got None"):
        call(None)


def test_stackexchange_bounds_validate_by_name():
    for fn, extra in ((cb.stackexchange_bounds, ()), (cb.stackexchange_bounds_corrected, (4,))):
        with pytest.raises(ValueError, match="s must be at least 1; got 0"):
            fn(3, 2, 0, *extra)  # used to be a ZeroDivisionError
        with pytest.raises(ValueError, match="s must be at least 1; got -2"):
            fn(3, 2, -2, *extra)
        with pytest.raises(TypeError, match="p must be an int; got 3.5"):
            fn(3.5, 2, 1, *extra)  # used to be floored silently
        with pytest.raises(TypeError, match="f_r must be an int; got 2.0"):
            fn(3, 2.0, 1, *extra)
        with pytest.raises(TypeError, match="s must be an int; got True"):
            fn(3, 2, True, *extra)
        with pytest.raises(ValueError, match="p must be at least 1; got 0"):
            fn(0, 2, 1, *extra)  # 1-based
        with pytest.raises(ValueError, match="f_r must be at least 1; got 0"):
            fn(3, 0, 1, *extra)
    with pytest.raises(ValueError, match="n_out must be at least 1; got 0"):
        cb.stackexchange_bounds_corrected(3, 2, 1, 0)
    with pytest.raises(TypeError, match="n_out must be an int; got '4'"):
        cb.stackexchange_bounds_corrected(3, 2, 1, "4")


def test_stackexchange_published_bounds_are_exact_for_huge_ints():
    # integer floor division: the float formula would round (p − f_r)/s for p beyond 2**53
    p = 2**60 + 3
    assert cb.stackexchange_bounds(p, 2, 2) == ((p - 2) // 2 + 1, (p - 1) // 2 + 1)


# --------------------------------------------------------------------------- 7. h and tol


@pytest.mark.parametrize("h", [1e-5, np.float64(1e-5), np.float32(1e-3), np.array(1e-5), 1, np.int64(1)])
def test_h_and_tol_accept_any_positive_real(h):
    x = np.array([0.3, -1.2])
    num = cb.numerical_gradient(lambda v: 2 * v, x, np.ones(2), h=h)
    np.testing.assert_allclose(num, [2.0, 2.0], rtol=1e-6)
    assert cb.gradcheck(lambda v: 2 * v, x, [2.0, 2.0], np.ones(2), h=h, tol=h)


@pytest.mark.parametrize("bad, error, message", [
    (0, ValueError, "must be a positive number; got 0"),
    (-1e-5, ValueError, "must be a positive number; got -1e-05"),
    (float("nan"), ValueError, "must be a positive number; got nan"),
    (np.inf, ValueError, "must be a positive number; got inf"),
    (np.float32(-np.inf), ValueError, "must be a positive number"),
    (True, TypeError, "must be a real number; got True"),
    (np.True_, TypeError, "must be a real number"),
    ("1e-5", TypeError, "must be a real number; got '1e-5'"),
    (None, TypeError, "must be a real number; got None"),
    (1e-5 + 0j, TypeError, "must be a real number"),
    (np.array([1e-5]), TypeError, "must be a real number"),
])
def test_bad_h_and_tol_are_named(bad, error, message):
    f, x, d = (lambda v: v), np.ones(2), np.ones(2)
    with pytest.raises(error, match="h " + message):
        cb.numerical_gradient(f, x, d, h=bad)
    with pytest.raises(error, match="h " + message):
        cb.gradcheck(f, x, x, d, h=bad)
    with pytest.raises(error, match="tol " + message):
        cb.gradcheck(f, x, x, d, tol=bad)


def test_gradcheck_arrays_and_name_are_named():
    f, x = (lambda v: v), np.ones(2)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        cb.numerical_gradient(f, ["a", "b"], x)
    with pytest.raises(TypeError, match="dout must be a numeric array.*got None"):
        cb.numerical_gradient(f, x, None)
    with pytest.raises(TypeError, match="analytic must hold real numbers"):
        cb.gradcheck(f, x, ["a", "b"], x)
    with pytest.raises(TypeError, match="name must be a str; got 3"):
        cb.gradcheck(f, x, x, x, name=3)
    with pytest.raises(TypeError, match="a must hold real numbers"):
        cb.rel_error(["a"], [1.0])
    with pytest.raises(TypeError, match="b must be a numeric array.*got None"):
        cb.rel_error([1.0], None)


# --------------------------------------------------------------------------- 8. cache


@pytest.mark.parametrize("bad", [True, [], "cache", 1])
def test_cache_must_be_a_dict_or_none(bad):
    x, w, b = np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), np.ones(2)
    with pytest.raises(TypeError, match=r"cache must be a dict .* or None; got"):
        cb.conv2d_forward(x, w, b, cache=bad)
    with pytest.raises(TypeError, match=r"cache must be a dict .* or None; got"):
        cb.conv2d_backward(np.ones((1, 2, 2, 2)), x, w, cache=bad)
    cache = {}
    out = cb.conv2d_forward(x, w, b, cache=cache)
    np.testing.assert_array_equal(cb.conv2d_backward(np.ones_like(out), x, w, cache=cache)[0],
                                  cb.conv2d_backward(np.ones_like(out), x, w, cache=None)[0])


# --------------------------------------------------------------------------- siblings


def test_ties_must_be_a_string():
    x = np.ones((1, 1, 2, 2))
    for bwd in MAX_BACKWARDS:
        with pytest.raises(TypeError, match="ties must be the string 'first' or 'split'; got array"):
            bwd(np.ones((1, 1, 1, 1)), x, 2, ties=np.array(["first", "split"]))
        with pytest.raises(ValueError, match="ties must be 'first' or 'split'; got 'last'"):
            bwd(np.ones((1, 1, 1, 1)), x, 2, ties="last")
    with pytest.raises(TypeError, match="ties must be the string"):
        cb.layers.MaxPool2D(2, ties=None)


def test_axis_geometry_fields_are_ints():
    g = cb.AxisGeometry("height", np.int64(8), np.array(3), 2, 0, 1)
    assert type(g.size) is int and type(g.kernel_size) is int and g.unused == 1
    with pytest.raises(TypeError, match="size must be an int; got 8.5"):
        cb.AxisGeometry("height", 8.5, 3, 2, 0, 1)
    with pytest.raises(TypeError, match="stride must be an int; got True"):
        cb.AxisGeometry("width", 8, 3, True, 0, 1)
    with pytest.raises(ValueError, match="axis must be 'height' or 'width'; got 'depth'"):
        cb.AxisGeometry("depth", 8, 3, 2, 0, 1)


def test_layer_numbers_accept_0d_arrays(rng):
    assert cb.layers.Linear(np.array(4), np.int16(2), rng=rng).in_features == 4
    layer = cb.layers.Linear(2, 2, rng=rng)
    assert cb.layers.SGD(layer.parameters(), lr=np.array(0.1), momentum=np.float32(0)).lr == 0.1
    with pytest.raises(TypeError, match="in_features must be a positive int; got array\\(4\\.\\)"):
        cb.layers.Linear(np.array(4.0), 2, rng=rng)

"""Property-based tests: random valid geometries agree across implementations; random invalid
ones get a clear error naming the parameter."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import conv_backprop as cb

small = st.integers(1, 3)
pair_or_int = lambda lo, hi: st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


@st.composite
def conv_setting(draw):
    N, C, F = draw(small), draw(small), draw(small)
    H, W = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    HH, WW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding, dilation = draw(pair_or_int(1, 3)), draw(pair_or_int(0, 3)), draw(pair_or_int(1, 2))
    g = cb.explain_geometry((H, W), (HH, WW), stride, padding, dilation)
    assume(g.valid)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    dout = rng.standard_normal((N, F, *g.output_shape))
    return x, w, b, dout, dict(stride=stride, padding=padding, dilation=dilation)


@given(conv_setting())
def test_conv_implementations_agree(setting):
    x, w, b, dout, kw = setting
    out = cb.conv2d_forward_naive(x, w, b, **kw)
    np.testing.assert_allclose(cb.conv2d_forward(x, w, b, **kw), out, rtol=1e-10, atol=1e-10)
    ref = cb.conv2d_backward_naive(dout, x, w, **kw)
    for backward in (cb.conv2d_backward, cb.conv2d_backward_flipped):
        for got, exp in zip(backward(dout, x, w, **kw), ref):
            np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(cb.conv2d_dx_by_indices(dout, x, w, **kw), ref[0], rtol=1e-10, atol=1e-10)


@given(conv_setting())
def test_conv_backward_is_the_adjoint_of_forward(setting):
    """⟨conv(x), dout⟩ − ⟨b-term⟩ = ⟨x, dx⟩ = ⟨w, dw⟩: the backward pass is the transpose."""
    x, w, b, dout, kw = setting
    out = cb.conv2d_forward(x, w, np.zeros_like(b), **kw)
    dx, dw, db = cb.conv2d_backward(dout, x, w, **kw)
    lhs = np.sum(out * dout)
    assert np.isclose(lhs, np.sum(x * dx), rtol=1e-9, atol=1e-9)
    assert np.isclose(lhs, np.sum(w * dw), rtol=1e-9, atol=1e-9)


@st.composite
def pool_setting(draw):
    N, C = draw(small), draw(small)
    H, W = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    k = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), pair_or_int(1, 3)))
    padding = draw(st.tuples(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2)))
    s = k if stride is None else stride
    g = cb.explain_geometry((H, W), k, s, padding)
    assume(g.valid)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-2, 3, size=(N, C, H, W)).astype(float)  # ties on purpose
    dout = rng.standard_normal((N, C, *g.output_shape))
    return x, dout, (k, stride, padding)


@given(pool_setting())
def test_pool_implementations_agree(setting):
    x, dout, args = setting
    np.testing.assert_array_equal(cb.maxpool2d_forward(x, *args), cb.maxpool2d_forward_naive(x, *args))
    np.testing.assert_allclose(cb.avgpool2d_forward(x, *args), cb.avgpool2d_forward_naive(x, *args), atol=1e-12)
    for ties in ("first", "split"):
        dx = cb.maxpool2d_backward(dout, x, *args, ties=ties)
        np.testing.assert_allclose(dx, cb.maxpool2d_backward_naive(dout, x, *args, ties=ties), atol=1e-12)
        # every window's gradient lands somewhere inside x (padding never wins a max)
        assert np.isclose(dx.sum(), dout.sum())
    np.testing.assert_allclose(cb.avgpool2d_backward(dout, x, *args), cb.avgpool2d_backward_naive(dout, x, *args), atol=1e-12)


# ----------------------------------------------------------------------------- invalid input


@given(st.sampled_from(["stride", "dilation"]), st.integers(-5, 0))
def test_stride_and_dilation_below_one(name, value):
    x, w, b = np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1)
    with pytest.raises(ValueError, match=f"{name} must be at least 1; got {value}"):
        cb.conv2d_forward(x, w, b, **{name: value})
    with pytest.raises(ValueError, match=f"{name} must be at least 1; got {value}"):
        cb.conv2d_backward(np.zeros((1, 1, 3, 3)), x, w, **{name: value})


@given(st.integers(-5, -1))
def test_negative_padding(value):
    with pytest.raises(ValueError, match=f"padding must be non-negative.*got {value}"):
        cb.conv2d_forward_naive(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), np.zeros(1), padding=value)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2), st.integers(1, 3))
def test_kernel_larger_than_padded_input(size, extra, padding, dilation):
    k = size + 2 * padding + extra  # always too large, with or without dilation
    x, w = np.zeros((1, 1, size, size)), np.zeros((1, 1, k, 1))
    with pytest.raises(ValueError, match="does not fit.*overhangs by"):
        cb.conv2d_forward(x, w, np.zeros(1), padding=padding, dilation=dilation)


@given(st.integers(1, 4), st.integers(1, 4))
def test_channel_mismatch(c_x, c_w):
    assume(c_x != c_w)
    with pytest.raises(ValueError, match=f"w has {c_w} input channels.*x has {c_x}"):
        cb.conv2d_backward_flipped(np.zeros((1, 1, 3, 3)), np.zeros((1, c_x, 5, 5)), np.zeros((1, c_w, 3, 3)))


@given(st.integers(1, 6).filter(lambda n: n != 4))
def test_wrong_number_of_dimensions(ndim):
    bad = np.zeros((2,) * ndim)
    for fn in (lambda: cb.conv2d_forward(bad, np.zeros((1, 2, 1, 1)), np.zeros(1)),
               lambda: cb.maxpool2d_forward(bad, 1), lambda: cb.im2col(bad, 1)):
        with pytest.raises(ValueError, match=rf"x must be 4-D with layout \(N, C, H, W\); got shape .* \({ndim}-D\)"):
            fn()

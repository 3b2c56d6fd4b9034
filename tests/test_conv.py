"""Convolution forward and backward against independent oracles.

Oracles: scipy.signal (forward), autograd through an independent forward pass (backward),
centred finite differences (backward), and the seeds' published worked examples.
"""

import numpy as np
import pytest

import conv_backprop as cb

# (N, C, H, W, F, HH, WW, stride, padding, dilation): stride 2 and 3, odd sizes where the stride
# drops rows, non-square kernels/strides/padding, dilation 2, padding larger than the kernel.
CONFIGS = [
    (4, 3, 5, 5, 2, 3, 3, 1, 1, 1),  # seed 000
    (2, 3, 7, 7, 4, 3, 3, 2, 1, 1),
    (2, 2, 8, 7, 3, 3, 3, 2, 0, 1),  # stride 2 drops the last row
    (1, 3, 10, 9, 2, 3, 2, 3, 1, 1),  # stride 3, odd width
    (2, 2, 7, 9, 3, 2, 3, (2, 3), (1, 0), 1),  # non-square everything
    (2, 3, 9, 9, 2, 3, 3, 1, 2, 2),  # dilation 2
    (1, 2, 11, 10, 3, 3, 2, 2, (2, 1), (2, 3)),  # dilation with stride and padding
    (3, 1, 6, 6, 1, 1, 1, 2, 0, 1),  # 1×1 kernel
    (2, 2, 9, 9, 2, 2, 2, 3, 0, 1),  # stride > kernel: some inputs reach nothing
    (1, 2, 4, 5, 2, 3, 3, 1, 4, 1),  # padding larger than the kernel
    (2, 4, 6, 6, 5, 6, 6, 1, 0, 1),  # kernel as large as the input
]
IDS = [f"cfg{i}" for i in range(len(CONFIGS))]


def make(cfg, rng, dtype=np.float64):
    N, C, H, W, F, HH, WW, s, p, d = cfg
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    return x, w, b, dict(stride=s, padding=p, dilation=d)


FORWARDS = [cb.conv2d_forward_naive, cb.conv2d_forward]
BACKWARDS = [cb.conv2d_backward_naive, cb.conv2d_backward, cb.conv2d_backward_flipped]


@pytest.mark.parametrize("forward", FORWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_forward_matches_scipy(forward, cfg, rng, oracle):
    x, w, b, kw = make(cfg, rng)
    got = forward(x, w, b, **kw)
    np.testing.assert_allclose(got, oracle.conv2d(x, w, b, **kw), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_backward_matches_autograd(backward, cfg, rng, oracle):
    x, w, b, kw = make(cfg, rng)
    dout = rng.standard_normal(oracle.conv2d(x, w, b, **kw).shape)
    dx, dw, db = backward(dout, x, w, **kw)
    ex, ew, eb = oracle.conv2d_grads(dout, x, w, b, **kw)
    for name, got, exp in (("dx", dx, ex), ("dw", dw, ew), ("db", db, eb)):
        assert got.shape == exp.shape, name
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-10, err_msg=name)


def test_dx_by_indices_matches_autograd(rng, oracle):
    for cfg in CONFIGS:
        x, w, b, kw = make(cfg, rng)
        dout = rng.standard_normal(oracle.conv2d(x, w, b, **kw).shape)
        ex = oracle.conv2d_grads(dout, x, w, b, **kw)[0]
        np.testing.assert_allclose(cb.conv2d_dx_by_indices(dout, x, w, **kw), ex, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cfg", CONFIGS[:9], ids=IDS[:9])
def test_backward_matches_finite_differences(backward, cfg, rng, margins):
    x, w, b, kw = make(cfg, rng)
    out = cb.conv2d_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, x, w, **kw)
    # L is linear in x, w and b, so centred differences have no truncation error and a larger
    # step only shrinks rounding error: with h = 0.5 it is about ε·S/(2h|g|) ≈ 2e-16·100/1e-3
    # ≈ 2e-11 for the smallest gradients here (docs/testing.md); threshold 1e-7.
    h = 0.5
    nx = cb.numerical_gradient(lambda v: cb.conv2d_forward(v, w, b, **kw), x, dout, h)
    nw = cb.numerical_gradient(lambda v: cb.conv2d_forward(x, v, b, **kw), w, dout, h)
    nb = cb.numerical_gradient(lambda v: cb.conv2d_forward(x, w, v, **kw), b, dout, h)
    margins.below("dx", cb.rel_error(dx, nx), 1e-7)
    margins.below("dw", cb.rel_error(dw, nw), 1e-7)
    margins.below("db", cb.rel_error(db, nb), 1e-7)


def test_cs231n_worked_example(rng):
    """Seed 000: X (4,3,5,5), W (2,3,3,3), pad 1, stride 1 → Y (4,2,5,5);
    out[0,0,0,0] = sum(xpad[0, :, :3, :3] * w[0]) + b[0]."""
    x = rng.standard_normal((4, 3, 5, 5))
    w = rng.standard_normal((2, 3, 3, 3))
    b = rng.standard_normal(2)
    for forward in FORWARDS:
        out = forward(x, w, b, stride=1, padding=1)
        assert out.shape == (4, 2, 5, 5)
        xpad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        assert np.isclose(out[0, 0, 0, 0], np.sum(xpad[0, :, :3, :3] * w[0]) + b[0])


def test_cs231n_x11_reaches_four_outputs(rng):
    """Seed 000 (1-based): x₁₁ of channel 1 reaches y₁₁, y₁₂, y₂₁, y₂₂ only, and
    ∂y₂₁/∂x₁₁ = w₁₂. Checked by perturbation: which outputs move when x[0,0,0,0] moves."""
    x = rng.standard_normal((1, 3, 5, 5))
    w = rng.standard_normal((1, 3, 3, 3))
    b = np.zeros(1)
    base = cb.conv2d_forward(x, w, b, padding=1)
    x2 = x.copy()
    x2[0, 0, 0, 0] += 1.0  # the output is linear in x: the change is the derivative
    deriv = cb.conv2d_forward(x2, w, b, padding=1) - base
    reached = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.abs(deriv[0, 0]) > 1e-12))}
    assert reached == {(0, 0), (0, 1), (1, 0), (1, 1)}  # y11, y12, y21, y22 in 0-based form
    # y21 is output (1, 0); seed's w12 (row 1, column 2, 1-based) is w[0, 0, 0, 1]
    assert np.isclose(deriv[0, 0, 1, 0], w[0, 0, 0, 1])
    # and the package's index bookkeeping agrees
    rows = cb.outputs_reached(0, 5, 3, stride=1, padding=1)
    assert rows == [(0, 1), (1, 0)]


def test_dtypes(rng):
    x, w, b, kw = make(CONFIGS[1], rng, np.float32)
    out = cb.conv2d_forward(x, w, b, **kw)
    assert out.dtype == np.float32
    dout = np.ones_like(out)
    for backward in BACKWARDS:
        assert all(g.dtype == np.float32 for g in backward(dout, x, w, **kw))
    xi = rng.integers(-3, 4, size=(1, 2, 5, 5))
    wi = rng.integers(-3, 4, size=(2, 2, 3, 3))
    bi = np.array([1, -1])
    for forward in FORWARDS:
        out = forward(xi, wi, bi)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, cb.conv2d_forward(xi.astype(float), wi.astype(float), bi.astype(float)))


def test_inputs_are_not_modified(rng):
    x, w, b, kw = make(CONFIGS[4], rng)
    dout = rng.standard_normal(cb.conv2d_forward(x, w, b, **kw).shape)
    copies = [a.copy() for a in (x, w, b, dout)]
    for forward in FORWARDS:
        forward(x, w, b, **kw)
    for backward in BACKWARDS:
        backward(dout, x, w, **kw)
    cb.conv2d_dx_by_indices(dout, x, w, **kw)
    for a, c in zip((x, w, b, dout), copies):
        np.testing.assert_array_equal(a, c)


def test_flipped_kernel_input_shape_and_zero_insertion(rng):
    """dout with s−1 zeros between entries, padded by E−1−p (top/left)."""
    dout = rng.standard_normal((1, 1, 3, 3)) + 5.0  # no zeros of its own
    z = cb.flipped_kernel_input(dout, (1, 1, 6, 6), 3, stride=2, padding=1)  # 3×3 output
    assert z.shape == (1, 1, 6 + 3 - 1, 6 + 3 - 1)
    top = 3 - 1 - 1  # E − 1 − p
    np.testing.assert_array_equal(z[0, 0, top : top + 5 : 2, top : top + 5 : 2], dout[0, 0])
    assert np.count_nonzero(z) == 9


def test_cache_reuses_im2col_and_gives_the_same_gradients(rng):
    x, w, b, kw = make(CONFIGS[4], rng)
    cache = {}
    out = cb.conv2d_forward(x, w, b, **kw, cache=cache)
    assert cache["cols"].shape == (w.shape[1] * w.shape[2] * w.shape[3], out.size // w.shape[0])
    dout = rng.standard_normal(out.shape)
    for got, exp in zip(cb.conv2d_backward(dout, x, w, **kw, cache=cache), cb.conv2d_backward_naive(dout, x, w, **kw)):
        np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-12)
    # a different x (even with the same shape) must not reuse the cached matrix
    x2 = rng.standard_normal(x.shape)
    for got, exp in zip(cb.conv2d_backward(dout, x2, w, **kw, cache=cache), cb.conv2d_backward_naive(dout, x2, w, **kw)):
        np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cfg", [CONFIGS[1], CONFIGS[4], CONFIGS[6], CONFIGS[9]], ids=["s2", "rect", "dil", "bigpad"])
def test_large_input_code_path(cfg, rng, oracle, monkeypatch):
    """The vectorised layers switch strategy for large inputs (per-offset im2col copies,
    col2im folded in blocks); force that path on small cases and compare with autograd."""
    import conv_backprop.conv as conv

    monkeypatch.setattr(conv, "_SMALL", 0)
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 64)
    x, w, b, kw = make(cfg, rng)
    out = cb.conv2d_forward(x, w, b, **kw)
    np.testing.assert_allclose(out, oracle.conv2d(x, w, b, **kw), rtol=1e-10, atol=1e-10)
    dout = rng.standard_normal(out.shape)
    cache = {}
    cb.conv2d_forward(x, w, b, **kw, cache=cache)
    for got, exp in zip(cb.conv2d_backward(dout, x, w, **kw, cache=cache), oracle.conv2d_grads(dout, x, w, b, **kw)):
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-10)


def test_medium_input_against_naive(rng):
    x, w, b, kw = make((3, 4, 20, 20, 2, 3, 3, 1, 1, 1), rng)  # 43k im2col entries: the large path
    out = cb.conv2d_forward(x, w, b, **kw)
    np.testing.assert_allclose(out, cb.conv2d_forward_naive(x, w, b, **kw), rtol=1e-10, atol=1e-10)
    dout = rng.standard_normal(out.shape)
    for got, exp in zip(cb.conv2d_backward(dout, x, w, **kw), cb.conv2d_backward_naive(dout, x, w, **kw)):
        np.testing.assert_allclose(got, exp, rtol=1e-10, atol=1e-10)

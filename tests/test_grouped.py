"""Grouped and depthwise convolution (``groups=``) against independent oracles.

Oracles: a brute-force loop written here from the definition (every index spelled out), the
scipy and autograd oracles of conftest.py applied group by group (a grouped layer is G plain
layers side by side), centred finite differences, the adjoint identity as a hypothesis property,
and, where PyTorch is installed, ``torch.nn.functional.conv2d(groups=...)`` with autograd.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import conv_backprop as cb
from conv_backprop import layers as L

# (N, C, H, W, F, G, HH, WW, stride, padding, dilation)
CONFIGS = [
    (2, 4, 6, 6, 4, 2, 3, 3, 1, 1, 1),  # two groups
    (2, 3, 7, 6, 3, 3, 3, 3, 1, 1, 1),  # depthwise, one filter per channel
    (1, 3, 8, 7, 6, 3, 3, 2, 2, 0, 1),  # depthwise with multiplier 2, stride 2 drops a row
    (2, 6, 9, 9, 4, 2, 2, 3, (2, 3), (1, 0), 1),  # non-square everything
    (1, 4, 9, 10, 8, 4, 3, 3, 1, 2, 2),  # depthwise ×2, dilation 2
    (2, 6, 7, 7, 6, 3, 1, 1, 1, 0, 1),  # grouped 1×1 (ResNeXt's pointwise groups)
    (1, 4, 9, 9, 2, 2, 2, 2, 3, 0, 1),  # stride > kernel: some inputs reach nothing
    (2, 2, 5, 5, 2, 1, 3, 3, 1, 1, 1),  # groups = 1: the plain layer
]
IDS = [f"cfg{i}" for i in range(len(CONFIGS))]
FORWARDS = [cb.conv2d_forward_naive, cb.conv2d_forward]
BACKWARDS = [cb.conv2d_backward_naive, cb.conv2d_backward, cb.conv2d_backward_flipped]


def make(cfg, rng):
    N, C, H, W, F, G, HH, WW, s, p, d = cfg
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C // G, HH, WW))
    b = rng.standard_normal(F)
    return x, w, b, dict(stride=s, padding=p, dilation=d, groups=G)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def brute_force(x, w, b, stride, padding, dilation, groups):
    """The definition, one output at a time: filter f of group g = f // (F/G) reads channels
    g·(C/G) + k, k < C/G, at rows i·s + u·d and columns j·s + v·d of the padded input."""
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xpad[:, :, ph : ph + H, pw : pw + W] = x
    Ho = (H + 2 * ph - dh * (HH - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (WW - 1) - 1) // sw + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            g = f // (F // groups)
            for i in range(Ho):
                for j in range(Wo):
                    total = b[f]
                    for k in range(Cg):
                        for u in range(HH):
                            for v in range(WW):
                                total += xpad[n, g * Cg + k, i * sh + u * dh, j * sw + v * dw] * w[f, k, u, v]
                    out[n, f, i, j] = total
    return out


def per_group(x, w, groups):
    """(x_g, w_g, filters_g) of every group: the channels and filters it owns."""
    C, F = x.shape[1], w.shape[0]
    for g in range(groups):
        yield (x[:, g * C // groups : (g + 1) * C // groups], w[g * F // groups : (g + 1) * F // groups],
               slice(g * F // groups, (g + 1) * F // groups))


# Two float64 evaluations of the same sum of K ≤ 40 terms differ by about K·ε ≈ 1e-14 relative
# (docs/testing.md): rtol 1e-10 leaves a margin near 1e4; atol covers sums that cancel to ~0.
RTOL, ATOL = 1e-10, 1e-10


@pytest.mark.parametrize("forward", FORWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_forward_matches_brute_force_and_scipy_per_group(forward, cfg, rng, oracle, margins):
    x, w, b, kw = make(cfg, rng)
    got = forward(x, w, b, **kw)
    margins.close("forward vs brute force", got, brute_force(x, w, b, **kw), rtol=RTOL, atol=ATOL)
    geo = {k: kw[k] for k in ("stride", "padding", "dilation")}
    expected = np.concatenate([oracle.conv2d(xg, wg, b[fs], **geo) for xg, wg, fs in per_group(x, w, kw["groups"])], axis=1)
    margins.close("forward vs scipy per group", got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_backward_matches_autograd_per_group(backward, cfg, rng, oracle, margins):
    """A grouped layer is G plain layers side by side: group g's dx lands only in its channels,
    its dw and db only in its filters (derived in notebook 12)."""
    x, w, b, kw = make(cfg, rng)
    out = cb.conv2d_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, x, w, **kw)
    geo = {k: kw[k] for k in ("stride", "padding", "dilation")}
    parts = [oracle.conv2d_grads(dout[:, fs], xg, wg, b[fs], **geo) for xg, wg, fs in per_group(x, w, kw["groups"])]
    margins.close("dx per group", dx, np.concatenate([p[0] for p in parts], axis=1), rtol=RTOL, atol=ATOL)
    margins.close("dw per group", dw, np.concatenate([p[1] for p in parts], axis=0), rtol=RTOL, atol=ATOL)
    margins.close("db per group", db, np.concatenate([p[2] for p in parts]), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_backward_matches_finite_differences(cfg, rng, margins):
    x, w, b, kw = make(cfg, rng)
    dout = rng.standard_normal(cb.conv2d_forward(x, w, b, **kw).shape)
    # L = Σ out·dout is linear in x, w and b: no truncation error, rounding ≈ ε·S/(2h|g|) with
    # S = Σ|out·dout| ≲ 1e3 and the smallest |g| here ≳ 1e-3: about 2e-10 at h = 0.5 (an entry
    # whose gradient is exactly 0, an input no window reaches, gives 0 on both sides);
    # threshold 1e-7 (docs/testing.md).
    h = 0.5
    nx = cb.numerical_gradient(lambda v: cb.conv2d_forward(v, w, b, **kw), x, dout, h)
    nw = cb.numerical_gradient(lambda v: cb.conv2d_forward(x, v, b, **kw), w, dout, h)
    nb = cb.numerical_gradient(lambda v: cb.conv2d_forward(x, w, v, **kw), b, dout, h)
    for backward in BACKWARDS:
        dx, dw, db = backward(dout, x, w, **kw)
        margins.below("dx", cb.rel_error(dx, nx), 1e-7)
        margins.below("dw", cb.rel_error(dw, nw), 1e-7)
        margins.below("db", cb.rel_error(db, nb), 1e-7)


def test_groups_one_is_exactly_the_plain_layer(rng):
    x, w, b, kw = make((2, 3, 7, 7, 4, 1, 3, 3, 2, 1, 1), rng)
    kw.pop("groups")
    dout = rng.standard_normal(cb.conv2d_forward(x, w, b, **kw).shape)
    for fwd in FORWARDS:
        np.testing.assert_array_equal(fwd(x, w, b, **kw, groups=1), fwd(x, w, b, **kw))
    for bwd in BACKWARDS:
        for got, exp in zip(bwd(dout, x, w, **kw, groups=1), bwd(dout, x, w, **kw)):
            np.testing.assert_array_equal(got, exp)


def test_a_grouped_layer_is_a_plain_layer_with_a_block_diagonal_kernel(rng, margins):
    """Zero-filling the weights a filter does not read turns a G-group layer into a plain one
    (w_full[f, g·C/G + k] = w[f, k] for f in group g, zero elsewhere): notebook 12's picture."""
    x, w, b, kw = make(CONFIGS[0], rng)
    G, (F, Cg) = kw.pop("groups"), w.shape[:2]
    full = np.zeros((F, Cg * G, *w.shape[2:]))
    for f in range(F):
        g = f // (F // G)
        full[f, g * Cg : (g + 1) * Cg] = w[f]
    margins.close("block-diagonal", cb.conv2d_forward(x, w, b, **kw, groups=G), cb.conv2d_forward(x, full, b, **kw),
                  rtol=RTOL, atol=ATOL)


def test_large_input_code_path(rng, margins):
    """Inputs large enough for the blocked col2im (not the tiny-input scatter) and a cache."""
    x, w, b, kw = make((3, 8, 30, 30, 16, 8, 3, 3, 1, 1, 1), rng)
    cache = {}
    out = cb.conv2d_forward(x, w, b, **kw, cache=cache)
    dout = rng.standard_normal(out.shape)
    got = cb.conv2d_backward(dout, x, w, **kw, cache=cache)
    exp = cb.conv2d_backward_flipped(dout, x, w, **kw)
    # dw and db sum N·H_out·W_out = 2700 products: K·ε ≈ 6e-13 relative, so rtol 1e-10 still
    # leaves a margin above 100 (the smallest measured, on SkylakeX, is about 800)
    for name, g, e in zip(("dx", "dw", "db"), got, exp):
        margins.close(f"large {name}", g, e, rtol=RTOL, atol=ATOL)


def test_float32_stays_float32(rng):
    x, w, b, kw = make(CONFIGS[1], rng)
    x, w, b = (a.astype(np.float32) for a in (x, w, b))
    out = cb.conv2d_forward(x, w, b, **kw)
    assert out.dtype == np.float32
    assert all(a.dtype == np.float32 for a in cb.conv2d_backward(np.ones_like(out), x, w, **kw))


# --------------------------------------------------------------------------- adjoint identity


@st.composite
def geometries(draw):
    G = draw(st.integers(1, 3))
    C, F = G * draw(st.integers(1, 2)), G * draw(st.integers(1, 2))
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s, p, d = draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 2))
    H = draw(st.integers(max(1, d * (HH - 1) + 1 - 2 * p), 8))
    W = draw(st.integers(max(1, d * (WW - 1) + 1 - 2 * p), 8))
    return (draw(st.integers(1, 2)), C, H, W, F, G, HH, WW, s, p, d), draw(st.integers(0, 2**32 - 1))


@given(geometries())
def test_adjoint_identity(case):
    """⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ (dx is the transpose applied to y) and, in the weights,
    ⟨conv_x(w), y⟩ = ⟨w, dw(y)⟩, for every geometry and grouping."""
    cfg, seed = case
    rng = np.random.default_rng(seed)
    x, w, b, kw = make(cfg, rng)
    zero = np.zeros_like(b)
    out = cb.conv2d_forward(x, w, zero, **kw)
    y = rng.standard_normal(out.shape)
    for backward in BACKWARDS:
        dx, dw, _ = backward(y, x, w, **kw)
        # both sides sum the same products x·w·y in a different order: |difference| ≤ K·ε·S with
        # S = Σ|x·w·y| over the terms, bounded by Σ|x|·|w|max·|y| (K ≲ 1e3): 1e-12·S leaves 100×
        scale = np.abs(x).sum() * np.abs(w).max() * np.abs(y).max() * w[0].size * 4 + 1.0
        lhs = np.sum(out * y)
        assert abs(lhs - np.sum(x * dx)) <= 1e-12 * scale
        assert abs(lhs - np.sum(w * dw)) <= 1e-12 * scale


# --------------------------------------------------------------------------- layers


def test_conv2d_layer_with_groups_matches_finite_differences(rng, margins):
    layer = L.Conv2D(4, 6, 3, padding=1, stride=2, groups=2, rng=np.random.default_rng(0))
    assert layer.w.shape == (6, 2, 3, 3) and "groups 2" in repr(layer)
    layer.b[...] = rng.standard_normal(6)
    x = rng.standard_normal((2, 4, 7, 6))
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    dw, db = layer.dw.copy(), layer.db.copy()
    h = 0.5  # linear in each argument: see test_backward_matches_finite_differences
    margins.below("layer dx", cb.rel_error(dx, cb.numerical_gradient(lambda v: layer.forward(v), x, dout, h)), 1e-7)
    w0 = layer.w.copy()

    def of_w(v):
        layer.w[...] = v
        return layer.forward(x)

    margins.below("layer dw", cb.rel_error(dw, cb.numerical_gradient(of_w, w0, dout, h)), 1e-7)
    layer.w[...] = w0
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_depthwise_separable_is_a_factorised_plain_convolution(rng, margins):
    """The block's output is one plain convolution whose kernel is
    w[f, c, u, v] = Σ_m p[f, c·M + m] · k[c·M + m, u, v] and bias p·b_dw + b_pw."""
    blk = L.DepthwiseSeparable2D(3, 5, 3, padding=1, stride=2, multiplier=2, rng=np.random.default_rng(1))
    blk.depthwise.b[...] = rng.standard_normal(6)
    blk.pointwise.b[...] = rng.standard_normal(5)
    assert [p.name for p in blk.parameters()] == ["depthwise.w", "depthwise.b", "pointwise.w", "pointwise.b"]
    x = rng.standard_normal((2, 3, 7, 7))
    k, p = blk.depthwise.w[:, 0], blk.pointwise.w[:, :, 0, 0]  # (6, 3, 3), (5, 6)
    w_eff = np.einsum("fm,muv->fmuv", p, k).reshape(5, 3, 2, 3, 3).sum(axis=2)
    b_eff = p @ blk.depthwise.b + blk.pointwise.b
    margins.close("separable = factorised plain conv", blk.forward(x),
                  cb.conv2d_forward(x, w_eff, b_eff, stride=2, padding=1), rtol=RTOL, atol=ATOL)


def test_depthwise_separable_gradcheck_end_to_end(net_gradcheck):
    rng = np.random.default_rng(3)
    net = L.Sequential(L.DepthwiseSeparable2D(2, 4, 3, padding=1, rng=rng), L.ReLU(), L.Flatten(),
                       L.Linear(4 * 25, 3, rng=rng))
    for p in net.parameters():
        if p.name.endswith("b"):
            p.value[...] = rng.standard_normal(p.value.shape) * 0.1
    x = rng.standard_normal((3, 2, 5, 5))
    y = np.array([0, 1, 2])
    loss = L.SoftmaxCrossEntropy()
    # normwise per gradient, plus elementwise bug detection (tolerances derived in conftest.py)
    results = net_gradcheck(net, loss, x, y, "separable net")
    assert [r.name for r in results] == ["0.depthwise.w", "0.depthwise.b", "0.pointwise.w",
                                         "0.pointwise.b", "3.w", "3.b", "x"]


def test_depthwise_separable_block_trains():
    from conv_backprop import data

    d = data.load_digits_split(seed=0)
    x, y = d.x_train[:300], d.y_train[:300]
    rng = np.random.default_rng(0)
    net = L.Sequential(L.Conv2D(1, 8, 3, padding=1, rng=rng), L.ReLU(),
                       L.DepthwiseSeparable2D(8, 16, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
                       L.Flatten(), L.Linear(16 * 16, 10, rng=rng))
    loss = L.SoftmaxCrossEntropy()
    hist = L.fit(net, loss, L.SGD(net.parameters(), lr=0.05, momentum=0.9), x, y, epochs=4,
                 batch_size=32, rng=np.random.default_rng(1), x_val=d.x_val, y_val=d.y_val)
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    assert hist.val_accuracy[-1] > 0.8


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("x_shape, w_shape, groups, error, message", [
    ((1, 6, 5, 5), (4, 2, 3, 3), 4, ValueError, "groups=4 must divide the number of input channels C = x.shape[1] = 6"),
    ((1, 6, 5, 5), (5, 2, 3, 3), 3, ValueError, "groups=3 must divide the number of filters F = w.shape[0] = 5"),
    ((1, 6, 5, 5), (6, 3, 3, 3), 3, ValueError, "w.shape[1] must be C/groups = 6/3 = 2"),
    ((1, 6, 5, 5), (6, 6, 3, 3), 0, ValueError, "groups must be a positive int"),
    ((1, 6, 5, 5), (6, 3, 3, 3), 2.0, TypeError, "groups must be a positive int"),
    ((1, 6, 5, 5), (6, 3, 3, 3), True, TypeError, "groups must be a positive int"),
    ((1, 6, 5, 5), (6, 6, 3, 3), 1, None, None),
])
def test_bad_groups_raise_named_errors(x_shape, w_shape, groups, error, message):
    x, w, b = np.ones(x_shape), np.ones(w_shape), np.ones(w_shape[0])
    dout = np.ones((1, w_shape[0], 3, 3))
    calls = [lambda f=f: f(x, w, b, groups=groups) for f in FORWARDS]
    calls += [lambda f=f: f(dout, x, w, groups=groups) for f in BACKWARDS]
    for call in calls:
        if error is None:
            call()
            continue
        with pytest.raises(error) as info:
            call()
        assert message in str(info.value)


def test_layer_bad_groups():
    with pytest.raises(ValueError, match=r"groups=3 must divide in_channels=4"):
        L.Conv2D(4, 6, 3, groups=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"groups=2 must divide out_channels=3"):
        L.Conv2D(4, 3, 3, groups=2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="groups must be a positive int"):
        L.Conv2D(4, 4, 3, groups=None, rng=np.random.default_rng(0))


# --------------------------------------------------------------------------- PyTorch


def _torch_sweep():
    """Many configurations: every divisor of C as groups, multipliers, strides, paddings,
    dilations, non-square kernels, sizes where the stride drops rows."""
    rng = np.random.default_rng(7)
    out = []
    for C in (1, 2, 3, 4, 6):
        for G in [g for g in range(1, C + 1) if C % g == 0]:
            for mult in (1, 2):
                F = G * mult * (1 if G == C else 2)
                HH, WW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
                s = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
                p = (int(rng.integers(0, 3)), int(rng.integers(0, 2)))
                d = (int(rng.integers(1, 3)), 1)
                H = max(d[0] * (HH - 1) + 1 - 2 * p[0], 1) + int(rng.integers(0, 6))
                W = max(d[1] * (WW - 1) + 1 - 2 * p[1], 1) + int(rng.integers(0, 6))
                out.append(((2, C, H, W), (F, C // G, HH, WW), s, p, d, G))
    return out


SWEEP = _torch_sweep()


@pytest.mark.torch
@pytest.mark.parametrize("xs, ws, s, p, d, G", SWEEP, ids=[f"sweep{i}" for i in range(len(SWEEP))])
def test_matches_torch_conv2d_groups(xs, ws, s, p, d, G, margins):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: the cross-check against "
                                                "torch.nn.functional.conv2d(groups=...) did not run")
    assert len(SWEEP) > 20
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p, dilation=d, groups=G)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(dout))
    for fwd in FORWARDS:
        margins.close("torch forward", fwd(x, w, b, s, p, d, groups=G), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    for bwd in BACKWARDS:
        for name, got, t in zip(("dx", "dw", "db"), bwd(dout, x, w, s, p, d, groups=G), (tx, tw, tb)):
            margins.close(f"torch {name}", got, t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.torch
def test_depthwise_separable_block_matches_torch(margins):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: the separable block's cross-check did not run")
    rng = np.random.default_rng(5)
    blk = L.DepthwiseSeparable2D(3, 4, 3, stride=2, padding=1, multiplier=2, rng=rng)
    blk.depthwise.b[...] = rng.standard_normal(6)
    blk.pointwise.b[...] = rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 7, 6))
    tx = torch.tensor(x, requires_grad=True)
    tk, tkb, tp, tpb = (torch.tensor(a, requires_grad=True) for a in
                        (blk.depthwise.w, blk.depthwise.b, blk.pointwise.w, blk.pointwise.b))
    F_ = torch.nn.functional
    tout = F_.conv2d(F_.conv2d(tx, tk, tkb, stride=2, padding=1, groups=3), tp, tpb)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(dout))
    margins.close("separable vs torch forward", blk.forward(x), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    margins.close("separable vs torch dx", blk.backward(dout), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    for q, t in zip(blk.parameters(), (tk, tkb, tp, tpb)):
        margins.close(f"separable vs torch {q.name}", q.grad, t.grad.numpy(), rtol=RTOL, atol=ATOL)

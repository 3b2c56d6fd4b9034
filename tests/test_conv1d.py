"""1-D convolution (NCL) against independent oracles.

Oracles: brute-force loops written here from the 1-D definition (forward, and dx by fan-out:
every input entry collects dout·w from each output whose window holds it), numpy's own
``np.correlate`` for single channels, centred finite differences, the adjoint identity as a
hypothesis property, and ``torch.nn.functional.conv1d`` with autograd where PyTorch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import conv_backprop as cb

# (N, C, L, F, G, K, stride, padding, dilation)
CONFIGS = [
    (2, 3, 10, 4, 1, 3, 1, 1, 1),
    (2, 4, 11, 4, 2, 3, 2, 1, 1),  # two groups, stride 2 drops the last entry
    (1, 3, 12, 6, 3, 5, 1, 2, 2),  # depthwise ×2, dilation 2
    (2, 2, 9, 3, 1, 2, 3, 0, 1),  # stride > kernel: some inputs reach nothing
    (1, 2, 4, 2, 2, 3, 1, 4, 1),  # depthwise, padding larger than the kernel
    (3, 1, 7, 1, 1, 7, 1, 0, 1),  # kernel as long as the input: one output
]
IDS = [f"cfg{i}" for i in range(len(CONFIGS))]
RTOL, ATOL = 1e-10, 1e-10  # two float64 sums of ≤ 15 terms: K·ε ≈ 3e-15 relative, margin > 1e4


def make(cfg, rng):
    N, C, L, F, G, K, s, p, d = cfg
    x = rng.standard_normal((N, C, L))
    w = rng.standard_normal((F, C // G, K))
    b = rng.standard_normal(F)
    return x, w, b, dict(stride=s, padding=p, dilation=d, groups=G)


def brute_forward(x, w, b, stride, padding, dilation, groups):
    N, C, L = x.shape
    F, Cg, K = w.shape
    xpad = np.concatenate([np.zeros((N, C, padding)), x, np.zeros((N, C, padding))], axis=2)
    L_out = (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1
    out = np.zeros((N, F, L_out))
    for n in range(N):
        for f in range(F):
            g = f // (F // groups)
            for i in range(L_out):
                out[n, f, i] = b[f] + sum(xpad[n, g * Cg + k, i * stride + u * dilation] * w[f, k, u]
                                          for k in range(Cg) for u in range(K))
    return out


def brute_dx(dout, x, w, stride, padding, dilation, groups):
    """dx by fan-out: input t (padded index t + p) meets tap u of output i when i·s + u·d = t + p."""
    N, C, L = x.shape
    F, Cg, K = w.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            g = c // Cg
            for t in range(L):
                for f in range(g * (F // groups), (g + 1) * (F // groups)):
                    for u in range(K):
                        i, r = divmod(t + padding - u * dilation, stride)
                        if r == 0 and 0 <= i < dout.shape[2]:
                            dx[n, c, t] += dout[n, f, i] * w[f, c - g * Cg, u]
    return dx


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_forward_and_dx_match_brute_force(cfg, rng, margins):
    x, w, b, kw = make(cfg, rng)
    out = cb.conv1d_forward(x, w, b, **kw)
    margins.close("1-D forward", out, brute_forward(x, w, b, **kw), rtol=RTOL, atol=ATOL)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = cb.conv1d_backward(dout, x, w, **kw)
    margins.close("1-D dx by fan-out", dx, brute_dx(dout, x, w, **kw), rtol=RTOL, atol=ATOL)
    margins.close("1-D db", db, dout.sum(axis=(0, 2)), rtol=RTOL, atol=ATOL)


def test_single_channel_is_numpy_correlate(rng, margins):
    x, w = rng.standard_normal(12), rng.standard_normal(4)
    out = cb.conv1d_forward(x[None, None], w[None, None], np.zeros(1))[0, 0]
    margins.close("np.correlate valid", out, np.correlate(x, w, mode="valid"), rtol=RTOL, atol=ATOL)
    # the flipped-kernel identity in 1-D: dx is the *full* convolution of dout with w
    dout = rng.standard_normal(out.shape)
    dx = cb.conv1d_backward(dout[None, None], x[None, None], w[None, None])[0][0, 0]
    margins.close("dx = np.convolve full", dx, np.convolve(dout, w, mode="full"), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_backward_matches_finite_differences(cfg, rng, margins):
    x, w, b, kw = make(cfg, rng)
    dout = rng.standard_normal(cb.conv1d_forward(x, w, b, **kw).shape)
    dx, dw, db = cb.conv1d_backward(dout, x, w, **kw)
    # linear in each argument: no truncation error; rounding ε·S/(2h|g|) ≈ 2e-16·50/1e-3 ≈ 1e-11
    # at h = 0.5 for the smallest gradients here; threshold 1e-7 (docs/testing.md)
    h = 0.5
    nx = cb.numerical_gradient(lambda v: cb.conv1d_forward(v, w, b, **kw), x, dout, h)
    nw = cb.numerical_gradient(lambda v: cb.conv1d_forward(x, v, b, **kw), w, dout, h)
    nb = cb.numerical_gradient(lambda v: cb.conv1d_forward(x, w, v, **kw), b, dout, h)
    margins.below("1-D dx", cb.rel_error(dx, nx), 1e-7)
    margins.below("1-D dw", cb.rel_error(dw, nw), 1e-7)
    margins.below("1-D db", cb.rel_error(db, nb), 1e-7)


def test_output_length_and_dtype(rng):
    assert cb.conv1d_output_length(10, 3, stride=2, padding=1) == 5
    assert cb.conv1d_output_length(11, 3, stride=2) == 5  # floor: the last entry is dropped
    x = rng.standard_normal((1, 2, 9)).astype(np.float32)
    w = rng.standard_normal((2, 1, 3)).astype(np.float32)
    out = cb.conv1d_forward(x, w, np.zeros(2, np.float32), groups=2)
    assert out.dtype == np.float32 and out.shape == (1, 2, 7)
    assert all(a.dtype == np.float32 for a in cb.conv1d_backward(np.ones_like(out), x, w, groups=2))


@st.composite
def geometries(draw):
    G = draw(st.integers(1, 3))
    C, F = G * draw(st.integers(1, 2)), G * draw(st.integers(1, 2))
    K, s, p, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 3))
    L = draw(st.integers(max(1, d * (K - 1) + 1 - 2 * p), 12))
    return (draw(st.integers(1, 2)), C, L, F, G, K, s, p, d), draw(st.integers(0, 2**32 - 1))


@given(geometries())
def test_adjoint_identity(case):
    """⟨conv(x), y⟩ = ⟨x, dx(y)⟩ and ⟨conv_x(w), y⟩ = ⟨w, dw(y)⟩ for every 1-D geometry."""
    cfg, seed = case
    rng = np.random.default_rng(seed)
    x, w, b, kw = make(cfg, rng)
    out = cb.conv1d_forward(x, w, np.zeros_like(b), **kw)
    y = rng.standard_normal(out.shape)
    dx, dw, _ = cb.conv1d_backward(y, x, w, **kw)
    # the same products summed in another order: |difference| ≤ K·ε·Σ|x·w·y| ≤ 1e-12·scale
    scale = np.abs(x).sum() * np.abs(w).max() * np.abs(y).max() * w[0].size * 4 + 1.0
    lhs = np.sum(out * y)
    assert abs(lhs - np.sum(x * dx)) <= 1e-12 * scale
    assert abs(lhs - np.sum(w * dw)) <= 1e-12 * scale


@pytest.mark.parametrize("call, error, message", [
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5, 5)), np.ones((2, 2, 3)), np.ones(2)), ValueError,
     "x must be 3-D with layout (N, C, L)"),
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5)), np.ones((2, 2, 3, 3)), np.ones(2)), ValueError,
     "w must be 3-D with layout (F, C/groups, K)"),
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5)), np.ones((2, 2, 7)), np.ones(2)), ValueError,
     "spans d·(K − 1) + 1 = 7 entries but the padded input has only L + 2p = 5"),
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5)), np.ones((2, 2, 3)), np.ones(2), stride=(1, 2)), TypeError,
     "stride must be an int (a 1-D convolution has one stride)"),
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5)), np.ones((2, 2, 3)), np.ones(2), padding=-1), ValueError,
     "padding must be non-negative"),
    (lambda: cb.conv1d_forward(np.ones((1, 3, 5)), np.ones((2, 1, 3)), np.ones(2), groups=2), ValueError,
     "groups=2 must divide the number of input channels C = x.shape[1] = 3"),
    (lambda: cb.conv1d_forward(np.ones((1, 4, 5)), np.ones((3, 2, 3)), np.ones(3), groups=2), ValueError,
     "groups=2 must divide the number of filters F = w.shape[0] = 3"),
    (lambda: cb.conv1d_forward(np.ones((1, 4, 5)), np.ones((2, 4, 3)), np.ones(2), groups=2), ValueError,
     "w.shape[1] must be C/groups = 4/2 = 2"),
    (lambda: cb.conv1d_forward(np.ones((1, 2, 5)), np.ones((2, 2, 3)), np.ones(3)), ValueError,
     "b must have shape (2,)"),
    (lambda: cb.conv1d_backward(np.ones((1, 2, 4)), np.ones((1, 2, 5)), np.ones((2, 2, 3))), ValueError,
     "dout must have shape (1, 2, 3)"),
    (lambda: cb.conv1d_output_length(5, 0), ValueError, "kernel_size must be at least 1"),
])
def test_bad_input_raises_named_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def _torch_sweep():
    rng = np.random.default_rng(11)
    out = []
    for C in (1, 2, 3, 4, 6):
        for G in [g for g in range(1, C + 1) if C % g == 0]:
            for _ in range(2):
                F = G * int(rng.integers(1, 3))
                K, s, p, d = (int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, 3)),
                              int(rng.integers(1, 3)))
                L = max(d * (K - 1) + 1 - 2 * p, 1) + int(rng.integers(0, 8))
                out.append(((2, C, L), (F, C // G, K), s, p, d, G))
    return out


SWEEP = _torch_sweep()


@pytest.mark.torch
@pytest.mark.parametrize("xs, ws, s, p, d, G", SWEEP, ids=[f"sweep{i}" for i in range(len(SWEEP))])
def test_matches_torch_conv1d(xs, ws, s, p, d, G, margins):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: the cross-check against "
                                                "torch.nn.functional.conv1d did not run")
    assert len(SWEEP) > 20
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv1d(tx, tw, tb, stride=s, padding=p, dilation=d, groups=G)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(dout))
    margins.close("torch 1-D forward", cb.conv1d_forward(x, w, b, s, p, d, groups=G), tout.detach().numpy(),
                  rtol=RTOL, atol=ATOL)
    for name, got, t in zip(("dx", "dw", "db"), cb.conv1d_backward(dout, x, w, s, p, d, groups=G), (tx, tw, tb)):
        margins.close(f"torch 1-D {name}", got, t.grad.numpy(), rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- the 1-D explorer (notebook 13)


SCENES = [dict(L=9, K=3, stride=2, padding=1, dilation=1), dict(L=10, K=2, stride=3, padding=0, dilation=1),
          dict(L=8, K=3, stride=1, padding=2, dilation=2), dict(L=12, K=5, stride=3, padding=0, dilation=1),
          dict(L=4, K=1, stride=1, padding=0, dilation=1)]


@pytest.mark.parametrize("settings", SCENES)
def test_conv1d_scene_fan_in_and_fan_out_against_brute_force(settings, margins):
    from conv_backprop.scenes import build_conv1d
    from conv_backprop.scenes.conv1d import conv1d_arrays

    s, p, d = settings["stride"], settings["padding"], settings["dilation"]
    sc, base, view = build_conv1d(**settings)
    x, w, b, dout = conv1d_arrays(0, settings["L"], settings["K"], s, p, d)
    kw = dict(stride=s, padding=p, dilation=d, groups=1)
    out = brute_forward(x[None, None], w[None, None], np.array([b]), **kw)[0, 0]
    dx = brute_dx(dout[None, None], x[None, None], w[None, None], **kw)[0, 0]
    assert base["L_out"] == len(out) and view == "out:0"
    assert sc.order == [f"out:{i}" for i in range(len(out))]
    for i in range(len(out)):
        st = sc.views[f"out:{i}"].state
        assert st["reads"] == [i * s + u * d - p for u in range(len(w))]
        margins.close("1-D scene fan-in", st["value"], out[i], rtol=RTOL, atol=ATOL)
    for t in range(len(x)):
        st = sc.views[f"in:{t}"].state
        bumped = x.copy()
        bumped[t] += 1.0  # brute force: which outputs change when x[t] does (w has no zeros)
        changed = brute_forward(bumped[None, None], w[None, None], np.array([b]), **kw)[0, 0] != out
        assert st["reached"] == [int(i) for i in np.flatnonzero(changed)]
        margins.close("1-D scene fan-out dx", st["value"], dx[t], rtol=RTOL, atol=ATOL)
        assert ("reaches no output" in sc.views[f"in:{t}"].readout) == (not st["reached"])


def test_conv1d_explorer_explains_and_names_bad_arguments():
    import conv_backprop.explorers as ex
    from conv_backprop.scene import InvalidSetting
    from conv_backprop.scenes import build_conv1d

    with pytest.raises(InvalidSetting, match=r"The kernel spans d·\(K − 1\) \+ 1 = 5 entries"):
        build_conv1d(L=3, K=5, padding=0)
    with pytest.raises(ValueError, match="i must be an index into the outputs, 0 ≤ i < 5; got 5"):
        build_conv1d(i=5)
    with pytest.raises(ValueError, match="stride must be a positive int; got 0"):
        build_conv1d(stride=0)
    e = ex.conv1d_explorer(i=3)
    assert e.widget.view == "out:3"
    e.set(K=5, L=3, padding=0)
    assert e.scene is None and e.message.startswith("The kernel spans")
    e.set(L=12, stride=3)  # 3 outputs: the selection is clamped
    assert e.message == "" and e.widget.view == "out:2"
    e.select("in:11")  # after the last window
    assert e.state["reached"] == [] and e.state["value"] == 0

"""Transposed convolution (notebook 11) against independent oracles.

* brute force: the scatter definition written here as scalar loops over every input entry,
  output channel and kernel tap, with its own output-size formula;
* finite differences (the loss is linear in x, w and b: no truncation error);
* the adjoint identity ⟨conv(y), x⟩ = ⟨y, convᵀ(x)⟩ as a hypothesis property over geometries;
* PyTorch's ``conv_transpose2d`` forward and autograd backward over a sweep (marked ``torch``);
* the two directions the notebook teaches: the transposed convolution's forward pass is the
  convolution's dx, and its backward pass's dx is the convolution's forward pass.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import conv_backprop as cb
from conv_backprop import _validation

FORWARDS = [cb.conv_transpose2d_forward_naive, cb.conv_transpose2d_forward,
            cb.conv_transpose2d_forward_flipped]
BACKWARDS = [cb.conv_transpose2d_backward_naive, cb.conv_transpose2d_backward]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def brute_output_size(n, k, s, p, op, d):
    # the largest position an input entry reaches is (n − 1)·s + d·(k − 1); p is cropped from
    # each side, op rows are added at the end
    return (n - 1) * s + d * (k - 1) + 1 - 2 * p + op


def brute_forward(x, w, b, stride, padding, output_padding, dilation):
    """out[n, o, i·s + u·d − p, j·s + v·d − p] += x[n, c, i, j]·w[c, o, u, v], scalar by scalar."""
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = map(_pair, (stride, padding, output_padding, dilation))
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    Ho, Wo = brute_output_size(H, HH, sh, ph, oh, dh), brute_output_size(W, WW, sw, pw, ow, dw)
    out = np.zeros((N, C_out, Ho, Wo))
    for n, c, i, j, o, u, v in itertools.product(range(N), range(C_in), range(H), range(W),
                                                 range(C_out), range(HH), range(WW)):
        r, q = i * sh + u * dh - ph, j * sw + v * dw - pw
        if 0 <= r < Ho and 0 <= q < Wo:
            out[n, o, r, q] += x[n, c, i, j] * w[c, o, u, v]
    return out + b[None, :, None, None]


def brute_backward(dout, x, w, stride, padding, output_padding, dilation):
    """The chain rule through the same scalar loops: every product x·w that reached
    out[n, o, r, q] sends dout[n, o, r, q]·w back to x and dout·x back to w."""
    (sh, sw), (ph, pw), _, (dh, dw_) = map(_pair, (stride, padding, output_padding, dilation))
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, c, i, j, o, u, v in itertools.product(range(N), range(C_in), range(H), range(W),
                                                 range(C_out), range(HH), range(WW)):
        r, q = i * sh + u * dh - ph, j * sw + v * dw_ - pw
        if 0 <= r < Ho and 0 <= q < Wo:
            dx[n, c, i, j] += dout[n, o, r, q] * w[c, o, u, v]
            dw[c, o, u, v] += dout[n, o, r, q] * x[n, c, i, j]
    return dx, dw, dout.sum(axis=(0, 2, 3))


# (x shape, w shape (C_in, C_out, HH, WW), stride, padding, output_padding, dilation)
CASES = [
    ((2, 3, 4, 5), (3, 2, 3, 3), 2, 1, 1, 1),  # the usual "upsample by 2" layer
    ((1, 2, 3, 3), (2, 3, 4, 4), 2, 1, 0, 1),  # kernel 4, stride 2: no checkerboard
    ((2, 1, 3, 4), (1, 2, 3, 2), (3, 2), (1, 0), (2, 1), (1, 2)),
    ((1, 2, 2, 3), (2, 1, 2, 3), 1, 0, 1, 2),  # output_padding ≥ stride, allowed by dilation 2
    ((1, 1, 5, 5), (1, 1, 1, 1), 3, 0, 2, 1),  # 1×1 kernel, stride 3: gaps between copies
    ((2, 2, 3, 3), (2, 2, 3, 3), 1, 2, 0, 1),  # padding crops all but the centre
]


def _data(case, rng):
    xs, ws, s, p, op, d = case
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[1])
    return x, w, b, dict(stride=s, padding=p, output_padding=op, dilation=d)


# Two float64 evaluations of the same sum of K ≤ 100 products of O(1) numbers differ by about
# K·ε·Σ|terms| ≈ 1e-13; rtol = atol = 1e-10 keeps a margin above 1e3 (docs/testing.md).
RTOL = ATOL = 1e-10


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_brute_force(case, rng, margins):
    x, w, b, kw = _data(case, rng)
    expected = brute_forward(x, w, b, **kw)
    for forward in FORWARDS:
        margins.close(forward.__name__, forward(x, w, b, **kw), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_brute_force(case, rng, margins):
    x, w, b, kw = _data(case, rng)
    dout = rng.standard_normal(brute_forward(x, w, b, **kw).shape)
    expected = brute_backward(dout, x, w, **kw)
    for backward in BACKWARDS:
        for name, got, exp in zip(("dx", "dw", "db"), backward(dout, x, w, **kw), expected):
            margins.close(f"{backward.__name__} {name}", got, exp, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("case", CASES[:4])
def test_backward_matches_finite_differences(backward, case, rng, margins):
    x, w, b, kw = _data(case, rng)
    dout = rng.standard_normal(cb.conv_transpose2d_forward(x, w, b, **kw).shape)
    dx, dw, db = backward(dout, x, w, **kw)
    # L = Σ out·dout is linear in x, w and b: centred differences have no truncation error, and
    # with h = 0.5 the rounding error ε·S/(2h|g|) is about 2e-16·100/1e-3 ≈ 2e-11 for the
    # smallest gradients here (docs/testing.md); threshold 1e-7.
    h = 0.5
    f = cb.conv_transpose2d_forward
    nx = cb.numerical_gradient(lambda v: f(v, w, b, **kw), x, dout, h)
    nw = cb.numerical_gradient(lambda v: f(x, v, b, **kw), w, dout, h)
    nb = cb.numerical_gradient(lambda v: f(x, w, v, **kw), b, dout, h)
    margins.below("dx", cb.rel_error(dx, nx), 1e-7)
    margins.below("dw", cb.rel_error(dw, nw), 1e-7)
    margins.below("db", cb.rel_error(db, nb), 1e-7)


# --------------------------------------------------------------------------- the two directions


@pytest.mark.parametrize("case", [c for c in CASES if all(
    o < s for o, s in zip(_pair(c[4]), _pair(c[2])))])
def test_forward_is_the_convolutions_dx_and_backward_dx_is_its_forward(case, rng, margins):
    """With w read as a convolution's (F, C, HH, WW) weights (F = C_in, C = C_out):
    convᵀ(x) = conv's dx for dout = x; convᵀ's dx = conv(dout); convᵀ's dw = conv's dw with
    dout as the convolution's input and x as its dout."""
    x, w, b, kw = _data(case, rng)
    op = kw.pop("output_padding")
    zero_b = np.zeros(w.shape[1])
    out = cb.conv_transpose2d_forward(x, w, zero_b, output_padding=op, **kw)
    y = np.zeros(out.shape)  # the convolution's input; its value does not enter dx
    conv_dx, _, _ = cb.conv2d_backward(x, y, w, **kw)
    margins.close("forward = conv dx", out, conv_dx, rtol=RTOL, atol=ATOL)
    dout = rng.standard_normal(out.shape)
    dx, dw, _ = cb.conv_transpose2d_backward(dout, x, w, output_padding=op, **kw)
    margins.close("dx = conv forward", dx, cb.conv2d_forward(dout, w, np.zeros(w.shape[0]), **kw),
                  rtol=RTOL, atol=ATOL)
    margins.close("dw = conv dw", dw, cb.conv2d_backward(x, dout, w, **kw)[1], rtol=RTOL, atol=ATOL)


def test_output_padding_at_least_the_stride_pads_the_convolutions_dout():
    """op ≥ s (allowed when op < d): the convolution over the output has H + ⌊op/s⌋ windows, so
    convᵀ is its dx with x padded by zero rows at the bottom/right."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 1, 2, 2))
    kw = dict(stride=1, padding=0, dilation=3)
    out = cb.conv_transpose2d_forward(x, w, np.zeros(1), output_padding=2, **kw)
    assert out.shape == (1, 1, 3 - 1 + 3 + 2 + 1, 3 - 1 + 3 + 2 + 1)
    windows = cb.conv_output_size(out.shape[2:], 2, **kw)
    assert windows == (3 + 2, 3 + 2)
    x_ext = np.zeros((1, 2, *windows))
    x_ext[:, :, :3, :3] = x
    np.testing.assert_allclose(out, cb.conv2d_backward(x_ext, np.zeros(out.shape), w, **kw)[0],
                               rtol=RTOL, atol=ATOL)


def test_correlation_view_input_is_zero_inserted_and_padded():
    x = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    z = cb.transposed_conv_input(x, 3, stride=2, padding=1, output_padding=1)
    # s − 1 = 1 zero between entries, E − 1 − p = 1 zero above/left, 1 + op = 2 below/right
    expected = np.zeros((1, 1, 1 + 3 + 2, 1 + 5 + 2))
    expected[0, 0, 1:4:2, 1:6:2] = x[0, 0]
    np.testing.assert_array_equal(z, expected)
    assert z.shape[2] - 3 + 1 == cb.conv_transpose2d_output_size(2, 3, 2, 1, 1)
    # padding larger than E − 1 crops instead of padding
    z = cb.transposed_conv_input(np.ones((1, 1, 4, 4)), 2, stride=1, padding=2)
    assert z.shape == (1, 1, 4 + 2 * (1 - 2), 4 + 2 * (1 - 2))


# --------------------------------------------------------------------------- output size


def test_output_size_formula_and_examples():
    assert cb.conv_transpose2d_output_size(3, 3, stride=2, padding=1, output_padding=1) == 6
    assert cb.conv_transpose2d_output_size(4, 4, stride=2, padding=1) == 8
    assert cb.conv_transpose2d_output_size((2, 3), (3, 1), (2, 1), (0, 0), (1, 0), (1, 1)) == (6, 3)
    assert cb.conv_transpose2d_output_size(1, 1) == 1


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3))
def test_every_output_padding_inverts_the_convolutions_size(n, k, s, p, d):
    """The inverse shape is ambiguous: for op = 0 .. s − 1 the convolution maps all s output
    sizes back to n; output_padding picks one of them."""
    sizes = []
    for op in range(s):
        try:
            m = cb.conv_transpose2d_output_size(n, k, s, p, op, d)
        except ValueError:
            assume(False)
        assert cb.conv_output_size(m, k, s, p, d) == n
        sizes.append(m)
    assert sizes == list(range(sizes[0], sizes[0] + s))
    # one more row (op = s) makes a size the convolution maps to n + 1
    assert cb.conv_output_size(sizes[-1] + 1, k, s, p, d) == n + 1


# --------------------------------------------------------------------------- adjoint identity

pair_or_int = lambda lo, hi: st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


@st.composite
def transposed_setting(draw):
    N, C_in, C_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    HH, WW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    s, p, d = map(_pair, (draw(pair_or_int(1, 3)), draw(pair_or_int(0, 3)), draw(pair_or_int(1, 3))))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    sizes = [brute_output_size(n, k, *a) for n, k, a in zip((H, W), (HH, WW), zip(s, p, op, d))]
    assume(min(sizes) >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((N, C_in, H, W))
    w = rng.standard_normal((C_in, C_out, HH, WW))
    y = rng.standard_normal((N, C_out, *sizes))
    return x, w, y, dict(stride=s, padding=p, output_padding=op, dilation=d)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(setting=transposed_setting())
def test_adjoint_identity(setting, margins):
    """⟨conv(y), x⟩ = ⟨y, convᵀ(x)⟩ for the convolution with the same w, stride, padding and
    dilation; its windows past x's last row (op ≥ s only) pair with nothing and are dropped.
    And the backward pass is the adjoint of the forward one: ⟨convᵀ(x), y⟩ = ⟨x, dx⟩ = ⟨w, dw⟩."""
    x, w, y, kw = setting
    op = kw.pop("output_padding")
    H, W = x.shape[2:]
    conv_y = cb.conv2d_forward(y, w, np.zeros(w.shape[0]), **kw)
    extra = [o // s for o, s in zip(op, kw["stride"])]
    assert conv_y.shape == (x.shape[0], x.shape[1], H + extra[0], W + extra[1])
    lhs = np.sum(conv_y[:, :, :H, :W] * x)
    t = cb.conv_transpose2d_forward(x, w, np.zeros(w.shape[1]), output_padding=op, **kw)
    rhs = np.sum(y * t)
    # Both sides sum the same products x·w·y in different orders: rounding is at most K·ε times
    # S = Σ|x·w·y| with K < 1e4 terms, under 2e-12·S; threshold 1e-10·S.
    S = np.sum(np.abs(y) * cb.conv_transpose2d_forward(np.abs(x), np.abs(w), np.zeros(w.shape[1]),
                                                       output_padding=op, **kw))
    margins.below("⟨conv(y), x⟩ = ⟨y, convᵀ(x)⟩ (relative to Σ|terms|)", abs(lhs - rhs), 1e-10 * S + 1e-300)
    dx, dw, _ = cb.conv_transpose2d_backward(y, x, w, output_padding=op, **kw)
    margins.below("⟨convᵀ(x), y⟩ = ⟨x, dx⟩", abs(rhs - np.sum(x * dx)), 1e-10 * S + 1e-300)
    margins.below("⟨convᵀ(x), y⟩ = ⟨w, dw⟩", abs(rhs - np.sum(w * dw)), 1e-10 * S + 1e-300)


@given(transposed_setting())
def test_implementations_agree(setting):
    x, w, y, kw = setting
    b = np.linspace(-1, 1, w.shape[1])
    out = cb.conv_transpose2d_forward_naive(x, w, b, **kw)
    for forward in FORWARDS[1:]:
        np.testing.assert_allclose(forward(x, w, b, **kw), out, rtol=RTOL, atol=ATOL)
    ref = cb.conv_transpose2d_backward_naive(y, x, w, **kw)
    for got, exp in zip(cb.conv_transpose2d_backward(y, x, w, **kw), ref):
        np.testing.assert_allclose(got, exp, rtol=RTOL, atol=ATOL)


def test_dtypes_follow_the_package_rules(rng):
    x32, w32, b32 = (a.astype(np.float32) for a in (np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), np.ones(1)))
    for forward in FORWARDS:
        assert forward(x32, w32, b32, 2).dtype == np.float32
        assert forward(np.ones((1, 1, 2, 2), int), np.ones((1, 1, 2, 2), int), np.ones(1, int), 2).dtype == np.float64
    dout = np.ones((1, 1, 4, 4), np.float32)
    for backward in BACKWARDS:
        assert all(g.dtype == np.float32 for g in backward(dout, x32, w32, 2))


def test_inputs_are_left_alone(rng):
    x, w, b = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3)), np.zeros(2)
    copies = [a.copy() for a in (x, w, b)]
    dout = rng.standard_normal(cb.conv_transpose2d_forward(x, w, b, 2).shape)
    for f in FORWARDS:
        f(x, w, b, 2)
    for g in BACKWARDS:
        g(dout, x, w, 2)
    cb.transposed_conv_input(x, 3, 2)
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


# --------------------------------------------------------------------------- PyTorch


def _torch_sweep():
    cases = []
    for s, p, d, k in itertools.product((1, 2, 3), (0, 1, 2), (1, 2), (1, 2, 3, 4)):
        for op in range(max(s, d)):
            if brute_output_size(3, k, s, p, op, d) >= 1:
                cases.append(((2, 3, 3, 4), (3, 2, k, k), s, p, op, d))
    cases += [((1, 2, 4, 3), (2, 3, 3, 2), (2, 3), (1, 0), (1, 2), (1, 1)),
              ((2, 1, 3, 5), (1, 2, 2, 4), (1, 2), (0, 2), (1, 1), (2, 1))]
    return cases


SWEEP = _torch_sweep()


def test_the_torch_sweep_is_not_empty():
    assert len(SWEEP) > 100


@pytest.mark.torch
@pytest.mark.parametrize("case", SWEEP)
def test_matches_torch_forward_and_autograd(case, margins):
    torch = pytest.importorskip(
        "torch", reason="PyTorch NOT INSTALLED: the transposed-convolution sweep did not run "
                        "(pip install '.[torch]' to run it)")
    xs, ws, s, p, op, d = case
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[1])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=s, padding=p,
                                                output_padding=op, dilation=d)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(dout))
    kw = dict(stride=s, padding=p, output_padding=op, dilation=d)
    for forward in FORWARDS:
        margins.close(f"torch {forward.__name__}", forward(x, w, b, **kw), tout.detach().numpy(),
                      rtol=RTOL, atol=ATOL)
    for backward in BACKWARDS:
        for name, got, t in zip(("dx", "dw", "db"), backward(dout, x, w, **kw), (tx, tw, tb)):
            margins.close(f"torch {backward.__name__} {name}", got, t.grad.numpy(), rtol=RTOL, atol=ATOL)
    assert cb.conv_transpose2d_output_size(xs[2:], ws[2:], s, p, op, d) == tuple(tout.shape[2:])


@pytest.mark.torch
def test_torch_refuses_what_we_refuse():
    torch = pytest.importorskip("torch", reason="PyTorch NOT INSTALLED")
    x, w = torch.ones((1, 1, 3, 3)), torch.ones((1, 1, 3, 3))
    with pytest.raises(RuntimeError):
        torch.nn.functional.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        cb.conv_transpose2d_forward(x.numpy(), w.numpy(), np.zeros(1), 2, output_padding=2)
    # op ≥ s is fine when op < d, in both
    torch.nn.functional.conv_transpose2d(x, w, stride=1, output_padding=1, dilation=2)
    cb.conv_transpose2d_forward(x.numpy(), w.numpy(), np.zeros(1), 1, output_padding=1, dilation=2)


# --------------------------------------------------------------------------- bad input

X, W, B = np.ones((1, 2, 3, 3)), np.ones((2, 4, 3, 3)), np.ones(4)
DOUT = np.ones((1, 4, 5, 5))


@pytest.mark.parametrize("forward", FORWARDS, ids=lambda f: f.__name__)
def test_forward_bad_input_is_named(forward):
    cases = [
        (dict(output_padding=2), ValueError, r"output_padding must be smaller than the stride or the dilation.*output_padding=2.*stride=2.*dilation=1"),
        (dict(output_padding=(0, 3), stride=(2, 2), dilation=(1, 3)), ValueError, r"along the width.*output_padding=3"),
        (dict(stride=0), ValueError, r"stride must be at least 1; got 0"),
        (dict(padding=-1), ValueError, r"padding must be non-negative"),
        (dict(stride=2.0), TypeError, r"stride must be an int"),
        (dict(output_padding=True), TypeError, r"output_padding.*bool"),
        (dict(dilation=(1, 2, 3)), TypeError, r"dilation must be an int or an \(h, w\) pair"),
        (dict(padding=4), ValueError, r"output height of \(3 − 1\)·2 − 2·4 \+ 1·\(3 − 1\) \+ 0 \+ 1 = -1.*at least 1"),
    ]
    for kw, error, message in cases:
        kw = {"stride": 2, **kw}
        with pytest.raises(error, match=message):
            forward(X, W, B, **kw)
    with pytest.raises(ValueError, match=r"w has 4 input channels \(w.shape\[0\]\) but x has 2.*\(C_in, C_out, HH, WW\)"):
        forward(X, np.ones((4, 2, 3, 3)), B)  # a convolution's (F, C, ...) layout by mistake
    with pytest.raises(ValueError, match=r"b must have shape \(4,\)"):
        forward(X, W, np.ones(2))
    with pytest.raises(ValueError, match=r"x must be 4-D"):
        forward(np.ones((2, 3, 3)), W, B)
    with pytest.raises(TypeError, match=r"w must hold real numbers"):
        forward(X, W.astype(complex), B)
    with pytest.raises(ValueError, match=r"no empty axis"):
        forward(np.ones((0, 2, 3, 3)), W, B)


@pytest.mark.parametrize("backward", BACKWARDS, ids=lambda f: f.__name__)
def test_backward_bad_input_is_named(backward):
    backward(DOUT, X, W)  # the good call works
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 4, 5, 5\)"):
        backward(np.ones((1, 4, 6, 6)), X, W)
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 4, 8, 8\).*got \(1, 4, 5, 5\)"):
        backward(DOUT, X, W, output_padding=1, dilation=2)
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        backward(DOUT, X, W, output_padding=1)
    with pytest.raises(TypeError, match=r"dout must be a numeric array"):
        backward(None, X, W)


def test_helpers_bad_input_is_named():
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        cb.conv_transpose2d_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"kernel_size must be at least 1"):
        cb.conv_transpose2d_output_size(3, 0)
    with pytest.raises(ValueError, match=r"output height.*at least 1"):
        cb.conv_transpose2d_output_size(1, 1, padding=1)
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        cb.transposed_conv_input(X, 3, output_padding=1)
    with pytest.raises(ValueError, match=r"x must be 4-D"):
        cb.transposed_conv_input(np.ones(3), 3)


def test_huge_settings_are_refused_up_front(monkeypatch):
    monkeypatch.setattr(_validation, "MAX_ARRAY_BYTES", 1024)
    for forward in FORWARDS:
        with pytest.raises(ValueError, match=r"stride=8.*MAX_ARRAY_BYTES"):
            forward(X, W, B, stride=8)
    for backward in BACKWARDS:
        with pytest.raises(ValueError, match=r"stride=8.*MAX_ARRAY_BYTES"):
            backward(np.ones((1, 4, 19, 19)), X, W, stride=8)
    with pytest.raises(ValueError, match=r"stride=8.*MAX_ARRAY_BYTES"):
        cb.transposed_conv_input(X, 3, stride=8)

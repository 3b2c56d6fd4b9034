"""Layer objects, optimisers, the digits loader and the exercises of notebook 09.

Oracles: centred finite differences (cb.numerical_gradient, float64) for every backward pass,
plain-loop formulas for the loss and the optimiser steps, scikit-learn's raw digits for the loader.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop import data, layers as L
from conv_backprop.exercises import nb09

# Tolerances (derivations in docs/testing.md).
# A centred difference with step h has truncation error (h²/6)|f⁗| (third derivative) and
# rounding error about ε·S/h, where ε = 2.2e-16 and S = Σ|f(x)·dout| is the size of the summed
# loss (tens here). rel_error divides by |a| + |b|, so its worst entry is the one with the
# smallest gradient (|g| down to about 1e-3 for these seeds).
# * Linear maps (conv, linear, flatten, average pooling) have no truncation error, so a large
#   step only shrinks rounding: h = 0.5 gives about ε·S/(2h|g|) ≈ 2e-16·50/(1e-3) ≈ 1e-11.
# * Piecewise-linear maps (max pooling, ReLU) are linear as long as the step stays below the
#   distance to the nearest kink (the gap between a window's top two entries, or |x| for
#   ReLU): each test uses half that distance, the largest step that keeps linearity exact.
# * A curved function (softmax cross-entropy) needs a small step: h = 1e-4 gives truncation
#   (h²/6)|f⁗| ≈ 2e-9 and rounding ε·S/h ≈ 1e-11, relative to |g| ≥ 1e-2: about 1e-7.
# TOL leaves a margin of at least 100 over the worst value measured on every OpenBLAS kernel
# (table in docs/testing.md); a wrong gradient is off by order 1.
TOL = 1e-7
H_LINEAR = 0.5
H_CURVED = 1e-4
TOL_CURVED = 1e-5


def _num_grad_of_layer(layer, x, dout, h=H_LINEAR):
    """Finite-difference dx of sum(layer.forward(x) * dout)."""
    return cb.numerical_gradient(lambda v: layer.forward(v), x, dout, h)


def _num_grad_of_param(layer, param, x, dout, h=H_LINEAR):
    def f(v):
        param[...] = v
        return layer.forward(x)

    saved = param.copy()
    g = cb.numerical_gradient(f, saved, dout, h)
    param[...] = saved
    return g


# --------------------------------------------------------------------------- single layers


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=3, stride=1, padding=1, dilation=1),
        dict(kernel_size=(2, 3), stride=2, padding=(1, 0), dilation=1),  # drops a row, non-square
        dict(kernel_size=2, stride=1, padding=1, dilation=2),
    ],
)
def test_conv2d_backward_matches_finite_differences(rng, kw, margins):
    layer = L.Conv2D(2, 3, rng=np.random.default_rng(0), **kw)
    layer.b[...] = rng.standard_normal(3)
    x = rng.standard_normal((2, 2, 7, 6))
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    margins.below("conv dx", cb.rel_error(dx, _num_grad_of_layer(layer, x, dout)), TOL)
    layer.forward(x)
    layer.backward(dout)
    dw, db = layer.dw.copy(), layer.db.copy()
    margins.below("conv dw", cb.rel_error(dw, _num_grad_of_param(layer, layer.w, x, dout)), TOL)
    margins.below("conv db", cb.rel_error(db, _num_grad_of_param(layer, layer.b, x, dout)), TOL)
    # the layer's forward is the package's naive loop
    np.testing.assert_allclose(out, cb.conv2d_forward_naive(x, layer.w, layer.b, kw["stride"],
                                                            kw["padding"], kw["dilation"]))


def test_relu_backward_away_from_the_kink(rng, margins):
    x = rng.standard_normal((2, 3, 4, 4))
    x = np.where(np.abs(x) < 0.1, 0.5, x)  # keep every entry at least 0.1 from the kink
    layer = L.ReLU()
    out = layer.forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    dout = rng.standard_normal(x.shape)
    num = _num_grad_of_layer(layer, x, dout, h=0.05)  # half the distance to the kink
    margins.below("relu dx", cb.rel_error(layer.backward(dout), num), TOL)


def test_relu_gradient_at_zero_is_zero():
    layer = L.ReLU()
    layer.forward(np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("kernel_size,stride", [(2, None), (3, 1), ((2, 3), (1, 2))])
def test_maxpool_backward_without_ties(rng, kernel_size, stride, margins):
    x = rng.permutation(252).reshape(2, 3, 6, 7) / 252  # distinct values, gaps ≥ 1/252: no ties
    layer = L.MaxPool2D(kernel_size, stride)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    num = _num_grad_of_layer(layer, x, dout, h=1 / 504)  # half the smallest gap: winners stay
    margins.below("maxpool dx", cb.rel_error(layer.backward(dout), num), TOL)


@pytest.mark.parametrize("kernel_size,stride,padding", [(2, None, 0), (3, 2, 1)])
def test_avgpool_backward(rng, kernel_size, stride, padding, margins):
    x = rng.standard_normal((2, 2, 7, 6))
    layer = L.AvgPool2D(kernel_size, stride, padding)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    margins.below("avgpool dx", cb.rel_error(layer.backward(dout), _num_grad_of_layer(layer, x, dout)), TOL)


def test_flatten_round_trip(rng, margins):
    x = rng.standard_normal((3, 2, 4, 5))
    layer = L.Flatten()
    out = layer.forward(x)
    assert out.shape == (3, 40)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    dout = rng.standard_normal(out.shape)
    margins.below("flatten dx", cb.rel_error(layer.backward(dout), _num_grad_of_layer(layer, x, dout)), TOL)


def test_linear_backward(rng, margins):
    layer = L.Linear(5, 3, rng=np.random.default_rng(0))
    layer.b[...] = rng.standard_normal(3)
    x = rng.standard_normal((4, 5))
    out = layer.forward(x)
    np.testing.assert_allclose(out, np.einsum("nd,md->nm", x, layer.w) + layer.b)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    dw, db = layer.dw.copy(), layer.db.copy()
    margins.below("linear dx", cb.rel_error(dx, _num_grad_of_layer(layer, x, dout)), TOL)
    margins.below("linear dw", cb.rel_error(dw, _num_grad_of_param(layer, layer.w, x, dout)), TOL)
    margins.below("linear db", cb.rel_error(db, _num_grad_of_param(layer, layer.b, x, dout)), TOL)


def test_softmax_cross_entropy_value_and_gradient(rng, margins):
    scores = rng.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    loss = L.SoftmaxCrossEntropy()
    value = loss.forward(scores, labels)
    expected = np.mean([-np.log(np.exp(s[k]) / np.exp(s).sum()) for s, k in zip(scores, labels)])
    assert value == pytest.approx(expected, rel=1e-12)
    g = loss.backward()
    num = cb.numerical_gradient(lambda s: np.array(loss.forward(s, labels)), scores, np.array(1.0),
                                h=H_CURVED)
    margins.below("softmax cross-entropy", cb.rel_error(g, num), TOL_CURVED)
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-15)  # each row of p − y sums to 0
    loss.forward(scores, labels)  # the finite differences left a perturbed p in the cache
    np.testing.assert_allclose(loss.backward(2.0), 2 * g, rtol=1e-14)


def test_softmax_cross_entropy_is_stable_for_huge_scores(rng):
    scores = rng.standard_normal((3, 5))
    labels = np.array([4, 0, 2])
    loss = L.SoftmaxCrossEntropy()
    small = loss.forward(scores, labels)
    g_small = loss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow would raise here
        big = loss.forward(scores + 1e4, labels)  # softmax is shift-invariant
        g_big = loss.backward()
    assert big == pytest.approx(small, rel=1e-9)
    np.testing.assert_allclose(g_big, g_small, atol=1e-12)


# --------------------------------------------------------------------------- whole networks


def _small_net(seed=0, pool="max"):
    rng = np.random.default_rng(seed)
    Pool = L.MaxPool2D if pool == "max" else L.AvgPool2D
    return L.Sequential(
        L.Conv2D(1, 3, 3, padding=1, rng=rng), L.ReLU(), Pool(2),
        L.Conv2D(3, 4, (2, 3), stride=(1, 2), rng=rng), L.ReLU(),
        L.Flatten(), L.Linear(4 * 3 * 1, 5, rng=rng),
    )


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_sequential_gradcheck_end_to_end(pool, net_gradcheck):
    rng = np.random.default_rng(7)
    net = _small_net(pool=pool)
    for p in net.parameters():
        if p.name.endswith("b"):
            p.value[...] = rng.standard_normal(p.value.shape) * 0.1  # off the ReLU kink
    x = rng.standard_normal((3, 1, 8, 8))
    y = np.array([0, 4, 2])
    loss = L.SoftmaxCrossEntropy()
    # normwise per gradient, plus elementwise bug detection (tolerances derived in conftest.py)
    results = net_gradcheck(net, loss, x, y, f"{pool} net")
    assert [r.name for r in results] == ["0.w", "0.b", "3.w", "3.b", "6.w", "6.b", "x"]


class _ConvForgetsRotation(L.Conv2D):
    """dx through the flipped-kernel identity, but without the 180° rotation (seed 003's bug)."""

    def backward(self, dout):
        super().backward(dout)
        padded = cb.flipped_kernel_input(dout, self.x.shape, self.kernel_size, self.stride, self.padding)
        return cb.conv2d_forward(padded, self.w.transpose(1, 0, 2, 3), np.zeros(self.in_channels))


def test_gradcheck_model_catches_a_broken_layer():
    rng = np.random.default_rng(3)
    good = _small_net()
    bad = _small_net()
    broken = _ConvForgetsRotation(3, 4, (2, 3), stride=(1, 2), rng=rng)
    broken.w[...] = bad[3].w
    bad.layers[3] = broken
    x = rng.standard_normal((2, 1, 8, 8))
    y = np.array([1, 3])
    res_good = {r.name: r.passed for r in L.gradcheck_model(good, L.SoftmaxCrossEntropy(), x, y, tol=1e-6)}
    res_bad = {r.name: r.passed for r in L.gradcheck_model(bad, L.SoftmaxCrossEntropy(), x, y, tol=1e-6)}
    assert all(res_good.values())
    # the broken layer's own dw, db and everything after it are right; everything before it is not
    assert res_bad["3.w"] and res_bad["6.w"]
    assert not res_bad["0.w"] and not res_bad["x"]


def test_gradcheck_model_restores_parameters_and_needs_float64():
    net = _small_net()
    before = [p.value.copy() for p in net.parameters()]
    x = np.random.default_rng(0).standard_normal((1, 1, 8, 8))
    L.gradcheck_model(net, L.SoftmaxCrossEntropy(), x, np.array([2]))
    for b, p in zip(before, net.parameters()):
        np.testing.assert_array_equal(b, p.value)
    net32 = L.Sequential(L.Flatten(), L.Linear(64, 3, rng=np.random.default_rng(0), dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        L.gradcheck_model(net32, L.SoftmaxCrossEntropy(), x, np.array([2]))


def test_sequential_parameters_share_memory_with_layers():
    net = _small_net()
    params = net.parameters()
    params[0].value[0, 0, 0, 0] = 123.0
    assert net[0].w[0, 0, 0, 0] == 123.0
    net.forward(np.ones((1, 1, 8, 8)))
    scores_grad = np.ones((1, 5))
    net.backward(scores_grad)
    assert params[-1].grad is net[6].db
    np.testing.assert_array_equal(params[-1].grad, scores_grad.sum(axis=0))


def test_summary_lists_shapes_and_counts():
    text = _small_net().summary((1, 8, 8))
    assert "(3, 8, 8)" in text and "(4, 3, 1)" in text and "(12,)" in text
    total = 3 * 9 + 3 + 4 * 3 * 6 + 4 + 12 * 5 + 5
    assert text.splitlines()[-1].split()[-1] == str(total)


# --------------------------------------------------------------------------- initialisation, optimisers


def test_he_and_glorot_follow_their_definitions():
    rng = np.random.default_rng(0)
    # Exact checks against the definitions (a sample statistic would need a tolerance of a few
    # standard errors, a margin of a few, not 100): He is N(0, 2/fan_in), Glorot is
    # U(−limit, limit) with limit = sqrt(6/(fan_in + fan_out)), drawn from the caller's generator.
    w = L.he_normal((64, 16, 3, 3), np.random.default_rng(0))
    expected = np.random.default_rng(0).standard_normal((64, 16, 3, 3)) * np.sqrt(2 / (16 * 3 * 3))
    np.testing.assert_array_equal(w, expected)
    g = L.glorot_uniform((200, 300), np.random.default_rng(1))
    limit = np.sqrt(6 / 500)
    np.testing.assert_array_equal(g, np.random.default_rng(1).uniform(-limit, limit, (200, 300)))
    np.testing.assert_array_equal(L.he_normal((3, 4), np.random.default_rng(5)),
                                  L.he_normal((3, 4), np.random.default_rng(5)))
    assert L.fans((8, 3, 5, 2)) == (30, 80) and L.fans((10, 128)) == (128, 10)


def test_sgd_momentum_steps_by_hand():
    value, grad = np.array([1.0, -2.0]), np.zeros(2)
    opt = L.SGD([L.Parameter("p", value, grad)], lr=0.1, momentum=0.5)
    v = np.zeros(2)
    expected = value.copy()
    for g in ([1.0, 2.0], [0.5, -1.0], [0.0, 0.0]):
        grad[...] = g
        opt.step()
        v = 0.5 * v - 0.1 * np.array(g)
        expected = expected + v
        np.testing.assert_allclose(value, expected)


def test_adam_first_step_has_size_lr():
    value, grad = np.array([1.0, -2.0, 3.0]), np.array([0.3, -5.0, 1e-3])
    opt = L.Adam([L.Parameter("p", value, grad)], lr=0.01)
    opt.step()
    np.testing.assert_allclose(value, np.array([1.0, -2.0, 3.0]) - 0.01 * np.sign(grad), rtol=1e-6)


def test_short_training_run_reduces_the_loss():
    d = data.load_digits_split(seed=0)
    x, y = d.x_train[:400], d.y_train[:400]
    rng = np.random.default_rng(0)
    net = L.Sequential(L.Conv2D(1, 8, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
                       L.Flatten(), L.Linear(8 * 16, 10, rng=rng))
    loss = L.SoftmaxCrossEntropy()
    start = loss.forward(net.forward(x), y)
    t0 = time.perf_counter()
    hist = L.fit(net, loss, L.SGD(net.parameters(), lr=0.05, momentum=0.9), x, y, epochs=4,
                 batch_size=32, rng=np.random.default_rng(1), x_val=d.x_val, y_val=d.y_val)
    assert time.perf_counter() - t0 < 15
    assert start > 2.0  # about log(10) before training
    assert hist.loss[-1] < 0.4 and hist.loss[-1] < hist.loss[0]
    assert hist.val_accuracy[-1] > 0.85
    assert len(hist.step_loss) == 4 * 13


def test_training_is_deterministic_given_the_seeds():
    d = data.load_digits_split(seed=0)
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(0)
        net = L.Sequential(L.Flatten(), L.Linear(64, 10, rng=rng))
        h = L.fit(net, L.SoftmaxCrossEntropy(), L.Adam(net.parameters(), lr=0.01),
                  d.x_train[:200], d.y_train[:200], epochs=2, batch_size=50,
                  rng=np.random.default_rng(1), lr_schedule=lambda e: 1 / (e + 1))
        runs.append((h.step_loss, net[1].w.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_lr_schedule_is_applied_and_progress_bar_runs():
    d = data.load_digits_split(seed=0)
    net = L.Sequential(L.Flatten(), L.Linear(64, 10, rng=np.random.default_rng(0)))
    before = net[1].w.copy()
    opt = L.SGD(net.parameters(), lr=0.1, momentum=0.9)
    hist = L.fit(net, L.SoftmaxCrossEntropy(), opt, d.x_train[:64], d.y_train[:64], epochs=2,
                 batch_size=32, rng=np.random.default_rng(0), lr_schedule=lambda e: 0.0, progress=True)
    np.testing.assert_array_equal(net[1].w, before)  # a zero learning rate never moves anything
    assert opt.lr == 0.1 and len(hist.loss) == 2 and hist.val_accuracy == []
    L.fit(net, L.SoftmaxCrossEntropy(), opt, d.x_train[:64], d.y_train[:64], epochs=1,
          batch_size=32, rng=np.random.default_rng(0))
    assert not np.array_equal(net[1].w, before)


# --------------------------------------------------------------------------- data


def test_digits_split_shapes_scaling_and_stratification():
    from sklearn.datasets import load_digits

    d = data.load_digits_split(seed=0)
    x_train, y_train, x_val, y_val, x_test, y_test = d
    assert x_train.shape == (1257, 1, 8, 8) and x_val.shape == (180, 1, 8, 8) and x_test.shape == (360, 1, 8, 8)
    assert x_train.dtype == np.float64 and y_train.dtype == np.int64
    all_x = np.concatenate([x_train, x_val, x_test])
    assert all_x.min() == 0.0 and all_x.max() == 1.0
    raw = load_digits()
    # the three parts are a partition of the original images
    key = lambda a: sorted(map(bytes, a.round().astype(np.uint8).reshape(len(a), -1)))
    assert key(all_x * 16) == key(raw.images)
    # Stratified: a split gives each class the floor or the ceiling of its proportional count,
    # so the test part is within 1 image per class of proportional, and train and validation
    # (split again from the rest) within 2. These are exact bounds, not tolerances.
    counts = np.bincount(raw.target)
    for part, bound in ((y_train, 2), (y_val, 2), (y_test, 1)):
        deviation = np.abs(np.bincount(part, minlength=10) - counts * len(part) / len(raw.target))
        assert deviation.max() < bound, (deviation.max(), bound)
    assert data.load_digits_split(seed=0, dtype=np.float32).x_val.dtype == np.float32
    again = data.load_digits_split(seed=0)
    np.testing.assert_array_equal(again.x_test, x_test)
    assert not np.array_equal(data.load_digits_split(seed=1).y_test, y_test)


# --------------------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors():
    rng = np.random.default_rng(0)
    conv = L.Conv2D(2, 3, 3, rng=rng)
    with pytest.raises(ValueError, match="2 channels"):
        conv.forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(RuntimeError, match="before forward"):
        L.Conv2D(1, 1, 1, rng=rng).backward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="rng"):
        L.Conv2D(1, 1, 3, rng=0)
    with pytest.raises(ValueError, match="in_channels"):
        L.Conv2D(0, 1, 3, rng=rng)
    with pytest.raises(ValueError, match="init"):
        L.Linear(2, 2, rng=rng, init="zeros")
    with pytest.raises(TypeError, match="dtype"):
        L.Linear(2, 2, rng=rng, dtype=np.int32)
    lin = L.Linear(4, 2, rng=rng)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        lin.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="Flatten"):
        lin.forward(np.zeros((3, 1, 2, 2)))
    lin.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="shape of the forward output"):
        lin.backward(np.zeros((3, 3)))
    loss = L.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        loss.forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="integers"):
        loss.forward(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        loss.forward(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="forward and backward"):
        L.Sequential(L.ReLU(), "relu")
    with pytest.raises(ValueError, match="ties"):
        L.MaxPool2D(2, ties="last")
    with pytest.raises(ValueError, match="momentum"):
        L.SGD(lin.parameters(), momentum=1.0)
    with pytest.raises(ValueError, match="empty"):
        L.SGD([])
    with pytest.raises(ValueError, match="same number"):
        L.fit(lin, loss, L.SGD(lin.parameters()), np.zeros((3, 4)), np.zeros(2, int), epochs=1,
              batch_size=2, rng=rng)
    with pytest.raises(ValueError, match="val_fraction"):
        data.load_digits_split(val_fraction=0.0)
    with pytest.raises(ValueError, match="below 1"):
        data.load_digits_split(val_fraction=0.5, test_fraction=0.5)


# --------------------------------------------------------------------------- exercises of nb09


@pytest.mark.parametrize("check,solution", [
    (nb09.check_relu_backward, nb09.solution_relu_backward),
    (nb09.check_linear_backward, nb09.solution_linear_backward),
    (nb09.check_softmax_ce_grad, nb09.solution_softmax_ce_grad),
    (nb09.check_he_std, nb09.solution_he_std),
])
def test_reference_solutions_pass(check, solution):
    report = check(solution)
    assert report.passed, str(report)
    assert report.cases >= 4


def _not_implemented(*args):
    raise NotImplementedError("write your answer here")


@pytest.mark.parametrize("check", [nb09.check_relu_backward, nb09.check_linear_backward,
                                   nb09.check_softmax_ce_grad, nb09.check_he_std])
def test_not_implemented_fails(check):
    report = check(_not_implemented)
    assert not report.passed and "not implemented" in str(report)


def test_wrong_relu_answers_fail():
    # >= 0 lets the gradient through at the kink
    r = nb09.check_relu_backward(lambda dout, x: dout * (x >= 0))
    assert not r.passed and "exact zeros" in str(r) and "first at index" in str(r)
    # forgetting dout
    assert not nb09.check_relu_backward(lambda dout, x: (x > 0).astype(float))
    # multiplying by x instead of the mask
    assert not nb09.check_relu_backward(lambda dout, x: dout * np.maximum(x, 0))


def test_wrong_linear_answers_fail():
    def mean_db(dout, x, w):
        dx, dw, db = nb09.solution_linear_backward(dout, x, w)
        return dx, dw, dout.mean(axis=0)

    r = nb09.check_linear_backward(mean_db)
    assert not r.passed and "db:" in str(r) and "N=5" in str(r)
    r = nb09.check_linear_backward(lambda dout, x, w: (dout @ w, x.T @ dout, dout.sum(0)))
    assert not r.passed and "dw: wrong shape" in str(r) and "dw: 12 of 16" in str(r)  # the diagonal survives a transpose
    r = nb09.check_linear_backward(lambda dout, x, w: (dout @ w, dout.T @ x))
    assert not r.passed and "expected a tuple (dx, dw, db)" in str(r)


def test_wrong_softmax_answers_fail():
    sol = nb09.solution_softmax_ce_grad
    r = nb09.check_softmax_ce_grad(lambda s, y: sol(s, y) * len(s))  # forgot 1/N
    assert r.failures == 4 and "✓ one example (N=1)" in str(r) and "✗ batch N=4" in str(r)

    def unstable(s, y):
        e = np.exp(s)
        return (e / e.sum(axis=1, keepdims=True) - np.eye(s.shape[1])[y]) / len(s)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow in exp, all-NaN comparison
        r = nb09.check_softmax_ce_grad(unstable)
    assert not r.passed and r.failures == 1 and "huge scores" in str(r)

    def wrong_axis(s, y):
        e = np.exp(s - s.max())
        return (e / e.sum(axis=0, keepdims=True) - np.eye(s.shape[1])[y]) / len(s)

    assert not nb09.check_softmax_ce_grad(wrong_axis)


def test_wrong_he_answers_fail():
    r = nb09.check_he_std(lambda shape: np.sqrt(2 / (shape[0] * np.prod(shape[2:]))))  # fan_out
    assert not r.passed and "fan_in = 144" in str(r)
    assert not nb09.check_he_std(lambda shape: np.sqrt(1 / np.prod(shape[1:])))  # Glorot-style 1/fan_in

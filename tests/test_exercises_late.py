"""Tests of the exercise modules of notebooks 05, 05b, 06, 07, 08 and 10.

For every exercise: the reference solution passes its checker; plausible wrong answers (the
bugs the notebooks teach) fail with a message that names the problem; a function that raises
NotImplementedError fails and says so. Independent oracles: the naive loops, finite
differences and brute force live inside the checkers; here we also check a few solutions
directly against them.
"""

from __future__ import annotations

import numpy as np
import pytest

import conv_backprop as cb
from conv_backprop.exercises import nb05, nb05b, nb06, nb07, nb08, nb10


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("write your answer here")


# (module, exercise name) for every exercise of the five modules
EXERCISES = [
    (nb05, "rotated_tap"), (nb05, "dx_full"),
    (nb05b, "zero_insert"), (nb05b, "flipped_input"), (nb05b, "dx_flipped"), (nb05b, "conv_matrix"),
    (nb06, "im2col_position"), (nb06, "im2col"), (nb06, "col2im"), (nb06, "conv_backward_matmul"),
    (nb06, "coverage"),
    (nb07, "first_max_tap"), (nb07, "maxpool_backward"), (nb07, "maxpool_backward_split"),
    (nb07, "avgpool_backward"), (nb07, "windows_containing"),
    (nb08, "centred_difference"), (nb08, "relative_error"), (nb08, "difference_errors_cubic"),
    (nb08, "relu_kink_mask"), (nb08, "maxpool_safe_h"),
    (nb10, "stackexchange_bounds"), (nb10, "dw_batch"), (nb10, "im2col_post_backward"),
]


def test_every_exercise_is_listed():
    """Guard against a vacuous parametrisation: every check_* of each module is tested."""
    assert len(EXERCISES) == 24
    for module in (nb05, nb05b, nb06, nb07, nb08, nb10):
        checks = {n[len("check_"):] for n in module.__all__ if n.startswith("check_")}
        listed = {name for m, name in EXERCISES if m is module}
        assert checks == listed, module.__name__
        assert 2 <= len(checks) <= 6


@pytest.mark.parametrize("module,name", EXERCISES, ids=[f"{m.__name__[-4:]}-{n}" for m, n in EXERCISES])
def test_reference_passes(module, name):
    report = getattr(module, f"check_{name}")(getattr(module, f"solution_{name}"))
    assert report.passed, str(report)
    assert report.cases >= 4
    assert str(report).startswith("✅")


@pytest.mark.parametrize("module,name", EXERCISES, ids=[f"{m.__name__[-4:]}-{n}" for m, n in EXERCISES])
def test_not_implemented_fails(module, name):
    report = getattr(module, f"check_{name}")(_not_implemented)
    assert not report.passed
    assert report.failures == report.cases
    assert "not implemented yet" in str(report)


def _fails_with(report, *fragments):
    text = str(report)
    assert not report.passed, text
    assert text.startswith("❌"), text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


# --------------------------------------------------------------------------- nb05


def test_nb05_wrong_answers():
    # rotation that forgets one axis
    _fails_with(nb05.check_rotated_tap(lambda u, v, HH, WW: (HH - 1 - u, v)), "expected")
    # uses HH for both axes: fails on non-square kernels only
    report = nb05.check_rotated_tap(lambda u, v, HH, WW: (HH - 1 - u, HH - 1 - v))
    _fails_with(report, "non-square")
    # dx at stride 1 with channels: valid instead of full (no padding by k − 1): wrong shape
    def valid(dout, w):
        w = np.asarray(w)
        return cb.conv2d_forward(dout, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), np.zeros(w.shape[1]))
    _fails_with(nb05.check_dx_full(valid), "wrong shape", "valid instead of full")
    # ... rotated but not swapped: fails (with a diagnosis) only where C = F lets it run
    def not_swapped(dout, w):
        w = np.asarray(w)
        if w.shape[0] != w.shape[1]:
            return nb05.solution_dx_full(dout, w)  # C ≠ F: the learner's code would not even run
        return nb05.solution_dx_full(dout, w.transpose(1, 0, 2, 3))  # w_rot[c, f] in place of w_rot[f, c]
    _fails_with(nb05.check_dx_full(not_swapped), "2 input and 2 output channels")
    # zero insertion with s zeros instead of s − 1: wrong shape
    def too_many_zeros(dout, stride):
        s = stride if np.isscalar(stride) else stride[0]
        N, F, Ho, Wo = dout.shape
        out = np.zeros((N, F, Ho * s, Wo * s))
        out[:, :, ::s, ::s] = dout
        return out
    _fails_with(nb05b.check_zero_insert(too_many_zeros), "wrong shape")
    # prepared dout without the unused-row zero fill: pads k − 1 − p on both sides only
    def no_unused(dout, x_shape, kernel_size, stride, padding):
        k, s, p = (z if np.isscalar(z) else z[0] for z in (kernel_size, stride, padding))
        z = nb05b.solution_zero_insert(dout, s)
        return np.pad(z, ((0, 0), (0, 0), (k - 1 - p, k - 1 - p), (k - 1 - p, k - 1 - p)))
    _fails_with(nb05b.check_flipped_input(no_unused), "never reached", "wrong shape")
    # dx without rotating the kernel
    def no_rotation(dout, w, x_shape, stride, padding):
        return nb05b.solution_dx_flipped(dout, np.asarray(w)[:, :, ::-1, ::-1], x_shape, stride, padding)
    _fails_with(nb05b.check_dx_flipped(no_rotation), "non-symmetric", "first at index")
    # C without dropping... a transposed matrix: wrong shape
    _fails_with(nb05b.check_conv_matrix(lambda w, hw, s, p: nb05b.solution_conv_matrix(w, hw, s, p).T),
                "wrong shape")


def test_nb05_solutions_against_oracles(rng, margins):
    x = rng.normal(size=(2, 3, 7, 6))
    w = rng.normal(size=(4, 3, 3, 2))
    dout = rng.normal(size=cb.conv2d_forward(x, w, np.zeros(4), 2, 1).shape)
    numeric = cb.numerical_gradient(lambda z: cb.conv2d_forward(z, w, np.zeros(4), 2, 1), x, dout, h=0.5)
    # L = Σ conv(x)·dout is linear in x: centred differences have no truncation error, so the
    # large step h = 0.5 only shrinks rounding error, to about ε·S/h ≈ 2e-16·50/0.5 ≈ 2e-14
    # (notebook 08, docs/testing.md). Entries near 0 make a purely relative test flaky, hence atol.
    margins.close("nb05 dx", nb05b.solution_dx_flipped(dout, w, x.shape, 2, 1), numeric, rtol=1e-6, atol=1e-8)
    # notebook 05's stride-1 dx against finite differences, same bound (h = 0.5, rounding ≈ 2e-14)
    dout1 = rng.normal(size=cb.conv2d_forward(x, w, np.zeros(4)).shape)
    numeric1 = cb.numerical_gradient(lambda z: cb.conv2d_forward(z, w, np.zeros(4)), x, dout1, h=0.5)
    margins.close("nb05 dx", nb05.solution_dx_full(dout1, w), numeric1, rtol=1e-6, atol=1e-8)
    C = nb05b.solution_conv_matrix(w[:1, :1], (7, 6), 2, 1)
    out = cb.conv2d_forward(x[:1, :1], w[:1, :1], np.zeros(1), 2, 1)
    assert np.allclose(C @ x[0, 0].ravel(), out.ravel())


# --------------------------------------------------------------------------- nb06


def test_nb06_wrong_answers():
    # (u, v, c) row order (the im2col post's NHWC order) instead of (c, u, v)
    _fails_with(nb06.check_im2col_position(
        lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((u * WW + v) * C + c, (n * Ho + i) * Wo + j)),
        "✗ channel 2 of 3", "rows in (u, v, c) order")
    # im2col that ignores padding
    _fails_with(nb06.check_im2col(lambda x, k, s, p: nb06.solution_im2col(x, k, s, 0)),
                "padding", "wrong shape")
    # col2im that assigns instead of adding
    def col2im_assign(cols, x_shape, kernel_size, stride, padding):
        N, C, H, W = x_shape
        k = kernel_size if np.isscalar(kernel_size) else kernel_size[0]
        kw = kernel_size if np.isscalar(kernel_size) else kernel_size[1]
        s = stride if np.isscalar(stride) else stride[0]
        sw = stride if np.isscalar(stride) else stride[1]
        p = padding if np.isscalar(padding) else padding[0]
        pw = padding if np.isscalar(padding) else padding[1]
        Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * pw - kw) // sw + 1
        xpad = np.zeros((N, C, H + 2 * p, W + 2 * pw))
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    xpad[n, :, i * s : i * s + k, j * sw : j * sw + kw] = (
                        cols[:, (n * Ho + i) * Wo + j].reshape(C, k, kw))
        return xpad[:, :, p : p + H, pw : pw + W]
    _fails_with(nb06.check_col2im(col2im_assign), "first at index")
    # batch averaged in dw
    def averaged(dout, x, w, s, p):
        dx, dw, db = nb06.solution_conv_backward_matmul(dout, x, w, s, p)
        return dx, dw / len(x), db
    _fails_with(nb06.check_conv_backward_matmul(averaged), "dw:")
    # coverage that forgets the windows dropped by the stride (counts every entry ≥ 1)
    _fails_with(nb06.check_coverage(lambda *a: np.maximum(nb06.solution_coverage(*a), 1)),
                "no window")


# --------------------------------------------------------------------------- nb07


def test_nb07_wrong_answers():
    # np.argmax on the flattened window is right; taking the LAST maximum is not
    def last_max(window):
        w = np.asarray(window)
        flat = w.ravel()
        k = len(flat) - 1 - int(np.argmax(flat[::-1]))
        return tuple(int(t) for t in np.unravel_index(k, w.shape))
    _fails_with(nb07.check_first_max_tap(last_max), "tie")
    # max pool with '=' instead of '+=' (overlap)
    def assign(dout, x, k, s):
        dx = np.zeros_like(np.asarray(x, dtype=float))
        (kh, kw), (sh, sw) = ((k, k) if np.isscalar(k) else k), ((s, s) if np.isscalar(s) else s)
        for n in range(dout.shape[0]):
            for c in range(dout.shape[1]):
                for i in range(dout.shape[2]):
                    for j in range(dout.shape[3]):
                        win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                        u, v = np.unravel_index(np.argmax(win), win.shape)
                        dx[n, c, i * sh + u, j * sw + v] = dout[n, c, i, j]
        return dx
    _fails_with(nb07.check_maxpool_backward(assign), "overlapping")
    # split rule where first is expected, and vice versa
    _fails_with(nb07.check_maxpool_backward(nb07.solution_maxpool_backward_split), "ties")
    _fails_with(nb07.check_maxpool_backward_split(nb07.solution_maxpool_backward), "ties")
    # mask shortcut: every tied maximum gets the full gradient (duplicated, not shared)
    def mask_all(dout, x, k, s):
        dx = np.zeros_like(np.asarray(x, dtype=float))
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                kh, kw = (k, k) if np.isscalar(k) else k
                sh, sw = (s, s) if np.isscalar(s) else s
                win = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                mask = win == win.max(axis=(2, 3), keepdims=True)
                dx[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += mask * dout[:, :, i, j][:, :, None, None]
        return dx
    _fails_with(nb07.check_maxpool_backward_split(mask_all), "ties")
    # average pool dividing by the number of real entries (count_include_pad=False)
    def exclude_pad(dout, x, k, s, p):
        ones = np.ones_like(np.asarray(x, dtype=float))
        real = cb.avgpool2d_forward(ones, k, s, p)  # fraction of real entries per window
        return nb07.solution_avgpool_backward(dout / real, x, k, s, p)
    _fails_with(nb07.check_avgpool_backward(exclude_pad), "padding")
    # average pool that forgets to divide
    def no_divide(dout, x, k, s, p):
        kh, kw = (k, k) if np.isscalar(k) else k
        return nb07.solution_avgpool_backward(dout, x, k, s, p) * kh * kw
    _fails_with(nb07.check_avgpool_backward(no_divide), "expected")
    # window count that forgets windows are clipped to the valid outputs
    _fails_with(nb07.check_windows_containing(lambda q, n, k, s, p=0: (q + p) // s - max(0, -(-(q + p - k + 1) // s)) + 1),
                "no window")


def test_nb07_solutions_against_finite_differences(rng, margins):
    x = rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) / 98.0  # distinct values, no ties
    dout = rng.normal(size=cb.maxpool2d_forward(x, 3, 2).shape)
    # both pools are (piecewise) linear; h = 1/196, half the smallest gap (1/98), keeps every
    # winner, so the step is exact up to rounding, ε·S/h ≈ 1e-13
    numeric = cb.numerical_gradient(lambda z: cb.maxpool2d_forward(z, 3, 2), x, dout, h=1 / 196)
    margins.close("nb07 max", nb07.solution_maxpool_backward(dout, x, 3, 2), numeric, rtol=1e-6, atol=1e-8)
    dout = rng.normal(size=cb.avgpool2d_forward(x, 3, 2, 1).shape)
    numeric = cb.numerical_gradient(lambda z: cb.avgpool2d_forward(z, 3, 2, 1), x, dout, h=0.5)
    margins.close("nb07 avg", nb07.solution_avgpool_backward(dout, x, 3, 2, 1), numeric, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- nb08


def test_nb08_wrong_answers():
    def forward_difference(f, x, h):
        x = np.array(x, dtype=float)
        g, f0 = np.zeros_like(x), f(x)
        for k in np.ndindex(x.shape):
            x[k] += h
            g[k] = (f(x) - f0) / h
            x[k] -= h
        return g
    _fails_with(nb08.check_centred_difference(forward_difference), "first at index")
    def not_restored(f, x, h):
        g = np.zeros(np.shape(x))
        for k in np.ndindex(x.shape):
            old = x[k]
            x[k] = old + h
            plus = f(x)
            x[k] = old - h
            g[k] = (plus - f(x)) / (2 * h)
        return g
    _fails_with(nb08.check_centred_difference(not_restored), "changed its input `x` in place")
    # absolute error, mean instead of max, no floor
    _fails_with(nb08.check_relative_error(lambda a, b: float(np.max(np.abs(np.subtract(a, b))))), "large values")
    _fails_with(nb08.check_relative_error(
        lambda a, b: float(np.mean(np.abs(np.subtract(a, b)) / np.maximum(1e-8, np.abs(a) + np.abs(b))))),
        "the maximum")
    # the forward error taken to be h² like the centred one
    _fails_with(nb08.check_difference_errors_cubic(lambda x, h: (h * h, h * h)), "forward_error")
    # kink mask with 2h instead of h, and with ≤ instead of <
    _fails_with(nb08.check_relu_kink_mask(lambda x, h: np.abs(np.asarray(x)) < 2 * h), "between h and 2h")
    _fails_with(nb08.check_relu_kink_mask(lambda x, h: np.abs(np.asarray(x)) <= h), "exactly h")
    # safe h measured between the two smallest entries
    def smallest_gap_bottom(x, k, s):
        return nb08.solution_maxpool_safe_h(-np.asarray(x), k, s)
    _fails_with(nb08.check_maxpool_safe_h(smallest_gap_bottom), "expected")


# --------------------------------------------------------------------------- nb10


def test_nb10_wrong_answers():
    # the published floor (clamped, to be fair)
    def published(p, f_r, s, n_out):
        lo, hi = cb.stackexchange_bounds(p, f_r, s)
        return (max(1, lo), min(n_out, hi))
    _fails_with(nb10.check_stackexchange_bounds(published), "published floor also admits i = 2")
    # the published formula, unclamped
    _fails_with(nb10.check_stackexchange_bounds(lambda p, f_r, s, n_out: cb.stackexchange_bounds(p, f_r, s)), "clamp")
    # the output size (ceil, dilation) left notebook 10: it repeated notebook 01's first exercise
    assert not hasattr(nb10, "check_output_size")
    # averaged over the batch
    _fails_with(nb10.check_dw_batch(lambda d, x, ws, s, p: nb10.solution_dw_batch(d, x, ws, s, p) / len(x)),
                "batch 4")
    # the im2col post with the kernel not rotated: feed a pre-rotated kernel to the fixed solution
    def unrotated(dz, x, w, ker_shape, stride, padding):
        F, C = np.shape(w)[0], np.shape(x)[3]
        kh, kw = ker_shape
        w_rot = np.asarray(w).reshape(F, kh, kw, C)[:, ::-1, ::-1, :].reshape(F, -1)
        wgrad, _ = nb10.solution_im2col_post_backward(dz, x, w, ker_shape, stride, padding)
        _, dx = nb10.solution_im2col_post_backward(dz, x, w_rot, ker_shape, stride, padding)
        return wgrad, dx
    _fails_with(nb10.check_im2col_post_backward(unrotated), "dx:", "non-symmetric")


def test_nb10_im2col_post_solution_against_finite_differences(rng, margins):
    x = rng.normal(size=(2, 7, 6, 2))  # NHWC
    w = rng.normal(size=(3, 3 * 3 * 2))
    w_nchw = w.reshape(3, 3, 3, 2).transpose(0, 3, 1, 2)

    def forward(x_nhwc):
        return cb.conv2d_forward(x_nhwc.transpose(0, 3, 1, 2), w_nchw, np.zeros(3), 2, 1).transpose(0, 2, 3, 1)

    dz = rng.normal(size=forward(x).shape)
    wgrad, dx = nb10.solution_im2col_post_backward(dz, x, w, (3, 3), 2, 1)
    # linear in x and in w: h = 0.5, rounding ≈ ε·S/h ≈ 2e-14 (docs/testing.md)
    margins.close("nb10 dx", dx, cb.numerical_gradient(forward, x, dz, h=0.5), rtol=1e-6, atol=1e-8)

    def forward_w(w_flat):
        w4 = w_flat.reshape(3, 3, 3, 2).transpose(0, 3, 1, 2)
        return cb.conv2d_forward(x.transpose(0, 3, 1, 2), w4, np.zeros(3), 2, 1).transpose(0, 2, 3, 1)

    margins.close("nb10 dw", wgrad, cb.numerical_gradient(forward_w, w, dz, h=0.5), rtol=1e-6, atol=1e-8)

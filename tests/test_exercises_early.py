"""Tests of the exercise modules of notebooks 00–04 (conv_backprop.exercises.nb00 … nb04).

For every exercise: the reference solution passes its checker; plausible wrong answers (the
mistakes learners make) fail, with a message that names the problem; a function that still
raises NotImplementedError fails and says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from conv_backprop.exercises import nb00, nb01, nb02, nb03, nb04

MODULES = [nb00, nb01, nb02, nb03, nb04]

EXERCISES = [
    (mod, name[len("check_"):])
    for mod in MODULES
    for name in mod.__all__
    if name.startswith("check_")
]


def test_exercise_list_is_complete():
    # Guards against a vacuous parametrisation, and against a checker without a solution.
    counts = {mod.__name__.rsplit(".", 1)[-1]: 0 for mod in MODULES}
    for mod, name in EXERCISES:
        assert hasattr(mod, "solution_" + name), f"{mod.__name__} has check_{name} but no solution_{name}"
        counts[mod.__name__.rsplit(".", 1)[-1]] += 1
    for nb in ("nb00", "nb01", "nb02", "nb03", "nb04"):
        assert 3 <= counts[nb] <= 6, (nb, counts[nb])


@pytest.mark.parametrize("mod, name", EXERCISES, ids=[f"{m.__name__[-4:]}.{n}" for m, n in EXERCISES])
def test_reference_passes(mod, name):
    report = getattr(mod, "check_" + name)(getattr(mod, "solution_" + name))
    assert report.passed, str(report)
    assert report.cases >= 4
    assert str(report).startswith("✅")


@pytest.mark.parametrize("mod, name", EXERCISES, ids=[f"{m.__name__[-4:]}.{n}" for m, n in EXERCISES])
def test_not_implemented_fails(mod, name):
    def stub(*args, **kwargs):
        raise NotImplementedError("write your answer here")

    report = getattr(mod, "check_" + name)(stub)
    assert not report.passed
    assert report.failures == report.cases
    assert "not implemented yet" in str(report)
    assert str(report).startswith("❌")


@pytest.mark.parametrize("mod, name", EXERCISES, ids=[f"{m.__name__[-4:]}.{n}" for m, n in EXERCISES])
def test_none_return_is_reported(mod, name):
    report = getattr(mod, "check_" + name)(lambda *a, **k: None)
    assert not report.passed


def _fails(report, *phrases):
    text = str(report)
    assert not report.passed, text
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in report:\n{text}"
    return text


# --------------------------------------------------------------------------- nb00


def test_nb00_padding_only_one_side():
    _fails(nb00.check_padded_shape(lambda s, p: (s[0], s[1], s[2] + p, s[3] + p)), "expected 7, got 6")


def test_nb00_padding_every_axis():
    _fails(nb00.check_padded_shape(lambda s, p: tuple(size + 2 * p for size in s)), "result[0]")


def test_nb00_pad_top_left_only():
    def wrong(x, p):
        return np.pad(x, ((0, 0), (0, 0), (2 * p, 0), (2 * p, 0)))

    _fails(nb00.check_pad(wrong), "first at index")


def test_nb00_pad_forgets_padding():
    _fails(nb00.check_pad(lambda x, p: x), "wrong shape")


def test_nb00_stackexchange_row_keeps_one_based_result():
    # Converts the output and tap to 0-based but forgets that the row itself is 1-based too.
    _fails(nb00.check_stackexchange_row(lambda i, r, s: (i - 1) * s + r), "expected 0, got 1")


def test_nb00_stackexchange_row_forgets_output_shift():
    _fails(nb00.check_stackexchange_row(lambda i, r, s: i * s + r - 1), "stride 2", "expected 2, got 4")


def test_nb00_stackexchange_row_ignores_stride():
    _fails(nb00.check_stackexchange_row(lambda i, r, s: (i - 1) + r - 1), "stride 2", "expected 2, got 1")


# --------------------------------------------------------------------------- nb01


def test_nb01_output_size_rounds_up():
    def ceil_size(n, k, s, p, d):
        return -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1

    _fails(nb01.check_output_size(ceil_size), "size 8, kernel 3, stride 2", "expected 3, got 4")


def test_nb01_output_size_ignores_dilation():
    _fails(nb01.check_output_size(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1), "dilation 2")


def test_nb01_output_size_float_division():
    text = _fails(nb01.check_output_size(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1))
    assert "stride 2" in text


def test_nb01_window_starts_in_unpadded_coordinates():
    def wrong(n, k, s, p, d):
        return [i * s - p for i in range(nb01.solution_output_size(n, k, s, p, d))]

    _fails(nb01.check_window_starts(wrong), "padding 1")


def test_nb01_window_starts_one_too_many():
    def wrong(n, k, s, p, d):
        return list(range(0, n + 2 * p - k + 1 + s, s))

    _fails(nb01.check_window_starts(wrong), "expected")


def test_nb01_window_rows_without_dilation():
    _fails(nb01.check_window_rows(lambda i, k, s, d: [i * s + a for a in range(k)]), "dilation 2")


def test_nb01_window_rows_stride_ignored():
    _fails(nb01.check_window_rows(lambda i, k, s, d: [i + u * d for u in range(k)]), "stride 2")


def test_nb01_unused_rows_forgets_padding():
    def wrong(n, k, s, p, d):
        return (n - d * (k - 1) - 1) % s

    _fails(nb01.check_unused_rows(wrong), "padding")


def test_nb01_unused_rows_always_zero():
    _fails(nb01.check_unused_rows(lambda *a: 0), "stride 2 with an odd leftover")


# --------------------------------------------------------------------------- nb02


def test_nb02_output_shape_swaps_f_and_c():
    def wrong(xs, ws, s, p, d):
        return (xs[0], xs[1], *nb02.solution_output_shape(xs, ws, s, p, d)[2:])

    _fails(nb02.check_output_shape(wrong), "F differs from C")


def test_nb02_output_shape_uses_kernel_height_twice():
    def wrong(xs, ws, s, p, d):
        return nb02.solution_output_shape(xs, (ws[0], ws[1], ws[2], ws[2]), s, p, d)

    _fails(nb02.check_output_shape(wrong), "non-square kernel")


def test_nb02_one_output_forgets_bias():
    def wrong(xpad, w, b, n, f, i, j, s, d):
        return nb02.solution_one_output(xpad, w, np.zeros_like(b), n, f, i, j, s, d)

    _fails(nb02.check_one_output(wrong), "the CS231n post")


def test_nb02_one_output_single_channel():
    def wrong(xpad, w, b, n, f, i, j, s, d):
        HH, WW = w.shape[2:]
        return float(np.sum(xpad[n, 0, i * s : i * s + HH, j * s : j * s + WW] * w[f, 0]) + b[f])

    _fails(nb02.check_one_output(wrong), "expected")


def test_nb02_one_output_ignores_stride():
    def wrong(xpad, w, b, n, f, i, j, s, d):
        return nb02.solution_one_output(xpad, w, b, n, f, i, j, 1, d)

    _fails(nb02.check_one_output(wrong), "stride 2")


def test_nb02_tap_met_forgets_padding():
    _fails(nb02.check_tap_met(lambda q, i, k, s, p, d: nb02.solution_tap_met(q, i, k, s, 0, d)),
           "padding shifts by one")


def test_nb02_tap_met_never_none():
    def wrong(q, i, k, s, p, d):
        return (q + p - i * s) // d

    _fails(nb02.check_tap_met(wrong), "return None")


def test_nb02_forward_true_convolution():
    def flipped(x, w, b, s, p, d):
        return nb02.solution_conv_forward(x, w[:, :, ::-1, ::-1], b, s, p, d)

    _fails(nb02.check_conv_forward(flipped), "first at index")


def test_nb02_forward_without_padding():
    _fails(nb02.check_conv_forward(lambda x, w, b, s, p, d: nb02.solution_conv_forward(x, w, b, s, 0, d)),
           "wrong shape")


# --------------------------------------------------------------------------- nb03


def test_nb03_reached_forgets_padding():
    _fails(nb03.check_outputs_reached(lambda q, n, k, s, p: nb03.solution_outputs_reached(q, n + 2 * p, k, s, 0)),
           "the CS231n post")


def test_nb03_reached_ignores_output_range():
    def wrong(q, n, k, s, p):
        return [(i, q + p - i * s) for i in range(-5, 20) if 0 <= q + p - i * s < k]

    _fails(nb03.check_outputs_reached(wrong), "wrong shape")


def test_nb03_reached_without_taps():
    def only_rows(q, n, k, s, p):
        return [i for i, _ in nb03.solution_outputs_reached(q, n, k, s, p)]

    _fails(nb03.check_outputs_reached(only_rows), "expected a list of (i, u) pairs")


def test_nb03_bounds_published_floor():
    # The StackExchange question's floor for the lower bound, translated to 0-based, unclamped.
    def floor_bounds(q, n, k, s, p):
        return ((q + p - k + 1) // s, (q + p) // s)

    text = _fails(nb03.check_bounds(floor_bounds), "the StackExchange question's erratum")
    assert "result[0]" in text


def test_nb03_bounds_without_clamping():
    def unclamped(q, n, k, s, p):
        return (-(-(q + p - k + 1) // s), (q + p) // s)

    _fails(nb03.check_bounds(unclamped), "the CS231n post")


def test_nb03_dx_1d_keeps_padding_ring():
    def wrong(dout, w, n, s, p):
        return nb03.solution_dx_1d(dout, w, n + 2 * p, s, 0)

    _fails(nb03.check_dx_1d(wrong), "wrong shape")


def test_nb03_dx_1d_flipped_kernel_stride_one_formula():
    def wrong(dout, w, n, s, p):
        # The stride-1 "full correlation with the flipped kernel", applied without zero insertion.
        full = np.convolve(dout, w)
        return full[p : p + n] if len(full) >= p + n else np.pad(full, (0, p + n - len(full)))[p:]

    _fails(nb03.check_dx_1d(wrong), "stride 2")


def test_nb03_conv_dx_ignores_channels_of_filters():
    def wrong(dout, x, w, s, p, d):
        return nb03.solution_conv_dx(dout[:, :1], x, w[:1], s, p, d)

    _fails(nb03.check_conv_dx(wrong), "first at index")


def test_nb03_conv_dx_not_cropped():
    def wrong(dout, x, w, s, p, d):
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        return nb03.solution_conv_dx(dout, xpad, w, s, 0, d)

    _fails(nb03.check_conv_dx(wrong), "wrong shape")


# --------------------------------------------------------------------------- nb04


def test_nb04_db_averaged_over_batch():
    _fails(nb04.check_db(lambda dout: dout.mean(axis=0).sum(axis=(1, 2))), "sum over the batch")


def test_nb04_db_wrong_axes():
    _fails(nb04.check_db(lambda dout: dout.sum(axis=(0, 1, 2))), "wrong shape")


def test_nb04_dw_entry_first_item_only():
    def wrong(dout, x, f, c, u, v, s, p, d):
        return nb04.solution_dw_entry(dout[:1], x[:1], f, c, u, v, s, p, d)

    _fails(nb04.check_dw_entry(wrong), "expected")


def test_nb04_dw_entry_unpadded_x():
    def wrong(dout, x, f, c, u, v, s, p, d):
        xpad = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))
        return nb04.solution_dw_entry(dout, xpad, f, c, u, v, s, 0, d)

    _fails(nb04.check_dw_entry(wrong), "padding")


def test_nb04_dw_averaged_over_batch():
    def wrong(dout, x, ks, s, p, d):
        return nb04.solution_conv_dw(dout, x, ks, s, p, d) / x.shape[0]

    _fails(nb04.check_conv_dw(wrong), "batch 3")


def test_nb04_dw_nptel_flipped():
    # The NPTEL slides' true-convolution convention gives the rotated dw.
    def wrong(dout, x, ks, s, p, d):
        return nb04.solution_conv_dw(dout, x, ks, s, p, d)[:, :, ::-1, ::-1]

    _fails(nb04.check_conv_dw(wrong), "first at index")


def test_nb04_backward_dw_swapped_with_db_shape():
    def wrong(dout, x, w, s, p, d):
        dx, dw, db = nb04.solution_conv_backward(dout, x, w, s, p, d)
        return dx, dw, db[:, None]

    _fails(nb04.check_conv_backward(wrong), "db: wrong shape")


def test_nb04_backward_ring_not_discarded():
    def wrong(dout, x, w, s, p, d):
        dx, dw, db = nb04.solution_conv_backward(dout, x, w, s, p, d)
        return np.pad(dx, ((0, 0), (0, 0), (p, p), (p, p))), dw, db

    _fails(nb04.check_conv_backward(wrong), "dx: wrong shape")


def test_nb04_backward_two_values_only():
    _fails(nb04.check_conv_backward(lambda *a: nb04.solution_conv_backward(*a)[:2]), "expected a tuple (dx, dw, db)")


# --------------------------------------------------------------------------- independence


def test_solutions_agree_with_package_on_a_fresh_case():
    """The solutions were written separately from the package: check them on one more case."""
    import conv_backprop as cb

    rng = np.random.default_rng(99)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    out = nb02.solution_conv_forward(x, w, b, 2, 1, 1)
    np.testing.assert_allclose(out, cb.conv2d_forward(x, w, b, stride=2, padding=1), rtol=1e-10)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = cb.conv2d_backward(dout, x, w, stride=2, padding=1)
    np.testing.assert_allclose(nb03.solution_conv_dx(dout, x, w, 2, 1, 1), dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nb04.solution_conv_dw(dout, x, (3, 2), 2, 1, 1), dw, rtol=1e-10)
    np.testing.assert_allclose(nb04.solution_db(dout), db, rtol=1e-10)

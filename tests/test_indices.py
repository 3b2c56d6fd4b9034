"""Index bookkeeping of notebook 03, and seed 002's bounds (an erratum) against brute force."""

import itertools

import numpy as np
import pytest

import conv_backprop as cb


def brute_outputs(q, size, k, s, p, d):
    """Outputs whose window covers input q: perturb x[q] and see which outputs move."""
    n_out = cb.conv_output_size(size, k, s, p, d)
    x = np.zeros((1, 1, 1, size))
    x[0, 0, 0, q] = 1.0
    w = np.arange(1.0, k + 1).reshape(1, 1, 1, k)  # distinct non-zero taps
    out = cb.conv2d_forward_naive(x, w, np.zeros(1), stride=(1, s), padding=(0, p), dilation=(1, d))
    return {int(i): float(out[0, 0, 0, i]) for i in range(n_out) if out[0, 0, 0, i] != 0}


def test_outputs_reached_matches_perturbation():
    for size, k, s, p, d in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(0, 3), range(1, 3)):
        if not cb.explain_geometry(size, k, s, p, d).valid:
            continue
        for q in range(size):
            brute = brute_outputs(q, size, k, s, p, d)
            pairs = cb.outputs_reached(q, size, k, s, p, d)
            # the same outputs, and the tap a is the weight met there (w[a] = a + 1)
            assert {i: a + 1.0 for i, a in pairs} == brute
            if d == 1:
                lo, hi = cb.output_bounds(q, size, k, s, p)
                assert set(range(lo, hi + 1)) == set(brute)


def test_stackexchange_published_floor_is_wrong_for_s2_fr3_p6():
    # 1-based: 1 ≤ p − (i − 1)s ≤ f_r with s=2, f_r=3, p=6 admits i = 3 only
    admitted = [i for i in range(1, 10) if 1 <= 6 - (i - 1) * 2 <= 3]
    assert admitted == [3]
    assert cb.stackexchange_bounds(6, 3, 2) == (2, 3)  # the floor also admits i = 2: wrong
    assert cb.stackexchange_bounds_corrected(6, 3, 2, n_out=10) == (3, 3)


def test_stackexchange_floor_names_an_output_when_there_is_none():
    # s = 3 > f_r = 2: input p = 3 falls between windows
    assert [i for i in range(1, 10) if 1 <= 3 - (i - 1) * 3 <= 2] == []
    lo, hi = cb.stackexchange_bounds(3, 2, 3)
    assert lo <= hi  # the published bounds name an output
    lo, hi = cb.stackexchange_bounds_corrected(3, 2, 3, n_out=3)
    assert lo > hi  # the corrected ones name none


def test_stackexchange_corrected_bounds_match_brute_force():
    wrong = 0
    for h, f_r, s in itertools.product(range(1, 13), range(1, 5), range(1, 5)):
        if f_r > h:
            continue
        n_out = (h - f_r) // s + 1
        for p in range(1, h + 1):
            brute = [i for i in range(1, n_out + 1) if 1 <= p - (i - 1) * s <= f_r]
            lo, hi = cb.stackexchange_bounds_corrected(p, f_r, s, n_out)
            assert list(range(lo, hi + 1)) == brute, (h, f_r, s, p)
            plo, phi = cb.stackexchange_bounds(p, f_r, s)
            wrong += list(range(plo, phi + 1)) != brute
    assert wrong > 0  # the published version does fail somewhere in this sweep


def test_outputs_reached_validates():
    with pytest.raises(ValueError, match=r"index must be in \[0, 4\]"):
        cb.outputs_reached(5, 5, 3)
    with pytest.raises(TypeError, match="stride must be an int"):
        cb.outputs_reached(1, 5, 3, stride=1.5)


def test_errors_name_rows_or_columns():
    with pytest.raises(ValueError, match="spans 3 rows"):
        cb.outputs_reached(0, 2, 3)
    with pytest.raises(ValueError, match="spans 3 columns"):
        cb.outputs_reached(0, 2, 3, axis="width")


def test_stackexchange_floor_clamped_is_wrong_exactly_when_s_does_not_divide_and_p_exceeds_f_r():
    # The condition stated in stackexchange_bounds' docstring, over every small setting: the
    # published floor, clamped to [1, n_out], names a different set of outputs than brute force
    # exactly when s ∤ (p − f_r) and p > f_r.
    wrong = right = 0
    for s, f_r in itertools.product(range(1, 5), range(1, 6)):
        for h in range(f_r, 15):
            n_out = (h - f_r) // s + 1
            for p in range(1, h + 1):
                truth = {i for i in range(1, n_out + 1) if 1 <= p - (i - 1) * s <= f_r}
                lo, hi = cb.stackexchange_bounds(p, f_r, s)
                clamped = set(range(max(1, lo), min(n_out, hi) + 1))
                assert (clamped != truth) == ((p - f_r) % s != 0 and p > f_r), (s, f_r, h, p)
                wrong += clamped != truth
                right += clamped == truth and (p - f_r) % s != 0
    assert wrong > 100 and right > 100  # both kinds of rows occur

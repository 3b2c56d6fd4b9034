"""The transposed-convolution explorer (notebook 11) as a scene, against brute force.

Every view is checked against scalar loops written here from the definition
``out[i·s + u·d − p, j·s + v·d − p] += x[i, j]·w[u, v]``: the output cells a scatter view
highlights, the running totals it shows, the (input, tap) pairs an output cell lists, the overlap
counts, the zero-inserted input of the correlation view and each of its dot products.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop.scene import InvalidSetting, cell_key
from conv_backprop.scene_mpl import draw_scene
from conv_backprop.scenes import build_transposed
from conv_backprop.scenes.transposed import per_phase_counts

SETTINGS = [
    dict(H=3, W=3, HH=3, WW=3, stride=2, padding=0, output_padding=0, dilation=1),  # checkerboard
    dict(H=3, W=2, HH=4, WW=4, stride=2, padding=1, output_padding=0, dilation=1),  # no checkerboard
    dict(H=2, W=3, HH=3, WW=2, stride=2, padding=1, output_padding=1, dilation=1),
    dict(H=2, W=2, HH=2, WW=3, stride=1, padding=0, output_padding=1, dilation=2),  # op ≥ s, < d
    dict(H=3, W=2, HH=1, WW=2, stride=3, padding=0, output_padding=2, dilation=1),  # gaps: count 0
    dict(H=4, W=4, HH=2, WW=2, stride=1, padding=2, output_padding=0, dilation=1),  # crop into x
]


def brute(x, w, s, p, op, d):
    """(pairs per padded-buffer cell, buffer values, output size): scalar loops."""
    H, W = x.shape
    HH, WW = w.shape
    Ho = (H - 1) * s - 2 * p + d * (HH - 1) + op + 1
    Wo = (W - 1) * s - 2 * p + d * (WW - 1) + op + 1
    pairs = {(t, c): [] for t in range(Ho + 2 * p) for c in range(Wo + 2 * p)}
    buf = np.zeros((Ho + 2 * p, Wo + 2 * p))
    for i, j, u, v in itertools.product(range(H), range(W), range(HH), range(WW)):
        t, c = i * s + u * d, j * s + v * d
        pairs[(t, c)].append((i, j, u, v))
        buf[t, c] += x[i, j] * w[u, v]
    return pairs, buf, (Ho, Wo)


def _args(st):
    return st["stride"], st["padding"], st["output_padding"], st["dilation"]


@pytest.mark.parametrize("st", SETTINGS)
def test_scatter_views_match_brute_force(st):
    sc, base, view = build_transposed(mode="scatter", **st)
    s, p, op, d = _args(st)
    x, w = base["x"], base["w"]
    H, W = x.shape
    HH, WW = w.shape
    pairs, buf, (Ho, Wo) = brute(x, w, s, p, op, d)
    assert base["output_shape"] == (Ho, Wo)
    np.testing.assert_allclose(base["buffer"], buf, rtol=0, atol=1e-12)
    np.testing.assert_allclose(base["out"], buf[p:p + Ho, p:p + Wo], rtol=0, atol=1e-12)
    counts = np.array([[len(pairs[(t + p, c + p)]) for c in range(Wo)] for t in range(Ho)])
    np.testing.assert_array_equal(base["count"], counts)
    count_grid = next(g for g in sc.grids if g.id == "count")
    assert count_grid.texts == [[str(n) for n in row] for row in counts]
    # one view per input, in row-major order; clicking x[i, j] selects it
    assert sc.order == [f"in:{i},{j}" for i in range(H) for j in range(W)]
    running = np.zeros_like(buf)
    for k, (i, j) in enumerate(itertools.product(range(H), range(W))):
        key = f"in:{i},{j}"
        assert sc.select[cell_key("x", i, j)] == key
        view = sc.views[key]
        block = {(i * s + u * d, j * s + v * d) for u in range(HH) for v in range(WW)}
        lit = {(r, c) for g, r, c, role in view.cells if g == "out"}
        assert lit == block  # the highlighted set is the brute-force kernel copy
        assert sorted(view.state["reached"]) == sorted((r - p, c - p) for r, c in block)
        for u, v in itertools.product(range(HH), range(WW)):
            running[i * s + u * d, j * s + v * d] += x[i, j] * w[u, v]
        np.testing.assert_allclose(view.state["running"], running[p:p + Ho, p:p + Wo], rtol=0, atol=1e-12)
        shown = {(r, c): t for g, r, c, t in view.texts if g == "out"}
        for (r, c), text in shown.items():  # every relabelled cell shows the running total first
            assert text.split("\n")[0] == cb.scenes.transposed.format_number(running[r, c])
        assert all(len(shown[rc].split("\n")) == 2 for rc in block)  # ... and the copy's product
        inside = [t for t in view.state["terms"] if t[6]]
        assert len(inside) == sum(0 <= r - p < Ho and 0 <= c - p < Wo for r, c in block)
    assert "✓" in sc.views[sc.order[-1]].readout and "MISMATCH" not in sc.views[sc.order[-1]].readout


@pytest.mark.parametrize("st", SETTINGS)
def test_scatter_output_cells_list_the_overlapping_copies(st):
    sc, base, _ = build_transposed(mode="scatter", **st)
    s, p, op, d = _args(st)
    pairs, buf, (Ho, Wo) = brute(base["x"], base["w"], s, p, op, d)
    for (t, c), expected in pairs.items():
        key = f"out:{t - p},{c - p}"  # keyed by the output position (the ring's are outside it)
        view = sc.views[key]
        assert sorted(view.state["pairs"]) == sorted(expected)
        assert view.state["value"] == pytest.approx(buf[t, c], abs=1e-12)
        assert sc.select[cell_key("out", t, c)] == key
        inside = 0 <= t - p < Ho and 0 <= c - p < Wo
        assert view.state["inside"] == inside
        if inside:
            assert sc.select[cell_key("count", t - p, c - p)] == key
            assert f"count {len(expected)}" in view.readout and "✓" in view.readout
        lit_x = {(r, q) for g, r, q, _ in view.cells if g == "x"}
        assert lit_x == {(i, j) for i, j, _, _ in expected}
        assert key not in sc.order  # stepping walks the inputs only


def brute_z(x, k, s, p, op, d):
    """transposed_conv_input by its definition: x[i, j] at (E − 1 − p + i·s, E − 1 − p + j·s)."""
    H, W = x.shape
    (kh, kw) = k
    Eh, Ew = d * (kh - 1) + 1, d * (kw - 1) + 1
    Ho = (H - 1) * s - 2 * p + Eh + op
    Wo = (W - 1) * s - 2 * p + Ew + op
    z = np.zeros((Ho + Eh - 1, Wo + Ew - 1))
    for i, j in itertools.product(range(H), range(W)):
        r, c = Eh - 1 - p + i * s, Ew - 1 - p + j * s
        if 0 <= r < z.shape[0] and 0 <= c < z.shape[1]:
            z[r, c] = x[i, j]
    return z


@pytest.mark.parametrize("st", SETTINGS)
def test_correlation_views_match_brute_force(st):
    sc, base, view = build_transposed(mode="correlation", **st)
    s, p, op, d = _args(st)
    x, w = base["x"], base["w"]
    HH, WW = w.shape
    pairs, buf, (Ho, Wo) = brute(x, w, s, p, op, d)
    z = brute_z(x, (HH, WW), s, p, op, d)
    np.testing.assert_array_equal(base["z"], z)
    assert sc.order == [f"out:{r},{q}" for r in range(Ho) for q in range(Wo)]
    w_rot = w[::-1, ::-1]
    for r, q in itertools.product(range(Ho), range(Wo)):
        view = sc.views[f"out:{r},{q}"]
        dot = sum(z[r + u * d, q + v * d] * w_rot[u, v] for u in range(HH) for v in range(WW))
        assert view.state["value"] == pytest.approx(dot, abs=1e-12)
        assert view.state["value"] == pytest.approx(buf[r + p, q + p], abs=1e-12)
        # the taps that meet an x entry are exactly the scatter view's overlapping copies
        assert sorted(view.state["pairs"]) == sorted(pairs[(r + p, q + p)])
        assert len(view.state["pairs"]) == base["count"][r, q]
        lit = {(t, c) for g, t, c, _ in view.cells if g == "z"}
        assert lit == {(r + u * d, q + v * d) for u in range(HH) for v in range(WW)}
        assert "✓" in view.readout and "MISMATCH" not in view.readout
        for g in ("out", "count", "z"):
            assert sc.select[cell_key(g, r, q)] == f"out:{r},{q}"


def test_checkerboard_counts_follow_the_stride_and_the_kernel():
    """Kernel 3, stride 2: 2 and 1 copies alternate (a checkerboard); kernel 4, stride 2: every
    interior output gets 2 × 2 = 4; kernel 1, stride 3: gaps (count 0)."""
    assert per_phase_counts(3, 2, 1) == [2, 1]
    assert per_phase_counts(4, 2, 1) == [2, 2]
    assert per_phase_counts(1, 3, 1) == [1, 0, 0]
    assert per_phase_counts(3, 2, 2) == [3, 0]  # dilation 2 with stride 2: every tap on even rows
    sc, base, _ = build_transposed(H=4, W=4, HH=3, WW=3, stride=2)
    interior = base["count"][2:-2, 2:-2]
    assert set(np.unique(interior)) == {1, 2, 4} and "checkerboard" in sc.note
    sc, base, _ = build_transposed(H=4, W=4, HH=4, WW=4, stride=2, padding=1)
    assert set(np.unique(base["count"][1:-1, 1:-1])) == {4} and "no checkerboard" in sc.note
    # the counts are a heat map: darker (a lower sum of RGB) where more copies land
    sc, base, _ = build_transposed(H=3, W=3, HH=3, WW=3, stride=2)
    faces = next(g for g in sc.grids if g.id == "count").faces
    c = base["count"]
    shade = {int(c[r, q]): faces[r][q] for r in range(c.shape[0]) for q in range(c.shape[1])}
    assert shade[1] is None
    assert sum(int(shade[4][k:k + 2], 16) for k in (1, 3, 5)) < sum(int(shade[2][k:k + 2], 16) for k in (1, 3, 5))


def test_invalid_settings_are_explained_and_bad_arguments_named():
    with pytest.raises(InvalidSetting, match="output_padding must be smaller than the stride or the dilation"):
        build_transposed(stride=2, output_padding=2)
    with pytest.raises(InvalidSetting, match="at least 1"):
        build_transposed(H=1, W=1, HH=1, WW=1, padding=1)
    for kw, error, message in [
        (dict(mode="gather"), ValueError, "mode must be 'scatter' or 'correlation'"),
        (dict(step=9), ValueError, "step must be an index into the input entries"),
        (dict(mode="correlation", step=49), ValueError, "0 ≤ step < 49"),
        (dict(output_padding=-1), ValueError, "output_padding must be a non-negative int"),
        (dict(H=0), ValueError, "H must be at least 1"),
        (dict(stride=1.5), TypeError, "stride must be a positive int"),
    ]:
        with pytest.raises(error, match=message.replace("(", r"\(")):
            build_transposed(**kw)


def test_the_explorer_toggles_modes_and_explains_invalid_settings():
    e = ex.transposed_explorer()
    assert e.message == "" and e.widget.view == "in:0,0"
    assert len(e.widget.scene.encode()) < 200_000
    for key in e.scene.order:
        e.select(key)
        assert e.view.readout
    e.select("in:1,1")
    assert e.state["input"] == (1, 1)
    e.set(mode="correlation")
    assert e.widget.view == "out:0,0" and e.state["pairs"]
    assert len(e.widget.scene.encode()) < 200_000
    e.set(output_padding=2)  # stride 2, dilation 1: PyTorch refuses it, and so do we
    assert "output_padding must be smaller" in e.message and e.scene is None
    e.set(dilation=2, output_padding=1, stride=1)  # allowed: output_padding < dilation
    assert e.message == "" and e.state["output_shape"] == (3 - 1 + 2 * 2 + 1 + 1,) * 2
    e.select("out:2,1")
    e.set(mode="scatter")  # the selected output stays selected: the same key in both modes
    assert e.widget.view == "out:2,1" and e.state["output"] == (2, 1) and e.state["inside"]
    # the largest setting the sliders reach still builds, in well under a second, and ships < 1 MB
    e.set(H=4, W=4, HH=4, WW=4, stride=3, padding=0, output_padding=2, dilation=2, mode="correlation")
    assert e.message == "" and len(e.widget.scene.encode()) < 1_000_000


def test_the_static_renderer_draws_both_modes():
    for mode in ("scatter", "correlation"):
        sc, _, view = build_transposed(mode=mode, padding=1, output_padding=1)
        json.dumps(sc.to_json())
        fig = draw_scene(sc, view)
        assert fig.axes and fig.axes[0].patches

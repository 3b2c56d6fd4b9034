"""The dw explorer (notebook 04) and the flipped-kernel explorer (notebook 05) as scenes.

Every view is checked against independent oracles: the naive loops, perturbing one weight or
one input entry at a time (brute force), and an independent construction of the prepared dout.
Every selector cell is checked to select the view whose highlighted cells are exactly what the
maths says (tests/test_browser.py clicks those cells and reads the SVG)."""

from __future__ import annotations

import itertools

import ipywidgets as widgets
import numpy as np
import pytest

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop.scene import cell_key


def cells_of(view, grid, role=None):
    return {(r, c) for g, r, c, rl in view.cells if g == grid and (role is None or rl == role)}


# --------------------------------------------------------------------------- 04 dw


@pytest.mark.parametrize("s,p,d", [(1, 0, 1), (2, 1, 1), (1, 1, 2)])
def test_dw_pairs_and_sum(s, p, d):
    N, C, H, W, F, HH, WW = 2, 2, 5, 6, 2, 3, 2
    e = ex.dw_explorer(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=s, padding=p, dilation=d)
    b0 = np.zeros(F)
    Ho, Wo = e.state["output_shape"]
    dout = e.dout_for(Ho, Wo)
    _, dw, _ = cb.conv2d_backward_naive(dout, e.x, e.w, s, p, d)
    assert e.scene.order == [f"{f},{c},{u},{v}" for f in range(F) for c in range(C)
                             for u in range(HH) for v in range(WW)]
    for f, c, u, v in [(0, 0, 0, 0), (1, 1, 2, 1), (0, 1, 1, 0)]:
        e.select(f"{f},{c},{u},{v}")
        st = e.state
        assert st["weight"] == (f, c, u, v)
        assert st["value"] == pytest.approx(dw[f, c, u, v])
        assert st["reference"] == pytest.approx(dw[f, c, u, v])
        # independent oracle: ∂out[n, f, i, j]/∂w[f, c, u, v] by perturbing the weight
        w2 = e.w.copy()
        w2[f, c, u, v] += 1.0
        slope = cb.conv2d_forward_naive(e.x, w2, b0, s, p, d) - cb.conv2d_forward_naive(e.x, e.w, b0, s, p, d)
        assert len(st["pairs"]) == N * Ho * Wo
        for n, i, j, r, cc, xv, gv in st["pairs"]:
            assert xv == pytest.approx(slope[n, f, i, j])
            assert gv == dout[n, f, i, j]
        # brute force: which input entries meet this weight at which output? one-hot x, one-hot w
        onehot = np.zeros((H * W, C, H, W))
        for m, (q, r) in enumerate(itertools.product(range(H), range(W))):
            onehot[m, c, q, r] = 1.0
        w1 = np.zeros_like(e.w)
        w1[f, c, u, v] = 1.0
        met = cb.conv2d_forward_naive(onehot, w1, b0, s, p, d)[:, f]
        brute = {(i, j, q + p, r + p) for (m, i, j) in zip(*np.nonzero(met)) for q, r in [divmod(m, W)]}
        inside = {(i, j, r, cc) for _, i, j, r, cc, *_ in st["pairs"] if p <= r < p + H and p <= cc < p + W}
        assert inside == brute
        # the picture: exactly the pairs' entries are marked, in channel c only, and pair k
        for n in range(N):
            marked = cells_of(e.view, f"x{n}_{c}", "kernel") | cells_of(e.view, f"x{n}_{c}", "highlight")
            assert marked == {(r, cc) for m, _, _, r, cc, *_ in st["pairs"] if m == n}
            assert not cells_of(e.view, f"x{n}_{1 - c}")
    # the worked-example pair is the constructor's `pair`, in every weight view
    for k in (0, 5, N * Ho * Wo - 1):
        e = ex.dw_explorer(N=N, C=C, H=H, W=W, F=F, HH=HH, WW=WW, stride=s, padding=p, dilation=d,
                           f=1, c=0, u=1, v=1, pair=k)
        st = e.state
        assert st["pair"] == k and st["current"] == st["pairs"][k]
        n, i, j, r, cc, xv, gv = st["current"]
        assert cells_of(e.view, f"x{n}_0", "highlight") == {(r, cc)}
        assert cells_of(e.view, f"g{n}_1", "highlight") == {(i, j)}
        assert f"pair k={k}" in e.view.readout


@pytest.mark.parametrize("s,p,d", [(1, 0, 1), (2, 1, 1)])
def test_dw_steps_through_the_pairs_one_at_a_time(s, p, d):
    # ◀ ▶ and Play walk a weight's (x, dout) pairs: step k + 1 highlights pair k alone, its arrow
    # carries the product, and the running sum adds the products up to dw (the naive loops')
    e = ex.dw_explorer(stride=s, padding=p, dilation=d)
    N, F = e.x.shape[0], e.w.shape[0]
    Ho, Wo = e.state["output_shape"]
    _, dw, _ = cb.conv2d_backward_naive(e.dout_for(Ho, Wo), e.x, e.w, s, p, d)
    assert e.step == 0 and "pair" not in e.state  # step 0: all pairs at once
    for f, c, u, v in [(0, 0, 0, 0), (1, 1, 2, 1)]:
        key = f"{f},{c},{u},{v}"
        e.select(key)
        pairs = e.state["pairs"]
        assert len(e.scene.views[key].steps) == len(pairs) == N * Ho * Wo
        total = 0.0
        for k, (n, i, j, r, cc, xv, gv) in enumerate(pairs):
            e.select(key, step=k + 1)
            st, view = e.state, e.view
            total += xv * gv
            assert st["pair"] == k and st["current"] == pairs[k] and st["running"] == pytest.approx(total)
            assert cells_of(view, f"x{n}_{c}", "highlight") == {(r, cc)}
            assert cells_of(view, f"g{n}_{f}", "highlight") == {(i, j)}
            assert {g for g, *_ in view.cells if _[-1] == "highlight"} == {f"x{n}_{c}", f"g{n}_{f}", f"w{f}_{c}", f"dw{f}_{c}"}
            (start, end, role, label), = view.arrows
            assert start == (f"x{n}_{c}", r, cc) and end == (f"g{n}_{f}", i, j)
            assert label == cb.drawing.format_number(xv * gv)
            assert f"sum so far: " in view.readout and f"pair k={k} ({k + 1} of {len(pairs)})" in view.readout
        assert total == pytest.approx(dw[f, c, u, v])
        assert "✓" in view.readout and "MISMATCH" not in view.readout
    with pytest.raises(KeyError, match="steps 0.."):
        e.select("0,0,0,0", step=len(pairs) + 1)
    # a structural change keeps the weight and the step (clamped to the pairs there are)
    e.select("1,1,2,1", step=4)
    e.set(stride=3)
    assert e.state["weight"] == (1, 1, 2, 1) and e.step == min(4, len(e.state["pairs"]))


def test_dw_every_selector_selects_its_weight():
    e = ex.dw_explorer(stride=2, padding=1)
    F, C, HH, WW = e.w.shape
    N = e.x.shape[0]
    Ho, Wo = e.state["output_shape"]
    s, p, d = 2, 1, 1
    for f, c, u, v in itertools.product(range(F), range(C), range(HH), range(WW)):
        key = f"{f},{c},{u},{v}"
        assert e.scene.select[cell_key(f"w{f}_{c}", u, v)] == key
        assert e.scene.select[cell_key(f"dw{f}_{c}", u, v)] == key
        e.select(key)
        view = e.view
        lattice = {(i * s + u * d, j * s + v * d) for i in range(Ho) for j in range(Wo)}
        for n in range(N):
            assert cells_of(view, f"x{n}_{c}") == lattice
            assert ((f"x{n}_{c}", u * d, v * d, (Ho - 1) * s + 1, (Wo - 1) * s + 1, "highlight") in view.windows)
            assert (f"g{n}_{f}", 0, 0, Ho, Wo, "highlight") in view.windows
        assert cells_of(view, f"w{f}_{c}", "highlight") == {(u, v)}
        assert cells_of(view, f"dw{f}_{c}", "highlight") == {(u, v)}
        touched = {g for g, *_ in view.cells}
        assert touched <= {f"x{n}_{c}" for n in range(N)} | {f"g{n}_{f}" for n in range(N)} | {f"w{f}_{c}", f"dw{f}_{c}"}
        assert "✓" in view.readout and "MISMATCH" not in view.readout
        assert "cb.conv2d_backward gives dw = " in view.readout


def test_dw_grids_show_the_arrays():
    e = ex.dw_explorer(padding=1)
    grids = {g.id: g for g in e.scene.grids}
    Ho, Wo = e.state["output_shape"]
    dout = e.dout_for(Ho, Wo)
    _, dw, _ = cb.conv2d_backward(dout, e.x, e.w, 1, 1, 1)
    xpad = np.pad(e.x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    text = cb.drawing.format_number
    assert grids["x1_0"].texts == [[text(v) for v in row] for row in xpad[1, 0]]
    assert grids["g0_1"].texts == [[text(v) for v in row] for row in dout[0, 1]]
    assert grids["w1_0"].texts == [[text(v) for v in row] for row in e.w[1, 0]]
    assert grids["dw0_1"].texts == [[text(v) for v in row] for row in dw[0, 1]]
    assert grids["x0_0"].roles[0][0] == "padding" and grids["x0_0"].roles[1][1] == "input"


def test_dw_keeps_the_weight_across_a_structural_change():
    e = ex.dw_explorer(f=1, c=0, a=2, b=1)  # a, b: the former names of the taps u, v, still accepted
    assert set(e.controls) == {"stride", "padding", "dilation"}
    e.set(stride=2, padding=1)
    assert e.state["weight"] == (1, 0, 2, 1)
    e.set(stride=1, padding=0, dilation=2)  # the 5×5 input fits a dilated 3×3 kernel exactly once
    assert e.state["output_shape"] == (1, 1) and e.state["weight"] == (1, 0, 2, 1)


# --------------------------------------------------------------------------- 05 flipped kernel


@pytest.mark.parametrize("H,W,HH,WW,s,p,d", [
    (5, 5, 3, 3, 1, 0, 1), (6, 5, 3, 3, 2, 1, 1), (7, 6, 2, 3, 3, 0, 1), (6, 6, 2, 2, 2, 1, 2),
    (5, 4, 2, 2, 1, 2, 1),  # padding larger than the kernel extent minus one: D is cropped
])
def test_flipped_kernel_every_cell(H, W, HH, WW, s, p, d):
    e = ex.flipped_kernel_explorer(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p, dilation=d)
    C = 2
    Ho, Wo = cb.conv_output_size((H, W), (HH, WW), s, p, d)
    w, dout = e.arrays(H, W, HH, WW, Ho, Wo, C)
    w1, dout1 = e.arrays(H, W, HH, WW, Ho, Wo)  # one channel: the same channel 0
    assert np.array_equal(w1, w[:, :1]) and np.array_equal(dout1, dout)
    dx = cb.conv2d_backward_naive(dout, np.zeros((1, C, H, W)), w, s, p, d)[0][0]
    # independent construction of the prepared dout when nothing is cropped
    Eh, Ew = d * (HH - 1) + 1, d * (WW - 1) + 1
    D = e.state["D"]
    assert D.shape == (H + Eh - 1, W + Ew - 1)
    roles = next(g for g in e.scene.grids if g.id == "D").roles
    if p <= min(Eh, Ew) - 1:
        z = np.zeros_like(D)
        z[Eh - 1 - p : Eh - 1 - p + (Ho - 1) * s + 1 : s, Ew - 1 - p : Ew - 1 - p + (Wo - 1) * s + 1 : s] = dout[0, 0]
        np.testing.assert_array_equal(D, z)
        assert len(e.state["entries"]) == Ho * Wo
        assert {(r, c) for r, c in np.ndindex(D.shape) if roles[r][c] == "gradient"} == \
            {(r, c) for _, _, r, c in e.state["entries"]}
        box = {(r, c) for r in range(Eh - 1 - p, Eh - 1 - p + (Ho - 1) * s + 1)
               for c in range(Ew - 1 - p, Ew - 1 - p + (Wo - 1) * s + 1)}
        assert {(r, c) for r, c in np.ndindex(D.shape) if roles[r][c] == "blank"} == \
            box - {(r, c) for _, _, r, c in e.state["entries"]}
    assert all(D[r, c] == 0 for r, c in np.ndindex(D.shape) if roles[r][c] != "gradient")
    assert e.scene.order == [f"{c},{q},{r}" for c in range(C) for q in range(H) for r in range(W)]
    for c, q, r in itertools.product(range(C), range(H), range(W)):
        key = f"{c},{q},{r}"
        assert e.scene.select[cell_key(f"dx{c}", q, r)] == key  # clicking dx cell (q, r) selects it
        e.select(key)
        st = e.state
        assert st["current"] == (q, r) and st["channel"] == c
        np.testing.assert_array_equal(st["w_rot"], w[0, c, ::-1, ::-1])
        assert st["value"] == pytest.approx(dx[c, q, r])
        assert st["by_indices"] == pytest.approx(dx[c, q, r])
        assert st["reference"] == pytest.approx(dx[c, q, r])
        assert len(st["terms"]) == HH * WW
        # the picture: the rotated kernel's taps on D, its window, the current cell, the kernel used
        taps = {(q + u * d, r + v * d) for u in range(HH) for v in range(WW)}
        assert cells_of(e.view, "D", "kernel") == taps
        assert ("D", q, r, Eh, Ew, "highlight") in e.view.windows
        assert (f"r{c}", 0, 0, HH, WW, "highlight") in e.view.windows
        assert cells_of(e.view, f"dx{c}", "highlight") == {(q, r)}
        # dx fills in cell by cell: the cells after (q, r) of this channel show no value yet
        later = {divmod(k, W) for k in range(q * W + r + 1, H * W)}
        assert {(rr, cc) for g, rr, cc, t in e.view.texts if g == f"dx{c}" and t == ""} == later
        assert "MISMATCH" not in e.view.readout


def test_flipped_kernel_one_channel_and_selection_kept():
    e = ex.flipped_kernel_explorer(step=7)
    assert e.state["current"] == (1, 2) and e.state["channel"] == 0
    assert set(e.controls) == {"H", "W", "HH", "WW", "stride", "padding", "dilation", "C"}
    e.select("1,2,3")
    e.set(padding=1)
    assert e.state["current"] == (2, 3) and e.state["channel"] == 1
    e.set(C=1)  # channel 1 is gone: back to the first view
    assert sorted({k.split(",")[0] for k in e.scene.views}) == ["0"]
    assert e.state["current"] == (0, 0)
    assert {g.id for g in e.scene.grids} == {"D", "w0", "r0", "dx0"}
    assert "(F, C) = (1, 1) forward" in e.scene.note


def test_flipped_kernel_unused_rows_are_zero_fill():
    # H = 6, k = 3, s = 2, p = 0: the forward pass never reaches the last row and column
    e = ex.flipped_kernel_explorer(H=6, W=6, HH=3, WW=3, stride=2, padding=0, C=1)
    roles = next(g for g in e.scene.grids if g.id == "D").roles
    assert [roles[r][5] for r in range(8)] == ["padding", "padding", "unused", "unused", "unused", "unused",
                                               "padding", "padding"]
    for q, r in itertools.product(range(6), range(6)):
        e.select(f"0,{q},{r}")
        if q == 5 or r == 5:
            assert e.state["value"] == 0  # a row/column the forward pass never reached


# --------------------------------------------------------------------------- construction and settings


def test_bad_shape_settings_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"N must be at least 1"):
        ex.dw_explorer(N=-1)
    with pytest.raises(ValueError, match=r"C must be at least 1; got 0"):
        ex.flipped_kernel_explorer(C=0)


@pytest.mark.parametrize("factory,settings,error,message", [
    (ex.dw_explorer, dict(a=10), ValueError, "a must be an index into the kernel rows, 0 ≤ a < 3; got 10"),
    (ex.dw_explorer, dict(b=3), ValueError, "b must be an index into the kernel columns, 0 ≤ b < 3; got 3"),
    (ex.dw_explorer, dict(c=2), ValueError, "c must be an index into the input channels, 0 ≤ c < 2; got 2"),
    (ex.dw_explorer, dict(f=7), ValueError, "f must be an index into the filters, 0 ≤ f < 2; got 7"),
    (ex.dw_explorer, dict(pair=18), ValueError, "0 ≤ pair < 18; got 18"),
    (ex.flipped_kernel_explorer, dict(step=25), ValueError, "0 ≤ step < 25; got 25"),
    (ex.flipped_kernel_explorer, dict(WW=-1), ValueError, "WW must be at least 1; got -1"),
    (ex.dw_explorer, dict(dilation=0), ValueError, "dilation must be a positive int; got 0"),
    (ex.dw_explorer, dict(interval=0), ValueError, "interval (milliseconds per Play step) must be a positive int; got 0"),
    (ex.flipped_kernel_explorer, dict(seed=-1), ValueError, "seed (the seed of the demo values) must be a non-negative int"),
    (ex.dw_explorer, dict(f=1.0), TypeError, "f must be an int index into the filters"),
])
def test_bad_constructor_arguments_raise_a_named_error(factory, settings, error, message):
    with pytest.raises(error) as info:
        factory(**settings)
    assert message in str(info.value)


def test_valid_edge_settings_are_accepted():
    e = ex.dw_explorer(f=1, c=1, u=2, v=2, pair=17)
    assert e.state["weight"] == (1, 1, 2, 2) and e.message == ""
    assert e.state["pair"] == 17 and e.state["current"] == e.state["pairs"][17]
    assert ex.flipped_kernel_explorer(step=24).state["current"] == (4, 4)
    # a pair index cannot be checked against an invalid geometry: the setting is explained
    e = ex.dw_explorer(H=2, HH=3, padding=0, pair=40)
    assert "overhangs" in e.message
    e.set(padding=1)  # now valid: the pair index is clamped to the last pair
    assert e.message == "" and e.state["current"] == e.state["pairs"][-1]


@pytest.mark.parametrize("factory,settings,expected", [
    (ex.dw_explorer, dict(H=2, HH=3, padding=0), "overhangs"),
    (ex.flipped_kernel_explorer, dict(H=2, HH=4, padding=0), "overhangs"),
])
def test_invalid_initial_settings_explain_without_raising(factory, settings, expected):
    e = factory(**settings)
    assert expected in e.message and e.message[0].isupper()
    assert e.scene is None and e.widget.layout.display == "none"
    assert e.state["valid"] is False
    assert e._repr_mimebundle_()["text/plain"].endswith("(run the cell in Jupyter to use it)")
    e.set(padding=2)
    assert e.message == "" and e.widget.layout.display is None and e.state["valid"] is True


@pytest.mark.parametrize("factory", [ex.dw_explorer, ex.flipped_kernel_explorer], ids=lambda f: f.__name__)
def test_random_slider_sweep_states_agree(factory):
    rng = np.random.default_rng(7)
    e = factory()
    names = list(e.controls)
    for _ in range(30):
        w = e.controls[names[rng.integers(len(names))]]
        assert isinstance(w, widgets.IntSlider)
        w.value = int(rng.integers(w.min, w.max + 1))
        assert (e.message == "") == bool(e.state.get("valid", False))
        if e.scene is not None:
            assert np.isclose(e.state["value"], e.state["reference"])


@pytest.mark.parametrize("factory,largest", [
    (ex.dw_explorer, dict(stride=1, padding=2, dilation=1)),
    (ex.flipped_kernel_explorer, dict(H=7, W=7, HH=4, WW=4, stride=1, padding=0, dilation=1, C=2)),
], ids=["dw", "flipped"])
def test_scene_json_stays_modest(factory, largest):
    e = factory()
    assert len(e.widget.scene.encode()) < 150_000
    e.set(**largest)
    # dw's largest setting steps through 36 weights × 98 (x, dout) pairs: 3528 steps, about
    # 110 bytes each in the compact encoding
    assert len(e.widget.scene.encode()) < (450_000 if factory is ex.dw_explorer else 200_000)

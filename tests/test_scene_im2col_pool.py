"""The im2col explorer (notebook 06) and the pooling explorer (notebook 07) as scenes, and
``cb.pool_routes``.

Every check compares the scene's views and ``.state`` with an independent oracle: a loop over
the windows (im2col, overlap counts), perturbing one input entry at a time (which entries a
column copies), finite differences and the naive backward loops fed a one-hot dout (where one
window's gradient lands). tests/test_browser.py clicks the same selector cells in JupyterLab and
compares the SVG with these views.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop.scenes.im2col_scene import im2col_scene
from conv_backprop.drawing import format_number
from conv_backprop.scene import cell_key


def padded(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def cells_of(view, grid, role=None):
    return {(r, c) for g, r, c, rl in view.cells if g == grid and (role is None or rl == role)}


def grid_of(scene, gid):
    return next(g for g in scene.grids if g.id == gid)


def parse_number(text: str) -> float:
    return float(Fraction(text.replace("−", "-")))


# --------------------------------------------------------------------------- 06 im2col


IM2COL = [(1, 4, 4, 2, 2, 1, 0), (2, 5, 4, 3, 2, 2, 1), (1, 6, 6, 3, 3, 3, 1), (2, 6, 6, 3, 3, 1, 1),
          (1, 6, 6, 1, 1, 1, 1), (1, 5, 6, 1, 2, 3, 0)]


@pytest.mark.parametrize("C,H,W,HH,WW,s,p", IM2COL)
def test_im2col_columns_and_counts(C, H, W, HH, WW, s, p):
    e = ex.im2col_explorer(C=C, H=H, W=W, HH=HH, WW=WW, stride=s, padding=p)
    x = e.input_for(C, H, W)
    xpad = padded(x, p)
    Ho, Wo = cb.conv_output_size((H, W), (HH, WW), s, p)
    assert e.state["cols_shape"] == (C * HH * WW, Ho * Wo)
    np.testing.assert_array_equal(e.state["x"], x[0])
    count = np.zeros((H + 2 * p, W + 2 * p))
    for i, j in itertools.product(range(Ho), range(Wo)):
        count[i * s : i * s + HH, j * s : j * s + WW] += 1
    assert e.scene.order == [str(k) for k in range(Ho * Wo)]
    for k in range(Ho * Wo):
        e.select(str(k))
        i, j = divmod(k, Wo)
        st = e.state
        assert st["column"] == k and st["window"] == (i, j)
        expected = [xpad[0, c, i * s + a, j * s + b] for c in range(C) for a in range(HH) for b in range(WW)]
        np.testing.assert_array_equal(st["column_values"], expected)
        np.testing.assert_array_equal(st["patch"], xpad[0, :, i * s : i * s + HH, j * s : j * s + WW])
        assert f"cols[:, {k}] = [" in e.view.readout
    np.testing.assert_array_equal(e.state["counts"], count[p : p + H, p : p + W])
    # the heat map's roles follow the counts (0: in no window, 1: one, ≥ 2: several)
    counts = grid_of(e.scene, "count")
    for (r, c), n in np.ndenumerate(count[p : p + H, p : p + W]):
        assert counts.roles[r][c] == ("unused" if n == 0 else "blank" if n == 1 else "gradient")
        assert counts.texts[r][c] == str(int(n))


@pytest.mark.parametrize("C,H,W,HH,WW,s,p", IM2COL)
def test_im2col_every_selector_shows_what_the_column_copies(C, H, W, HH, WW, s, p):
    sc, base = im2col_scene(C, H, W, HH, WW, s, p)
    sc.finish()
    x = ex.im2col_explorer(C=C, H=H, W=W, HH=HH, WW=WW, stride=s, padding=p).input_for(C, H, W)
    cols = cb.im2col(x, (HH, WW), s, p)
    nrow, ncol = cols.shape
    # brute force: perturb each x entry; which (row, column) entries of cols change?
    reads = {}  # column -> {(channel, padded row, padded col)}
    rows_from_x = {}  # column -> {row}
    for c, q, r in itertools.product(range(C), range(H), range(W)):
        x2 = x.copy()
        x2[0, c, q, r] += 1.0
        for row, k in np.argwhere(cb.im2col(x2, (HH, WW), s, p) != cols):
            reads.setdefault(k, set()).add((c, q + p, r + p))
            rows_from_x.setdefault(k, set()).add(row)
    blocks = sorted((g for g in sc.grids if g.id.startswith("cols")), key=lambda g: g.id)
    where = {}  # column -> (block id, local column)
    for g in blocks:
        for local, label in enumerate(g.col_labels):
            where[int(label)] = (g.id, local)
        assert g.row_labels == [f"{c},{u},{v}" for c in range(C) for u in range(HH) for v in range(WW)]
    assert sorted(where) == list(range(ncol))
    Wo = cb.conv_output_size((H, W), (HH, WW), s, p)[1]
    for k in range(ncol):
        i, j = divmod(k, Wo)
        v = sc.views[str(k)]
        blk, local = where[k]
        # clicking the top-left entry of the window (every channel) or any entry of the column
        for c in range(C):
            assert sc.select[cell_key(f"x{c}", i * s, j * s)] == str(k)
        for row in range(nrow):
            assert sc.select[cell_key(blk, row, local)] == str(k)
        # the highlighted x entries are exactly those the column copies (padding stays hatched)
        shown = {(c, r, q) for c in range(C) for r, q in cells_of(v, f"x{c}", "highlight")}
        assert shown == reads.get(k, set())
        assert cells_of(v, blk, "highlight") == {(row, local) for row in rows_from_x.get(k, set())}
        grid = grid_of(sc, blk)
        for row in range(nrow):  # entries copied from the padding are the hatched zeros
            assert (grid.roles[row][local] == "padding") == (row not in rows_from_x.get(k, set()))
            assert grid.texts[row][local] == format_number(cols[row, k])
        assert (blk, 0.0, float(local), float(nrow), 1.0, "highlight") in [
            (g, float(r), float(c), float(h), float(w), role) for g, r, c, h, w, role in v.windows]
        # one arrow from the patch (channel 0, middle of its right edge) to the top of its column
        assert v.arrows == [(("x0", i * s + (HH - 1) // 2, j * s + WW - 1, "right"), (blk, 0, local, "top"),
                             "highlight", "")]
    assert set(sc.select.values()) == set(sc.views)


def test_im2col_keeps_the_column_and_explains_invalid_settings():
    e = ex.im2col_explorer(C=1, H=4, W=4, HH=2, WW=2, stride=1, column=4)
    assert e.state["column"] == 4 and e.state["window"] == (1, 1)
    e.set(padding=1)  # 5×5 windows: column 4 still exists (now window (0, 4))
    assert e.state["column"] == 4 and e.state["window"] == (0, 4)
    e.set(W=2, WW=3, padding=0)
    assert "overhangs" in e.message and e.state["valid"] is False and e.scene is None
    e.set(WW=2)
    assert e.message == "" and e.state["valid"] is True


# --------------------------------------------------------------------------- 07 pooling


def fd_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


POOL_SHAPES = [(6, 6, 2, 2, 2, 0), (6, 5, 3, 3, 2, 1), (5, 7, 3, 3, 1, 0), (7, 7, 2, 2, 3, 1),
               (6, 7, 3, 2, 1, 1), (5, 6, 1, 4, 2, 0)]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("H,W,kh,kw,s,p", POOL_SHAPES)
def test_pooling_routes_against_finite_differences(mode, H, W, kh, kw, s, p):
    # non-integer input: no ties, so the gradient exists and finite differences apply
    e = ex.pooling_explorer(mode=mode, integer_input=False, H=H, W=W, kernel_h=kh, kernel_w=kw, stride=s,
                            padding=p)
    st = e.state
    assert st["kernel"] == (kh, kw)
    x, dout = st["x"][None, None], st["dout"][None, None]
    fwd = cb.maxpool2d_forward_naive if mode == "max" else cb.avgpool2d_forward_naive
    np.testing.assert_allclose(st["out"], fwd(x, (kh, kw), s, p)[0, 0])
    num = fd_gradient(lambda z: float(np.sum(fwd(z, (kh, kw), s, p) * dout)), x)[0, 0]
    np.testing.assert_allclose(st["dx"], num, atol=1e-6)
    np.testing.assert_allclose(st["reference"], num, atol=1e-6)
    if mode == "max":
        assert len(st["routes"]) == dout.size  # one winner per window
    Wo = dout.shape[3]
    for sel in range(dout.size):
        i, j = divmod(sel, Wo)
        e.select(f"{i},{j}")
        assert e.state["selected"] == (i, j)
        assert e.state["selected_routes"] and all(rt[:2] == (i, j) for rt in e.state["selected_routes"])
    # the dx grid shows the accumulated dx
    dxg = grid_of(e.scene, "dx")
    for (r, c), v in np.ndenumerate(st["dx"]):
        assert float(dxg.texts[r][c].replace("−", "-")) == pytest.approx(v, abs=0.006)
        assert dxg.roles[r][c] == ("gradient" if v != 0 else "blank")


POOL_VIEWS = [
    dict(mode="max", ties="first", integer_input=True, H=6, W=6, kernel=2, stride=2, padding=0),
    dict(mode="max", ties="split", integer_input=True, H=8, W=8, kernel=3, stride=2, padding=1),
    dict(mode="max", ties="split", integer_input=True, H=6, W=7, kernel=2, kernel_w=3, stride=1, padding=1),
    dict(mode="average", ties="first", integer_input=False, H=6, W=6, kernel=3, kernel_h=2, stride=1, padding=1),
    dict(mode="average", ties="first", integer_input=True, H=5, W=5, kernel=4, stride=3, padding=2),
]


@pytest.mark.parametrize("settings", POOL_VIEWS)
def test_pooling_every_dout_cell_shows_where_its_gradient_lands(settings):
    e = ex.pooling_explorer(**settings)
    st, sc = e.state, e.scene
    mode, ties = settings["mode"], settings["ties"]
    kh, kw = st["kernel"]
    s, p = settings["stride"], settings["padding"]
    x, dout = st["x"][None, None], st["dout"][None, None]
    Ho, Wo = st["output_shape"]
    winners = set()
    for i, j in itertools.product(range(Ho), range(Wo)):
        # oracle: the naive backward loop with a one-hot dout at (i, j)
        onehot = np.zeros_like(dout)
        onehot[0, 0, i, j] = dout[0, 0, i, j]
        if mode == "max":
            lands = cb.maxpool2d_backward_naive(onehot, x, (kh, kw), s, p, ties=ties)[0, 0]
        else:
            lands = cb.avgpool2d_backward_naive(onehot, x, (kh, kw), s, p)[0, 0]
        receiving = {(int(r), int(c)) for r, c in np.argwhere(lands != 0)}
        winners |= receiving
        key = f"{i},{j}"
        assert sc.select[cell_key("dout", i, j)] == key  # clicking dout (i, j) selects its window
        v = sc.views[key]
        assert cells_of(v, "dout", "highlight") == {(i, j)}
        assert cells_of(v, "share", "highlight") == receiving
        assert cells_of(v, "dx", "highlight") == receiving
        assert set(v.state["receiving"]) == receiving
        shares = {(r, c): t for g, r, c, t in v.texts if g == "share"}
        assert set(shares) == receiving
        for (r, c), t in shares.items():
            assert parse_number(t) == pytest.approx(lands[r, c])  # the share, as an exact fraction
        assert [t for g, _, _, t in v.texts if g == "g"] == [format_number(dout[0, 0, i, j])]
        # x: the window outlined; under max pooling its winners highlighted
        assert ("x", i * s, j * s, kh, kw, "highlight") in v.windows
        if mode == "max":
            assert cells_of(v, "x", "highlight") == {(r + p, c + p) for r, c in receiving}
        else:
            assert not cells_of(v, "x")
        # the arrows start at g and end on receiving cells of the blank share grid only
        ends = {(b[1], b[2]) for a, b, _, _ in v.arrows}
        assert all(a == ("g", 0, 0) and b[0] == "share" for a, b, _, _ in v.arrows)
        if mode == "max":
            assert ends == receiving
        else:
            assert len(v.arrows) == 1 and ends <= receiving
    # every input entry that wins some window is marked (max), and nothing else
    xg = grid_of(sc, "x")
    kernel_cells = {(r, c) for r, row in enumerate(xg.roles) for c, role in enumerate(row) if role == "kernel"}
    assert kernel_cells == ({(r + p, c + p) for r, c in winners} if mode == "max" else set())
    # the share grid is blank outside the selected window: arrows cross no number
    share = grid_of(sc, "share")
    assert all(t == "" for row in share.texts for t in row)
    assert all(role == "blank" for row in share.roles for role in row)


@pytest.mark.parametrize("ties", ["first", "split"])
def test_pooling_ties(ties):
    e = ex.pooling_explorer(mode="max", ties=ties, integer_input=True, H=6, W=6, kernel=3, stride=2, padding=1)
    st = e.state
    x, dout = st["x"], st["dout"]
    naive = cb.maxpool2d_backward_naive(dout[None, None], x[None, None], 3, 2, 1, ties=ties)[0, 0]
    np.testing.assert_allclose(st["dx"], naive)
    xpad = np.pad(x, 1, constant_values=-np.inf)
    n_ties = 0
    for i, j in np.ndindex(dout.shape):
        win = xpad[2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
        winners = [(2 * i + a - 1, 2 * j + b - 1) for a, b in np.argwhere(win == win.max())]
        routes = [(r, c, amt) for ii, jj, r, c, amt in st["routes"] if (ii, jj) == (i, j)]
        if ties == "first":
            assert routes == [(*winners[0], dout[i, j])]
        else:
            assert [(r, c) for r, c, _ in routes] == winners
            assert all(amt == pytest.approx(dout[i, j] / len(winners)) for *_, amt in routes)
        if len(winners) > 1:
            n_ties += 1
            e.select(f"{i},{j}")
            assert "a tie" in e.view.readout and f"ties='{ties}'" in e.view.readout
    assert n_ties > 0  # the integer input really has ties


def test_pooling_toggles_and_invalid_settings():
    e = ex.pooling_explorer(mode="max", H=6, W=6, kernel=2, stride=2)
    e.set(mode="average")
    assert e.state["mode"] == "average" and "average pooling" in e.scene.note
    assert "g/(HH·WW)" in e.view.readout
    e.set(padding=2)  # more than half of kernel 2
    assert "more than half the kernel" in e.message and e.state["valid"] is False
    e.set(padding=0, kernel_h=4, kernel_w=4, H=3)
    assert "overhangs" in e.message
    e.set(H=6, integer_input=False, ties="split")
    assert e.message == "" and np.allclose(e.state["dx"], e.state["reference"])
    assert "✓" in e.scene.note
    e.set(kernel_h=1, kernel_w=3, padding=1)  # a rectangular kernel: half its height is 0
    assert "more than half the kernel height (1 // 2 = 0)" in e.message


def test_pooling_rectangular_kernel_and_selection_kept():
    e = ex.pooling_explorer(kernel=3, kernel_h=2, stride=1, padding=1, window=8)
    assert e.value("kernel_h") == 2 and e.value("kernel_w") == 3 and e.state["kernel"] == (2, 3)
    assert e.state["output_shape"] == (7, 6) and e.state["selected"] == (1, 2)
    np.testing.assert_allclose(e.state["dx"], e.state["reference"])
    e.set(kernel_w=2)  # 7×7 windows: (1, 2) still exists
    assert e.state["selected"] == (1, 2)
    e.set(stride=4, padding=0)  # 2×2 windows: (1, 2) is gone, back to the first
    assert e.state["selected"] == (0, 0)


def test_pooling_draws_only_the_selected_windows_routes():
    e = ex.pooling_explorer(mode="max", ties="split", H=8, W=8, kernel=4, stride=1, padding=1)
    routes = e.state["routes"]
    assert len(routes) > 40  # the old engine drew them all up to 40
    for key, v in e.scene.views.items():
        mine = [rt for rt in routes if f"{rt[0]},{rt[1]}" == key]
        assert len(v.arrows) == len(mine) == len(v.state["selected_routes"])


# --------------------------------------------------------------------------- cb.pool_routes


def test_pool_routes_sum_to_the_backward_passes():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(150):
        H, W = (int(v) for v in rng.integers(1, 8, 2))
        kh, kw = (int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
        if kh > H + 2 * p[0] or kw > W + 2 * p[1]:
            continue
        x = rng.integers(0, 3, size=(H, W)).astype(float)  # ties likely
        Ho, Wo = cb.conv_output_size((H, W), (kh, kw), s, p)
        dout = rng.normal(size=(Ho, Wo))
        for mode, ties in (("max", "first"), ("max", "split"), ("average", "first")):
            routes = cb.pool_routes(dout, x, (kh, kw), s, p, mode=mode, ties=ties)
            dx = np.zeros((H, W))
            for i, j, r, c, amount in routes:
                assert 0 <= i < Ho and 0 <= j < Wo and 0 <= r < H and 0 <= c < W
                dx[r, c] += amount
            if mode == "max":
                ref = cb.maxpool2d_backward(dout[None, None], x[None, None], (kh, kw), s, p, ties=ties)[0, 0]
                if ties == "first":
                    assert [rt[:2] for rt in routes] == [(i, j) for i in range(Ho) for j in range(Wo)]
            else:
                ref = cb.avgpool2d_backward(dout[None, None], x[None, None], (kh, kw), s, p)[0, 0]
            np.testing.assert_allclose(dx, ref, atol=1e-12)
            checked += 1
    assert checked > 100


def test_pool_routes_follow_the_nan_rule_and_name_bad_arguments():
    x = np.array([[1.0, np.nan], [np.nan, 5.0]])
    routes = cb.pool_routes(np.array([[2.0]]), x, 2, mode="max", ties="split")
    assert routes == [(0, 0, 1, 0, 2.0)]  # the last NaN in row-major order takes it all, as in PyTorch
    ref = cb.maxpool2d_backward(np.full((1, 1, 1, 1), 2.0), x[None, None], 2, ties="split")[0, 0]
    assert ref[1, 0] == 2.0 and np.count_nonzero(ref) == 1
    with pytest.raises(ValueError, match="mode must be 'max' or 'average'; got 'median'"):
        cb.pool_routes(np.ones((1, 1)), np.ones((2, 2)), 2, mode="median")
    with pytest.raises(ValueError, match="ties must be 'first' or 'split'"):
        cb.pool_routes(np.ones((1, 1)), np.ones((2, 2)), 2, ties="last")
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 1\)"):
        cb.pool_routes(np.ones((2, 2)), np.ones((2, 2)), 2)
    with pytest.raises(ValueError, match=r"x must be 2-D with layout \(H, W\), one channel"):
        cb.pool_routes(np.ones((1, 1)), np.ones((1, 1, 2, 2)), 2)
    with pytest.raises(ValueError, match="padding must be at most half the kernel size"):
        cb.pool_routes(np.ones((2, 2)), np.ones((2, 2)), 2, padding=2)


# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize("factory,settings,error,message", [
    (ex.im2col_explorer, dict(column=9), ValueError, "0 ≤ column < 9; got 9"),
    (ex.pooling_explorer, dict(window=9), ValueError, "0 ≤ window < 9; got 9"),
    (ex.pooling_explorer, dict(mode="median"), ValueError, "mode must be 'max' or 'average'; got 'median'"),
    (ex.pooling_explorer, dict(mode=None), TypeError, "mode must be 'max' or 'average'; got None"),
    (ex.pooling_explorer, dict(ties="last"), ValueError, "ties must be 'first' or 'split'; got 'last'"),
    (ex.pooling_explorer, dict(integer_input="no"), TypeError, "integer_input must be True or False; got 'no'"),
    (ex.pooling_explorer, dict(H=0), ValueError, "H must be at least 1; got 0"),
    (ex.pooling_explorer, dict(kernel=2.0), TypeError, "kernel must be a positive int; got 2.0"),
    (ex.pooling_explorer, dict(kernel_w=0), ValueError, "kernel_w must be at least 1; got 0"),
    (ex.pooling_explorer, dict(kernel_h=1.5), TypeError, "kernel_h must be a positive int; got 1.5"),
    (ex.im2col_explorer, dict(C=0), ValueError, "C must be at least 1; got 0"),
    (ex.im2col_explorer, dict(padding=0.5), TypeError, "padding must be a non-negative int (0 or more); got 0.5"),
    (ex.pooling_explorer, dict(seed="a"), TypeError, "seed (the seed of the demo values)"),
    (ex.im2col_explorer, dict(interval=0), ValueError, "interval (milliseconds per Play step)"),
])
def test_bad_constructor_arguments_raise_a_named_error(factory, settings, error, message):
    with pytest.raises(error) as info:
        factory(**settings)
    assert message in str(info.value)


def test_valid_edge_settings_are_accepted():
    assert ex.pooling_explorer(mode="avg").value("mode") == "average"
    assert ex.pooling_explorer(integer_input=0).value("integer_input") is False
    assert ex.pooling_explorer(window=8).state["selected"] == (2, 2)
    assert ex.im2col_explorer(column=8).state["window"] == (2, 2)
    e = ex.pooling_explorer(H=12, kernel=5, stride=5)  # beyond the sliders' default ranges
    assert e.message == "" and e.value("H") == 12 and e.value("kernel_h") == 5
    # a window index cannot be checked against an invalid setting: it is explained instead
    e = ex.pooling_explorer(kernel=2, padding=2, window=20)
    assert "more than half the kernel" in e.message


@pytest.mark.parametrize("factory,settings,expected", [
    (ex.im2col_explorer, dict(W=2, WW=3, padding=0), "overhangs"),
    (ex.pooling_explorer, dict(kernel=2, padding=2), "more than half the kernel"),
    (ex.pooling_explorer, dict(H=3, kernel=4, padding=0), "overhangs"),
])
def test_invalid_initial_settings_explain_without_raising(factory, settings, expected):
    e = factory(**settings)
    assert expected in e.message and e.message[0].isupper()
    assert e.widget.layout.display == "none" and e.scene is None
    assert e.state["valid"] is False
    assert e._repr_mimebundle_()["text/plain"].endswith("(run the cell in Jupyter to use it)")


@pytest.mark.parametrize("factory", [ex.im2col_explorer, ex.pooling_explorer], ids=lambda f: f.__name__)
def test_default_scenes_are_small(factory):
    e = factory()
    assert len(json.dumps(e.scene.to_json())) < 40_000

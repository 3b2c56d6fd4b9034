"""Drive every explorer without a browser: set widget values, update, and check what is
highlighted and the numbers shown against independent oracles (brute force by perturbation,
the naive loops, finite differences), and that invalid settings give an explanation instead of
an exception."""

from __future__ import annotations

import base64
import io
import itertools
import zlib

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop import drawing
from conv_backprop.explorers._base import encode_png

ALL = [
    ex.sliding_window_explorer,
    ex.fan_in_explorer,
    ex.fan_out_explorer,
    ex.dw_explorer,
    ex.flipped_kernel_explorer,
    ex.im2col_explorer,
    ex.pooling_explorer,
]


def set_controls(e, **values):
    """Set several controls, then update once more (as the widget does on every change)."""
    for k, v in values.items():
        e.controls[k].value = v
    e.update()
    return e


def png_shape(data: bytes):
    im = Image.open(io.BytesIO(data))
    assert im.format == "PNG"
    return im.size


def padded(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


# --------------------------------------------------------------------------- shared machinery


def test_exports_are_the_seven_explorers():
    assert sorted(ex.__all__) == sorted(f.__name__ for f in ALL)
    assert len(ALL) == 7


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_explorer_is_a_widget_with_state(factory):
    e = factory()
    assert isinstance(e, widgets.VBox)
    assert e.message == ""
    assert e.state.get("valid", True) is True and "error" not in e.state
    assert e.controls and all(isinstance(w, widgets.Widget) for w in e.controls.values())
    w, h = png_shape(e.image.value)
    assert 300 < w < 1400 and 150 < h < 900
    assert isinstance(e.figure, Figure)
    assert e.readout.value  # the explanation under the picture
    e.close()


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_any_exception_becomes_a_message(factory, monkeypatch):
    e = factory()

    def boom():
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setattr(e, "_render", boom)
    e.update()  # must not raise
    assert "index 7 is out of bounds" in e.message
    assert e.state == {"error": e.message}
    assert e.image.layout.display == "none"
    assert "Not a valid setting" in e.message_box.value


def test_encode_png_round_trips():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(13, 17, 4), dtype=np.uint8)
    fast = Image.open(io.BytesIO(encode_png(rgba)))  # every slider step: RGBA as it is
    assert fast.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(fast), rgba)
    # a frame large enough to be deflated in two halves on two threads, joined into one stream
    big = np.full((600, 900, 4), 255, np.uint8)
    big[100:300, 200:700, :3] = rng.integers(0, 256, size=(200, 500, 3), dtype=np.uint8)
    data = encode_png(big)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), big)
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    scanlines = zlib.decompress(idat)  # checks the Adler-32 of the joined stream too
    assert len(scanlines) == 600 * (1 + 4 * 900)
    small = Image.open(io.BytesIO(encode_png(rgba, fast=False)))  # stored outputs: RGB
    assert small.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(small), rgba[:, :, :3])


def _frame_vs_full_render(e):
    """Fraction of pixels where the explorer's fast frame (background painted from the grids'
    arrays, cached labels, legends and text sprites, changed cells on top) differs from a full
    matplotlib render of the same state (every artist made and drawn), allowing a 1-pixel
    shift (text sprites and pasted labels may sit a pixel off matplotlib's own placement)."""
    fast = np.asarray(Image.open(io.BytesIO(e.image.value)).convert("RGB")).astype(int)
    full = e.scene.full_render()[:, :, :3].astype(int)
    assert fast.shape == full.shape
    best = np.full(fast.shape[:2], 255)
    for dy, dx in itertools.product((-1, 0, 1), repeat=2):
        shifted = np.roll(np.roll(full, dy, axis=0), dx, axis=1)
        best = np.minimum(best, np.abs(fast - shifted).max(axis=2))
    return (best > 60).mean(), fast


FRAME_CASES = [
    (ex.sliding_window_explorer, dict(H=7, W=6, HH=3, WW=2, stride=2, padding=2, dilation=2, step=3)),
    (ex.fan_in_explorer, dict(i=2, j=3)),
    (ex.fan_out_explorer, dict(stride=2, padding=1)),
    (ex.dw_explorer, dict(stride=1, padding=1)),
    (ex.flipped_kernel_explorer, dict(H=6, W=6, stride=2, padding=1)),
    (ex.im2col_explorer, dict(C=2, H=5, W=5, HH=3, WW=3, stride=2, padding=1, column=3)),
    (ex.pooling_explorer, dict(mode="max", ties="split", H=8, W=8, kernel=3, stride=2, padding=1, window=5)),
]


@pytest.mark.parametrize("factory, settings", FRAME_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_fast_frame_equals_a_full_redraw(factory, settings):
    e = factory(**settings)
    # a structural change and back: the frame shown comes from a rebuilt background and caches
    name = "stride" if "stride" in e.controls else "padding"
    old = e.controls[name].value
    e.controls[name].value = old + 1 if old < e.controls[name].max else old - 1
    e.controls[name].value = old
    assert e.message == ""
    differs, fast = _frame_vs_full_render(e)
    assert differs < 0.005, f"{differs:.3%} of pixels differ"


@pytest.mark.parametrize("factory, settings", FRAME_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_revisited_setting_shows_the_same_picture(factory, settings):
    # Backgrounds are kept by setting: going back to a setting restores its pixels. The frame
    # must be exactly what a fresh explorer draws there, and another setting must not be.
    e = factory(**settings)
    name = "stride" if "stride" in e.controls else "padding"
    old = e.controls[name].value
    new = old + 1 if old < e.controls[name].max else old - 1
    first = np.asarray(Image.open(io.BytesIO(e.image.value)))
    e.controls[name].value = new
    elsewhere = np.asarray(Image.open(io.BytesIO(e.image.value)))
    e.controls[name].value = old
    assert len(e.scene._bg_cache) == 2
    again = np.asarray(Image.open(io.BytesIO(e.image.value)))
    # a fresh explorer in the same state (the move may have clamped the selection)
    f = factory(**settings)
    for k, w in e.controls.items():
        if not isinstance(w, widgets.Play):
            f.controls[k].value = w.value
    assert len(f.scene._bg_cache) == 1  # no rebuild: the same setting as at the start
    np.testing.assert_array_equal(again, np.asarray(Image.open(io.BytesIO(f.image.value))))
    assert elsewhere.shape != first.shape or (elsewhere != first).any()


def test_frame_comparison_catches_a_wrong_frame():
    e = ex.fan_in_explorer(i=2, j=3)
    fast = np.asarray(Image.open(io.BytesIO(e.image.value)).convert("RGB")).astype(int)
    e.controls["j"].value = 0  # another output selected: a different picture
    other = np.asarray(Image.open(io.BytesIO(e.image.value)).convert("RGB")).astype(int)
    assert (np.abs(other - fast).max(axis=2) > 60).mean() > 0.005


# --------------------------------------------------------------------------- drawing


def test_draw_grid_labels_and_updates_in_place():
    fig = drawing.new_figure(4, 3)
    ax = fig.add_axes((0, 0, 1, 1))
    g = drawing.draw_grid(ax, np.array([[1, -2.5], [0.125, 4]]), role="input", title="x", origin=(1, 2))
    assert g.shape == (2, 2)
    assert [t.get_text() for t in g.texts.ravel()] == ["1", "−2.5", "0.125", "4"]
    assert len(g.labels) == 4 and g.title.get_text() == "x"
    assert g.center(0, 0) == (2.5, 1.5)
    drawing.highlight_cells(g, [(1, 1)])
    assert g.roles[1, 1] == "highlight" and g.cells[1, 1].get_linewidth() == 3.0
    g.set_role(0, 0, "padding")
    assert g.cells[0, 0].get_hatch() == "//"
    g.set_text(0, 1, 7)
    assert g.texts[0, 1].get_text() == "7"


@pytest.mark.parametrize("curvature", [0.0, -0.25, 0.4])
def test_arrows_look_like_matplotlib_fancy_arrows(curvature):
    # Oracle: matplotlib's own FancyArrowPatch ("-|>", arc3) with the same settings, drawn on an
    # identical canvas. Arrows computes the shrunk Bézier and the head itself; the pictures must
    # agree to anti-aliasing noise (a wrong control point, shrink or head would move pixels).
    from matplotlib.patches import FancyArrowPatch

    rng = np.random.default_rng(3)
    segments = [(tuple(rng.uniform(0, 10, 2)), tuple(rng.uniform(0, 10, 2))) for _ in range(12)]
    segments.append(((5.0, 5.0), (5.05, 5.0)))  # shorter than the shrink: left unshrunk
    pictures = []
    for ours in (False, True):
        fig = drawing.new_figure(6, 6, 80)
        ax = fig.add_axes((0, 0, 1, 1))
        drawing.setup_axes(ax, 0, 10, 0, 10)
        if ours:
            drawing.draw_arrows(ax, segments, role="gradient", curvature=curvature, lw=1.8, shrink=6)
        else:
            for a, b in segments:
                ax.add_artist(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, lw=1.8,
                                              color=drawing.COLORS["gradient"], shrinkA=6, shrinkB=6,
                                              connectionstyle=f"arc3,rad={curvature}"))
        fig.canvas.draw()
        pictures.append(np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int))
    diff = np.abs(pictures[0] - pictures[1]).max(axis=2)
    assert (pictures[0] < 250).mean() > 0.005  # the arrows are there
    assert (diff > 40).mean() < 1e-4, f"{(diff > 40).mean():.4%} of pixels differ"


def test_draw_grid_rejects_bad_input():
    fig = drawing.new_figure(4, 3)
    ax = fig.add_axes((0, 0, 1, 1))
    with pytest.raises(ValueError, match="role"):
        drawing.draw_grid(ax, (2, 2), role="bogus")
    with pytest.raises(ValueError, match="2-D"):
        drawing.draw_grid(ax, np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        drawing.draw_grid(ax, (2, 2), role=[["input"]])


def test_roles_differ_by_more_than_colour():
    looks = {r: (st["hatch"], st["lw"], st["ls"]) for r, st in drawing.ROLE_STYLES.items()}
    # the roles that can share a grid are told apart without colour
    for a, b in itertools.combinations(["input", "padding", "kernel", "highlight", "unused"], 2):
        assert looks[a] != looks[b], (a, b)
    assert drawing.format_number(-3.0) == "−3" and drawing.format_number(-np.inf) == "−∞"


# --------------------------------------------------------------------------- 01 sliding window


SLIDING = [
    dict(H=5, W=5, HH=3, WW=3, stride=1, padding=1, dilation=1),
    dict(H=6, W=7, HH=3, WW=2, stride=2, padding=1, dilation=1),
    dict(H=7, W=5, HH=2, WW=3, stride=3, padding=0, dilation=2),
    dict(H=9, W=4, HH=5, WW=1, stride=4, padding=2, dilation=1),
]


@pytest.mark.parametrize("settings", SLIDING)
def test_sliding_window_against_perturbation(settings):
    e = ex.sliding_window_explorer(**settings)
    H, W, HH, WW = (settings[k] for k in ("H", "W", "HH", "WW"))
    s, p, d = settings["stride"], settings["padding"], settings["dilation"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 1, H, W))
    w = np.ones((1, 1, HH, WW))
    out = cb.conv2d_forward_naive(x, w, np.zeros(1), s, p, d)
    Ho, Wo = out.shape[2:]
    assert e.state["output_shape"] == (Ho, Wo)
    # brute force: which inputs does each output read? perturb one input at a time
    reads = {}
    for q, r in itertools.product(range(H), range(W)):
        x2 = x.copy()
        x2[0, 0, q, r] += 1.0
        changed = np.argwhere(~np.isclose(cb.conv2d_forward_naive(x2, w, np.zeros(1), s, p, d), out))
        for _, _, i, j in changed:
            reads.setdefault((i, j), set()).add((q + p, r + p))
    for k in range(Ho * Wo):
        e.controls["step"].value = k
        i, j = divmod(k, Wo)
        assert e.state["current"] == (i, j)
        inside = {(a, b) for a, b in e.state["taps"] if p <= a < p + H and p <= b < p + W}
        assert inside == reads.get((i, j), set())
        assert len(e.state["taps"]) == HH * WW
    # unused rows: padded rows after the last window; real inputs there change no output
    touched_rows = {a for v in reads.values() for a, _ in v}
    for r in e.state["unused_rows"]:
        assert r not in touched_rows
    last = (Ho - 1) * s + d * (HH - 1)
    assert e.state["unused_rows"] == list(range(last + 1, H + 2 * p))
    assert e.state["formula"]["height"].endswith(f"= {Ho}")
    assert f"H_out = " in e.readout.value


def test_sliding_window_play_walks_the_outputs():
    e = ex.sliding_window_explorer(H=4, W=4, HH=2, WW=2, stride=2, padding=0)
    assert e.controls["play"].max == 3
    e.controls["play"].value = 3
    assert e.controls["step"].value == 3 and e.state["current"] == (1, 1)


def test_sliding_window_invalid_setting_explains():
    e = ex.sliding_window_explorer(H=3, W=5, HH=3, WW=3, padding=0)
    set_controls(e, HH=5)  # 5 rows do not fit in 3
    assert "overhangs by 2 rows" in e.message
    assert e.message[0].isupper()
    assert e.state["valid"] is False
    assert e.image.layout.display == "none"
    set_controls(e, HH=3)
    assert e.message == "" and e.image.layout.display is None


# --------------------------------------------------------------------------- 02 fan-in


@pytest.mark.parametrize("s,p,d", [(1, 1, 1), (2, 0, 1), (2, 2, 2), (3, 1, 1)])
def test_fan_in_dot_product(s, p, d):
    e = ex.fan_in_explorer(N=2, C=3, H=5, W=6, F=2, HH=2, WW=3, stride=s, padding=p, dilation=d)
    out = cb.conv2d_forward_naive(e.x, e.w, e.b, s, p, d)
    xpad = padded(e.x, p)
    Ho, Wo = out.shape[2:]
    for n, f, i, j in [(0, 0, 0, 0), (1, 1, Ho - 1, Wo - 1), (1, 0, Ho // 2, Wo - 1)]:
        set_controls(e, n=n, f=f, i=i, j=j)
        st = e.state
        assert st["index"] == (n, f, i, j)
        mine = sum(xpad[n, c, i * s + a * d, j * s + b * d] * e.w[f, c, a, b]
                   for c in range(3) for a in range(2) for b in range(3)) + e.b[f]
        assert st["value"] == pytest.approx(out[n, f, i, j])
        assert st["value"] == pytest.approx(mine)
        assert st["reference"] == pytest.approx(out[n, f, i, j])
        assert sorted(st["field"]) == sorted((c, i * s + a * d, j * s + b * d)
                                             for c in range(3) for a in range(2) for b in range(3))
        assert "✓" in e.readout.value


def test_fan_in_output_sliders_follow_the_output_size():
    e = ex.fan_in_explorer(H=5, W=5, HH=3, WW=3, padding=1, i=4, j=4)
    set_controls(e, stride=2)  # output 3×3: i, j must be clamped to 2
    assert e.controls["i"].max == 2 and e.state["index"][2:] == (2, 2)
    set_controls(e, padding=0, dilation=2, stride=1)  # extent 5 fits exactly: 1×1
    assert e.state["output_shape"] == (1, 1)
    e2 = ex.fan_in_explorer(H=3, W=3, HH=3, WW=3, padding=0)
    set_controls(e2, dilation=2)
    assert "overhangs" in e2.message


# --------------------------------------------------------------------------- 03 fan-out


def brute_force_reached(w, x_shape, c, p, q, s, pad, d):
    x = np.zeros(x_shape)
    b = np.zeros(w.shape[0])
    base = cb.conv2d_forward_naive(x, w, b, s, pad, d)
    x[0, c, p, q] = 1.0
    diff = cb.conv2d_forward_naive(x, w, b, s, pad, d) - base
    return {(f, i, j) for _, f, i, j in np.argwhere(diff != 0)}


@pytest.mark.parametrize("s,pad,d", [(1, 0, 1), (2, 1, 1), (4, 0, 1), (3, 1, 2), (2, 2, 1)])
def test_fan_out_set_matches_brute_force(s, pad, d):
    e = ex.fan_out_explorer(C=2, H=6, W=5, F=2, HH=3, WW=2, stride=s, padding=pad, dilation=d)
    assert np.all(e.w != 0)  # otherwise perturbation could miss an edge
    empty = 0
    for c, p, q in [(1, p, q) for p in range(6) for q in range(5)] + [(0, 0, 0), (0, 5, 4)]:
        set_controls(e, c=c, p=p, q=q)
        st = e.state
        Ho, Wo = st["output_shape"]
        dout = e.dout_for(Ho, Wo)
        x = np.zeros((1, 2, 6, 5))
        assert set(st["reached"]) == brute_force_reached(e.w, x.shape, c, p, q, s, pad, d)
        dx = cb.conv2d_backward_naive(dout, x, e.w, s, pad, d)[0]
        assert st["value"] == pytest.approx(dx[0, c, p, q])
        assert st["reference"] == pytest.approx(dx[0, c, p, q])
        for f, i, j, a, b, g, wv in st["terms"]:
            assert i * s + a * d == p + pad and j * s + b * d == q + pad
            assert wv == e.w[f, c, a, b] and g == dout[0, f, i, j]
        if not st["reached"]:
            empty += 1
            assert "P is empty" in e.readout.value and st["value"] == 0
    if s == 4:
        assert empty > 0  # stride > kernel: some pixels reach nothing


# --------------------------------------------------------------------------- 04 dw


@pytest.mark.parametrize("s,p,d", [(1, 0, 1), (2, 1, 1), (1, 1, 2)])
def test_dw_pairs_and_sum(s, p, d):
    e = ex.dw_explorer(N=2, C=2, H=5, W=6, F=2, HH=3, WW=2, stride=s, padding=p, dilation=d)
    b0 = np.zeros(2)
    for f, c, a, b in [(0, 0, 0, 0), (1, 1, 2, 1), (0, 1, 1, 0)]:
        set_controls(e, f=f, c=c, a=a, b=b)
        st = e.state
        Ho, Wo = st["output_shape"]
        dout = e.dout_for(Ho, Wo)
        _, dw, _ = cb.conv2d_backward_naive(dout, e.x, e.w, s, p, d)
        assert st["value"] == pytest.approx(dw[f, c, a, b])
        assert st["reference"] == pytest.approx(dw[f, c, a, b])
        # independent oracle: ∂out[n, f, i, j]/∂w[f, c, a, b] by perturbing the weight
        w2 = e.w.copy()
        w2[f, c, a, b] += 1.0
        slope = cb.conv2d_forward_naive(e.x, w2, b0, s, p, d) - cb.conv2d_forward_naive(e.x, e.w, b0, s, p, d)
        assert len(st["pairs"]) == 2 * Ho * Wo
        for n, i, j, r, cc, xv, gv in st["pairs"]:
            assert xv == pytest.approx(slope[n, f, i, j])
            assert gv == dout[n, f, i, j]
    # the pair control walks through every pair
    for k in (0, 5, 2 * Ho * Wo - 1):
        set_controls(e, pair=k)
        assert e.state["current"] == e.state["pairs"][k]


# --------------------------------------------------------------------------- 05 flipped kernel


@pytest.mark.parametrize("H,W,HH,WW,s,p,d", [
    (5, 5, 3, 3, 1, 0, 1), (6, 5, 3, 3, 2, 1, 1), (7, 6, 2, 3, 3, 0, 1), (6, 6, 2, 2, 2, 1, 2),
    (5, 4, 2, 2, 1, 2, 1),  # padding larger than the kernel extent minus one: D is cropped
])
def test_flipped_kernel_every_cell(H, W, HH, WW, s, p, d):
    e = ex.flipped_kernel_explorer(H=H, W=W, HH=HH, WW=WW, stride=s, padding=p, dilation=d)
    Ho, Wo = cb.conv_output_size((H, W), (HH, WW), s, p, d)
    w, dout = e.arrays(H, W, HH, WW, Ho, Wo)
    dx = cb.conv2d_backward_naive(dout, np.zeros((1, 1, H, W)), w, s, p, d)[0][0, 0]
    # independent construction of the prepared dout when nothing is cropped
    Eh, Ew = d * (HH - 1) + 1, d * (WW - 1) + 1
    D = e.state["D"]
    assert D.shape == (H + Eh - 1, W + Ew - 1)
    if p <= min(Eh, Ew) - 1:
        z = np.zeros_like(D)
        z[Eh - 1 - p : Eh - 1 - p + (Ho - 1) * s + 1 : s, Ew - 1 - p : Ew - 1 - p + (Wo - 1) * s + 1 : s] = dout[0, 0]
        np.testing.assert_array_equal(D, z)
        assert len(e.state["entries"]) == Ho * Wo
    np.testing.assert_array_equal(e.state["w_rot"], w[0, 0, ::-1, ::-1])
    for k in range(H * W):
        e.controls["step"].value = k
        q, r = divmod(k, W)
        st = e.state
        assert st["current"] == (q, r)
        assert st["value"] == pytest.approx(dx[q, r])
        assert st["by_indices"] == pytest.approx(dx[q, r])
        assert len(st["terms"]) == HH * WW


# --------------------------------------------------------------------------- 06 im2col


@pytest.mark.parametrize("C,H,W,HH,WW,s,p", [(1, 4, 4, 2, 2, 1, 0), (2, 5, 4, 3, 2, 2, 1), (1, 6, 6, 3, 3, 3, 1)])
def test_im2col_columns_and_counts(C, H, W, HH, WW, s, p):
    e = ex.im2col_explorer(C=C, H=H, W=W, HH=HH, WW=WW, stride=s, padding=p)
    x = e.input_for(C, H, W)
    xpad = padded(x, p)
    Ho, Wo = cb.conv_output_size((H, W), (HH, WW), s, p)
    assert e.state["cols_shape"] == (C * HH * WW, Ho * Wo)
    count = np.zeros((H + 2 * p, W + 2 * p))
    for i, j in itertools.product(range(Ho), range(Wo)):
        count[i * s : i * s + HH, j * s : j * s + WW] += 1
    for k in range(Ho * Wo):
        e.controls["column"].value = k
        i, j = divmod(k, Wo)
        st = e.state
        assert st["window"] == (i, j)
        expected = [xpad[0, c, i * s + a, j * s + b] for c in range(C) for a in range(HH) for b in range(WW)]
        np.testing.assert_array_equal(st["column_values"], expected)
    np.testing.assert_array_equal(e.state["counts"], count[p : p + H, p : p + W])


# --------------------------------------------------------------------------- 07 pooling


def fd_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("H,W,k,s,p", [(6, 6, 2, 2, 0), (6, 5, 3, 2, 1), (5, 7, 3, 1, 0), (7, 7, 2, 3, 1)])
def test_pooling_routes_against_finite_differences(mode, H, W, k, s, p):
    # non-integer input: no ties, so the gradient exists and finite differences apply
    e = ex.pooling_explorer(mode=mode, integer_input=False, H=H, W=W, kernel=k, stride=s, padding=p)
    st = e.state
    x, dout = st["x"][None, None], st["dout"][None, None]
    fwd = cb.maxpool2d_forward_naive if mode == "max" else cb.avgpool2d_forward_naive
    num = fd_gradient(lambda z: float(np.sum(fwd(z, k, s, p) * dout)), x)[0, 0]
    np.testing.assert_allclose(st["dx"], num, atol=1e-6)
    np.testing.assert_allclose(st["reference"], num, atol=1e-6)
    if mode == "max":
        assert len(st["routes"]) == dout.size  # one winner per window
    for sel in range(dout.size):
        e.controls["window"].value = sel
        assert e.state["selected"] == divmod(sel, dout.shape[3])
        assert all(rt[:2] == e.state["selected"] for rt in e.state["selected_routes"])


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
        n_ties += len(winners) > 1
    assert n_ties > 0  # the integer input really has ties


def test_pooling_toggles_and_invalid_settings():
    e = ex.pooling_explorer(mode="max", H=6, W=6, kernel=2, stride=2)
    set_controls(e, mode="average")
    assert e.state["mode"] == "average" and "average pooling" in e.readout.value
    set_controls(e, padding=2)  # more than half of kernel 2
    assert "more than half the kernel" in e.message and e.state["valid"] is False
    set_controls(e, padding=0, kernel=4, H=3)
    assert "overhangs" in e.message
    set_controls(e, H=6, integer_input=False, ties="split")
    assert e.message == "" and np.allclose(e.state["dx"], e.state["reference"])


def test_pooling_draws_every_route_only_while_they_stay_readable():
    from conv_backprop.explorers.pooling import ALL_ROUTES_MAX

    e = ex.pooling_explorer(mode="max", ties="split", H=8, W=8, kernel=3, stride=2, padding=1)
    few = len(e.state["routes"])
    assert few <= ALL_ROUTES_MAX and e.state["all_routes_drawn"] and "too many" not in e.readout.value
    set_controls(e, kernel=4, stride=1)
    many = len(e.state["routes"])
    assert many > ALL_ROUTES_MAX and not e.state["all_routes_drawn"]
    assert f"{many} routes in all: too many to draw" in e.readout.value
    # the winners are marked either way: every input entry that receives gradient
    winners = {(r + 1, c + 1) for _, _, r, c, _ in e.state["routes"]}
    assert {(r, c) for (r, c), role in np.ndenumerate(e._xg.base_roles) if role == "kernel"} == winners
    assert np.allclose(e.state["dx"], e.state["reference"])


# --------------------------------------------------------------------------- construction


def test_bad_shape_settings_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"C must be at least 1; got 0"):
        ex.fan_in_explorer(C=0)
    with pytest.raises(TypeError, match=r"HH must be a positive int; got 2.5"):
        ex.fan_out_explorer(HH=2.5)
    with pytest.raises(ValueError, match=r"N must be at least 1"):
        ex.dw_explorer(N=-1)


@pytest.mark.parametrize("factory,settings,expected", [
    (ex.sliding_window_explorer, dict(H=2, W=5, HH=5, padding=0), "overhangs by 3 rows"),
    (ex.fan_in_explorer, dict(H=3, W=3, HH=3, WW=3, padding=0, dilation=2), "overhangs"),
    (ex.fan_out_explorer, dict(W=2, WW=3, padding=0), "overhangs by 1 column"),
    (ex.dw_explorer, dict(H=2, HH=3, padding=0), "overhangs"),
    (ex.flipped_kernel_explorer, dict(H=2, HH=4, padding=0), "overhangs"),
    (ex.im2col_explorer, dict(W=2, WW=3, padding=0), "overhangs"),
    (ex.pooling_explorer, dict(kernel=2, padding=2), "more than half the kernel"),
])
def test_invalid_initial_settings_explain_without_raising(factory, settings, expected):
    e = factory(**settings)
    assert expected in e.message
    assert e.image.layout.display == "none"
    assert e._repr_mimebundle_()["text/plain"].endswith("(run the cell in Jupyter to use it)")


def test_static_fallback_in_the_display_bundle():
    e = ex.im2col_explorer()
    data = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert Image.open(io.BytesIO(png)).size == Image.open(io.BytesIO(e.image.value)).size


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_random_control_sweep_never_fails_unexpectedly(factory):
    # every reachable slider combination is either drawn or explained in plain words; an
    # unexpected exception would show up as state["error"]
    rng = np.random.default_rng(42)
    e = factory()
    names = [n for n, w in e.controls.items() if not isinstance(w, widgets.Play)]
    for _ in range(15):
        name = names[rng.integers(len(names))]
        w = e.controls[name]
        if isinstance(w, widgets.IntSlider):
            w.value = int(rng.integers(w.min, w.max + 1))
        elif isinstance(w, widgets.ToggleButtons):
            w.value = w.options[rng.integers(len(w.options))]
        elif isinstance(w, widgets.Checkbox):
            w.value = not w.value
        assert "error" not in e.state, (name, w.value, e.message)
        assert (e.message == "") == bool(e.state.get("valid", False))


@pytest.mark.parametrize("factory,settings,error,message", [
    # indices outside their axis: named, with the valid range (never an IndexError while drawing)
    (ex.fan_in_explorer, dict(n=5), ValueError, "n must be an index into the batch, 0 ≤ n < 2; got 5"),
    (ex.fan_in_explorer, dict(f=2), ValueError, "f must be an index into the filters, 0 ≤ f < 2; got 2"),
    (ex.fan_in_explorer, dict(i=5), ValueError,
     "i must be an index into the output rows (5×5 with these settings), 0 ≤ i < 5; got 5"),
    (ex.fan_in_explorer, dict(j=-1), ValueError, "0 ≤ j < 5; got -1"),
    (ex.fan_in_explorer, dict(n=1.0), TypeError, "n must be an int index into the batch, 0 ≤ n < 2; got 1.0"),
    (ex.fan_out_explorer, dict(c=4), ValueError, "c must be an index into the input channels, 0 ≤ c < 2; got 4"),
    (ex.fan_out_explorer, dict(p=5), ValueError, "p must be an index into the input rows, 0 ≤ p < 5; got 5"),
    (ex.fan_out_explorer, dict(q=-2), ValueError, "q must be an index into the input columns, 0 ≤ q < 5; got -2"),
    (ex.dw_explorer, dict(a=10), ValueError, "a must be an index into the kernel rows, 0 ≤ a < 3; got 10"),
    (ex.dw_explorer, dict(b=3), ValueError, "b must be an index into the kernel columns, 0 ≤ b < 3; got 3"),
    (ex.dw_explorer, dict(c=2), ValueError, "c must be an index into the input channels, 0 ≤ c < 2; got 2"),
    (ex.dw_explorer, dict(f=7), ValueError, "f must be an index into the filters, 0 ≤ f < 2; got 7"),
    (ex.dw_explorer, dict(pair=18), ValueError, "0 ≤ pair < 18; got 18"),
    (ex.sliding_window_explorer, dict(step=25), ValueError, "step must be an index into the outputs"),
    (ex.flipped_kernel_explorer, dict(step=25), ValueError, "0 ≤ step < 25; got 25"),
    (ex.im2col_explorer, dict(column=9), ValueError, "0 ≤ column < 9; got 9"),
    (ex.pooling_explorer, dict(window=9), ValueError, "0 ≤ window < 9; got 9"),
    # choices, flags, sizes, geometry, seeds and Play intervals
    (ex.pooling_explorer, dict(mode="median"), ValueError, "mode must be 'max' or 'average'; got 'median'"),
    (ex.pooling_explorer, dict(mode=None), TypeError, "mode must be 'max' or 'average'; got None"),
    (ex.pooling_explorer, dict(ties="last"), ValueError, "ties must be 'first' or 'split'; got 'last'"),
    (ex.pooling_explorer, dict(integer_input="no"), TypeError, "integer_input must be True or False; got 'no'"),
    (ex.pooling_explorer, dict(H=0), ValueError, "H must be at least 1; got 0"),
    (ex.pooling_explorer, dict(kernel=2.0), TypeError, "kernel must be a positive int; got 2.0"),
    (ex.sliding_window_explorer, dict(H=0), ValueError, "H must be at least 1; got 0"),
    (ex.flipped_kernel_explorer, dict(WW=-1), ValueError, "WW must be at least 1; got -1"),
    (ex.im2col_explorer, dict(C=0), ValueError, "C must be at least 1; got 0"),
    (ex.sliding_window_explorer, dict(stride=0), ValueError, "stride must be a positive int; got 0"),
    (ex.fan_in_explorer, dict(stride=True), TypeError, "stride must be a positive int; got True"),
    (ex.fan_out_explorer, dict(padding=-1), ValueError, "padding must be a non-negative int (0 or more); got -1"),
    (ex.dw_explorer, dict(dilation=0), ValueError, "dilation must be a positive int; got 0"),
    (ex.im2col_explorer, dict(padding=0.5), TypeError, "padding must be a non-negative int (0 or more); got 0.5"),
    (ex.fan_in_explorer, dict(seed=-1), ValueError, "seed (the seed of the demo values) must be a non-negative int"),
    (ex.pooling_explorer, dict(seed="a"), TypeError, "seed (the seed of the demo values)"),
    (ex.dw_explorer, dict(interval=0), ValueError, "interval (milliseconds per Play step) must be a positive int; got 0"),
    (ex.sliding_window_explorer, dict(interval=-5), ValueError, "interval (milliseconds per Play step)"),
])
def test_bad_constructor_arguments_raise_a_named_error(factory, settings, error, message):
    with pytest.raises(error) as info:
        factory(**settings)
    assert message in str(info.value)


def test_valid_edge_settings_are_accepted():
    # the last index of every axis, sizes beyond a slider's default range, the "avg" spelling
    e = ex.fan_in_explorer(n=1, f=1, i=4, j=4)
    assert e.state["index"] == (1, 1, 4, 4) and e.message == ""
    e = ex.dw_explorer(f=1, c=1, a=2, b=2, pair=17)
    assert e.state["weight"] == (1, 1, 2, 2) and e.value("pair") == 17
    e = ex.fan_out_explorer(c=1, p=4, q=4, stride=4)
    assert e.state["pixel"] == (1, 4, 4) and e.value("stride") == 4
    assert ex.pooling_explorer(mode="avg").value("mode") == "average"
    assert ex.pooling_explorer(integer_input=0).value("integer_input") is False
    assert ex.flipped_kernel_explorer(step=24).state["current"] == (4, 4)
    # an output index cannot be checked against an invalid geometry: the setting is explained
    e = ex.fan_in_explorer(H=3, W=3, HH=3, WW=3, padding=0, dilation=2, i=3)
    assert "overhangs" in e.message

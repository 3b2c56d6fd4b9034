"""The fan-in (notebook 02) and fan-out (notebook 03) explorers as scenes.

Every view is checked against an independent oracle: the naive loops of the forward pass for
fan-in's dot product, and brute force by perturbation for the outputs one pixel reaches (with the
naive backward loops for its dx). The picture is checked too: which cells a view relabels, where
its arrows go, and that no arrow crosses a number (the fan-out layout fault: arrows used to run
over the dx grid).
"""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop.drawing import format_number
from conv_backprop.scene import cell_key


def padded(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def wire_bytes(e) -> int:
    """Bytes of the scene on the wire (Jupyter sends JSON as UTF-8, non-ASCII unescaped)."""
    return len(e.widget.scene.encode())


# --------------------------------------------------------------------------- 02 fan-in


@pytest.mark.parametrize("s,p,d", [(1, 1, 1), (2, 0, 1), (2, 2, 2), (3, 1, 1)])
def test_fan_in_dot_product(s, p, d):
    e = ex.fan_in_explorer(N=2, C=3, H=5, W=6, F=2, HH=2, WW=3, stride=s, padding=p, dilation=d)
    out = cb.conv2d_forward_naive(e.x, e.w, e.b, s, p, d)
    xpad = padded(e.x, p)
    Ho, Wo = out.shape[2:]
    assert e.state["output_shape"] == (Ho, Wo)
    # one view per output of every example and filter, in the order of out.ravel()
    assert e.scene.order == [f"{n},{f},{i},{j}" for n, f, i, j in np.ndindex(out.shape)]
    for n, f, i, j in [(0, 0, 0, 0), (1, 1, Ho - 1, Wo - 1), (1, 0, Ho // 2, Wo - 1)]:
        key = f"{n},{f},{i},{j}"
        assert e.scene.select[cell_key(f"y{n}_{f}", i, j)] == key  # clicking the output selects it
        e.select(key)
        st = e.state
        assert st["index"] == (n, f, i, j)
        mine = sum(xpad[n, c, i * s + u * d, j * s + v * d] * e.w[f, c, u, v]
                   for c in range(3) for u in range(2) for v in range(3)) + e.b[f]
        assert st["value"] == pytest.approx(out[n, f, i, j])
        assert st["value"] == pytest.approx(mine)
        assert st["reference"] == pytest.approx(out[n, f, i, j])
        field = sorted((c, i * s + u * d, j * s + v * d) for c in range(3) for u in range(2) for v in range(3))
        assert sorted(st["field"]) == field
        assert "✓" in e.view.readout
        # the picture: every cell of the field, in example n's grids, shows x over the weight it meets
        shown = {(g, r, c): t for g, r, c, t in e.view.texts}
        expected = {(f"x{n}_{c}", i * s + u * d, j * s + v * d):
                    f"{format_number(xpad[n, c, i * s + u * d, j * s + v * d])}\n×{format_number(e.w[f, c, u, v])}"
                    for c in range(3) for u in range(2) for v in range(3)}
        assert shown == expected
        windows = {(g, r0, c0, h, w) for g, r0, c0, h, w, _ in e.view.windows}
        extent = (d * (2 - 1) + 1, d * (3 - 1) + 1)
        assert {(f"x{n}_{c}", i * s, j * s, *extent) for c in range(3)} <= windows
        assert {(f"w{f}_{c}", 0, 0, 2, 3) for c in range(3)} | {(f"b{f}", 0, 0, 1, 1)} <= windows
        assert (f"y{n}_{f}", i, j, "highlight") in e.view.cells


def test_fan_in_views_follow_the_output_size():
    e = ex.fan_in_explorer(H=5, W=5, HH=3, WW=3, padding=1, n=1, f=1, i=4, j=4)
    assert e.state["index"] == (1, 1, 4, 4)
    e.set(stride=2)  # output 3×3: the views are exactly its outputs; (i, j) is clamped to (2, 2)
    assert e.state["output_shape"] == (3, 3)
    assert set(e.scene.views) == {f"{n},{f},{i},{j}" for n, f, i, j in np.ndindex(2, 2, 3, 3)}
    assert e.state["index"] == (1, 1, 2, 2)  # the example and filter are kept
    e.select("0,1,1,0")
    e.set(padding=2)  # 4×4: the selected output still exists and stays selected
    assert e.state["index"] == (0, 1, 1, 0)
    e.set(padding=0, dilation=2, stride=1)  # extent 5 fits exactly: 1×1
    assert e.state["output_shape"] == (1, 1) and e.state["index"] == (0, 1, 0, 0)
    assert len(e.scene.views) == 2 * 2
    e2 = ex.fan_in_explorer(H=3, W=3, HH=3, WW=3, padding=0)
    e2.set(dilation=2)
    assert "overhangs" in e2.message and e2.scene is None and e2.state["valid"] is False
    e2.set(dilation=1)
    assert e2.message == "" and e2.state["index"] == (0, 0, 0, 0)


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
    Ho, Wo = e.state["output_shape"]
    dout = e.dout_for(Ho, Wo)
    x = np.zeros((1, 2, 6, 5))
    dx = cb.conv2d_backward_naive(dout, x, e.w, s, pad, d)[0]
    roles = {g["id"]: g["roles"] for g in e.widget.scene_data["grids"]}
    assert e.scene.order == [f"{c},{p},{q}" for c, p, q in np.ndindex(2, 6, 5)]
    empty = 0
    for c, p, q in np.ndindex(2, 6, 5):
        key = f"{c},{p},{q}"
        # a click on the pixel, in x or in dx, selects it
        assert e.scene.select[cell_key(f"x{c}", p, q)] == key == e.scene.select[cell_key(f"dx{c}", p, q)]
        e.select(key)
        st = e.state
        reached = brute_force_reached(e.w, x.shape, c, p, q, s, pad, d)
        assert st["pixel"] == (c, p, q)
        assert set(st["reached"]) == reached
        assert st["value"] == pytest.approx(dx[0, c, p, q])
        assert st["reference"] == pytest.approx(dx[0, c, p, q])
        for f, i, j, u, v, g, wv in st["terms"]:
            assert i * s + u * d == p + pad and j * s + v * d == q + pad
            assert wv == e.w[f, c, u, v] and g == dout[0, f, i, j]
        # the picture: an arrow from the pixel to each output reached, the weight at its head
        assert sorted(e.view.arrows) == sorted(((f"x{c}", p, q), (f"o{f}", i, j), "highlight", "")
                                               for f, i, j in reached)
        assert {(g, r, cc): t for g, r, cc, t in e.view.texts} == {
            (f"g{f}", i, j): f"{format_number(g)}\n×{format_number(wv)}" for f, i, j, _, _, g, wv in st["terms"]}
        taps = {(g, r, cc) for g, r, cc, role in e.view.cells if g.startswith("w")}
        assert taps == {(f"w{f}_{c}", u, v) for f, _, _, u, v, _, _ in st["terms"]}
        # hatched "no tap reaches it" exactly where brute force finds no output
        assert (roles[f"x{c}"][p][q] == "unused") == (not reached) == (roles[f"dx{c}"][p][q] == "unused")
        if not reached:
            empty += 1
            assert "P is empty" in e.view.readout and st["value"] == 0
        assert "✓" in e.view.readout
    if s == 4:
        assert empty > 0  # stride > kernel: some pixels reach nothing


def test_fan_out_explains_why_a_pixel_reaches_nothing():
    # between windows: stride 4 > extent 3 on a 7×7 input leaves row and column 3 out
    e = ex.fan_out_explorer(C=1, H=7, W=7, stride=4, padding=0, c=0, p=3, q=3)
    assert e.state["reached"] == [] and "row 3 falls between windows (stride 4 > kernel extent 3)" in e.view.readout
    # after the last window
    e = ex.fan_out_explorer(H=5, W=5, stride=4, padding=0, c=0, p=4, q=0)
    assert "row 4 lies in the part the stride leaves unused" in e.view.readout
    # inside a window, between the taps a dilation spreads apart (padded row 3 of a window 0…4)
    e = ex.fan_out_explorer(H=5, W=5, stride=3, padding=1, dilation=2, c=0, p=2, q=2)
    assert e.state["reached"] == []
    assert "row 2 lies inside a window, between the taps dilation 2 spreads apart" in e.view.readout
    assert e.state["unreached_rows"] == e.state["unreached_cols"] == [0, 2, 4]


def _curve(a, b, bend):
    """Points along a quadratic Bézier from cell centre a to cell centre b ((x, y), y down) whose
    control point is the midpoint moved by ``bend`` times the chord turned a quarter turn."""
    (xa, ya), (xb, yb) = a, b
    mx, my = (xa + xb) / 2 - bend * (yb - ya), (ya + yb) / 2 + bend * (xb - xa)
    t = np.linspace(0, 1, 200)[:, None]
    return (1 - t) ** 2 * np.array([xa, ya]) + 2 * t * (1 - t) * np.array([mx, my]) + t ** 2 * np.array([xb, yb])


# the browser's arrows bend by 0.15 of the chord one way; matplotlib's arc3 (rad −0.3, drawn with
# the y axis pointing down) bends by 0.3 the other way
BENDS = {"browser": 0.15, "matplotlib": -0.3}


@pytest.mark.parametrize("settings", [
    dict(), dict(stride=2, padding=1), dict(stride=1, padding=2), dict(stride=1, padding=2, dilation=2),
    dict(C=3, F=1, H=6, W=4, HH=2, WW=3, stride=1, padding=1), dict(C=1, F=3, stride=1, padding=2),
])
def test_fan_out_arrows_never_cross_a_number(settings):
    e = ex.fan_out_explorer(**settings)
    grids = {g.id: g for g in e.scene.grids}

    def centre(g, r, c):
        oy, ox = grids[g].origin
        return ox + c + 0.5, oy + r + 0.5

    # every cell that shows a number, in any view, and the dx grids with their index labels
    numbered = {(g.id, r, c) for g in e.scene.grids for r, c in np.ndindex(g.shape) if g.texts[r][c]}
    numbered |= {(g, r, c) for v in e.scene.views.values() for g, r, c, t in v.texts if t}
    boxes = [(ox + c, oy + r, ox + c + 1, oy + r + 1) for g, r, c in numbered for oy, ox in [grids[g].origin]]
    for g in grids.values():
        if g.id.startswith("dx"):
            (oy, ox), (R, C) = g.origin, g.shape
            boxes.append((ox - 1.0, oy - 0.8, ox + C, oy + R))
    boxes = np.array(boxes)
    assert len(boxes) and sum(len(v.arrows) for v in e.scene.views.values()) > 0
    for (key, v), (name, bend) in itertools.product(e.scene.views.items(), BENDS.items()):
        for a, b, _, _ in v.arrows:
            pts = _curve(centre(*a), centre(*b), bend)
            inside = ((pts[:, None, 0] > boxes[None, :, 0]) & (pts[:, None, 0] < boxes[None, :, 2])
                      & (pts[:, None, 1] > boxes[None, :, 1]) & (pts[:, None, 1] < boxes[None, :, 3]))
            assert not inside.any(), f"{name}: view {key}, arrow {a} → {b} crosses a number"


# --------------------------------------------------------------------------- both


@pytest.mark.parametrize("factory", [ex.fan_in_explorer, ex.fan_out_explorer], ids=lambda f: f.__name__)
def test_the_scene_stays_small_on_the_wire(factory):
    e = factory()
    assert wire_bytes(e) < 150_000
    e.set(stride=1, padding=2, dilation=1)  # the most views and the largest fan of all slider settings
    assert wire_bytes(e) < 300_000


def test_bad_shape_settings_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"C must be at least 1; got 0"):
        ex.fan_in_explorer(C=0)
    with pytest.raises(TypeError, match=r"HH must be a positive int; got 2.5"):
        ex.fan_out_explorer(HH=2.5)


@pytest.mark.parametrize("factory,settings,expected", [
    (ex.fan_in_explorer, dict(H=3, W=3, HH=3, WW=3, padding=0, dilation=2), "overhangs"),
    (ex.fan_out_explorer, dict(W=2, WW=3, padding=0), "overhangs by 1 column"),
])
def test_invalid_initial_settings_explain_without_raising(factory, settings, expected):
    e = factory(**settings)
    assert expected in e.message and e.message[0].isupper()
    assert e.scene is None and e.widget.layout.display == "none"
    assert e.state["valid"] is False
    assert e._repr_mimebundle_()["text/plain"].endswith("(run the cell in Jupyter to use it)")


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
    (ex.fan_in_explorer, dict(stride=True), TypeError, "stride must be a positive int; got True"),
    (ex.fan_out_explorer, dict(padding=-1), ValueError, "padding must be a non-negative int (0 or more); got -1"),
    (ex.fan_in_explorer, dict(seed=-1), ValueError, "seed (the seed of the demo values) must be a non-negative int"),
])
def test_bad_constructor_arguments_raise_a_named_error(factory, settings, error, message):
    with pytest.raises(error) as info:
        factory(**settings)
    assert message in str(info.value)


def test_valid_edge_settings_are_accepted():
    # the last index of every axis, a stride beyond a slider's default range
    e = ex.fan_in_explorer(n=1, f=1, i=4, j=4)
    assert e.state["index"] == (1, 1, 4, 4) and e.message == ""
    e = ex.fan_out_explorer(c=1, p=4, q=4, stride=4)
    assert e.state["pixel"] == (1, 4, 4) and e.value("stride") == 4
    e = ex.fan_out_explorer(stride=6)
    assert e.controls["stride"].max == 6 and e.state["output_shape"] == (1, 1)
    # an output index cannot be checked against an invalid geometry: the setting is explained
    e = ex.fan_in_explorer(H=3, W=3, HH=3, WW=3, padding=0, dilation=2, i=3)
    assert "overhangs" in e.message


# --------------------------------------------------------------------------- in a browser


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>
<body style="width:1200px"><div id="root"></div><script type="module">
{js}
const data = {data};
const model = {{ get: (k) => data[k], set: (k, v) => {{ data[k] = v; }}, save_changes() {{}}, on() {{}} }};
window.model = model;
window.scene_render({{ model, el: document.getElementById("root") }});
window.ready = true;
</script></body></html>"""


@pytest.mark.browser
@pytest.mark.parametrize("factory,settings,click", [
    (ex.fan_in_explorer, dict(n=1, f=1, i=2, j=3, dilation=2, padding=2), ("y0_1", 1, 2, "0,1,1,2")),
    (ex.fan_out_explorer, dict(c=1, p=2, q=2), ("dx0", 3, 1, "0,3,1")),
], ids=["fan_in", "fan_out"])
def test_in_a_browser_every_cell_text_fits_and_a_click_selects(factory, settings, click):
    # The scene drawn by the widget's own ES module in headless Chromium (no JupyterLab: a
    # stand-in model holds the two traits). A value over the weight it meets is one cell text
    # with a newline; SVG would collapse it into one line wider than the cell.
    if CHROMIUM is None:
        pytest.skip("NO CHROMIUM FOUND: install it (Debian: apt-get install chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    from conv_backprop.scene_widget import SceneWidget

    e = factory(**settings)
    w = SceneWidget()
    js = w._esm.replace("export default { render };", "window.scene_render = render;")
    assert "window.scene_render" in js
    html = PAGE.format(css=w._css, js=js, data=json.dumps({"scene": e.widget.scene, "view": e.widget.view}))
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.set_content(html)
            page.wait_for_function("window.ready === true")
            too_wide = page.evaluate("""() => [...document.querySelectorAll('.cb-text')]
                .filter((t) => t.textContent && t.getBBox().width > document.querySelector(
                    `rect.cb-cell[data-key="${t.dataset.key}"]`).getBBox().width)
                .map((t) => t.textContent)""")
            arrows = page.evaluate("() => document.querySelectorAll('.cb-arrow').length")
            g, r, c, key = click
            page.click(f'rect[data-key="{g}:{r}:{c}"]')
            chosen = page.evaluate("() => window.model.get('view')")
            readout = page.evaluate("() => document.querySelector('.cb-readout').textContent")
        finally:
            browser.close()
    assert not errors
    assert too_wide == [], f"cell texts wider than a cell: {too_wide[:5]}"
    assert arrows == len(e.view.arrows)
    assert chosen == key and readout == e.scene.views[key].readout

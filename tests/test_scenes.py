"""The scene model, its two renderers' Python sides and the sliding-window explorer built on it.

Scenes are plain data: these tests check them without a browser, against independent oracles
(brute force by perturbation for the sliding window). tests/test_browser.py clicks the cells
in a real JupyterLab and reads the highlighted set from the SVG.
"""

from __future__ import annotations

import base64
import io
import itertools
import json

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop.scene import InvalidSetting, Scene, View, cell_key
from conv_backprop.scene_mpl import draw_scene, scene_png
from conv_backprop.scene_widget import SceneWidget


# --------------------------------------------------------------------------- the model


def small_scene():
    sc = Scene(title="t")
    sc.grid("a", "A", (2, 3), roles=[["input", "padding", "input"], ["input"] * 3])
    sc.grid("b", "B", (1, 1), origin=(0, 5), roles="output")
    sc.add_view("0", View(cells=[("a", 0, 0, "highlight")], arrows=[(("a", 0, 0), ("b", 0, 0), "gradient", "w")],
                          readout="first"), selectors=[("a", 0, 0)])
    sc.add_view("1", View(windows=[("a", 0, 1, 2, 2, "highlight")], readout="second"), selectors=[("a", 1, 2)])
    return sc


def test_a_scene_is_json_and_lists_only_the_roles_it_draws():
    sc = small_scene()
    data = json.loads(json.dumps(sc.to_json()))
    assert data["select"] == {cell_key("a", 0, 0): "0", cell_key("a", 1, 2): "1"}
    assert data["order"] == ["0", "1"] and data["view"] == "0"
    assert [role for role, _ in data["legend"]] == ["input", "padding", "output", "gradient", "highlight"]
    assert data["views"]["0"]["arrows"] == [[["a", 0, 0], ["b", 0, 0], "gradient", "w"]]
    assert set(data["roles"]["padding"]) >= {"face", "edge", "hatch", "lw", "ls", "meaning"}


def test_the_compact_form_carries_the_whole_scene():
    # what the browser receives (Scene.to_wire) decodes to exactly the readable form, for a
    # scene with steps, anchored arrows and a heat map as for every explorer's first scene
    from conv_backprop.scene import wire_to_json

    sc = small_scene()
    sc.grid("h", "heat", (1, 2), origin=(4, 0), roles="gradient", faces=[["#FFFFFF", None]])
    sc.views["0"].steps = [View(cells=[("b", 0, 0, "gradient")], readout="step one\nsecond line"),
                           View(arrows=[(("a", 1, 2, "top"), ("h", 0, 1, "left"), "highlight", "x")], readout="")]
    sc.step = 2
    for scene in [sc] + [f().scene for f in ALL]:
        wire = json.loads(json.dumps(scene.to_wire()))
        assert wire_to_json(wire) == json.loads(json.dumps(scene.to_json()))
        assert Scene.from_json(scene.to_json()).to_json() == scene.to_json()
    assert sc.views["0"].at(2).arrows[-1][0] == ("a", 1, 2, "top") and sc.views["0"].at(1).readout == "step one\nsecond line"
    # it refuses what finish() refuses
    bad = small_scene()
    bad.views["0"].steps = [View(cells=[("a", 9, 0, "input")])]
    with pytest.raises(ValueError, match="view '0' step 1: cell \\(9, 0\\) is outside grid 'a'"):
        bad.to_wire()
    with pytest.raises(ValueError, match="outside grid 'a'"):
        bad.finish()
    sc2 = small_scene()
    sc2.add_view("z", View(arrows=[(("a", 0, 0, "up"), ("b", 0, 0), "gradient", "")]))
    with pytest.raises(ValueError, match="anchor must be one of"):
        sc2.to_wire()


def test_a_scene_refuses_what_it_cannot_draw():
    sc = small_scene()
    sc.add_view("bad", View(cells=[("a", 5, 0, "input")]))
    with pytest.raises(ValueError, match="outside grid 'a'"):
        sc.finish()
    with pytest.raises(ValueError, match="role must be one of"):
        Scene().grid("g", "G", (1, 1), roles="purple")
    sc = small_scene()
    sc.select["a:1:1"] = "nope"
    with pytest.raises(ValueError, match="does not have"):
        sc.finish()
    with pytest.raises(ValueError, match="already in the scene"):
        small_scene().grid("a", "again", (1, 1))


def test_the_static_renderer_draws_every_view():
    sc = small_scene()
    for key in sc.views:
        fig = draw_scene(sc, key)
        assert fig.axes and fig.legends
    png = scene_png(sc, "1")
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and "Software" not in im.info


def test_the_widget_ships_its_module_and_styles():
    w = SceneWidget()
    assert "export default" in w._esm and ".cb-scene" in w._css
    assert w.trait_metadata("scene", "sync") and w.trait_metadata("view", "sync")


# --------------------------------------------------------------------------- the shell


ALL = [getattr(ex, name) for name in ex.__all__]  # every explorer the package exports
SCENE_DRAWN = [f for f in ALL if isinstance(f(), ex._shell.SceneExplorer)] if hasattr(ex, "_shell") else []


@pytest.mark.parametrize("factory", SCENE_DRAWN, ids=lambda f: f.__name__)
def test_an_explorer_is_sliders_and_a_scene(factory):
    e = factory()
    assert isinstance(e, widgets.VBox) and e.message == ""
    assert e.controls and all(isinstance(w, widgets.Widget) for w in e.controls.values())
    assert e.widget.scene_data["grids"] and e.widget.view in e.widget.scene_data["views"]
    assert len(e.widget.scene.encode()) < 200_000  # a structural change ships tens of kB at most
    for key in e.scene.order:
        e.select(key)
        assert e.view is e.scene.views[key] and e.view.readout  # every view has a text equivalent
    data = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).format == "PNG"
    assert data["text/plain"].endswith("(run the cell in Jupyter to use it)")


@pytest.mark.parametrize("factory", SCENE_DRAWN, ids=lambda f: f.__name__)
def test_only_an_invalid_setting_becomes_a_message(factory, monkeypatch):
    e = factory()

    def invalid():
        raise InvalidSetting("the kernel overhangs")

    monkeypatch.setattr(e, "build", invalid)
    e.update()
    assert e.message == "the kernel overhangs" and e.widget.layout.display == "none"
    assert "Not a valid setting" in e.message_box.value

    def bug():
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setattr(e, "build", bug)
    with pytest.raises(IndexError):  # a bug is a bug, not "an invalid setting"
        e.update()


@pytest.mark.parametrize("factory", SCENE_DRAWN, ids=lambda f: f.__name__)
def test_random_slider_sweep_draws_or_explains(factory):
    rng = np.random.default_rng(42)
    e = factory()
    names = list(e.controls)
    for _ in range(25):
        name = names[rng.integers(len(names))]
        w = e.controls[name]
        if isinstance(w, widgets.IntSlider):
            w.value = int(rng.integers(w.min, w.max + 1))
        elif isinstance(w, (widgets.ToggleButtons, widgets.Dropdown)):
            w.value = w.options[rng.integers(len(w.options))]
        elif isinstance(w, widgets.Checkbox):
            w.value = not w.value
        assert (e.message == "") == (e.scene is not None)


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
    assert e.scene.order == [f"{i},{j}" for i in range(Ho) for j in range(Wo)]
    for i, j in itertools.product(range(Ho), range(Wo)):
        assert e.scene.select[cell_key("y", i, j)] == f"{i},{j}"  # clicking output (i, j) selects it
        e.select(f"{i},{j}")
        assert e.state["current"] == (i, j)
        inside = {(a, b) for a, b in e.state["taps"] if p <= a < p + H and p <= b < p + W}
        assert inside == reads.get((i, j), set())
        assert len(e.state["taps"]) == HH * WW
        kernel_cells = {(r, c) for g, r, c, role in e.view.cells if g == "x" and role == "kernel"}
        assert kernel_cells == set(e.state["taps"])  # the picture shows exactly the taps
    # unused rows: padded rows after the last window; real inputs there change no output
    touched_rows = {a for v in reads.values() for a, _ in v}
    for r in e.state["unused_rows"]:
        assert r not in touched_rows
    last = (Ho - 1) * s + d * (HH - 1)
    assert e.state["unused_rows"] == list(range(last + 1, H + 2 * p))
    assert e.state["formula"]["height"].endswith(f"= {Ho}")
    assert "H_out = " in e.scene.note


def test_sliding_window_keeps_the_selection_across_a_structural_change():
    e = ex.sliding_window_explorer(H=4, W=4, HH=2, WW=2, stride=2, padding=0, step=3)
    assert e.state["current"] == (1, 1)
    e.set(padding=1)  # output grows to 3×3: (1, 1) still exists
    assert e.state["current"] == (1, 1)
    e.set(stride=4, padding=0)  # 1×1 output: back to the first view
    assert e.state["current"] == (0, 0)


def test_sliding_window_invalid_setting_explains():
    e = ex.sliding_window_explorer(H=3, W=5, HH=3, WW=3, padding=0)
    e.set(HH=5)  # 5 rows do not fit in 3
    assert "overhangs by 2 rows" in e.message
    assert e.message[0].isupper()
    assert e.state["valid"] is False
    assert e.widget.layout.display == "none"
    e.set(HH=3)
    assert e.message == "" and e.widget.layout.display is None


def test_every_explorer_is_drawn_from_a_scene():
    assert len(ALL) >= 8, "the globs matched too little: the tests below would pass vacuously"
    assert SCENE_DRAWN == ALL


@pytest.mark.parametrize("settings,error,message", [
    (dict(step=25), ValueError, "step must be an index into the outputs"),
    (dict(H=0), ValueError, "H must be at least 1; got 0"),
    (dict(stride=0), ValueError, "stride must be a positive int; got 0"),
    (dict(interval=-5), ValueError, "interval (milliseconds per Play step)"),
])
def test_sliding_window_bad_arguments_raise_a_named_error(settings, error, message):
    with pytest.raises(error) as info:
        ex.sliding_window_explorer(**settings)
    assert message in str(info.value)


def test_saved_notebooks_carry_the_current_front_end():
    """The static site and the slides draw each explorer with the ES module saved in the
    notebook's widget state: it must be the current scene_widget.js (else re-run make notebooks)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    current = SceneWidget()._esm
    seen = 0
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        state = json.loads(path.read_text()).get("metadata", {}).get("widgets", {})
        models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for model in models.values():
            if model.get("model_name") == "AnyModel":
                seen += 1
                assert model["state"]["_esm"] == current, f"{path.name}: stale explorer module; run make notebooks"
    assert seen >= 7, "the notebooks of 01-07 should each save one explorer"


def test_a_grid_may_carry_a_heat_map():
    sc = Scene()
    sc.grid("h", "heat", (1, 3), roles="gradient", faces=[["#FFFFFF", None, "#C08060"]])
    assert sc.to_json()["grids"][0]["faces"] == [["#FFFFFF", None, "#C08060"]]
    fig = draw_scene(sc)
    faces = [p.get_facecolor() for p in fig.axes[0].patches]
    assert faces[0][:3] == (1.0, 1.0, 1.0) and faces[0] != faces[1] != faces[2]
    with pytest.raises(ValueError, match="faces must be 1 rows of 3"):
        Scene().grid("h", "heat", (1, 3), faces=[["#FFFFFF"]])


def test_im2col_counts_are_a_heat_map_darker_where_more_windows_overlap():
    from conv_backprop.scenes import build_im2col

    sc, base, _ = build_im2col(C=1, H=6, W=6, HH=3, WW=3, stride=1, padding=1)
    grid = next(g for g in sc.grids if g.id == "count")
    counts = np.asarray(base["counts"])
    lightness = {}
    for (r, c), n in np.ndenumerate(counts):
        face = grid.faces[r][c]
        if n >= 2:
            lightness.setdefault(int(n), set()).add(sum(int(face[k:k + 2], 16) for k in (1, 3, 5)))
    levels = sorted(lightness)
    assert len(levels) >= 2 and all(len(v) == 1 for v in lightness.values())
    shade = {n: next(iter(v)) for n, v in lightness.items()}
    assert all(shade[a] > shade[b] for a, b in zip(levels, levels[1:]))  # more overlap, darker

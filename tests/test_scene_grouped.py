"""The grouped-convolution explorer (notebook 12) as a scene, against the package's maths.

Which input channel each output channel reads is checked against brute force by perturbation
through the naive loops with random kernels (an input channel is read when changing it changes
the output channel); the channels reached in the backward pass against the naive backward loops;
the counts against the parameters of a real ``layers.Conv2D`` and the nonzero entries of the
layer's matrix, built column by column.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import conv_backprop as cb
import conv_backprop.explorers as ex
from conv_backprop import layers
from conv_backprop.scene import InvalidSetting, cell_key
from conv_backprop.scenes import build_grouped
from conv_backprop.scenes.grouped import grouped_reads

SETTINGS = [(4, 4, 2), (6, 6, 3), (3, 6, 3), (4, 8, 1), (6, 4, 2), (5, 5, 5), (1, 3, 1), (8, 8, 8)]


def reads_by_perturbation(C, F, G, rng):
    """(F, C): does output channel f change when input channel c changes? Random 3×3 kernels,
    naive loops."""
    x = rng.standard_normal((1, C, 4, 4))
    w = rng.standard_normal((F, C // G, 3, 3))
    b = np.zeros(F)
    base = cb.conv2d_forward_naive(x, w, b, padding=1, groups=G)
    reads = np.zeros((F, C), bool)
    for c in range(C):
        x2 = x.copy()
        x2[0, c] += rng.standard_normal((4, 4))
        reads[:, c] = np.abs(cb.conv2d_forward_naive(x2, w, b, padding=1, groups=G) - base).max(axis=(0, 2, 3)) > 0
    return reads


@pytest.mark.parametrize("C, F, G", SETTINGS)
def test_reads_match_perturbation_and_the_definition(C, F, G, rng):
    sc, base, view = build_grouped(C=C, F=F, groups=G)
    reads = np.array(base["reads"])
    np.testing.assert_array_equal(reads, reads_by_perturbation(C, F, G, rng))
    np.testing.assert_array_equal(reads, grouped_reads(C, F, G))
    definition = np.array([[f // (F // G) == c // (C // G) for c in range(C)] for f in range(F)])
    np.testing.assert_array_equal(reads, definition)
    assert view == "out:0" and sc.order == [f"out:{f}" for f in range(F)]


@pytest.mark.parametrize("C, F, G", SETTINGS)
def test_views_match_forward_and_backward(C, F, G, rng):
    sc, base, _ = build_grouped(C=C, F=F, groups=G, HH=2, WW=3)
    x = rng.standard_normal((1, C, 4, 5))
    w = rng.standard_normal((F, C // G, 2, 3))
    for f in range(F):
        v = sc.views[f"out:{f}"]
        assert sc.select[cell_key("y", f, 0)] == f"out:{f}"
        dout = np.zeros((1, F, 3, 3))
        dout[0, f] = 1.0
        dx = cb.conv2d_backward_naive(dout, x, w, groups=G)[0]
        assert v.state["channels"] == [int(c) for c in np.flatnonzero(np.abs(dx[0]).sum(axis=(1, 2)))]
        assert v.state["group"] == f // (F // G)
        assert {(g, r, c) for g, r, c, _ in v.cells if g == "x"} == {("x", 0, c) for c in v.state["channels"]}
        assert "✓" not in v.readout and v.readout.startswith(f"output channel f = {f}")
    for c in range(C):
        v = sc.views[f"in:{c}"]
        x1 = np.zeros((1, C, 4, 5))
        x1[0, c] = 1.0
        out = cb.conv2d_forward_naive(x1, np.abs(w) + 1, np.zeros(F), groups=G)
        assert v.state["filters"] == [int(f) for f in np.flatnonzero(out[0].sum(axis=(1, 2)))]
        assert sc.select[cell_key("x", 0, c)] == f"in:{c}"
    for f in range(F):
        for c in range(C):
            st = sc.views[f"w:{f}:{c}"].state
            assert st["reads"] == base["reads"][f][c]
            if st["reads"]:
                assert st["k"] == c - (f // (F // G)) * (C // G)
                assert sc.grids[1].texts[f][c] == str(st["k"]) and sc.grids[1].roles[f][c] == "kernel"
            else:
                assert st["k"] is None and sc.grids[1].roles[f][c] == "blank"


@pytest.mark.parametrize("C, F, G", SETTINGS)
def test_counts_match_a_real_layer_and_its_matrix(C, F, G):
    HH, WW = 3, 2
    _, base, _ = build_grouped(C=C, F=F, groups=G, HH=HH, WW=WW)
    rng = np.random.default_rng(0)
    layer = layers.Conv2D(C, F, (HH, WW), groups=G, rng=rng)
    plain = layers.Conv2D(C, F, (HH, WW), rng=rng)
    assert base["weight_shape"] == layer.w.shape
    assert base["parameters"] == sum(p.value.size for p in layer.parameters())
    assert base["plain_parameters"] == sum(p.value.size for p in plain.parameters())
    # multiply-adds: the nonzero entries of the layer's matrix (no padding: every output reads
    # (C/G)·HH·WW distinct inputs, each with one weight), columns built by unit inputs
    H, W = 4, 4
    Ho, Wo = H - HH + 1, W - WW + 1
    cols = [layer.forward(np.eye(C * H * W)[k].reshape(1, C, H, W)).ravel() for k in range(C * H * W)]
    assert np.count_nonzero(np.array(cols)) == base["multiply_adds_per_pixel"] * Ho * Wo
    assert base["plain_multiply_adds_per_pixel"] == G * base["multiply_adds_per_pixel"]


def test_invalid_groups_are_explained_and_bad_arguments_named():
    with pytest.raises(InvalidSetting, match="With groups = 3, the 4 input channels do not split into equal groups"):
        build_grouped(C=4, F=6, groups=3)
    with pytest.raises(InvalidSetting, match=r"With groups = 2, the 3 output channels \(filters\) do not split"):
        build_grouped(C=4, F=3, groups=2)
    with pytest.raises(ValueError, match=r"f must be an index into the output channels \(filters\), 0 ≤ f < 4; got 4"):
        build_grouped(C=4, F=4, groups=2, f=4)
    with pytest.raises(ValueError, match="groups must be at least 1; got 0"):
        build_grouped(groups=0)
    with pytest.raises(TypeError, match="C must be a positive int; got 2.0"):
        build_grouped(C=2.0)


def test_explorer_sliders_keep_the_channel_and_explain_invalid_settings():
    e = ex.grouped_explorer(C=4, F=4, groups=2, f=3)
    assert e.state["group"] == 1 and e.state["channels"] == [2, 3]
    e.set(groups=4)  # depthwise: output channel 3 reads channel 3 only
    assert e.widget.view == "out:3" and e.state["channels"] == [3]
    e.set(groups=3)
    assert "do not split into equal groups" in e.message and e.scene is None and e.message[0].isupper()
    e.set(groups=1, F=2)  # the plain layer, fewer filters: the channel is clamped
    assert e.message == "" and e.widget.view == "out:1" and e.state["channels"] == [0, 1, 2, 3]
    e.select("in:2")
    assert e.state["filters"] == [0, 1]
    data = e._repr_mimebundle_()
    assert Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).format == "PNG"


def test_every_view_has_a_readout_and_the_scene_stays_small():
    sc, _, _ = build_grouped(C=8, F=8, groups=8)
    sc.finish()
    assert all(v.readout for v in sc.views.values())
    import json

    assert len(json.dumps(sc.to_json(), ensure_ascii=False).encode()) < 200_000


# --------------------------------------------------------------------------- shell rules (as tests/test_scenes.py and
# tests/test_figures.py check them for the explorers of notebooks 01–07), for the explorers of notebooks 12 and 13


def _new_explorers():
    from conv_backprop import scenes
    from conv_backprop.scenes import conv1d as conv1d_scene, grouped as grouped_scene

    return {
        scenes.build_grouped: (ex.grouped_explorer, ex.grouped.GroupedExplorer, grouped_scene.grouped_settings),
        scenes.build_conv1d: (ex.conv1d_explorer, ex.conv1d.Conv1DExplorer, conv1d_scene.conv1d_settings),
    }


NEW = [(build, settings) for build in _new_explorers()
       for settings in ({}, dict(C=3, F=6, groups=3, f=4) if build.__name__ == "build_grouped" else dict(L=7, stride=2, padding=0, i=2))]


@pytest.mark.parametrize("build,settings", NEW, ids=lambda v: getattr(v, "__name__", repr(v)))
def test_an_entry_point_builds_what_its_explorer_shows_first(build, settings):
    import inspect

    factory, cls, check = _new_explorers()[build]
    widget_args = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert widget_args == list(inspect.signature(check).parameters.values())
    scene, base, view = build(**settings)
    e = factory(**settings)
    assert e.message == "" and view == e.widget.view
    assert scene.to_json() == e.scene.to_json()
    np.testing.assert_equal({**base, **scene.views[view].state}, e.state)
    assert len(e.widget.scene.encode()) < 200_000
    for key in e.scene.order:
        e.select(key)
        assert e.view.readout
    data = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].endswith("(run the cell in Jupyter to use it)")
    e.close()


@pytest.mark.parametrize("factory", [ex.grouped_explorer, ex.conv1d_explorer], ids=lambda f: f.__name__)
def test_random_slider_sweep_draws_or_explains(factory):
    import ipywidgets as widgets

    rng = np.random.default_rng(42)
    e = factory()
    names = list(e.controls)
    for _ in range(40):
        w = e.controls[names[rng.integers(len(names))]]
        assert isinstance(w, widgets.IntSlider)
        w.value = int(rng.integers(w.min, w.max + 1))
        assert (e.message == "") == (e.scene is not None)
        if e.scene is not None:
            assert e.widget.view in e.scene.views
    e.close()

"""A slider moved in the browser is answered in two messages: the picture of the view shown, then
the whole scene (``explorers/_shell.py``, :func:`conv_backprop.scene.only_views`).

The oracle is the explorer's own eager build: whatever the first message leaves pending, the
scene it ends with must be exactly the one built in one go, for every explorer and setting.
The browser side (a selection of a pending view waits for the whole scene) is checked in
tests/test_browser.py.
"""

from __future__ import annotations

import asyncio
import json

import pytest

import conv_backprop.explorers as ex
from conv_backprop.explorers import _shell
from conv_backprop.scene import Scene, View, only_views, wire_to_json

ALL = [getattr(ex, name) for name in ex.__all__]
# the explorers whose scenes are big enough to send in two parts (the others send them whole)
DEFERRING = [ex.fan_in_explorer, ex.fan_out_explorer, ex.dw_explorer, ex.flipped_kernel_explorer,
             ex.transposed_explorer]


def _slider(e):
    """The explorer's stride slider (grouped: kernel rows) and a value it can move to."""
    name = "stride" if "stride" in e.controls else "HH"
    s = e.controls[name]
    return s, (s.value + 1 if s.value < s.max else s.value - 1)


def _sent(widget):
    """Every scene the widget sends from now on, decoded (``None`` views: pending)."""
    out = []
    widget.observe(lambda ch: out.append(wire_to_json(json.loads(ch["new"])) if ch["new"] else {}), names="scene")
    return out


def _move(e, slider, value, settle=True):
    """Move a slider as the browser does (its value changes; the explorer reacts in a running
    event loop), and let the loop run the deferred rest."""
    async def go():
        slider.value = value
        if settle:
            await asyncio.sleep(5 * _shell.REST_DELAY_S + 0.05)
    asyncio.run(go())


def test_deferred_views_wait_for_materialize():
    made = []

    def maker(k):
        def make():
            made.append(k)
            return View(cells=[("a", 0, k, "highlight")], readout=f"view {k}")
        return make

    with only_views(["1"]):
        sc = Scene()
        sc.grid("a", "A", (1, 3))
        for k in range(3):
            sc.add_view(str(k), maker(k), selectors=[("a", 0, k)])
    assert made == [1] and sc.partial and sc.views["0"] is None and sc.views["1"].readout == "view 1"
    wire = sc.to_wire()
    assert wire["views"][0] is None and wire["views"][2] is None and wire["views"][1]["r"]
    assert sc.select == {"a:0:0": "0", "a:0:1": "1", "a:0:2": "2"} and sc.order == ["0", "1", "2"]
    sc.materialize(["2"])
    assert made == [1, 2] and sc.partial
    sc.finish()  # makes the rest
    assert made == [1, 2, 0] and not sc.partial and all(sc.views.values())
    sc2 = Scene()  # outside only_views: made at once
    sc2.grid("a", "A", (1, 3))
    sc2.add_view("0", maker(0))
    assert made[-1] == 0 and sc2.views["0"] is not None


def test_a_maker_that_returns_no_view_is_a_bug():
    with only_views([]):
        sc = Scene()
        sc.grid("a", "A", (1, 1))
        sc.add_view("0", lambda: "oops")
    with pytest.raises(TypeError, match="maker of view '0' returned str"):
        sc.materialize()


@pytest.mark.parametrize("factory", DEFERRING, ids=lambda f: f.__name__)
def test_a_partial_build_ends_as_the_whole_scene(factory):
    e = factory()
    keep = e.widget.view
    with only_views([keep]):
        partial = e.build()
    partial._complete()
    assert partial.partial, "nothing was deferred"
    assert partial.views[keep] is not None and sum(v is not None for v in partial.views.values()) == 1
    eager = e.build()
    eager.finish()
    assert list(partial.views) == list(eager.views)
    assert partial.select == eager.select and partial.order == eager.order
    partial.materialize()
    assert partial.to_json() == eager.to_json()  # legend included: it is redone for the whole scene


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_a_slider_move_sends_the_picture_then_the_whole_scene(factory):
    e = factory()
    slider, value = _slider(e)
    sent = _sent(e.widget)
    _move(e, slider, value)
    assert sent, "nothing was sent"
    whole = sent[-1]
    assert whole and all(v is not None for v in whole["views"].values())
    if factory in DEFERRING:
        assert len(sent) == 2, [sum(v is None for v in s["views"].values()) for s in sent]
        first = sent[0]
        shown = [k for k, v in first["views"].items() if v is not None]
        assert shown == [first["view"]], "the first message should make the shown view only"
        assert first["views"][first["view"]] == whole["views"][first["view"]]
        assert first["select"] == whole["select"] and first["grids"] == whole["grids"]
    else:
        assert len(sent) == 1
    eager = factory()
    eager.set(**{name: w.value for name, w in e.controls.items()})
    assert whole == wire_to_json(json.loads(eager.widget.scene))
    assert e.scene.to_json() == eager.scene.to_json()


def test_a_newer_move_drops_the_unfinished_scene():
    e = ex.fan_in_explorer()
    s = e.controls["stride"]
    sent = _sent(e.widget)

    async def go():
        s.value = 2  # first message sent, the rest waits for the event loop …
        s.value = 3  # … and is dropped: only stride 3 is made whole
        await asyncio.sleep(5 * _shell.REST_DELAY_S + 0.05)
    asyncio.run(go())
    partial = [any(v is None for v in m["views"].values()) for m in sent]
    assert partial == [True, True, False]
    eager = ex.fan_in_explorer(stride=3)
    assert sent[-1]["views"] == eager.scene.to_json()["views"]


def test_a_selection_made_before_the_rest_is_kept():
    e = ex.dw_explorer()
    s = e.controls["stride"]
    sent = _sent(e.widget)

    async def go():
        s.value = s.value + 1
        key = next(k for k in e._scene.views if k != e.widget.view)
        e.widget.view, e.widget.step = key, 2  # what a click, then ▶ ▶, in the browser sends
        await asyncio.sleep(5 * _shell.REST_DELAY_S + 0.05)
        return key
    key = asyncio.run(go())
    assert sent[-1]["view"] == key and sent[-1]["step"] == 2 and sent[-1]["views"][key] is not None
    assert e.view.readout == e.scene.views[key].at(2).readout


def test_python_code_gets_the_whole_scene_at_once():
    # in a running loop, reading .scene (or .state) finishes a partial scene first
    e = ex.fan_out_explorer()
    s = e.controls["stride"]

    async def go():
        s.value = s.value + 1
        assert e._scene.partial
        scene = e.scene
        assert not scene.partial and all(scene.views.values())
        return json.loads(e.widget.scene)
    wire = asyncio.run(go())
    assert None not in wire["views"]
    # .set() outside a loop: one message, whole
    sent = _sent(e.widget)
    e.set(stride=1)
    assert len(sent) == 1 and None not in sent[0]["views"].values()


def test_when_the_shown_view_is_gone_the_builders_choice_is_made():
    # fan-in keeps (n, f) and clamps (i, j) to a smaller output: that view must be made at once
    e = ex.fan_in_explorer()
    e.select("1,1,4,4")
    sent = _sent(e.widget)

    async def go():
        e.controls["stride"].value = 2
        first = sent[0]
        assert first["view"] == "1,1,2,2" and first["views"]["1,1,2,2"] is not None
        assert sum(v is not None for v in first["views"].values()) == 1
        await asyncio.sleep(5 * _shell.REST_DELAY_S + 0.05)
    asyncio.run(go())
    assert len(sent) == 2 and sent[-1]["view"] == "1,1,2,2"

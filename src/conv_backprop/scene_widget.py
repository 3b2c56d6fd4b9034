"""The browser renderer of a scene: one small custom widget for all seven explorers.

``SceneWidget`` ships an ES module (``scene_widget.js``) that draws a :class:`~conv_backprop.scene.Scene`
as SVG, updates it in place and handles selection (click, hover, arrow keys, ◀ ▶ and Play) in
the browser. It is an `anywidget <https://anywidget.dev>`_: anywidget is the maintained way to
ship an ES module with a Jupyter widget without a build step or a JupyterLab extension of our
own, and it works in JupyterLab 4, Notebook 7, VS Code and Colab. Its front end also renders
from saved widget state on a static page, which is what the slides and the site use.

Traits: ``scene`` (the scene as JSON text in :meth:`Scene.to_wire`'s compact form, sent on a
structural change: one string, so neither ipywidgets' message encoding nor a notebook's saved
widget state walks thousands of nested lists; after a slider move it is sent twice, first with
only the shown view made, then whole: see ``explorers/_shell.py``), ``view`` (the key of the view shown) and ``step``
(its step, 0 for the view itself); ``view`` and ``step`` are set in the browser on a selection
and synced back to Python, or set from Python.
"""

from __future__ import annotations

import json
from pathlib import Path

import anywidget
import traitlets

from .scene import Scene, wire_to_json

__all__ = ["SceneWidget"]

_HERE = Path(__file__).parent


class SceneWidget(anywidget.AnyWidget):
    """Draws a scene (JSON from :meth:`Scene.to_json`) as SVG in the browser."""

    _esm = _HERE / "scene_widget.js"
    _css = _HERE / "scene_widget.css"
    scene = traitlets.Unicode("").tag(sync=True)
    view = traitlets.Unicode("").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)

    def show(self, scene, view: str | None = None, step: int | None = None) -> None:
        """Send a scene to the browser: a :class:`~conv_backprop.scene.Scene` (sent in its compact
        form, :meth:`Scene.to_wire`), or the dict of :meth:`Scene.to_json` (converted), or
        nothing (``{}``/``None``: an empty picture). ``view`` and ``step``, when given, go in the
        same message, so the browser draws the new scene once, at that view."""
        if scene is None or (isinstance(scene, dict) and not scene):
            text = ""
        else:
            if isinstance(scene, dict):
                scene = Scene.from_json(scene)
            text = json.dumps(scene.to_wire(), separators=(",", ":"), ensure_ascii=False)
        with self.hold_sync():
            if view is not None:
                self.view = view
            if step is not None:
                self.step = int(step)
            self.scene = text

    @property
    def scene_data(self) -> dict:
        """The scene last sent, as data in :meth:`Scene.to_json`'s readable form (``{}`` when none)."""
        return wire_to_json(json.loads(self.scene)) if self.scene else {}

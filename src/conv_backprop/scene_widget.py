"""The browser renderer of a scene: one small custom widget for all seven explorers.

``SceneWidget`` ships an ES module (``scene_widget.js``) that draws a :class:`~conv_backprop.scene.Scene`
as SVG, updates it in place and handles selection (click, hover, arrow keys, ◀ ▶ and Play) in
the browser. It is an `anywidget <https://anywidget.dev>`_: anywidget is the maintained way to
ship an ES module with a Jupyter widget without a build step or a JupyterLab extension of our
own, and it works in JupyterLab 4, Notebook 7, VS Code and Colab. Its front end also renders
from saved widget state on a static page, which is what the slides and the site use.

Traits: ``scene`` (the scene as JSON text, sent on a structural change: one string, so neither
ipywidgets' message encoding nor a notebook's saved widget state walks thousands of nested
lists) and ``view`` (the key of the view shown; set in the browser on a selection and synced
back to Python, or set from Python).
"""

from __future__ import annotations

import json
from pathlib import Path

import anywidget
import traitlets

__all__ = ["SceneWidget"]

_HERE = Path(__file__).parent


class SceneWidget(anywidget.AnyWidget):
    """Draws a scene (JSON from :meth:`Scene.to_json`) as SVG in the browser."""

    _esm = _HERE / "scene_widget.js"
    _css = _HERE / "scene_widget.css"
    scene = traitlets.Unicode("").tag(sync=True)
    view = traitlets.Unicode("").tag(sync=True)

    def show(self, scene_json: dict) -> None:
        """Send a scene (:meth:`Scene.to_json`) to the browser."""
        self.scene = json.dumps(scene_json, separators=(",", ":"), ensure_ascii=False) if scene_json else ""

    @property
    def scene_data(self) -> dict:
        """The scene last sent, as data (``{}`` when none)."""
        return json.loads(self.scene) if self.scene else {}

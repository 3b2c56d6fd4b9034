"""The widget shell of the scene-drawn explorers: structural sliders in Python, the picture and
every selection in the browser.

A :class:`SceneExplorer` is an ``ipywidgets.VBox``: rows of sliders for the *structural*
settings (sizes, stride, padding, dilation, kernel), a message box, and a
:class:`~conv_backprop.scene_widget.SceneWidget`. A slider change calls :meth:`build`, which
reads the settings and returns a :class:`~conv_backprop.scene.Scene` built from the package's
maths; the scene goes to the browser as JSON. Which output, pixel, weight or window is selected
is a *view* of that scene, chosen in the browser (click, hover, arrow keys, Play), synced back
to Python in ``.widget.view``.

For tests and Python code:

* ``.controls``: the slider widgets, by name; ``.set(**values)`` sets several, then rebuilds once;
* ``.scene``: the current :class:`Scene`; ``.select(key)`` shows one of its views;
* ``.state``: the numbers behind the picture (the scene's and the current view's);
* ``.message``: why a setting cannot be drawn (``InvalidSetting``), ``""`` otherwise.

Only :class:`~conv_backprop.scene.InvalidSetting` becomes a plain-language message; any other
exception is a bug and propagates.

**A slider moved in the browser** is answered in two messages, so the picture changes as soon
as possible: first the scene with only the view shown made (its grids, every key and selector;
the other views pending, see :func:`~conv_backprop.scene.only_views`), then, once the kernel's
event loop has sent that, the whole scene. A selection in between waits for the second message.
Another slider move before then drops the unfinished scene, so dragging a slider never queues
work for settings already left. Python code (``.set()``, ``.scene``, a slider set in a cell)
always gets the whole scene at once.
"""

from __future__ import annotations

import asyncio
import base64
import html

import ipywidgets as widgets

from ..scene import InvalidSetting, Scene, only_views
from ..scene_widget import SceneWidget

__all__ = ["SceneExplorer", "InvalidSetting"]

# How long the kernel waits before it makes the rest of a scene (seconds): a little more than a
# frame (16.7 ms at 60 Hz), so the browser draws the first message's picture before the second
# message arrives and takes its turn (measured: with 4 ms the two often shared a frame, and the
# picture waited for the whole scene). The whole scene still lands about 50 ms after the key
# press, before a person can move the pointer to another cell.
REST_DELAY_S = 0.02


def _running_loop():
    """The event loop running this code (the kernel's, when a browser moved a slider), or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class SceneExplorer(widgets.VBox):
    """Subclasses set ``self.controls`` (via ``super().__init__``) and implement :meth:`build`."""

    def __init__(self, controls: dict, *, rows=None, view: str | None = None):
        self.controls = controls
        self.widget = SceneWidget()
        self.message_box = widgets.HTML()
        self._scene: Scene | None = None
        self._rest = None  # the timer that will send the rest of a partial scene
        self.message = ""
        self.base_state: dict = {}
        self._busy = False
        if rows is None:
            rows = [list(controls.values())]
        boxes = [widgets.HBox(r, layout=widgets.Layout(flex_flow="row wrap")) for r in rows]
        super().__init__(boxes + [self.message_box, self.widget])
        for w in controls.values():
            w.observe(self._on_change, names="value")
        self.update(view=view)

    # ------------------------------------------------------------------ settings
    def value(self, name):
        return self.controls[name].value

    def set(self, **values) -> None:
        """Set several controls at once (by name), then rebuild once: ``e.set(stride=2, padding=0)``."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"no control named {unknown[0]!r}; the controls are {sorted(self.controls)}")
        busy, self._busy = self._busy, True
        try:
            for name, v in values.items():
                self.controls[name].value = v
        finally:
            self._busy = busy
        self.update()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.update(progressive=True)

    # ------------------------------------------------------------------ scene
    def build(self) -> Scene:  # pragma: no cover - abstract
        """Read the settings, return the scene (set ``self.base_state``); raise
        :class:`InvalidSetting` for a setting that cannot be drawn."""
        raise NotImplementedError

    @property
    def scene(self) -> Scene | None:
        """The current scene, whole (a partial one is finished and sent first)."""
        if self._scene is not None and self._scene.partial:
            self._send_rest()
        return self._scene

    def update(self, view: str | None = None, step: int | None = None, *, progressive: bool = False) -> None:
        """Rebuild the scene from the current settings and send it to the browser. Keeps the
        selected view when the new scene has it (else ``view``, else the scene's first), and its
        step when the view keeps that many steps. ``progressive`` (a slider moved, in a running
        event loop): send the shown view first and the rest of the scene right after."""
        if self._busy:
            return
        if self._rest is not None:  # a newer setting: the unfinished scene is not needed
            self._rest.cancel()
            self._rest = None
        loop = _running_loop() if progressive else None
        if view is not None:  # the first drawing (or an explicit view): its step, else the builder's
            keep, keep_step = view, step
        else:  # a structural change: keep what the learner looks at
            keep, keep_step = self.widget.view, self.widget.step
        self.message = ""
        self.base_state = {}
        try:
            if loop is not None and keep:
                with only_views([keep]):
                    scene = self.build()
            else:
                scene = self.build()
            scene._complete()
        except InvalidSetting as exc:
            self.message = str(exc)
            self._scene = None
            self.message_box.value = (
                '<div role="alert" style="border:2px solid #D55E00;padding:6px;font-size:14px;max-width:900px">'
                f"<b>Not a valid setting.</b> {html.escape(self.message)}</div>"
            )
            self.widget.layout.display = "none"
            self.widget.show(None)
            return
        if keep in scene.views:
            scene.view = keep
            if keep_step is not None:  # clamped to the view's last step (fewer pairs after a change)
                scene.step = max(0, min(int(keep_step), len(scene.views[keep].steps)))
        else:
            scene.materialize([scene.view])  # the builder's own choice (say, clamped to a smaller output)
            if scene.step > len(scene.views[scene.view].steps if scene.views.get(scene.view) else []):
                scene.step = 0
        # to_wire checks the scene as finish() does, so a bad scene never reaches the browser
        self.widget.show(scene, view=scene.view, step=scene.step)
        self._scene = scene
        if scene.partial:
            self._rest = loop.call_later(REST_DELAY_S, self._send_rest)
        if self.message_box.value:
            self.message_box.value = ""
        if self.widget.layout.display is not None:
            self.widget.layout.display = None

    def _send_rest(self) -> None:
        """Make the pending views of the current scene and send it whole, at the view and step
        the browser shows now (a selection made meanwhile is kept)."""
        if self._rest is not None:
            self._rest.cancel()
            self._rest = None
        scene = self._scene
        if scene is None or not scene.partial:
            return
        scene.materialize()
        key, step = self.widget.view, self.widget.step
        if key in scene.views:
            scene.view = key
            scene.step = max(0, min(int(step), len(scene.views[key].steps)))
        self.widget.show(scene, view=scene.view, step=scene.step)

    def select(self, key, step: int = 0) -> None:
        """Show the view ``key`` (what a click on its cell does in the browser), at ``step``
        (views with steps: 0 is the view itself, k its k-th step, as ◀ ▶ walk them)."""
        key = str(key)
        if self.scene is None or key not in self.scene.views:
            raise KeyError(f"no view {key!r} in this scene")
        n = len(self.scene.views[key].steps)
        if not 0 <= int(step) <= n:
            raise KeyError(f"view {key!r} has steps 0..{n}; got step {step!r}")
        with self.widget.hold_sync():
            self.widget.view = key
            self.widget.step = int(step)

    @property
    def step(self) -> int:
        """The step of the current view shown (0: the view itself)."""
        return int(self.widget.step)

    @property
    def view(self):
        """The current :class:`~conv_backprop.scene.View`, at its current step (None for an
        invalid setting)."""
        if self.scene is None:
            return None
        v = self.scene.views.get(self.widget.view)
        if v is None:
            return None
        step = self.widget.step
        return v.at(step) if 0 < step <= len(v.steps) else v

    @property
    def state(self) -> dict:
        """The settings-wide numbers (``base_state``) and the current view's."""
        if self.scene is None:
            return {"error": self.message, **self.base_state}
        v = self.view
        return {**self.base_state, **(v.state if v is not None else {})}

    def _repr_mimebundle_(self, **kwargs):
        """The widget view, plus a static PNG of the current view drawn by matplotlib and a
        short text, so a notebook read without widgets (GitHub, nbviewer) still shows the
        picture and the stored text output stays stable."""
        from ..scene_mpl import scene_png

        data = super()._repr_mimebundle_(**kwargs)
        if data is None:
            return data
        data["text/plain"] = f"{type(self).__name__}: an interactive explorer (run the cell in Jupyter to use it)"
        if self.scene is not None:
            data["image/png"] = base64.b64encode(scene_png(self.scene, self.widget.view, step=self.widget.step)).decode("ascii")
        return data

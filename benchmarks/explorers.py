"""What a learner feels: the explorers' latency in real JupyterLab + headless Chromium.

Usage: ``.venv/bin/python benchmarks/explorers.py [--repeat N] [--json FILE]`` (needs Chromium:
Debian package ``chromium``).

It writes a notebook holding the ten explorers, each under an *echo* widget (a slider whose
value the kernel copies into a label: the messaging floor, what any kernel round trip costs),
opens it in JupyterLab on 127.0.0.1 with JupyterLab's default settings (its windowing mode
included: cells off screen are not rendered, as for a learner), runs it, and then, in the page,
measures from an input event to the picture changing:

* **structural**: a key press on an explorer's stride slider (grouped: its kernel-rows slider,
  since most group counts do not divide its channels), against the **echo** floor measured the
  same way, interleaved with the explorer's moves (echo, explorer, echo, explorer, …), so that
  both see the same load on a shared machine. The kernel answers in two messages (the scene
  with the shown view, then the whole scene; ``explorers/_shell.py``): **picture** is the time
  to the first (what the learner sees change), **whole** the time until every view is in the
  page (when a selection anywhere is instant again);
* **selection**: the pointer entering a selectable cell (the browser shows that view; no kernel
  round trip).

Each latency runs from the event (a capture listener records ``performance.now()``) to the first
animation frame after the DOM changed (a ``MutationObserver`` arms a ``requestAnimationFrame``),
so it includes drawing. Bytes are the WebSocket frames the page receives during an update.
It prints medians and 95th percentiles in ms, and the machine's speed reference
(``sum(range(10**7))``), since these machines are shared and noisy. Aim: structural updates
within 10 ms of the echo floor at the 95th percentile, selection under one frame (16 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("_tools_labserver", ROOT / "tools" / "labserver.py")
labserver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(labserver)

# (name, the call, the slider moved)
EXPLORERS = [
    ("sliding window", "sliding_window_explorer()", "stride"),
    ("fan-in", "fan_in_explorer()", "stride"),
    ("fan-out", "fan_out_explorer()", "stride"),
    ("dw", "dw_explorer()", "stride"),
    ("flipped kernel", "flipped_kernel_explorer()", "stride"),
    ("im2col", "im2col_explorer()", "stride"),
    ("pooling", "pooling_explorer()", "stride"),
    ("transposed", "transposed_explorer()", "stride"),
    ("grouped", "grouped_explorer()", "kernel rows"),
    ("1-D", "conv1d_explorer()", "stride"),
]

# One echo widget above each explorer (so both are on screen together): a slider whose value
# the kernel copies into a label.
ECHO = """import ipywidgets as widgets
def echo():
    slider = widgets.IntSlider(value=1, min=0, max=100, description="echo")
    label = widgets.Label("1")
    slider.observe(lambda change: setattr(label, "value", str(change["new"])), names="value")
    return widgets.VBox([slider, label])"""

# Installed once per page: the time of the last input event, and a promise that resolves with
# [first, whole]: (frame time − event time) once `el` first changes, and once the explorer `root`
# (if any) has no view pending (`data-pending` gone; for the echo, whole = first).
INSTRUMENT = """() => {
    window.__cbT0 = null;
    for (const type of ["keydown", "pointerover", "mouseover"]) {
        document.addEventListener(type, () => { if (window.__cbArmed) { window.__cbT0 = performance.now(); window.__cbArmed = false; } }, true);
    }
}"""
ARM = """([el, root]) => {
    window.__cbArmed = true;
    window.__cbDone = new Promise((resolve) => {
        let first = null, wasPending = false;
        const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now() - window.__cbT0)));
        const obs = new MutationObserver(async () => {
            if (first === null) first = frame();
            if (!root || !root.hasAttribute("data-pending")) {
                obs.disconnect();
                const whole = wasPending ? frame() : first;  // a scene sent whole: whole = first
                resolve([await first, await whole]);
            } else wasPending = true;
        });
        obs.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
        if (root) obs.observe(root, {attributes: true, attributeFilter: ["data-pending"]});
        setTimeout(async () => { obs.disconnect(); resolve(first === null ? null : [await first, null]); }, 5000);
    });
}"""
WAIT = "() => window.__cbDone"


def speed_reference() -> float:
    t0 = time.perf_counter()
    sum(range(10**7))
    return time.perf_counter() - t0


def _notebook(path: Path, explorers) -> None:
    cells = [nbformat.v4.new_code_cell(ECHO),
             nbformat.v4.new_code_cell("import conv_backprop.explorers as ex")]
    for _, call, _ in explorers:
        cells += [nbformat.v4.new_code_cell("echo()"), nbformat.v4.new_code_cell(f"ex.{call}")]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


class Wire:
    """Bytes the page receives over its WebSockets (the kernel channel) between two marks."""

    def __init__(self, page):
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload):
        self.total += len(payload) if isinstance(payload, (bytes, str)) else 0


def _timed(page, wire, watched, action, root=None):
    page.evaluate(ARM, [watched, root])
    before = wire.total
    action()
    ms = page.evaluate(WAIT)
    page.wait_for_timeout(150)  # let the rest of the reply (status messages) arrive
    return ms, wire.total - before


def _slider_moves(page, wire, output, watched, label, repeat, floor=None, root=None):
    """Press → then ← on the slider whose description contains ``label``, ``repeat`` times each.

    With ``floor`` = (echo output, echo label element), each move is preceded by one move of the
    echo slider, so the floor is measured under the same load as the explorer (the machine is
    shared: a floor measured minutes earlier is no floor); returns the echo's times too, and
    the times until the explorer ``root`` had its whole scene."""
    handle = output.locator(".widget-slider", has_text=label).first.locator(".noUi-handle")
    echo = floor[0].locator(".widget-slider", has_text="echo").first.locator(".noUi-handle") if floor else None
    times, sizes, floor_times, floor_sizes, whole = [], [], [], [], []
    for k in range(2 * repeat):
        key = "ArrowRight" if k % 2 == 0 else "ArrowLeft"
        if echo is not None:
            echo.focus()
            ms, size = _timed(page, wire, floor[1], lambda: page.keyboard.press(key))
            if ms is not None:
                floor_times.append(ms[0])
                floor_sizes.append(size)
            page.wait_for_timeout(200)
        handle.focus()
        ms, size = _timed(page, wire, watched, lambda: page.keyboard.press(key), root)
        if ms is not None:
            times.append(ms[0])
            sizes.append(size)
            if ms[1] is not None:
                whole.append(ms[1])
        page.wait_for_timeout(200)
    return times, sizes, floor_times, floor_sizes, whole


def _selections(page, wire, output, repeat):
    cells = output.locator("rect.cb-selectable")
    n = cells.count()
    readout = output.locator(".cb-readout").element_handle()
    times, sizes = [], []
    page.mouse.move(0, 0)
    for k in range(repeat):
        cell = cells.nth((k * 7 + 1) % n)
        cell.scroll_into_view_if_needed()
        ms, size = _timed(page, wire, readout, lambda: cell.hover())
        if ms is not None:
            times.append(ms[0])
            sizes.append(size)
        page.mouse.move(0, 0)
        page.wait_for_timeout(60)
    return times, sizes


def _summary(values):
    if not values:
        return {"n": 0}
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"n": len(values), "median": statistics.median(values), "p95": p95, "max": values[-1]}


def run(repeat: int, explorers=EXPLORERS) -> dict:
    from playwright.sync_api import sync_playwright

    results = {"machine": platform.platform(), "python": platform.python_version(),
               "speed_reference_s": [speed_reference()], "explorers": {}}
    with tempfile.TemporaryDirectory() as tmp, labserver.running_lab(Path(tmp), windowing=None) as (base, token), \
            sync_playwright() as p:
        _notebook(Path(tmp) / "bench.ipynb", explorers)
        browser = labserver.chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        wire = Wire(page)
        labserver.open_notebook(page, base, token, "bench.ipynb", "bench")
        page.evaluate(INSTRUMENT)
        echoes = page.locator(".jp-Cell .jp-OutputArea-output").filter(
            has=page.locator(".widget-slider", has_text="echo"))
        all_floor_t, all_floor_b = [], []
        scenes = page.locator(".cb-scene")
        for k, (name, _, slider) in enumerate(explorers):
            scene = scenes.nth(k)
            output = scene.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
            output.scroll_into_view_if_needed()
            figure = scene.locator(".cb-figure").element_handle()
            echo = echoes.nth(k)
            echo_label = echo.locator("div.widget-label").element_handle()
            s_t, s_b, f_t, f_b, whole = _slider_moves(page, wire, output, figure, slider, repeat,
                                                      floor=(echo, echo_label), root=scene.element_handle())
            all_floor_t += f_t
            all_floor_b += f_b
            sel_t, sel_b = _selections(page, wire, output, 2 * repeat)
            results["explorers"][name] = {
                "structural": {"latency": _summary(s_t), "bytes": _summary(s_b), "whole": _summary(whole)},
                "echo": {"latency": _summary(f_t), "bytes": _summary(f_b)},
                "selection": {"latency": _summary(sel_t), "bytes": _summary(sel_b)},
            }
            print(f"{name}: structural median {results['explorers'][name]['structural']['latency'].get('median', 0):.1f} ms, "
                  f"selection median {results['explorers'][name]['selection']['latency'].get('median', 0):.2f} ms",
                  file=sys.stderr)
        results["echo"] = {"latency": _summary(all_floor_t), "bytes": _summary(all_floor_b)}
        browser.close()
    results["speed_reference_s"].append(speed_reference())
    return results


def markdown(results: dict) -> str:
    e = results["echo"]
    lines = [
        "| Explorer | picture: median | picture: p95 | echo (same moves): median, p95 | median − echo median | "
        "p95 − echo p95 | whole scene: median, p95 | kB per structural update | selection: median | selection: p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| echo widget (the floor, all moves) | {e['latency']['median']:.1f} | {e['latency']['p95']:.1f} | | 0 | 0 | | "
        f"{e['bytes']['median'] / 1e3:.1f} | | |",
    ]
    for name, r in results["explorers"].items():
        s, sel, fl = r["structural"], r["selection"], r.get("echo", e)
        lines.append(
            f"| {name} | {s['latency']['median']:.1f} | {s['latency']['p95']:.1f} | "
            f"{fl['latency']['median']:.1f}, {fl['latency']['p95']:.1f} | "
            f"{s['latency']['median'] - fl['latency']['median']:+.1f} | "
            f"{s['latency']['p95'] - fl['latency']['p95']:+.1f} | "
            f"{s['whole']['median']:.1f}, {s['whole']['p95']:.1f} | {s['bytes']['median'] / 1e3:.1f} | "
            f"{sel['latency']['median']:.1f} | {sel['latency']['p95']:.1f} |")
    ref = results["speed_reference_s"]
    lines.append("")
    n = min(r["structural"]["latency"]["n"] for r in results["explorers"].values())
    lines.append(f"Times in ms, {n} or more slider moves per explorer. Speed reference `sum(range(10**7))`: "
                 f"{min(ref):.2f}–{max(ref):.2f} s.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20, help="slider moves each way per explorer")
    ap.add_argument("--json", help="also write the measurements to this file")
    ap.add_argument("--only", nargs="+", choices=[e[0] for e in EXPLORERS], help="measure these explorers only")
    args = ap.parse_args(argv)
    results = run(args.repeat, [e for e in EXPLORERS if not args.only or e[0] in args.only])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

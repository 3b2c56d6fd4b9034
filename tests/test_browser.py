"""The explorers in a real JupyterLab, driven by headless Chromium through Playwright.

For every notebook that embeds an explorer: open it in JupyterLab (localhost, token auth), run
all cells, check that no widget failed to render ("Error displaying widget", "model not
found"), move a slider with the keyboard, and check that the explorer's picture changed.
Screenshots go to ``test-artifacts/browser/`` for a person to look at.

Playwright drives the system Chromium (Debian package ``chromium``); it never downloads a
browser. Outside CI the test skips, loudly, when no Chromium is installed; in CI it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _tool(name: str):
    """A script of tools/ (a folder of scripts, not a package), loaded by path."""
    spec = importlib.util.spec_from_file_location(f"_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


labserver = _tool("labserver")
CHROMIUM = labserver.CHROMIUM
EXPLORER_NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").glob("*.ipynb")
    if "_explorer(" in "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"]
                              if c["cell_type"] == "code")
)

pytestmark = pytest.mark.browser

if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Chromium (.ci/run does: apt-get install chromium)")
    pytestmark = [pytest.mark.browser, pytest.mark.skip(
        reason="NO CHROMIUM FOUND: the real-browser test of the explorers did NOT run. "
               "Install it (Debian: apt-get install chromium) to run it.")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks (so autosave never touches the repo)."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    with labserver.running_lab(work) as (base, token):
        # token auth is on: without the token the API refuses
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        yield base, token


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = labserver.chromium(p)
        yield b
        b.close()


_wait_idle = labserver.wait_idle


def test_explorer_notebooks_found():
    assert EXPLORER_NOTEBOOKS, "no notebook embeds an explorer: the browser test would be vacuous"


@pytest.mark.parametrize("notebook", EXPLORER_NOTEBOOKS, ids=lambda p: p.stem)
def test_explorers_render_and_respond(lab, browser, notebook):
    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A fresh workspace per notebook, so JupyterLab does not restore the previous one.
    labserver.open_notebook(page, base, token, f"notebooks/{notebook.name}", notebook.stem)

    errors_in_outputs = page.evaluate(
        """() => {
            const errs = [];
            for (const cell of window.jupyterapp.shell.currentWidget.content.model.cells) {
                if (cell.type !== 'code') continue;
                for (let i = 0; i < cell.outputs.length; i++) {
                    const o = cell.outputs.get(i).toJSON();
                    if (o.output_type === 'error') errs.push(o.ename + ': ' + o.evalue);
                }
            }
            return errs;
        }"""
    )
    assert errors_in_outputs == [], f"cells raised in the browser: {errors_in_outputs}"
    text = page.inner_text(".jp-Notebook")
    assert "Error displaying widget" not in text
    assert "model not found" not in text

    sliders = page.locator(".jp-OutputArea-output .widget-slider:visible .noUi-handle")
    assert sliders.count() > 0, "no explorer slider rendered"
    explorer = sliders.first.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
    explorer.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    before = explorer.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-before.png"))
    after = before
    for key in ("ArrowRight", "ArrowLeft"):  # a slider at its maximum only moves left
        sliders.first.focus()
        page.keyboard.press(key)
        page.wait_for_timeout(2500)
        _wait_idle(page)
        after = explorer.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-after.png"))
        if after != before:
            break
    page.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-page.png"), full_page=False)
    assert before != after, "moving the slider did not change the explorer"
    assert "Error displaying widget" not in page.inner_text(".jp-Notebook")
    page.close()


def _explorer_call(notebook: Path):
    """The explorer the notebook displays, built in this process from the same call."""
    import conv_backprop.explorers as ex

    for cell in json.loads(notebook.read_text())["cells"]:
        src = "".join(cell["source"]).strip()
        if cell["cell_type"] == "code" and "_explorer(" in src:
            last = src.splitlines()[-1]
            return last, eval(last, dict(vars(ex)))  # noqa: S307 - the course's own notebook
    raise AssertionError(f"{notebook.name} displays no explorer")


_DOM_ROLES = """(root) => [...root.querySelectorAll('rect.cb-cell')].map(r => [r.dataset.key, r.dataset.role])"""


def _open_explorer(lab, browser, notebook, workspace):
    """The notebook run in JupyterLab: (page, the first explorer's root element, scrolled to)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    base_url, token = lab
    labserver.open_notebook(page, base_url, token, f"notebooks/{notebook.name}", workspace)
    root = page.locator(".cb-scene").first
    root.wait_for(timeout=30_000)
    root.scroll_into_view_if_needed()
    return page, root


@pytest.mark.parametrize("notebook", EXPLORER_NOTEBOOKS, ids=lambda p: p.stem)
def test_clicking_a_cell_highlights_what_the_maths_says(lab, browser, notebook):
    """Click a selectable cell of the explorer in JupyterLab: the cells the SVG shows in another
    role must be exactly the view the package's maths built for that cell, and the read-out
    (a live region) must show that view's text. No kernel round trip is needed for it."""
    call, explorer = _explorer_call(notebook)
    scene = explorer.scene
    base = {f"{g.id}:{r}:{c}": g.roles[r][c] for g in scene.grids
            for r in range(g.shape[0]) for c in range(g.shape[1])}
    page, root = _open_explorer(lab, browser, notebook, f"click-{notebook.stem}")
    # pick a selectable cell whose view is not the one shown first: a click must change it
    keys = [k for k, v in scene.select.items() if v != scene.view]
    assert keys, f"{call}: nothing to click"
    for key in (keys[0], keys[len(keys) // 2], keys[-1]):
        view = scene.views[scene.select[key]]
        page.locator(f'.cb-scene rect.cb-cell[data-key="{key}"]').first.click()
        page.wait_for_timeout(100)
        shown = dict(root.evaluate(_DOM_ROLES))
        expected = dict(base)
        for g, r, c, role in view.cells:
            expected[f"{g}:{r}:{c}"] = role
        assert shown == expected, f"{call}: clicking {key} highlighted other cells than the maths"
        assert root.locator(".cb-readout").inner_text().strip() == view.readout.strip()
    # hovering across cells selects each in turn and never blinks: every change of the read-out
    # comes from the pointer entering a cell (none from the kernel echoing an older selection),
    # the read-out is never empty, and the last cell entered is the one shown
    root.evaluate("""(root) => {
        window.__cbLog = []; window.__cbHover = false;
        root.addEventListener('mouseover', () => { window.__cbHover = true; setTimeout(() => { window.__cbHover = false; }, 0); }, true);
        const ro = root.querySelector('.cb-readout');
        new MutationObserver(() => window.__cbLog.push([window.__cbHover, ro.textContent]))
            .observe(ro, {childList: true, characterData: true, subtree: true});
    }""")
    sweep = [k for k in scene.select][:: max(1, len(scene.select) // 12)][:12]
    for key in sweep:
        box = page.locator(f'.cb-scene rect.cb-cell[data-key="{key}"]').first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=2)
        page.wait_for_timeout(20)
    page.wait_for_timeout(1500)  # time for any echo from the kernel
    log = page.evaluate("() => window.__cbLog")
    assert log and all(hover and text for hover, text in log), f"{call}: the selection blinked while hovering"
    assert root.locator(".cb-readout").inner_text().strip() == scene.views[scene.select[sweep[-1]]].readout.strip()
    # a view with steps (dw: its (x, dout) pairs): ▶ shows step 1 on top of the view
    stepped = [k for k, v in scene.select.items() if scene.views[v].steps]
    if stepped:
        key = stepped[0]
        view = scene.views[scene.select[key]]
        page.locator(f'.cb-scene rect.cb-cell[data-key="{key}"]').first.click()
        root.locator("button[title^='next']").click()
        page.wait_for_timeout(100)
        expected = dict(base)
        for g, r, c, role in view.at(1).cells:
            expected[f"{g}:{r}:{c}"] = role
        assert dict(root.evaluate(_DOM_ROLES)) == expected, f"{call}: step 1 highlighted other cells"
        assert root.locator(".cb-readout").inner_text().strip() == view.at(1).readout.strip()
        assert root.locator(".cb-arrow").count() == len(view.at(1).arrows)
    # the keyboard moves the selection too
    grid = root.locator("g.cb-grid[tabindex='0']").first
    grid.focus()
    before = root.locator(".cb-readout").inner_text()
    for k in ("ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"):
        page.keyboard.press(k)
        if root.locator(".cb-readout").inner_text() != before:
            break
    assert root.locator(".cb-readout").inner_text() != before, f"{call}: arrow keys did not move the selection"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-clicked.png"))
    page.close()


@pytest.mark.parametrize("notebook", [n for n in EXPLORER_NOTEBOOKS if n.name.startswith(("02", "04"))],
                         ids=lambda p: p.stem)
def test_a_click_right_after_a_slider_move(lab, browser, notebook):
    """A slider move is answered in two messages (the picture, then every view). A click at once,
    on a view still pending, must end showing that view of the new setting, as the package's
    maths builds it; and the explorer must end with no view pending."""
    call, explorer = _explorer_call(notebook)
    stride = explorer.controls["stride"]
    old = stride.value
    new = old + 1 if old < stride.max else old - 1
    explorer.set(stride=new)
    press = "ArrowRight" if new > old else "ArrowLeft"
    scene = explorer.scene
    page, root = _open_explorer(lab, browser, notebook, f"move-{notebook.stem}")
    output = root.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
    key = [k for k, v in scene.select.items() if v != scene.view][-1]
    # as soon as the first message is drawn (views pending), click the cell, from inside the page
    root.evaluate("""(root, key) => {
        window.__cbClicked = false;
        const obs = new MutationObserver(() => {
            if (!root.hasAttribute('data-pending')) return;
            obs.disconnect();
            root.querySelector(`rect.cb-cell[data-key="${key}"]`).dispatchEvent(new MouseEvent('click', {bubbles: true}));
            window.__cbClicked = true;
        });
        obs.observe(root, {attributes: true, attributeFilter: ['data-pending']});
    }""", key)
    output.locator(".widget-slider", has_text="stride").first.locator(".noUi-handle").focus()
    page.keyboard.press(press)
    page.wait_for_function("() => window.__cbClicked", timeout=10_000)
    page.wait_for_function("() => !document.querySelector('.cb-scene[data-pending]')", timeout=10_000)
    page.wait_for_timeout(200)
    view = scene.views[scene.select[key]]
    assert root.locator(".cb-readout").inner_text().strip() == view.readout.strip(), (
        f"{call}: a click during a slider move did not end on the clicked view")
    expected = {f"{g.id}:{r}:{c}": g.roles[r][c] for g in scene.grids
                for r in range(g.shape[0]) for c in range(g.shape[1])}
    expected.update({f"{g}:{r}:{c}": role for g, r, c, role in view.cells})
    assert dict(root.evaluate(_DOM_ROLES)) == expected
    page.close()


def test_an_explorer_works_in_notebook_7(tmp_path, browser):
    """The same explorer in Notebook 7: run the notebook, click a cell, the read-out follows."""
    notebook = EXPLORER_NOTEBOOKS[0]
    shutil.copy(notebook, tmp_path / notebook.name)
    _, explorer = _explorer_call(notebook)
    with labserver.running_lab(tmp_path, app="notebook") as (base, token):
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(f"{base}/notebooks/{notebook.name}?token={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_function("() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel",
                               timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(1000)
        _wait_idle(page)
        root = page.locator(".cb-scene").first
        root.wait_for(timeout=30_000)
        root.scroll_into_view_if_needed()
        key = next(k for k, v in explorer.scene.select.items() if v != explorer.scene.view)
        root.locator(f'rect.cb-cell[data-key="{key}"]').click()
        view = explorer.scene.views[explorer.scene.select[key]]
        assert root.locator(".cb-readout").inner_text().strip() == view.readout.strip()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(ARTIFACTS / "notebook7-clicked.png"))
        page.close()

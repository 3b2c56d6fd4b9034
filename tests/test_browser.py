"""The explorers in a real JupyterLab, driven by headless Chromium through Playwright.

For every notebook that embeds an explorer: open it in JupyterLab (localhost, token auth), run
all cells, check that no widget failed to render ("Error displaying widget", "model not
found"), move a slider with the keyboard, and check that the explorer's picture changed.
Screenshots go to ``test-artifacts/browser/`` for a person to look at.

Playwright drives the system Chromium (Debian package ``chromium``); it never downloads a
browser. Outside CI the test skips, loudly, when no Chromium is installed; in CI it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks (so autosave never touches the repo)."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    # Render every cell (no windowing, so text checks see all outputs) and never ask about news.
    settings = work / "app-settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(work / "config"), JUPYTER_RUNTIME_DIR=str(work / "runtime"))
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={work / 'workspaces'}",
        f"--LabApp.app_settings_dir={settings}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(work / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start: " + (work / "server.log").read_text()[-2000:])
        # token auth is on: without the token the API refuses
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def _wait_idle(page, timeout_s=240):
    """Wait until every code cell has run: no '[*]' prompt and the kernel reports idle."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        busy = page.evaluate(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-InputPrompt')].map(e => e.textContent);
                const status = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status;
                return prompts.some(t => t.includes('*')) || status !== 'idle';
            }"""
        )
        if not busy:
            return
        page.wait_for_timeout(500)
    raise AssertionError("cells still running after %d s" % timeout_s)


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
    page.goto(f"{base}/lab/workspaces/{notebook.stem}/tree/notebooks/{notebook.name}?reset&token={token}",
              wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """(path) => {
            const w = window.jupyterapp?.shell?.currentWidget;
            return w?.context?.path === path && w?.sessionContext?.session?.kernel;
        }""", arg=f"notebooks/{notebook.name}", timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    _wait_idle(page)

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

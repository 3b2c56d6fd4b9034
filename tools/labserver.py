"""A JupyterLab server on 127.0.0.1 and a headless Chromium, for the browser test and the
explorers' latency benchmark (both drive the real thing, not a stand-in).

``running_lab(root)`` starts JupyterLab on a free local port with token authentication, a
throw-away configuration (no news, no update checks, every cell rendered unless asked
otherwise) and ``root`` as its root folder; it yields ``(base_url, token)`` and stops the server on exit, also on an error.
``chromium(playwright)`` launches the system Chromium (Debian package ``chromium``) headless,
with the flags this machine's closed network needs; Playwright never downloads a browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(root: Path, *, startup_s: float = 60, app: str = "jupyterlab", windowing: str | None = "none"):
    """``app`` is ``"jupyterlab"`` or ``"notebook"`` (Notebook 7, the classic-looking front end
    built on JupyterLab's components). ``windowing`` is the notebook's windowing mode: ``"none"``
    (every cell rendered, what the tests need) or None for JupyterLab's default (in JupyterLab
    4.6, ``"contentVisibility"``: the browser skips rendering cells off screen; what a learner
    gets, and what the latency benchmark measures)."""
    root = Path(root)
    port, token = free_port(), secrets.token_hex(16)
    settings = root / "app-settings"
    settings.mkdir(exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": windowing} if windowing else {},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_RUNTIME_DIR=str(root / "runtime"))
    cmd = [sys.executable, "-m", app, "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if app == "jupyterlab":
        cmd += ["--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={root / 'workspaces'}",
                f"--LabApp.app_settings_dir={settings}",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    else:
        cmd += ["--JupyterNotebookApp.expose_app_in_browser=True"]
    log_path = root / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + startup_s
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise RuntimeError("JupyterLab did not start: " + log_path.read_text()[-2000:])
                    time.sleep(0.5)
            yield base, token
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def chromium(playwright):
    """The system Chromium, headless (raises if it is not installed)."""
    if CHROMIUM is None:
        raise RuntimeError("no Chromium found (Debian: apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_notebook(page, base: str, token: str, path: str, workspace: str, *, run_all: bool = True,
                  timeout_s: float = 240) -> None:
    """Open ``path`` (relative to the server root) in a fresh workspace, wait for its kernel and,
    with ``run_all``, run every cell and wait until the kernel is idle again."""
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?reset&token={token}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """(path) => {
            const w = window.jupyterapp?.shell?.currentWidget;
            return w?.context?.path === path && w?.sessionContext?.session?.kernel;
        }""", arg=path, timeout=60_000)
    if run_all:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(1000)
        wait_idle(page, timeout_s)


def wait_idle(page, timeout_s: float = 240) -> None:
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
        page.wait_for_timeout(300)
    raise AssertionError("cells still running after %d s" % timeout_s)

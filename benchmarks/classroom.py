"""A class on one hub: a real JupyterHub on 127.0.0.1, N simulated students, what it costs.

Usage: ``.venv/bin/python benchmarks/classroom.py [--students 1 5 10 20 30] [--json FILE]
[--plot FILE]`` (``make classroom`` runs the full sweep). Needs the ``hub`` extra and ``npm``.

For each class size N it starts a fresh JupyterHub that listens on 127.0.0.1 only:

* authentication: JupyterHub's built-in shared-password authenticator
  (``SharedPasswordAuthenticator``, the successor of ``DummyAuthenticator``'s password), the
  students ``student01`` … allowed by name;
* spawner: ``SimpleLocalProcessSpawner`` (every single-user server is a local process of the
  hub's own system user, with its own home folder under ``build/classroom/``). It needs no
  system accounts, so nothing on the machine outside ``build/`` is touched; the servers are
  the same ``jupyterhub-singleuser`` (JupyterLab) processes a ``LocalProcessSpawner`` or a
  Kubernetes pod would run. When the script runs as root, the servers get ``allow_root``;
* the workbook as ``make lab`` installs it (this environment's ``conv_backprop``, JupyterLab,
  ipywidgets, anywidget), a copy of one notebook in every student's home folder, as an
  nbgitpuller link would leave it;
* the proxy: ``configurable-http-proxy`` from the npm registry, installed into ``build/chp/``
  on first use.

Every student is a thread of this script that speaks only the protocols a browser speaks,
over HTTP and WebSocket to 127.0.0.1: log in through the hub's login form, start a server with
the hub's REST API (cookie and XSRF header, as the hub's home page does), open JupyterLab
(the OAuth redirects between server and hub), fetch the notebook and start a kernel session
with the server's REST API, then, on the kernel WebSocket, run every code cell top to bottom
(``execute_request``), and then change the explorer at a lecture's cadence: every 2–5 s (think
time drawn at random) either a *structural* change (the ``comm_msg`` "update" of an explorer
slider's ``value`` that ipywidgets' front end sends on a key press; the kernel rebuilds the
scene and sends it back) or a *selection* (the "update" of the scene widget's ``view`` trait,
which the browser sends after a click; the kernel only records it). All students start at the
same moment: the worst case of a class pressing "run all" together.

Measured per N: time from login to a ready notebook (all cells run), its parts (login, server
start, kernel start, run all), per-interaction latency (from sending the message to the
kernel's ``idle`` status for it: every reply, including the new scene, has arrived), memory of
every single-user server and kernel (RSS and PSS, from /proc through psutil, sampled every
2 s), CPU time of the kernels, servers, hub and proxy per interaction, errors, and the
machine's load (2 cores may be shared).

Bounded: every student does a fixed number of interactions, every wait has a timeout, each N
has a deadline, and the sweep stops early (and says why) when the next N would not fit in
memory or the last one already took too long. Cleanup: the servers are stopped through the
hub, the hub is sent SIGTERM (it stops the proxy), and every process the hub ever started is
recorded while it runs and killed if still alive, in ``finally`` blocks that also run on
Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
CHP_DIR = BUILD / "chp"
CHP_SPEC = "configurable-http-proxy@5"
RUNS = BUILD / "classroom"
BIN = Path(sys.executable).parent
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "03-backward-dx-by-indices.ipynb"
SLIDERS = {"IntSliderModel", "FloatSliderModel", "SelectionSliderModel", "DropdownModel",
           "ToggleButtonsModel", "RadioButtonsModel", "IntTextModel", "BoundedIntTextModel"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Stop(Exception):
    """Raised in the main thread on SIGTERM (Ctrl-C raises KeyboardInterrupt)."""


# --------------------------------------------------------------------------- the machine
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_proxy() -> Path:
    """configurable-http-proxy from the npm registry, in build/chp/ (installed on first use)."""
    exe = CHP_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if exe.exists():
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("benchmarks/classroom.py needs npm (Debian: apt-get install npm) to install "
                         "JupyterHub's proxy, configurable-http-proxy, into build/chp/")
    CHP_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(CHP_DIR), "--no-audit", "--no-fund",
                    "--loglevel=error", CHP_SPEC], check=True, timeout=600)
    if not exe.exists():
        raise SystemExit(f"npm installed {CHP_SPEC} but {exe} is missing")
    return exe


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("jupyterhub", "jupyter_server", "jupyterlab", "ipykernel", "ipywidgets", "anywidget"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    package = CHP_DIR / "node_modules" / "configurable-http-proxy" / "package.json"
    out["configurable-http-proxy"] = json.loads(package.read_text())["version"] if package.exists() else None
    return out


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def speed_reference() -> float:
    t0 = time.perf_counter()
    sum(range(10**7))
    return round(time.perf_counter() - t0, 3)


def summary(values) -> dict:
    values = sorted(v for v in values if v is not None)
    if not values:
        return {"n": 0}
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"n": len(values), "median": round(statistics.median(values), 4), "p95": round(p95, 4),
            "max": round(values[-1], 4)}


# --------------------------------------------------------------------------- processes
class Processes:
    """Every process the hub started (recorded while the hub runs, so that none is lost when the
    hub dies first), classified as hub / proxy / server (per student) / kernel (per student)."""

    def __init__(self, hub: subprocess.Popen):
        self.hub_pid = hub.pid
        self.seen: dict[int, tuple[float, str]] = {hub.pid: (psutil.Process(hub.pid).create_time(), "jupyterhub")}
        self.lock = threading.Lock()
        self.peak: dict[tuple, dict] = {}

    def tree(self) -> list[psutil.Process]:
        try:
            hub = psutil.Process(self.hub_pid)
            procs = [hub] + hub.children(recursive=True)
        except psutil.Error:
            return []
        with self.lock:
            for p in procs:
                try:
                    if p.pid not in self.seen:
                        cmd = " ".join(p.cmdline())
                        role = next((r for k, r in (("configurable-http-proxy", "proxy"), ("singleuser", "server"),
                                                    ("ipykernel", "kernel")) if k in cmd), p.name())
                        self.seen[p.pid] = (p.create_time(), role)
                except psutil.Error:
                    pass
        return procs

    def snapshot(self, pss: bool = True) -> dict:
        """{pid: {role, user, cpu, rss, pss}} for the hub's whole process tree."""
        out, users = {}, {}
        procs = self.tree()
        for p in procs:
            try:
                cmd = " ".join(p.cmdline())
                if p.pid == self.hub_pid:
                    role, user = "hub", None
                elif "configurable-http-proxy" in cmd:
                    role, user = "proxy", None
                elif "jupyterhub-singleuser" in cmd:
                    role, user = "server", p.environ().get("JUPYTERHUB_USER")
                    users[p.pid] = user
                elif "ipykernel" in cmd:
                    role, user = "kernel", None
                else:
                    role, user = "other", None
                t = p.cpu_times()
                mem = p.memory_full_info() if pss else p.memory_info()
                out[p.pid] = {"role": role, "user": user, "ppid": p.ppid(), "cpu": t.user + t.system,
                              "rss": mem.rss, "pss": getattr(mem, "pss", None)}
            except psutil.Error:
                continue
        for pid, rec in out.items():  # a kernel belongs to the student whose server started it
            if rec["role"] == "kernel":
                rec["user"] = users.get(rec["ppid"])
        with self.lock:
            for pid, rec in out.items():
                key = (rec["role"], rec["user"] or pid)
                peak = self.peak.setdefault(key, {"rss": 0, "pss": 0})
                peak["rss"] = max(peak["rss"], rec["rss"])
                peak["pss"] = max(peak["pss"], rec["pss"] or 0)
        return out

    def kill_all(self) -> list[str]:
        """Kill every recorded process still alive (same pid *and* start time)."""
        left = []
        with self.lock:
            items = list(self.seen.items())
        names = {}
        for pid, (created, name) in items:
            try:
                p = psutil.Process(pid)
                if abs(p.create_time() - created) < 1e-3:
                    left.append(p)
                    names[pid] = name
            except psutil.Error:
                pass
        for p in left:
            try:
                p.terminate()
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(left, timeout=5)
        for p in alive:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)
        return [f"{names[p.pid]}({p.pid})" for p in left]


def cpu_by_role(snap: dict) -> dict:
    out: dict[str, float] = {}
    for rec in snap.values():
        out[rec["role"]] = out.get(rec["role"], 0.0) + rec["cpu"]
    return out


# --------------------------------------------------------------------------- the hub
HUB_CONFIG = """# Written by benchmarks/classroom.py: a throw-away hub on 127.0.0.1.
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{run}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{run}/jupyterhub_cookie_secret"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.ConfigurableHTTPProxy.command = ["{chp}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = "{run}/jupyterhub-proxy.pid"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = "{password}"
c.Authenticator.allowed_users = {users!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{run}/home/{{username}}"
c.Spawner.cmd = ["{singleuser}"]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = {timeout}
c.Spawner.http_timeout = {timeout}
c.Spawner.environment = {environment!r}
c.JupyterHub.services = [{{"name": "classroom-benchmark", "api_token": "{token}"}}]
c.JupyterHub.load_roles = [{{"name": "classroom-benchmark", "services": ["classroom-benchmark"],
                             "scopes": ["list:users", "read:users", "admin:servers"]}}]
"""


class Hub:
    def __init__(self, run: Path, users: list[str], notebook: Path, timeout: float, transport: str = "tcp"):
        self.run, self.users, self.notebook, self.timeout = run, users, notebook, timeout
        self.transport = transport
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(32)
        self.proc: subprocess.Popen | None = None
        self.procs: Processes | None = None
        self.runtime: Path | None = None

    def write(self) -> Path:
        (self.run / "jupyter-config").mkdir(parents=True, exist_ok=True)
        for u in self.users:  # what an nbgitpuller link leaves in a home folder: the notebook
            home = self.run / "home" / u
            home.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.notebook, home / self.notebook.name)
        args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
        environment = {"JUPYTER_CONFIG_DIR": f"{self.run}/jupyter-config"}
        if self.transport != "tcp":  # kernels on Unix sockets: no TCP port to collide on
            args.append(f"--KernelManager.transport={self.transport}")
            # a socket's path must fit in 107 bytes: a short runtime folder, removed by stop()
            self.runtime = Path(tempfile.mkdtemp(prefix="classroom-"))
            environment["JUPYTER_RUNTIME_DIR"] = str(self.runtime)
        cfg = self.run / "jupyterhub_config.py"
        cfg.write_text(HUB_CONFIG.format(
            port=self.port, hub_port=self.hub_port, api_port=self.api_port, run=self.run,
            chp=ensure_proxy(), password=self.password, users=set(self.users),
            singleuser=BIN / "jupyterhub-singleuser", args=args, timeout=int(self.timeout), environment=environment,
            token=self.token))
        return cfg

    def start(self) -> None:
        cfg = self.write()
        log = open(self.run / "jupyterhub.log", "wb")
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(cfg)], cwd=self.run, env=env,
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()
        self.procs = Processes(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {self.proc.returncode}; see {self.run}/jupyterhub.log")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).ok:
                    self.procs.tree()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"jupyterhub did not answer within 60 s; see {self.run}/jupyterhub.log")

    def api(self, method: str, path: str, **kw):
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=30,
                                headers={"Authorization": f"token {self.token}"}, **kw)

    def stop(self) -> dict:
        """Stop the servers through the hub, then the hub (SIGTERM to its process group), then
        anything it started that is still alive. Safe to call twice."""
        report = {"servers_stopped": 0, "killed": []}
        if self.proc is None:
            return report
        if self.proc.poll() is None:
            for u in self.users:
                try:
                    if self.api("DELETE", f"/users/{u}/server").status_code in (202, 204):
                        report["servers_stopped"] += 1
                except requests.RequestException:
                    pass
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # bounded wait for the servers to go
                try:
                    users = self.api("GET", "/users").json()
                    if not any(u.get("servers") for u in users):
                        break
                except (requests.RequestException, ValueError):
                    break
                time.sleep(0.5)
            if self.procs:
                self.procs.tree()
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if self.procs:
            report["killed"] = self.procs.kill_all()
        if self.runtime is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)
            self.runtime = None
        self.proc = None
        return report


# --------------------------------------------------------------------------- a student
def _cookie(session: requests.Session, name: str, path: str) -> str:
    for c in session.cookies:
        if c.name == name and path.startswith(c.path.rstrip("/") or "/"):
            return c.value
    raise RuntimeError(f"no {name} cookie for {path}")


def _decode(frame) -> dict | None:
    """A kernel WebSocket frame (jupyter_server's default protocol): JSON text, or binary with
    buffers (uint32 count, uint32 offsets, the JSON message first)."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{n}I", frame[4:4 + 4 * n])
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))


class Student:
    def __init__(self, name: str, hub: Hub, notebook: Path, rng: random.Random, go: threading.Event,
                 stop: threading.Event, interactions: int, think: tuple[float, float], timeout: float):
        self.name, self.hub, self.notebook, self.rng = name, hub, notebook, rng
        self.go, self.stop, self.interactions, self.think, self.timeout = go, stop, interactions, think, timeout
        self.s = requests.Session()
        self.ws: websocket.WebSocket | None = None
        self.session_id = uuid.uuid4().hex
        self.comms: dict[str, dict] = {}  # comm id -> widget state
        self.views: list[str] = []  # widget models displayed by the notebook
        self.t: dict[str, float] = {}
        self.latency: dict[str, list] = {"structural": [], "selection": [], "cell": []}
        self.bytes: dict[str, list] = {"structural": [], "selection": []}
        self.errors: list[str] = []
        self.ready = threading.Event()
        self.done = threading.Event()

    # ---------------------------------------------------------------- HTTP, as the browser
    def login(self) -> None:
        url = f"{self.hub.url}/hub/login"
        self.s.get(url, timeout=self.timeout).raise_for_status()
        r = self.s.post(url, timeout=self.timeout, allow_redirects=False,
                        data={"username": self.name, "password": self.hub.password,
                              "_xsrf": _cookie(self.s, "_xsrf", "/hub/")})
        if r.status_code != 302:
            raise RuntimeError(f"login answered {r.status_code}")

    def start_server(self) -> None:
        """What the hub's home page does: load it (its XSRF cookie belongs to the logged-in
        session), then its "Start My Server" button's POST to the REST API."""
        self.s.get(f"{self.hub.url}/hub/home", timeout=self.timeout).raise_for_status()
        headers = {"X-XSRFToken": _cookie(self.s, "_xsrf", "/hub/")}
        api = f"{self.hub.url}/hub/api/users/{self.name}"
        r = self.s.post(f"{api}/server", headers=headers, timeout=self.timeout)
        if r.status_code not in (201, 202):
            raise RuntimeError(f"server start answered {r.status_code}: {r.text[:200]}")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            server = self.s.get(api, headers=headers, timeout=self.timeout).json().get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"server not ready within {self.timeout:.0f} s")

    def open_notebook(self) -> str:
        base = f"{self.hub.url}/user/{self.name}"
        self.s.get(f"{base}/lab", timeout=self.timeout).raise_for_status()  # OAuth with the hub
        self.xsrf = _cookie(self.s, "_xsrf", f"/user/{self.name}/")
        h = {"X-XSRFToken": self.xsrf}
        self.s.get(f"{base}/api/kernelspecs", headers=h, timeout=self.timeout).raise_for_status()
        nb = self.s.get(f"{base}/api/contents/{self.notebook.name}", params={"content": 1}, headers=h,
                        timeout=self.timeout)
        nb.raise_for_status()
        self.cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                      for c in nb.json()["content"]["cells"] if c["cell_type"] == "code"]
        r = self.s.post(f"{base}/api/sessions", headers=h, timeout=self.timeout, json={
            "path": self.notebook.name, "name": self.notebook.name, "type": "notebook",
            "kernel": {"name": "python3"}})
        r.raise_for_status()
        return r.json()["kernel"]["id"]

    # ---------------------------------------------------------------- kernel WebSocket
    def connect(self, kernel_id: str) -> None:
        url = (f"ws://127.0.0.1:{self.hub.port}/user/{self.name}/api/kernels/{kernel_id}/channels"
               f"?session_id={self.session_id}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.s.cookies
                           if f"/user/{self.name}/".startswith(c.path.rstrip("/") + "/") or c.path == "/")
        self.ws = websocket.create_connection(url, timeout=self.timeout, header=[f"X-XSRFToken: {self.xsrf}"],
                                              cookie=cookie, origin=self.hub.url)
        self.request("kernel_info_request", {}, "shell")

    def send(self, msg_type: str, content: dict, channel: str) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self.session_id,
                       "msg_type": msg_type, "version": "5.3",
                       "date": datetime.now(timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
        return msg_id

    def request(self, msg_type: str, content: dict, channel: str) -> tuple[float, int, dict]:
        """Send a message; read until the kernel is idle for it. Returns (seconds, bytes, reply)."""
        t0 = time.perf_counter()
        msg_id = self.send(msg_type, content, channel)
        deadline = time.monotonic() + self.timeout
        size, reply, idle = 0, {}, False
        while not (idle and (reply or msg_type == "comm_msg")):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{msg_type}: no idle within {self.timeout:.0f} s")
            frame = self.ws.recv()
            size += len(frame)
            msg = _decode(frame)
            self.track(msg)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif kind.endswith("_reply"):
                reply = msg["content"]
        return time.perf_counter() - t0, size, reply

    def track(self, msg: dict) -> None:
        """Keep the widget models as a front end does: comm_open, comm_msg update, displays."""
        kind, content = msg["header"]["msg_type"], msg.get("content", {})
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.comms[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif kind == "comm_msg" and content.get("comm_id") in self.comms:
            data = content.get("data", {})
            if data.get("method") in ("update", "echo_update"):
                self.comms[content["comm_id"]].update(data.get("state", {}))
        elif kind == "comm_close":
            self.comms.pop(content.get("comm_id"), None)
        elif kind in ("display_data", "execute_result") and WIDGET_VIEW in content.get("data", {}):
            self.views.append(content["data"][WIDGET_VIEW]["model_id"])

    def run_all(self) -> None:
        for k, code in enumerate(self.cells):
            if self.stop.is_set():
                raise RuntimeError("stopped")
            if not code.strip():
                continue
            dt, _, reply = self.request("execute_request", {
                "code": code, "silent": False, "store_history": True, "user_expressions": {},
                "allow_stdin": False, "stop_on_error": True}, "shell")
            self.latency["cell"].append(dt)
            if reply.get("status") != "ok":
                self.errors.append(f"cell {k}: {reply.get('ename')}: {reply.get('evalue', '')[:120]}")

    # ---------------------------------------------------------------- the explorer
    def _descendants(self, model_id: str) -> list[str]:
        out, todo = [], [model_id]
        while todo and len(out) < 500:
            m = todo.pop()
            out.append(m)
            for child in self.comms.get(m, {}).get("children", []) or []:
                if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                    todo.append(child[len("IPY_MODEL_"):])
        return out

    def explorers(self) -> list[tuple[list[str], str]]:
        """(slider comm ids, scene widget comm id) of every explorer the notebook displayed."""
        found = []
        for view in self.views:
            ids = self._descendants(view)
            scenes = [m for m in ids if "scene" in self.comms.get(m, {}) and "view" in self.comms[m]]
            sliders = [m for m in ids if self.comms.get(m, {}).get("_model_name") in SLIDERS]
            if scenes and sliders:
                found.append((sliders, scenes[0]))
        return found

    def structural(self, sliders: list[str]) -> dict:
        comm = self.rng.choice(sliders)
        st = self.comms[comm]
        if "_options_labels" in st:
            value = self.rng.randrange(len(st["_options_labels"]))
            key = "index"
        else:
            lo, hi = st.get("min", 0), st.get("max", 10)
            value = self.rng.choice([v for v in range(int(lo), int(hi) + 1) if v != st.get("value")] or [lo])
            key = "value"
        return {"comm_id": comm, "data": {"method": "update", "state": {key: value}, "buffer_paths": []}}

    def selection(self, scene: str) -> dict | None:
        try:
            data = json.loads(self.comms[scene].get("scene") or "{}")
        except ValueError:
            data = {}
        # the view keys: "keys" in the compact form the widget receives (Scene.to_wire, where
        # "views" is a list of views), the keys of "views" in the readable form
        views = list(data.get("keys") or data.get("views") or {})
        if not views:
            return None
        return {"comm_id": scene, "data": {"method": "update", "state": {"view": self.rng.choice(views)},
                                           "buffer_paths": []}}

    def interact(self) -> None:
        found = self.explorers()
        if not found:
            raise RuntimeError("the notebook displayed no explorer")
        for _ in range(self.interactions):
            if self.stop.wait(self.rng.uniform(*self.think)):
                return
            sliders, scene = self.rng.choice(found)
            kind = "structural" if self.rng.random() < 0.5 else "selection"
            content = self.structural(sliders) if kind == "structural" else self.selection(scene)
            if content is None:  # an invalid setting shows a message and no scene: change it
                kind, content = "structural", self.structural(sliders)
            dt, size, _ = self.request("comm_msg", content, "shell")
            self.latency[kind].append(dt)
            self.bytes[kind].append(size)

    # ---------------------------------------------------------------- a lecture
    def __call__(self) -> None:
        t0 = time.perf_counter()
        try:
            self.login()
            self.t["login"] = time.perf_counter() - t0
            self.start_server()
            self.t["server"] = time.perf_counter() - t0
            kernel = self.open_notebook()
            self.connect(kernel)
            self.t["kernel"] = time.perf_counter() - t0
            self.run_all()
            self.t["ready"] = time.perf_counter() - t0
        except Exception as exc:  # a failed student is a measurement: record it, go on
            self.errors.append(f"start: {type(exc).__name__}: {exc}"[:300])
        finally:
            self.ready.set()
        try:
            if "ready" in self.t and self.go.wait(self.timeout * 4) and not self.stop.is_set():
                self.interact()
        except Exception as exc:
            self.errors.append(f"interact: {type(exc).__name__}: {exc}"[:300])
        finally:
            if self.ws is not None:
                try:
                    self.ws.close()
                except Exception:
                    pass
            self.done.set()


# --------------------------------------------------------------------------- one class size
def sample(procs: Processes, stop: threading.Event, every: float, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not stop.wait(every) and time.monotonic() < deadline:
        procs.snapshot()


def listening(procs: list[psutil.Process]) -> list[str]:
    """The addresses the hub, the proxy, the servers and the kernels listen on."""
    found = set()
    for p in procs:
        try:
            found |= {c.laddr.ip for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
        except psutil.Error:
            pass
    return sorted(found)


def memory_table(snap: dict, role: str) -> dict:
    recs = [r for r in snap.values() if r["role"] == role]
    return {"count": len(recs), "rss_mib": summary(r["rss"] / 2**20 for r in recs),
            "pss_mib": summary((r["pss"] or 0) / 2**20 for r in recs)}


def run_class(n: int, notebook: Path, interactions: int, think: tuple[float, float], timeout: float,
              seed: int, stop: threading.Event, transport: str = "tcp") -> dict:
    """One hub, n students; returns the measurements. Stops everything it started."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    run = RUNS / f"{stamp}-n{n}-{os.getpid()}"
    run.mkdir(parents=True)
    users = [f"student{k + 1:02d}" for k in range(n)]
    hub = Hub(run, users, notebook, timeout, transport)
    result: dict = {"students": n, "notebook": notebook.name, "run_dir": str(run.relative_to(ROOT)),
                    "kernel_transport": transport, "interactions_per_student": interactions,
                    "think_time_s": list(think), "load_before": load_average(),
                    "speed_reference_s": [speed_reference()]}
    mem_before = psutil.virtual_memory()
    me = psutil.Process()
    driver_cpu = sum(me.cpu_times()[:2])
    go, sampler_stop = threading.Event(), threading.Event()
    students: list[Student] = []
    threads: list[threading.Thread] = []
    try:
        t_hub = time.perf_counter()
        hub.start()
        result["hub_start_s"] = round(time.perf_counter() - t_hub, 2)
        sampler = threading.Thread(target=sample, args=(hub.procs, sampler_stop, 2.0, timeout * 8), daemon=True)
        sampler.start()
        students = [Student(u, hub, notebook, random.Random(seed * 1000 + k), go, stop, interactions,
                            think, timeout) for k, u in enumerate(users)]
        t_class = time.perf_counter()
        threads = [threading.Thread(target=s, name=s.name, daemon=True) for s in students]
        for t in threads:
            t.start()
        for s in students:  # bounded: every student sets ready, at the latest on its timeouts
            s.ready.wait(max(1.0, timeout * 4 - (time.perf_counter() - t_class)))
        result["class_ready_s"] = round(time.perf_counter() - t_class, 2)
        after_start = hub.procs.snapshot()
        result["load_after_start"] = load_average()
        result["listening_on"] = listening(hub.procs.tree())
        go.set()
        t_go = time.perf_counter()
        for s in students:
            s.done.wait(max(1.0, interactions * (think[1] + timeout) - (time.perf_counter() - t_go)))
        result["interaction_phase_s"] = round(time.perf_counter() - t_go, 2)
        after_play = hub.procs.snapshot()
        result["load_after_interactions"] = load_average()
        mem_after = psutil.virtual_memory()
        sampler_stop.set()

        ready = [s for s in students if "ready" in s.t]
        per_kernel_cpu = [r["cpu"] for r in after_start.values() if r["role"] == "kernel"]
        per_server_cpu = [r["cpu"] for r in after_start.values() if r["role"] == "server"]
        n_inter = sum(len(s.latency["structural"]) + len(s.latency["selection"]) for s in students)
        cpu_a, cpu_b = cpu_by_role(after_start), cpu_by_role(after_play)
        cpu_delta = {k: round(cpu_b.get(k, 0) - cpu_a.get(k, 0), 3) for k in cpu_b}
        peaks = hub.procs.peak
        result.update({
            "ready_students": len(ready),
            "login_to_ready_s": summary(s.t["ready"] for s in ready),
            "login_s": summary(s.t.get("login") for s in students),
            "server_start_s": summary(s.t["server"] - s.t["login"] for s in students if "server" in s.t),
            "kernel_start_s": summary(s.t["kernel"] - s.t["server"] for s in students if "kernel" in s.t),
            "run_all_s": summary(s.t["ready"] - s.t["kernel"] for s in ready),
            "cell_s": summary(x for s in students for x in s.latency["cell"]),
            "latency_s": {k: summary(x for s in students for x in s.latency[k]) for k in ("structural", "selection")},
            "latency_all_s": summary(x for s in students for k in ("structural", "selection") for x in s.latency[k]),
            "bytes_per_interaction": {k: summary(x for s in students for x in s.bytes[k]) for k in ("structural", "selection")},
            "interactions": n_inter,
            "cpu_s": {
                # everything the hub's process tree spent from its start until every student had
                # a notebook run to the end: what one class's start costs, per ready student
                "start_phase_by_role": {k: round(v, 2) for k, v in cpu_a.items()},
                "start_per_ready_student": round(sum(cpu_a.get(k, 0) for k in ("kernel", "server", "hub", "proxy"))
                                                 / max(1, len(ready)), 2),
                "run_all_per_kernel": summary(per_kernel_cpu),
                "start_per_server": summary(per_server_cpu),
                "interaction_phase_by_role": cpu_delta,
                "per_interaction": round(sum(cpu_delta.get(k, 0) for k in ("kernel", "server", "hub", "proxy"))
                                         / max(1, n_inter), 4),
                "per_interaction_kernel": round(cpu_delta.get("kernel", 0) / max(1, n_inter), 4),
            },
            "memory_after_start": {r: memory_table(after_start, r) for r in ("server", "kernel", "hub", "proxy")},
            "memory_after_interactions": {r: memory_table(after_play, r) for r in ("server", "kernel", "hub", "proxy")},
            "memory_peak_mib": {
                role: {"rss": summary(v["rss"] / 2**20 for (r, _), v in peaks.items() if r == role),
                       "pss": summary(v["pss"] / 2**20 for (r, _), v in peaks.items() if r == role)}
                for role in ("server", "kernel")},
            "system_memory_used_mib": {"before": round((mem_before.total - mem_before.available) / 2**20),
                                       "after": round((mem_after.total - mem_after.available) / 2**20)},
            "errors": [f"{s.name}: {e}" for s in students for e in s.errors],
        })
        result["error_count"] = len(result["errors"])
    finally:
        go.set()
        stop_students = not all(s.done.is_set() for s in students)
        if stop_students:
            stop.set()
        sampler_stop.set()
        for t in threads:
            t.join(timeout=timeout + 5)
        result["cleanup"] = hub.stop()
        if stop_students and not _interrupted:
            stop.clear()
    result["speed_reference_s"].append(speed_reference())
    result["load_after"] = load_average()
    # this script's own CPU (the students' HTTP and WebSocket clients share the cores)
    result["driver_cpu_s"] = round(sum(me.cpu_times()[:2]) - driver_cpu, 2)
    shutil.rmtree(run / "home", ignore_errors=True)
    return result


# --------------------------------------------------------------------------- the sweep
_interrupted = False


@contextmanager
def interruptible():
    """Ctrl-C, SIGTERM and SIGHUP raise :class:`Stop` once, so that the ``finally`` blocks stop
    what was started; a second signal during that cleanup is ignored (the cleanup is bounded)."""
    def handler(signum, frame):
        global _interrupted
        if _interrupted:
            print("cleaning up, please wait ...", file=sys.stderr, flush=True)
            return
        _interrupted = True
        raise Stop(f"signal {signum}")

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def sweep(sizes: list[int], notebook: Path = DEFAULT_NOTEBOOK, interactions: int = 20,
          think: tuple[float, float] = (2.0, 5.0), timeout: float = 180.0, budget: float = 1500.0,
          seed: int = 0, log=print, transport: str = "tcp") -> dict:
    results = {"machine": platform.platform(), "python": platform.python_version(),
               "cores": psutil.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
               "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "notebook": notebook.name, "versions": versions(), "classes": [], "stopped": None}
    stop = threading.Event()
    t0 = time.monotonic()
    for n in sizes:
        elapsed = time.monotonic() - t0
        if results["classes"]:
            last = results["classes"][-1]
            per_student = (last["system_memory_used_mib"]["after"] - last["system_memory_used_mib"]["before"]) / last["students"]
            need = per_student * n * 1.5
            avail = psutil.virtual_memory().available / 2**20
            if need > 0.8 * avail:
                results["stopped"] = (f"before N={n}: {n} students need about {need:.0f} MiB "
                                      f"(1.5 × the last class's {per_student:.0f} MiB per student), "
                                      f"more than 80 % of the {avail:.0f} MiB available")
                break
            # start-up grows with the class (the cores are shared), the interaction phase does not
            est = last.get("class_ready_s", 0) * n / last["students"] + last.get("interaction_phase_s", 0) + 30
            if elapsed + est > budget:
                results["stopped"] = (f"before N={n}: the time budget ({budget:.0f} s) would be exceeded "
                                      f"({elapsed:.0f} s used, about {est:.0f} s more needed)")
                break
            if last["ready_students"] < last["students"]:
                results["stopped"] = f"before N={n}: at N={last['students']} only {last['ready_students']} students got a ready notebook"
                break
        log(f"N={n}: starting a hub and {n} students ...")
        r = run_class(n, notebook, interactions, think, timeout, seed, stop, transport)
        results["classes"].append(r)
        lat = r.get("latency_all_s", {})
        log(f"N={n}: ready {r.get('ready_students')}/{n}, login→ready median {r.get('login_to_ready_s', {}).get('median')} s, "
            f"interaction median {lat.get('median')} s p95 {lat.get('p95')} s, errors {r.get('error_count')}, "
            f"load {r.get('load_after_start')}")
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["total_s"] = round(time.monotonic() - t0, 1)
    return results


def kernel_peaks(notebooks: list[Path], every: float = 0.1) -> dict:
    """Peak memory of a kernel running each notebook top to bottom (outside the hub: nbclient
    in this process, the kernel its child), to extend the hub's measurement of one notebook to
    all of them. Returns {notebook: {"rss_mib", "pss_mib", "cpu_s"}}."""
    import nbclient
    import nbformat

    out = {}
    me = psutil.Process()
    for path in notebooks:
        peak = {"rss": 0, "pss": 0, "cpu": 0.0}
        done = threading.Event()

        def watch():
            while not done.wait(every):
                for child in me.children(recursive=True):
                    try:
                        if "ipykernel" not in " ".join(child.cmdline()):
                            continue
                        mem = child.memory_full_info()
                        t = child.cpu_times()
                        peak["rss"] = max(peak["rss"], mem.rss)
                        peak["pss"] = max(peak["pss"], mem.pss)
                        peak["cpu"] = max(peak["cpu"], t.user + t.system)
                    except psutil.Error:
                        pass

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            nb = nbformat.read(path, as_version=4)
            nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                                    resources={"metadata": {"path": str(path.parent)}}).execute()
        finally:
            done.set()
            watcher.join(timeout=5)
        out[path.name] = {"rss_mib": round(peak["rss"] / 2**20, 1), "pss_mib": round(peak["pss"] / 2**20, 1),
                          "cpu_s": round(peak["cpu"], 2)}
    return out


def markdown(results: dict) -> str:
    """The measurements as the table of docs/classroom.md."""
    rows = ["| students | ready | login → ready: median / max (s) | run all: median (s) | interaction: median / p95 / max (ms) "
            "| server + kernel per student: PSS / RSS (MiB) | CPU to start one student (s) | CPU per interaction (ms) "
            "| cores per student while exploring | errors | load average (1 min): before → after start |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in results["classes"]:
        if not c.get("latency_all_s", {}).get("n"):
            rows.append(f"| {c['students']} | {c.get('ready_students', 0)} | failed: {'; '.join(c.get('errors', []))[:200]} ||||||||")
            continue
        mem = c["memory_peak_mib"]
        pss = mem["server"]["pss"]["median"] + mem["kernel"]["pss"]["median"]
        rss = mem["server"]["rss"]["median"] + mem["kernel"]["rss"]["median"]
        lat, ready = c["latency_all_s"], c["login_to_ready_s"]
        busy = sum(c["cpu_s"]["interaction_phase_by_role"].get(k, 0) for k in ("kernel", "server", "hub", "proxy"))
        rows.append(
            f"| {c['students']} | {c['ready_students']} | {ready['median']:.1f} / {ready['max']:.1f} | {c['run_all_s']['median']:.1f} "
            f"| {lat['median'] * 1e3:.0f} / {lat['p95'] * 1e3:.0f} / {lat['max'] * 1e3:.0f} | {pss:.0f} / {rss:.0f} "
            f"| {c['cpu_s'].get('start_per_ready_student', float('nan')):.1f} | {c['cpu_s']['per_interaction'] * 1e3:.0f} | {busy / c['interaction_phase_s'] / c['students']:.3f} "
            f"| {c['error_count']} | {c['load_before'][0]:.1f} → {c['load_after_start'][0]:.1f} |")
    return "\n".join(rows)


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    classes = [c for c in results["classes"] if c.get("latency_all_s", {}).get("n")]
    ns = [c["students"] for c in classes]
    fig, (a, b, m) = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    for key, style, label in (("median", "o-", "median"), ("p95", "s--", "95th percentile"), ("max", "^:", "max")):
        a.plot(ns, [c["latency_all_s"][key] * 1e3 for c in classes], style, label=label)
    a.set(xlabel="students on the hub", ylabel="explorer interaction latency (ms)",
          title="Explorer change → kernel idle", yscale="log")
    a.legend()
    for key, style, label in (("median", "o-", "median"), ("max", "^:", "slowest student")):
        b.plot(ns, [c["login_to_ready_s"][key] for c in classes], style, label=label)
    b.set(xlabel="students on the hub", ylabel="seconds", title="Login → notebook run to the end")
    b.legend()
    for role, style in (("server", "o-"), ("kernel", "s-")):
        m.plot(ns, [c["memory_peak_mib"][role]["pss"]["median"] for c in classes], style, label=f"{role} PSS (median)")
        m.plot(ns, [c["memory_peak_mib"][role]["rss"]["max"] for c in classes], style.replace("-", ":"),
               label=f"{role} RSS (max)")
    m.set(xlabel="students on the hub", ylabel="MiB per student", title="Memory per student", ylim=(0, None))
    m.legend(fontsize="small")
    for ax in (a, b, m):
        ax.set_xticks(ns)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{results['notebook']} on one JupyterHub, {results['cores']} cores "
                 f"(shared; see load in classroom-results.json)", fontsize=10)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, nargs="+", default=[1, 5, 10, 20, 30])
    ap.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    ap.add_argument("--interactions", type=int, default=20, help="explorer changes per student")
    ap.add_argument("--think", type=float, nargs=2, default=[2.0, 5.0], help="seconds between changes (uniform)")
    ap.add_argument("--timeout", type=float, default=180.0, help="for any one wait")
    ap.add_argument("--budget", type=float, default=1500.0, help="seconds for the whole sweep")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "classroom-results.json")
    ap.add_argument("--plot", type=Path, default=ROOT / "figures" / "classroom.png")
    ap.add_argument("--kernel-transport", choices=["tcp", "ipc"], default="tcp",
                    help="how each server talks to its kernels (tcp: Jupyter's default; ipc: Unix sockets)")
    ap.add_argument("--kernel-peaks", action="store_true",
                    help="only measure each notebook's kernel peak memory (no hub) and add it to --json")
    args = ap.parse_args(argv)
    if args.kernel_peaks:
        results = json.loads(args.json.read_text()) if args.json.exists() else {}
        results["kernel_peaks"] = {"measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                   "load_before": load_average(),
                                   "notebooks": kernel_peaks(sorted((ROOT / "notebooks").glob("*.ipynb")))}
        results["kernel_peaks"]["load_after"] = load_average()
        args.json.write_text(json.dumps(results, indent=1) + "\n")
        for name, r in results["kernel_peaks"]["notebooks"].items():
            print(f"{name}: kernel peak RSS {r['rss_mib']} MiB, PSS {r['pss_mib']} MiB, CPU {r['cpu_s']} s")
        return 0
    if not args.notebook.exists():
        raise SystemExit(f"--notebook: {args.notebook} does not exist")
    if any(n < 1 or n > 99 for n in args.students):
        raise SystemExit(f"--students: expected class sizes from 1 to 99, got {args.students}")
    ensure_proxy()
    try:
        with interruptible():
            results = sweep(args.students, args.notebook.resolve(), args.interactions, tuple(args.think),
                            args.timeout, args.budget, args.seed, log=lambda m: print(m, file=sys.stderr, flush=True),
                            transport=args.kernel_transport)
    except (Stop, KeyboardInterrupt) as exc:
        print(f"interrupted ({exc or 'Ctrl-C'}): the hub and every process it started were stopped; "
              f"nothing written", file=sys.stderr)
        return 130
    if args.json.exists():  # keep the kernel peaks of an earlier --kernel-peaks run
        earlier = json.loads(args.json.read_text())
        if "kernel_peaks" in earlier:
            results["kernel_peaks"] = earlier["kernel_peaks"]
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    plot(results, args.plot)
    print(markdown(results))
    print(f"wrote {args.json} and {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

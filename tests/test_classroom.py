"""Smoke test of the classroom load test (benchmarks/classroom.py, `make classroom`): a real
JupyterHub on 127.0.0.1, two simulated students who log in, start a server, run notebook 01 top
to bottom over the kernel WebSocket and change its explorer a few times through widget comm
messages. The full sweep (1 to 30 students) is a benchmark, not a test."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub", reason="the hub extra is not installed (make test installs it)")
psutil = pytest.importorskip("psutil", reason="the hub extra is not installed (make test installs it)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01-shapes-and-sliding-windows.ipynb"

pytestmark = [pytest.mark.hub, pytest.mark.slow]


def _load():
    spec = importlib.util.spec_from_file_location("_bench_classroom", ROOT / "benchmarks" / "classroom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def classroom():
    bench = _load()
    if shutil.which("npm") is None and not (bench.CHP_DIR / "node_modules").exists():
        pytest.skip("npm is needed once to install JupyterHub's proxy into build/chp/ (Debian: apt-get install npm)")
    results = bench.sweep([2], NOTEBOOK, interactions=3, think=(0.3, 0.8), timeout=60.0, budget=120.0,
                          log=lambda m: None)
    return bench, results


def test_two_students_get_a_ready_notebook_and_change_the_explorer(classroom):
    _, results = classroom
    (c,) = results["classes"]
    assert c["errors"] == [] and c["error_count"] == 0, c["errors"]
    assert c["ready_students"] == 2
    cells = [x for x in json.loads(NOTEBOOK.read_text())["cells"]
             if x["cell_type"] == "code" and "".join(x["source"]).strip()]
    assert c["cell_s"]["n"] == 2 * len(cells), "every code cell ran once for each student"
    assert c["interactions"] == 2 * 3
    assert c["latency_all_s"]["n"] == 6 and 0 < c["latency_all_s"]["max"] < 60
    for key in ("login_s", "server_start_s", "kernel_start_s", "run_all_s"):
        assert c[key]["n"] == 2, key
    assert c["login_to_ready_s"]["median"] >= c["run_all_s"]["median"] > 0


def test_each_student_has_a_server_and_a_kernel_and_both_are_measured(classroom):
    _, results = classroom
    (c,) = results["classes"]
    for role in ("server", "kernel"):
        mem = c["memory_after_start"][role]
        assert mem["count"] == 2, (role, mem)
        # A Python process with JupyterLab's server or ipykernel loaded: tens of MiB at least,
        # and PSS (shared pages divided among the processes sharing them) at most RSS.
        assert 20 < mem["pss_mib"]["median"] <= mem["rss_mib"]["median"] < 2048, (role, mem)
    assert c["cpu_s"]["run_all_per_kernel"]["n"] == 2


def test_everything_listens_on_loopback_only(classroom):
    _, results = classroom
    (c,) = results["classes"]
    assert c["listening_on"] == ["127.0.0.1"], c["listening_on"]


def test_nothing_is_left_running(classroom):
    bench, results = classroom
    (c,) = results["classes"]
    run_dir = str(bench.ROOT / c["run_dir"])
    left = []
    for p in psutil.process_iter(["pid", "cmdline", "cwd"]):
        # the hub and its proxy run in the run's folder, each server and kernel in a student's
        # home folder inside it
        cmd = " ".join(p.info["cmdline"] or [])
        if run_dir in cmd or (p.info["cwd"] or "").startswith(run_dir):
            left.append((p.info["pid"], cmd[:120]))
    assert left == [], left
    assert c["cleanup"]["servers_stopped"] == 2


def test_the_plot_is_drawn(classroom, tmp_path):
    bench, results = classroom
    bench.plot(results, tmp_path / "classroom.png")
    assert (tmp_path / "classroom.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_selection_names_a_view_of_the_scene_the_widget_received():
    # the widget receives the compact form (Scene.to_wire: "views" is a list, "keys" names them);
    # a simulated selection must send one of those keys, as a click in the browser does
    import random

    import conv_backprop.explorers as ex

    bench = _load()
    e = ex.fan_in_explorer()
    student = object.__new__(bench.Student)  # only its widget models and its random numbers
    student.rng, student.comms = random.Random(0), {"s": {"scene": e.widget.scene, "view": e.widget.view}}
    sent = {student.selection("s")["data"]["state"]["view"] for _ in range(50)}
    assert sent <= set(e.scene.views) and len(sent) > 10

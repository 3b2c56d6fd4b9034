"""Every PNG in figures/ is produced by ``python -m conv_backprop.figures``, deterministically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conv_backprop import figures

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"
# Drawn from measured data by `benchmarks/conv_layers.py` (make bench), not by conv_backprop.figures.
FROM_BENCHMARKS = {"benchmark.png", "classroom.png"}  # the second from benchmarks/classroom.py


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    written = figures.write_figures(out)
    return out, written


def test_the_figure_list_is_not_empty():
    figures.write_figures  # noqa: B018 — importable
    committed = sorted(p.name for p in FIGURES_DIR.glob("*.png"))
    assert committed, f"no PNG in {FIGURES_DIR}: run python -m conv_backprop.figures figures"


def test_committed_figures_are_exactly_the_generated_ones(regenerated):
    out, written = regenerated
    assert written, "conv_backprop.figures wrote no figure"
    generated = sorted(p.name for p in out.glob("*.png"))
    committed = sorted(p.name for p in FIGURES_DIR.glob("*.png") if p.name not in FROM_BENCHMARKS)
    assert generated == committed


def _same_matplotlib():
    import matplotlib

    drawn_with = (FIGURES_DIR / figures.VERSION_FILE).read_text().strip()
    if drawn_with != matplotlib.__version__:
        pytest.skip(f"the committed figures were drawn with matplotlib {drawn_with}; this is "
                    f"{matplotlib.__version__}, whose rasteriser differs, so only that version "
                    "reproduces them bit for bit (the figures are still drawn and checked above)")


def test_every_figure_is_a_png_without_a_version_stamp(regenerated):
    out, written = regenerated
    for path in written:
        im = Image.open(path)
        assert im.format == "PNG" and min(im.size) > 200
        assert "Software" not in im.info  # no version stamp


def test_figures_are_deterministic_and_reproduce_the_committed_files(regenerated):
    _same_matplotlib()
    out, _ = regenerated
    for path in sorted(out.glob("*.png")):
        committed = FIGURES_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), (
            f"{path.name} differs from figures/{path.name}: regenerate with "
            "`python -m conv_backprop.figures figures`"
        )
        im = Image.open(path)
        assert im.format == "PNG" and min(im.size) > 200
        assert "Software" not in im.info  # no version stamp


def test_command_line_usage(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "conv_backprop.figures"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_benchmark_figure_is_drawn_from_the_stored_results(tmp_path):
    """figures/benchmark.png comes from benchmarks/results.json via the benchmark's plot()."""
    import importlib.util
    import json

    _same_matplotlib()
    root = FIGURES_DIR.parent
    spec = importlib.util.spec_from_file_location("conv_layers_bench", root / "benchmarks" / "conv_layers.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = json.loads((root / "benchmarks" / "results.json").read_text())
    bench.plot(results, tmp_path / "benchmark.png")
    assert (tmp_path / "benchmark.png").read_bytes() == (FIGURES_DIR / "benchmark.png").read_bytes()
    table = bench.markdown_table(results)
    assert table.count("\n") >= len(results["conv"]) + 1


def test_classroom_figure_is_drawn_from_the_stored_results(tmp_path):
    """figures/classroom.png comes from benchmarks/classroom-results.json via the load test's plot()."""
    import importlib.util
    import json

    pytest.importorskip("psutil", reason="the classroom benchmark needs the hub extra")
    _same_matplotlib()
    root = FIGURES_DIR.parent
    spec = importlib.util.spec_from_file_location("classroom_bench", root / "benchmarks" / "classroom.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = json.loads((root / "benchmarks" / "classroom-results.json").read_text())
    bench.plot(results, tmp_path / "classroom.png")
    assert (tmp_path / "classroom.png").read_bytes() == (FIGURES_DIR / "classroom.png").read_bytes()


# --------------------------------------------------------------------------- built without widgets


def test_figures_are_drawn_without_importing_ipywidgets(tmp_path):
    """figures.py builds every scene from the package's maths alone (conv_backprop.scenes)."""
    code = ("import conv_backprop.figures as f, sys; f.write_figures(sys.argv[1]); "
            "assert 'ipywidgets' not in sys.modules, sorted(m for m in sys.modules if 'widget' in m)")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(figures.FIGURES)


def _explorers():
    """Each entry point of conv_backprop.scenes and the explorer it stands for."""
    import importlib

    import conv_backprop.explorers as ex
    from conv_backprop import scenes

    # ex.im2col_explorer is the factory, which hides the module of the same name
    im2col_module = importlib.import_module("conv_backprop.explorers.im2col_explorer")
    return {
        scenes.build_sliding_window: (ex.sliding_window_explorer, ex.sliding_window.SlidingWindowExplorer,
                                      scenes.sliding_window.sliding_window_settings),
        scenes.build_fan_in: (ex.fan_in_explorer, ex.fan_in.FanInExplorer, scenes.fan_in.fan_in_settings),
        scenes.build_fan_out: (ex.fan_out_explorer, ex.fan_out.FanOutExplorer, scenes.fan_out.fan_out_settings),
        scenes.build_dw: (ex.dw_explorer, ex.dw.DwExplorer, scenes.dw.dw_settings),
        scenes.build_flipped_kernel: (ex.flipped_kernel_explorer, ex.flipped.FlippedKernelExplorer,
                                      scenes.flipped.flipped_settings),
        scenes.build_im2col: (ex.im2col_explorer, im2col_module.Im2colExplorer,
                              scenes.im2col_scene.im2col_settings),
        scenes.build_pooling: (ex.pooling_explorer, ex.pooling.PoolingExplorer, scenes.pooling.pooling_settings),
        scenes.build_transposed: (ex.transposed_explorer, ex.transposed.TransposedExplorer,
                                  scenes.transposed.transposed_settings),
        scenes.build_grouped: (ex.grouped_explorer, ex.grouped.GroupedExplorer, scenes.grouped.grouped_settings),
        scenes.build_conv1d: (ex.conv1d_explorer, ex.conv1d.Conv1DExplorer, scenes.conv1d.conv1d_settings),
    }


def test_every_explorer_has_an_entry_point_with_its_arguments():
    import inspect

    import conv_backprop.explorers as ex

    pairs = _explorers()
    assert len(pairs) == len(ex.__all__)  # every exported explorer has its entry point here
    for build, (_, cls, settings) in pairs.items():
        widget_args = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert widget_args == list(inspect.signature(settings).parameters.values()), build.__name__


CASES = [(draw.build, draw.settings) for draw in figures.FIGURES.values()]
CASES += [(build, {}) for build in {draw.build for draw in figures.FIGURES.values()}]


@pytest.mark.parametrize("build,settings", CASES, ids=lambda v: getattr(v, "__name__", repr(v)))
def test_an_entry_point_builds_what_its_explorer_shows_first(build, settings):
    import numpy as np

    factory = _explorers()[build][0]
    scene, base, view = build(**settings)
    e = factory(**settings)
    assert e.message == "" and view == e.widget.view
    assert scene.to_json() == e.scene.to_json()
    np.testing.assert_equal({**base, **scene.views[view].at(scene.step).state}, e.state)
    e.close()


@pytest.mark.parametrize("build,settings,error", [
    ("build_sliding_window", dict(H=2, W=2, HH=5, padding=0), "InvalidSetting"),
    ("build_fan_in", dict(H=3, W=3, HH=3, WW=3, padding=0, dilation=2), "InvalidSetting"),
    ("build_fan_out", dict(W=2, WW=3, padding=0), "InvalidSetting"),
    ("build_pooling", dict(kernel=2, padding=2), "InvalidSetting"),
    ("build_fan_in", dict(n=5), "ValueError"),
    ("build_dw", dict(pair=10_000), "ValueError"),
    ("build_pooling", dict(mode="median"), "ValueError"),
    ("build_im2col", dict(HH=2.5), "TypeError"),
    ("build_flipped_kernel", dict(step=-1), "ValueError"),
])
def test_an_entry_point_refuses_what_its_explorer_refuses(build, settings, error):
    from conv_backprop import scenes
    from conv_backprop.scene import InvalidSetting

    build = getattr(scenes, build)
    factory = _explorers()[build][0]
    with pytest.raises(InvalidSetting if error == "InvalidSetting" else Exception) as raised:
        build(**settings)
    assert type(raised.value).__name__ == error
    if error == "InvalidSetting":  # the explorer explains it in the same words
        e = factory(**settings)
        assert e.scene is None and e.message == str(raised.value)
        e.close()
    else:  # the explorer raises the same error
        with pytest.raises(type(raised.value)) as by_explorer:
            factory(**settings)
        assert str(by_explorer.value) == str(raised.value)

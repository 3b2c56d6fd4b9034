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
FROM_BENCHMARKS = {"benchmark.png"}


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

"""The static figures of the course, drawn from the explorers' own scenes.

Run ``python -m conv_backprop.figures OUTDIR`` to (re)write every PNG into ``OUTDIR`` (the
repository keeps them in ``figures/``). Each figure is one explorer's scene at a setting that
makes its point, with the view the explorer selects first, built by the explorer's entry point in
:mod:`conv_backprop.scenes` (the package's maths, no widgets: this module never imports
ipywidgets) and drawn by :func:`conv_backprop.scene_mpl.draw_scene` (matplotlib's public API);
the PNGs are deterministic (fixed seeds, no version stamp in the metadata), so regenerating them
with the same matplotlib leaves the files unchanged.

=====================  ======================================================  ========
file                   shows                                                   notebook
=====================  ======================================================  ========
sliding-window.png     padded input, a window, the unused row/column, output   01
fan-in.png             one output's receptive field over two channels          02
fan-out.png            the outputs one pixel reaches with stride 2             03
dw.png                 the inputs one weight multiplies, paired with dout      04
flipped-kernel.png     rotated kernel over zero-inserted, padded dout          05b
im2col.png             a patch becoming a column; col2im's overlap counts      06
pool-routing.png       max-pooling gradient routing with overlap and a tie     07
transposed.png         kernel copies scattered, overlapping: the checkerboard  11
grouped.png            the channels one output channel's group reads           12
conv1d.png             one output's window and one input's fan-out on a line   13
=====================  ======================================================  ========
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import scenes
from .scene import InvalidSetting
from .scene_mpl import draw_scene

__all__ = ["FIGURES", "write_figures", "main"]

DPI = 100


def _scene_figure(build, **settings):
    """A function writing the figure of ``build(**settings)`` (an entry point of
    :mod:`conv_backprop.scenes`: the explorer's first picture at these settings) to a path."""
    def draw(path: Path) -> None:
        try:
            scene, _, view = build(**settings)
        except InvalidSetting as exc:  # a figure must never show an invalid setting
            raise ValueError(f"figure setting {settings!r} is invalid: {exc}") from exc
        fig = draw_scene(scene, view)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})

    draw.build, draw.settings = build, settings  # what the figure shows, for tests and readers
    return draw


#: File name → function writing that figure to a path.
FIGURES: dict = {
    "sliding-window.png": _scene_figure(
        scenes.build_sliding_window, H=6, W=7, HH=3, WW=2, stride=2, padding=1, step=3),
    "fan-in.png": _scene_figure(scenes.build_fan_in, C=2, stride=1, padding=1, i=1, j=2),
    "fan-out.png": _scene_figure(scenes.build_fan_out, C=1, F=2, stride=2, padding=1, p=1, q=2),
    "dw.png": _scene_figure(scenes.build_dw, N=2, C=1, F=1, stride=2, padding=1, u=1, v=2, pair=3),
    "flipped-kernel.png": _scene_figure(
        scenes.build_flipped_kernel, H=6, W=5, HH=3, WW=3, stride=2, padding=1, step=7),
    "im2col.png": _scene_figure(scenes.build_im2col, C=1, H=4, W=4, HH=2, WW=2, stride=1, column=4),
    "pool-routing.png": _scene_figure(
        scenes.build_pooling, mode="max", ties="split", H=6, W=6, kernel=3, stride=2, padding=1),
    "transposed.png": _scene_figure(scenes.build_transposed, H=3, W=3, HH=3, WW=3, stride=2, padding=1, step=4),
    "grouped.png": _scene_figure(scenes.build_grouped, C=6, F=6, groups=3, f=2),
    "conv1d.png": _scene_figure(scenes.build_conv1d, L=9, K=3, stride=2, padding=1, i=2),
}


#: Written beside the figures: the matplotlib that drew them. The PNGs are reproduced bit for
#: bit by the same matplotlib only (its rasteriser changes between releases).
VERSION_FILE = "MATPLOTLIB_VERSION"


def write_figures(outdir) -> list[Path]:
    """Write every figure into ``outdir`` (created if needed), and the matplotlib version that
    drew them into ``outdir/MATPLOTLIB_VERSION``; return the PNG paths written."""
    import matplotlib

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / VERSION_FILE).write_text(matplotlib.__version__ + "\n")
    written = []
    for name, draw in FIGURES.items():
        path = outdir / name
        draw(path)
        written.append(path)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m conv_backprop.figures OUTDIR", file=sys.stderr)
        return 2
    for path in write_figures(argv[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time one update of each explorer (a slider move), as the kernel runs it.

Usage: ``.venv/bin/python benchmarks/explorers.py [--repeat N] [--revisits N]``

Each update is timed from setting the widget value to the new PNG being in the
``ipywidgets.Image``. Three kinds of update are measured per explorer:

* a *step*: its main "step" control moves through all its values (the next output, pixel,
  pair or window: what Play and most clicks do), ``--repeat`` times;
* a *first visit*: a structural control changes (stride, padding, kernel size, the selected
  weight…: the grids change) to a setting this explorer has not shown yet, so the whole picture
  is painted; the settings are a grid of two controls, visited once;
* a *revisit*: the same settings again, ``--revisits`` times (a learner dragging a slider back
  and forth); each explorer keeps the last few backgrounds, so only the changed cells are drawn.

It prints the median and 95th percentile in milliseconds, and the time this machine takes for a
fixed piece of pure Python (``sum(range(10**7))``) so that numbers from different machines can
be compared: timings scale roughly with it. The target is a 95th percentile under 50 ms.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np

import conv_backprop.explorers as ex

# explorer, initial settings, step control, structural controls and the values each one visits
CASES = [
    ("sliding_window_explorer", dict(H=7, W=7, HH=3, WW=3, stride=2, padding=1), "step",
     {"stride": [1, 2, 3], "padding": [0, 1, 2]}),
    ("fan_in_explorer", dict(C=2, stride=1, padding=1), "j", {"stride": [1, 2], "padding": [0, 1, 2]}),
    ("fan_out_explorer", dict(stride=2, padding=1), "q", {"stride": [1, 2, 3], "padding": [0, 1]}),
    ("dw_explorer", dict(stride=1, padding=1), "pair", {"a": [0, 1, 2], "b": [0, 1, 2]}),
    ("flipped_kernel_explorer", dict(H=6, W=6, stride=2, padding=1), "step",
     {"stride": [1, 2, 3], "padding": [0, 1]}),
    ("im2col_explorer", dict(C=1, H=5, W=5, HH=3, WW=3, padding=1), "column",
     {"stride": [1, 2], "padding": [0, 1], "HH": [2, 3]}),
    ("pooling_explorer", dict(mode="max", ties="split", H=8, W=8, kernel=3, stride=2, padding=1), "window",
     {"kernel": [2, 3, 4], "stride": [1, 2]}),
]


def timed_set(e, values: dict) -> float:
    """Set controls and update once (``Explorer.set``); return the time in ms."""
    t0 = time.perf_counter()
    e.set(**values)
    dt = time.perf_counter() - t0
    assert e.message == "", e.message
    return dt * 1e3


def structural_settings(grid: dict) -> list[dict]:
    """Every combination of the structural values."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]


def calibration(n: int = 10**7) -> float:
    t0 = time.perf_counter()
    sum(range(n))
    return time.perf_counter() - t0


def stats(times) -> str:
    times = np.asarray(times)
    return f"{np.median(times):7.1f} {np.percentile(times, 95):7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="sweeps over the step control")
    parser.add_argument("--revisits", type=int, default=3, help="sweeps back over the structural settings")
    args = parser.parse_args()
    before = calibration()
    print(f"python {platform.python_version()}, {platform.machine()}, {platform.system()}")
    head = (f"{'explorer':25s} {'steps':>5s} {'median':>7s} {'p95':>7s}   {'first':>5s} {'median':>7s} {'p95':>7s}"
            f"   {'again':>5s} {'median':>7s} {'p95':>7s}   {'ref':>5s}")
    print(head)
    print("-" * len(head))
    for fname, settings, step, grid in CASES:
        ref = calibration(10**6) * 1e3  # the machine's speed just now (it varies on shared hosts)
        e = getattr(ex, fname)(**settings)
        hi = e.controls[step].max
        steps = [timed_set(e, {step: k}) for _ in range(args.repeat) for k in list(range(1, hi + 1)) + [0]]
        visits = structural_settings(grid)
        first = []
        for s in visits:
            first.append(timed_set(e, s))
        again = [timed_set(e, s) for _ in range(args.revisits) for s in visits]
        print(f"{fname:25s} {len(steps):5d} {stats(steps)}   {len(first):5d} {stats(first)}   "
              f"{len(again):5d} {stats(again)}   {ref:5.1f}")
        e.close()
    after = calibration()
    print("ms per update (set the control → new PNG in the Image widget). first: a structural setting\n"
          "shown for the first time (the whole picture is painted); again: settings seen before;\n"
          "ref: ms for sum(range(10**6)) just before the row (the machine's speed at the time).")
    print(f"speed of this machine: sum(range(10**7)) took {before:.2f} s before and {after:.2f} s after")


if __name__ == "__main__":
    main()

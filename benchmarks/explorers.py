"""Time one update of each explorer (a slider step), as the kernel runs it.

Usage: ``.venv/bin/python benchmarks/explorers.py [--repeat N] [--rebuilds N]``

For each explorer, the script moves its main "step" control through a sweep of values (the
update a learner triggers most: the next output, pixel, pair, window) and times each update,
from setting the widget value to the new PNG being in the ``ipywidgets.Image``. Separately it
times *structural* updates (a slider that changes the grids' sizes or contents, e.g. stride),
which redraw the whole background; the sweep goes back and forth over a few values, as a learner
does, so later rebuilds may reuse pixels cached on earlier ones (legends): the slowest rebuild of
the first sweep is printed too. It prints the median and 95th percentile in milliseconds.
The target is p95 < 50 ms for a step. Timings depend on the machine and its load: say so when
quoting them.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import conv_backprop.explorers as ex

# explorer, settings, step control, structural sweep (control, values)
CASES = [
    ("sliding_window_explorer", dict(H=7, W=7, HH=3, WW=3, stride=2, padding=1), "step", ("stride", [1, 2, 3])),
    ("fan_in_explorer", dict(C=2, stride=1, padding=1), "j", ("padding", [0, 1, 2])),
    ("fan_out_explorer", dict(stride=2, padding=1), "q", ("stride", [1, 2, 3])),
    ("dw_explorer", dict(stride=1, padding=1), "pair", ("a", [0, 1, 2])),
    ("flipped_kernel_explorer", dict(H=6, W=6, stride=2, padding=1), "step", ("stride", [1, 2, 3])),
    ("im2col_explorer", dict(C=1, H=5, W=5, HH=3, WW=3, padding=1), "column", ("stride", [1, 2, 1])),
    ("pooling_explorer", dict(mode="max", ties="split", H=8, W=8, kernel=3, stride=2, padding=1),
     "window", ("kernel", [2, 3, 4])),
]


def time_updates(e, name, values):
    times = []
    for v in values:
        t0 = time.perf_counter()
        e.controls[name].value = v
        times.append(time.perf_counter() - t0)
        assert e.message == "", e.message
    return np.array(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="sweeps over the step control")
    parser.add_argument("--rebuilds", type=int, default=4, help="sweeps over the structural control")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, {platform.system()}")
    head = (f"{'explorer':26s} {'step n':>6s} {'median':>8s} {'p95':>8s}   {'rebuild n':>9s} {'median':>8s} "
            f"{'p95':>8s} {'1st max':>8s}")
    print(head)
    print("-" * len(head))
    for fname, settings, step, (sname, svalues) in CASES:
        e = getattr(ex, fname)(**settings)
        hi = e.controls[step].max
        values = [k for _ in range(args.repeat) for k in list(range(1, hi + 1)) + [0]]
        steps = time_updates(e, step, values)
        rebuild = time_updates(e, sname, svalues * args.rebuilds)
        print(f"{fname:26s} {len(steps):6d} {np.median(steps):8.1f} {np.percentile(steps, 95):8.1f}   "
              f"{len(rebuild):9d} {np.median(rebuild):8.1f} {np.percentile(rebuild, 95):8.1f} "
              f"{rebuild[:len(svalues)].max():8.1f}")
        e.close()
    print("times in ms per update (set the control → new PNG in the Image widget); '1st max' is the\n"
          "slowest rebuild of the first sweep over the structural values, when no cache can help")


if __name__ == "__main__":
    main()

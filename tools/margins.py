"""Measure every numerical check's margin under each OpenBLAS kernel (``make margins``).

A tolerance is derived from an error estimate, and the house rule is a margin of at least 100
between the threshold and the value measured, on every BLAS kernel a user's CPU may pick.
Machines pin different kernels (OpenBLAS chooses one from the CPU at load time), so this tool
reruns the checks with ``OPENBLAS_CORETYPE`` set to each kernel in turn, in child processes
only. The tests and CI never set it: they must pass on whatever kernel the machine picks.

What it runs, per kernel:

* the unit and property tests (not the browser test) with ``--margins``: every
  ``margins.below`` / ``margins.close`` check in ``tests/`` records threshold ÷ value;
* the notebooks named in :data:`NOTEBOOK_CHECKS`, top to bottom in a fresh kernel, then the
  expressions listed there, evaluated in the notebook's namespace after its last cell.

It prints a Markdown table of the worst margin per check and kernel (the table in
docs/testing.md) and exits with status 1 if any margin is below ``--minimum`` (default 100).
Rows labelled ``band:`` (a predicted value checked within a factor each way) and ``guard:`` (a
condition that makes a check valid, such as "no step crosses a kink") are printed but not held to
the minimum, which applies to tolerances.

    .venv/bin/python tools/margins.py                 # all four kernels
    .venv/bin/python tools/margins.py --kernels Haswell --tests-only
    .venv/bin/python tools/margins.py --notebooks-only   # notebooks 08 and 09 only, a minute or two
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNELS = ["SkylakeX", "Haswell", "Sandybridge", "Prescott"]

# (notebook, label, expression giving the measured value, threshold, sense). Sense "<" means
# the notebook asserts value < threshold (margin threshold / value); ">" means it asserts
# value > threshold (margin value / threshold). The expressions name variables the notebook
# keeps until its end. Labels that start with "band:" are the two sides of a predicted value
# checked within a factor each way (notebook 08's 1/h law, say); labels that start with "guard:"
# are conditions that make a check valid (notebook 09: no ±h step crosses a kink, in units of
# the largest move). Their margins are shown but not held to the minimum, which applies to
# tolerances.
NOTEBOOK_CHECKS = [
    ("08-gradient-checking", "float32 check, best h: relative error > 1e-7", "best32", 1e-7, ">"),
    ("08-gradient-checking", "float64 check, same loop: relative error < 1e-10", "best64", 1e-10, "<"),
    ("08-gradient-checking", "band: rounding ∝ 1/h, median error ratio per 100× step in (10, 1000), lower side",
     "min(ratios)", 10.0, ">"),
    ("08-gradient-checking", "band: rounding ∝ 1/h, median error ratio per 100× step in (10, 1000), upper side",
     "max(ratios)", 1000.0, "<"),
    ("08-gradient-checking", "every layer (h = 1e-1 conv, 1e-3 pooling): worst relative error", "max(r.max_rel_error for r in results)", 1e-7, "<"),
    ("08-gradient-checking", "band: rounding on a linear map, median error ÷ ε·|L|/h in (0.1, 10), lower side",
     "min(rounding[h] / predicted[h] for h in hs_checked)", 0.1, ">"),
    ("08-gradient-checking", "band: rounding on a linear map, median error ÷ ε·|L|/h in (0.1, 10), upper side",
     "max(rounding[h] / predicted[h] for h in hs_checked)", 10.0, "<"),
    ("08-gradient-checking", "band: a correct gradient with tiny entries lands in (1e-7, 1e-4), lower side", "worst", 1e-7, ">"),
    ("08-gradient-checking", "band: a correct gradient with tiny entries lands in (1e-7, 1e-4), upper side", "worst", 1e-4, "<"),
    ("08-gradient-checking", "conv → pool → conv stack: worst relative error", "max(r.max_rel_error for r in checks)", 1e-7, "<"),
    ("09-layers-of-a-tiny-cnn", "whole net on jittered digits: worst relative error", "max(r.max_rel_error for r in jitter_checks)", 1e-4, "<"),
    ("09-layers-of-a-tiny-cnn", "guard: first layer, closest ReLU input ÷ largest move of a ±h step", "distances['first'][0]", 1.0, ">"),
    ("09-layers-of-a-tiny-cnn", "guard: first layer, closest pooling runner-up ÷ twice the largest move", "distances['first'][1]", 1.0, ">"),
    ("09-layers-of-a-tiny-cnn", "guard: second layer, closest ReLU input ÷ largest move of a ±h step", "distances['second'][0]", 1.0, ">"),
    ("09-layers-of-a-tiny-cnn", "guard: second layer, closest pooling runner-up ÷ twice the largest move", "distances['second'][1]", 1.0, ">"),
    ("09-layers-of-a-tiny-cnn", "broken layer: smallest error of a parameter before it", "min(results[k].max_rel_error for k in ('0.w', '0.b', 'x'))", 1e-4, ">"),
    ("09-layers-of-a-tiny-cnn", "broken layer: worst error of a parameter after it", "max(results[k].max_rel_error for k in ('3.w', '3.b', '7.w', '7.b'))", 1e-4, "<"),
]


def _run_tests(env: dict, out: Path) -> None:
    cmd = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
           "-m", "not browser", f"--margins={out}", "-x"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    tail = proc.stdout.strip().splitlines()[-1:] or [proc.stderr.strip()[-300:]]
    print(f"    tests: {tail[0]}", file=sys.stderr)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"the tests failed under {env.get('OPENBLAS_CORETYPE')}")


def _run_notebooks(env: dict, out: Path) -> None:
    """Execute each notebook of NOTEBOOK_CHECKS in a child process whose kernel inherits env."""
    code = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
checks = json.loads(sys.argv[1])
values = {}
for name in sorted({c[0] for c in checks}):
    nb = nbformat.read(f"notebooks/{name}.ipynb", as_version=4)
    exprs = {c[1]: c[2] for c in checks if c[0] == name}
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json\nprint('MARGINS' + _json.dumps({k: float(eval(v)) for k, v in %r.items()}))" % exprs))
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    line = [l for l in text.splitlines() if l.startswith("MARGINS")][0]
    values.update({(name + " :: " + k): v for k, v in json.loads(line[len("MARGINS"):]).items()})
print(json.dumps(values))
"""
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(NOTEBOOK_CHECKS)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"a notebook failed under {env.get('OPENBLAS_CORETYPE')}")
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    result = {}
    for name, label, _, threshold, sense in NOTEBOOK_CHECKS:
        value = values[f"{name} :: {label}"]
        if sense == "<":
            margin = threshold / value if value > 0 else math.inf
        else:
            margin = value / threshold
        result[f"notebooks/{name}.ipynb :: {label}"] = {"margin": margin, "value": value, "threshold": threshold}
    out.write_text(json.dumps(result))
    print(f"    notebooks: {len(result)} checks", file=sys.stderr)


def _kernel_in_use(env: dict) -> str:
    code = ("import numpy, threadpoolctl; print(','.join(sorted({i.get('architecture') or '?' "
            "for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas'})))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return proc.stdout.strip() or "?"


def _fmt(m: float) -> str:
    if math.isinf(m):
        return "exact"
    if m < 10:
        return f"{m:.1f}"  # bands and guards: 1.2 is not 1
    return f"{m:.0f}" if m < 1e4 else f"{m:.0e}".replace("e+0", "e").replace("e+", "e")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", nargs="+", default=KERNELS)
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--tests-only", action="store_true", help="skip the notebooks")
    only.add_argument("--notebooks-only", action="store_true", help="skip the tests (notebooks 08 and 09 only)")
    ap.add_argument("--minimum", type=float, default=100.0)
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args(argv)

    measured: dict[str, dict[str, dict]] = {}
    used = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kernel in args.kernels:
            env = dict(os.environ, OPENBLAS_CORETYPE=kernel)
            used[kernel] = _kernel_in_use(env)
            print(f"{kernel} (OpenBLAS reports {used[kernel]}):", file=sys.stderr)
            path = Path(tmp) / f"{kernel}.json"
            measured[kernel] = {}
            if not args.notebooks_only:
                _run_tests(env, path)
                measured[kernel].update(json.loads(path.read_text()))
            if not args.tests_only:
                _run_notebooks(env, path)
                measured[kernel].update(json.loads(path.read_text()))

    checks = sorted(set().union(*(m.keys() for m in measured.values())))
    lines = ["| check | " + " | ".join(f"{k} ({used[k]})" for k in args.kernels) + " |",
             "|---|" + "---|" * len(args.kernels)]
    worst_overall = math.inf
    for check in checks:
        cells = []
        for k in args.kernels:
            entry = measured[k].get(check)
            cells.append(_fmt(entry["margin"]) if entry else "–")
            if entry and not any(tag in check for tag in (":: band:", ":: guard:")):
                worst_overall = min(worst_overall, entry["margin"])
        lines.append(f"| `{check}` | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print(f"\nworst margin: {_fmt(worst_overall)} over {len(checks)} checks", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(measured, indent=1))
    if worst_overall < args.minimum:
        print(f"some margin is below {args.minimum:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

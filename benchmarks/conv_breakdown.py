"""Where the time of one convolution training step goes: im2col, matrix products, col2im.

Run:  .venv/bin/python benchmarks/conv_breakdown.py                 (case c of conv_layers.py)
      .venv/bin/python benchmarks/conv_breakdown.py --repeats 5 --dtypes float64 --threads 1

Splits one forward + backward pass of the package's vectorised convolution (notebook 06) into
its stages, written out with the package's public functions, in the order
``conv2d_forward`` / ``conv2d_backward`` run them:

1. ``im2col``: copy every window into a column (``cb.im2col``);
2. forward product ``w_mat @ cols``;
3. reorder the product to (N, F, H_out, W_out) and add the bias;
4. reorder ``dout`` to ``D`` (F, N·H_out·W_out);
5. ``dw = D @ colsᵀ``;  6. ``db = D.sum(1)``;  7. ``dcols = w_matᵀ @ D``;
8. ``col2im``: add the columns back onto their windows (``cb.col2im``).

Each repeat runs, for float32 and float64 in turn, the eight stages once, timing each, then
(after the same pause) the package's own ``conv2d_forward`` + ``conv2d_backward`` sharing a
cache, so every number comes from one run on one machine in the same conditions. The load
average before and after is recorded: on a busy machine the split moves a lot (BLAS threads
wait for a core), so compare runs only at similar loads, or with ``--threads 1``. It prints the median time of each stage as a share of the
sum of the stage medians (ratios, not milliseconds, are what carry over to another machine), and
the ratio of that sum to the package's own pair, which differs a little because the package folds
dcols into dx in blocks of a few MiB instead of all at once.

When PyTorch is installed it also records, with ``torch.profiler``, which ATen operators run a
float32 and a float64 ``conv2d`` forward + backward on this machine (for example
``aten::mkldnn_convolution``, PyTorch's oneDNN path), so statements about which code PyTorch runs
rest on a measurement.

Writes ``benchmarks/breakdown-results.json``; ``--table`` prints the README's table from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import conv_backprop as cb

HERE = Path(__file__).resolve().parent
STAGES = ["im2col", "forward product", "reorder output + bias", "reorder dout",
          "dw product", "db sum", "dcols product", "col2im"]
PRODUCTS = ("forward product", "dw product", "dcols product")
MOVES = ("im2col", "reorder output + bias", "reorder dout", "col2im")


def staged_step(x, w, b, dout, s, p, times=None):
    """conv2d_forward + conv2d_backward, stage by stage; adds each stage's seconds to times."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    clock = time.perf_counter
    last = [clock()]

    def lap(stage):
        now = clock()
        if times is not None:
            times[stage].append(now - last[0])
        last[0] = now

    cols = cb.im2col(x, (HH, WW), s, p)                                # (C·HH·WW, N·Ho·Wo)
    lap("im2col")
    prod = w.reshape(F, -1) @ cols                                     # (F, N·Ho·Wo)
    lap("forward product")
    Ho, Wo = dout.shape[2:]
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    np.add(prod.reshape(F, N, Ho * Wo).transpose(1, 0, 2), b[:, None], out=out.reshape(N, F, Ho * Wo))
    lap("reorder output + bias")
    D = np.empty((F, N * Ho * Wo), dtype=dout.dtype)
    D.reshape(F, N, Ho * Wo)[...] = dout.reshape(N, F, Ho * Wo).transpose(1, 0, 2)
    lap("reorder dout")
    dw = (D @ cols.T).reshape(w.shape)
    lap("dw product")
    db = D.sum(axis=1)
    lap("db sum")
    dcols = w.reshape(F, -1).T @ D                                     # (C·HH·WW, N·Ho·Wo)
    lap("dcols product")
    dx = cb.col2im(dcols, x.shape, (HH, WW), s, p)
    lap("col2im")
    return out, dx, dw, db


def package_step(x, w, b, dout, s, p):
    cache = {}
    out = cb.conv2d_forward(x, w, b, s, p, cache=cache)
    return (out, *cb.conv2d_backward(dout, x, w, s, p, cache=cache))


def pytorch_operators() -> dict | None:
    """The ATen convolution operators PyTorch's profiler sees for one forward + backward."""
    try:
        import torch
        import torch.nn.functional as F
        from torch.profiler import ProfilerActivity, profile
    except ImportError:
        return None
    found = {}
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(32, 16, 32, 32, dtype=dtype, requires_grad=True)
        w = torch.randn(32, 16, 3, 3, dtype=dtype, requires_grad=True)
        F.conv2d(x, w, padding=1).sum().backward()  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            F.conv2d(x, w, padding=1).sum().backward()
        found[str(dtype).replace("torch.", "")] = sorted(
            {e.key for e in prof.key_averages() if "conv" in e.key})
    found["torch"] = torch.__version__
    return found


def markdown_table(result) -> str:
    """The README's table: each stage's share per dtype, from a stored run."""
    dtypes = [d for d in ("float32", "float64") if d in result]
    lines = ["| stage | " + " | ".join(dtypes) + " |", "|---|" + "---|" * len(dtypes)]
    for k, name in enumerate(STAGES, 1):
        lines.append(f"| {k}. {name} | " + " | ".join(f"{100 * result[d]['share'][name]:.1f} %" for d in dtypes) + " |")
    lines.append("| matrix products (2, 5, 7) | "
                 + " | ".join(f"{100 * result[d]['matrix products']:.0f} %" for d in dtypes) + " |")
    lines.append("| im2col, col2im, reorders (1, 3, 4, 8) | "
                 + " | ".join(f"{100 * result[d]['data movement']:.0f} %" for d in dtypes) + " |")
    lines.append("| sum of the stages ÷ the package's own pass | "
                 + " | ".join(f"{result[d]['stages / package']:.2f}" for d in dtypes) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--dtypes", default="float32,float64", help="comma-separated, timed interleaved")
    ap.add_argument("--shape", default="32,16,32,32,32,3,1,1",
                    help="N,C,H,W,F,k,stride,padding (default: case c of conv_layers.py)")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit BLAS threads (threadpoolctl); default: whatever NumPy's BLAS uses")
    ap.add_argument("--out", default=str(HERE / "breakdown-results.json"))
    ap.add_argument("--table", action="store_true", help="print the Markdown table of a stored run (--out)")
    args = ap.parse_args()
    if args.table:
        print(markdown_table(json.loads(Path(args.out).read_text())))
        return
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    load_before = os.getloadavg()
    N, C, H, W, F, k, s, p = (int(v) for v in args.shape.split(","))
    dtypes = args.dtypes.split(",")
    data = {}
    for dtype in dtypes:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        w = (rng.standard_normal((F, C, k, k)) * 0.1).astype(dtype)
        b = rng.standard_normal(F).astype(dtype)
        dout = rng.standard_normal(cb.conv2d_forward(x, w, b, s, p).shape).astype(dtype)
        # correctness first: the stages compute what the package computes
        tol = 1e-4 if dtype == "float32" else 1e-10
        for got, ref in zip(staged_step(x, w, b, dout, s, p), package_step(x, w, b, dout, s, p)):
            assert np.allclose(got, ref, rtol=tol, atol=tol), dtype
        staged_step(x, w, b, dout, s, p)  # warm-up
        package_step(x, w, b, dout, s, p)
        data[dtype] = (x, w, b, dout, {name: [] for name in STAGES}, [])

    for _ in range(args.repeats):  # every dtype and both versions in each repeat: like with like
        for dtype in dtypes:
            x, w, b, dout, times, package = data[dtype]
            time.sleep(0.3)  # OpenBLAS threads keep spinning briefly after a call
            staged_step(x, w, b, dout, s, p, times)
            time.sleep(0.3)
            t0 = time.perf_counter()
            package_step(x, w, b, dout, s, p)
            package.append(time.perf_counter() - t0)

    result = {
        "machine": platform.processor() or platform.machine(),
        "cpus": len(os.sched_getaffinity(0)),
        "blas threads": args.threads,
        "load average (1 min) before, after": [load_before[0], os.getloadavg()[0]],
        "numpy": np.__version__,
        "shape": dict(N=N, C=C, H=H, W=W, F=F, k=k, stride=s, padding=p),
        "repeats": args.repeats,
        "pytorch operators": pytorch_operators(),
    }
    print(f"N={N} C={C} {H}×{W} F={F} {k}×{k} stride {s} padding {p}: median of {args.repeats} repeats "
          f"of each stage, as a share of the sum of the stage medians (one run; load average "
          f"{result['load average (1 min) before, after'][0]:.1f} before, "
          f"{result['load average (1 min) before, after'][1]:.1f} after, on {result['cpus']} CPUs)")
    print(f"  {'stage':<22}" + "".join(f"{d:>10}" for d in dtypes))
    for dtype in dtypes:
        times, package = data[dtype][4], data[dtype][5]
        median = {name: float(np.median(v)) for name, v in times.items()}
        total = sum(median.values())
        share = {name: m / total for name, m in median.items()}
        result[dtype] = {
            "share": share,
            "matrix products": sum(share[n] for n in PRODUCTS),
            "data movement": sum(share[n] for n in MOVES),
            "stages / package": total / float(np.median(package)),
        }
    for name in STAGES:
        print(f"  {name:<22}" + "".join(f"{100 * result[d]['share'][name]:9.1f}%" for d in dtypes))
    for label, key in (("products (2, 5, 7)", "matrix products"), ("moves (1, 3, 4, 8)", "data movement")):
        print(f"  {label:<22}" + "".join(f"{100 * result[d][key]:9.0f}%" for d in dtypes))
    print(f"  {'stages / package':<22}" + "".join(f"{result[d]['stages / package']:10.2f}" for d in dtypes))
    if result["pytorch operators"]:
        for dtype in ("float32", "float64"):
            print(f"PyTorch {result['pytorch operators']['torch']}, {dtype} conv2d forward + backward runs: "
                  + ", ".join(result["pytorch operators"][dtype]))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

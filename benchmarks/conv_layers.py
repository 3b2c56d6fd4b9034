"""Benchmark the convolution and pooling layers against a textbook baseline and PyTorch.

Run:  .venv/bin/python benchmarks/conv_layers.py            (make bench)
      .venv/bin/python benchmarks/conv_layers.py --quick    (fewer repeats)

Everything runs in one process, interleaved case by case, so ratios compare like with like
on a shared, noisy machine. Each library is timed in its own block after a 0.3 s pause
(OpenBLAS worker threads keep spinning briefly after a call and slow whatever runs next).
Each block warms up once, then takes ``repeats`` timings; we report min / median / max so the
noise is visible. Fresh allocations (and their page faults) are counted in, as a user pays them.

Implementations:
* ``naive``: the package's loops (small case only);
* ``ours``: ``conv_backprop.conv2d_forward`` / ``conv2d_backward`` and the vectorised pools;
  forward+backward passes a ``cache`` dict, as a training step would, so backward reuses the
  forward pass's im2col matrix (PyTorch likewise keeps what its backward needs);
* ``baseline``: the im2col with index arrays + ``np.add.at`` col2im that learners usually copy,
  written here so the comparison is with what people actually use;
* ``torch``: PyTorch's CPU layers (``torch.nn.functional``), when PyTorch is installed
  (``pip install '.[torch]'``); ``conv_breakdown.py`` records which operators they run.

Writes ``benchmarks/results.json`` and draws it into ``figures/benchmark.png``; ``--plot-only``
redraws the figure (and prints the Markdown table used in the README) from the stored results.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np

import conv_backprop as cb

HERE = Path(__file__).resolve().parent

CONV_CASES = {
    "a": dict(N=4, C=3, H=5, F=2, k=3, s=1, p=1, note="seed example"),
    "b": dict(N=50, C=3, H=32, F=32, k=7, s=1, p=3, note="CIFAR-like first layer"),
    "c": dict(N=32, C=16, H=32, F=32, k=3, s=1, p=1, note="typical 3×3"),
    "d": dict(N=32, C=16, H=32, F=32, k=3, s=2, p=1, note="as c, stride 2"),
    "e": dict(N=8, C=64, H=56, F=64, k=3, s=1, p=1, note="ResNet-like"),
}
POOL_CASES = {
    "max 2×2/2": ("max", 2, 2),
    "max 3×3/2": ("max", 3, 2),
    "avg 2×2/2": ("avg", 2, 2),
    "avg 3×3/2": ("avg", 3, 2),
}


# ----------------------------------------------------------------------------- the baseline


def _baseline_indices(C, H, W, k, s, p):
    Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    i0 = np.tile(np.repeat(np.arange(k), k), C)
    i1 = s * np.repeat(np.arange(Ho), Wo)
    j0 = np.tile(np.arange(k), k * C)
    j1 = s * np.tile(np.arange(Wo), Ho)
    rows = i0[:, None] + i1[None, :]
    cols = j0[:, None] + j1[None, :]
    chan = np.repeat(np.arange(C), k * k)[:, None]
    return chan, rows, cols, Ho, Wo


def _baseline_im2col(x, k, s, p):
    """Textbook im2col with fancy indexing; also returns what col2im needs."""
    N, C, H, W = x.shape
    chan, rows, cols, Ho, Wo = _baseline_indices(C, H, W, k, s, p)
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    xcols = xpad[:, chan, rows, cols].transpose(1, 2, 0).reshape(C * k * k, -1)
    return xcols, xpad, (chan, rows, cols), Ho, Wo


def baseline_forward(x, w, b, s, p):
    """Textbook im2col with fancy indexing, then one matrix product."""
    N = x.shape[0]
    F, _, k, _ = w.shape
    xcols, _, _, Ho, Wo = _baseline_im2col(x, k, s, p)
    out = w.reshape(F, -1) @ xcols + b[:, None]
    return out.reshape(F, Ho, Wo, N).transpose(3, 0, 1, 2), xcols


def baseline_backward(dout, x, w, s, p):
    """Textbook backward: dw and dx as matrix products, col2im with np.add.at."""
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    xcols, xpad, (chan, rows, cols), _, _ = _baseline_im2col(x, k, s, p)
    dmat = dout.transpose(1, 2, 3, 0).reshape(F, -1)
    dw = (dmat @ xcols.T).reshape(w.shape)
    dcols = (w.reshape(F, -1).T @ dmat).reshape(C * k * k, -1, N).transpose(2, 0, 1)
    dxpad = np.zeros_like(xpad)
    np.add.at(dxpad, (slice(None), chan, rows, cols), dcols)
    return dxpad[:, :, p : p + H, p : p + W], dw, dout.sum(axis=(0, 2, 3))


# ----------------------------------------------------------------------------- timing


def timed(fn, repeats):
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return {"min": min(out) * 1e3, "median": float(np.median(out)) * 1e3, "max": max(out) * 1e3}


def block(fn, repeats):
    time.sleep(0.3)
    return timed(fn, repeats)


def peak_extra_memory(fn):
    """Peak bytes allocated during fn() (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def gemm_peak(dtype, repeats):
    n = 2048
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    t = block(lambda: a @ b, repeats)
    return 2 * n**3 / (t["min"] * 1e-3) / 1e9


def conv_flops(c, Ho, Wo):
    """Multiply-adds ×2 of forward; backward (dx and dw) is twice that."""
    return 2 * c["N"] * c["F"] * Ho * Wo * c["C"] * c["k"] ** 2


def run(repeats: int, cases: list[str], pools: bool):
    try:
        import torch

        torch.set_num_threads(len(__import__("os").sched_getaffinity(0)))
        F = torch.nn.functional
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    results = {"machine": platform.processor() or platform.machine(), "repeats": repeats,
               "torch": torch.__version__ if torch else None, "gemm_gflops": {}, "conv": [], "pool": []}
    for dtype in (np.float32, np.float64):
        dname = np.dtype(dtype).name
        results["gemm_gflops"][dname] = gemm_peak(dtype, repeats)
        for name, c in CONV_CASES.items():
            if name not in cases:
                continue
            x = rng.standard_normal((c["N"], c["C"], c["H"], c["H"])).astype(dtype)
            w = (rng.standard_normal((c["F"], c["C"], c["k"], c["k"])) * 0.1).astype(dtype)
            b = np.zeros(c["F"], dtype)
            s, p = c["s"], c["p"]
            out = cb.conv2d_forward(x, w, b, s, p)
            dout = rng.standard_normal(out.shape).astype(dtype)
            # correctness first: every implementation agrees with ours before it is timed
            ref = cb.conv2d_backward(dout, x, w, s, p)
            bl = baseline_backward(dout, x, w, s, p)
            tol = 1e-3 if dtype == np.float32 else 1e-9
            assert all(np.allclose(g, r, rtol=tol, atol=tol) for g, r in zip(bl, ref)), name

            def ours_both(x=x, w=w, b=b, dout=dout, s=s, p=p):
                cache = {}  # forward keeps its im2col matrix here for backward
                out = cb.conv2d_forward(x, w, b, s, p, cache=cache)
                return out, cb.conv2d_backward(dout, x, w, s, p, cache=cache)

            impls = {
                "ours": (lambda: cb.conv2d_forward(x, w, b, s, p), ours_both),
                "baseline": (lambda: baseline_forward(x, w, b, s, p),
                             lambda: (baseline_forward(x, w, b, s, p), baseline_backward(dout, x, w, s, p))),
            }
            assert all(np.array_equal(g, r) for g, r in zip(ours_both()[1], ref)), name  # cache path
            if name == "a":
                impls["naive"] = (lambda: cb.conv2d_forward_naive(x, w, b, s, p),
                                  lambda: (cb.conv2d_forward_naive(x, w, b, s, p), cb.conv2d_backward_naive(dout, x, w, s, p)))
            if torch is not None:
                tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
                td = torch.tensor(dout)

                def t_fwd():
                    with torch.no_grad():
                        return F.conv2d(tx, tw, tb, stride=s, padding=p)

                def t_both():
                    o = F.conv2d(tx, tw, tb, stride=s, padding=p)
                    o.backward(td)
                    tx.grad = tw.grad = tb.grad = None

                tgrads = torch.autograd.grad(F.conv2d(tx, tw, tb, stride=s, padding=p), (tx, tw, tb), td)
                assert all(np.allclose(g, t.numpy(), rtol=tol, atol=tol) for g, t in zip(ref, tgrads)), name
                impls["torch"] = (t_fwd, t_both)
            row = {"case": name, "dtype": dname, **c, "out": list(out.shape)}
            flops = conv_flops(c, out.shape[2], out.shape[3])
            row["gflop_fwd"], row["gflop_both"] = flops / 1e9, 3 * flops / 1e9
            for impl, (fwd, both) in impls.items():
                row[impl] = {"forward": block(fwd, repeats), "forward+backward": block(both, repeats)}
            row["ours"]["peak_extra_memory_x_input"] = peak_extra_memory(impls["ours"][1]) / x.nbytes
            results["conv"].append(row)
            print_conv_row(row, results["gemm_gflops"][dname])
        for name, (kind, k, s) in POOL_CASES.items():
            if not pools:
                break
            x = rng.standard_normal((32, 32, 32, 32)).astype(dtype)
            fwd_fn = cb.maxpool2d_forward if kind == "max" else cb.avgpool2d_forward
            bwd_fn = cb.maxpool2d_backward if kind == "max" else cb.avgpool2d_backward
            dout = rng.standard_normal(fwd_fn(x, k, s).shape).astype(dtype)
            impls = {"ours": (lambda: fwd_fn(x, k, s), lambda: (fwd_fn(x, k, s), bwd_fn(dout, x, k, s)))}
            if torch is not None:
                tf = F.max_pool2d if kind == "max" else F.avg_pool2d
                tx = torch.tensor(x, requires_grad=True)
                td = torch.tensor(dout)

                def p_fwd():
                    with torch.no_grad():
                        return tf(tx, k, s)

                def p_both():
                    tf(tx, k, s).backward(td)
                    tx.grad = None

                impls["torch"] = (p_fwd, p_both)
            row = {"case": name, "dtype": dname}
            for impl, (fwd, both) in impls.items():
                row[impl] = {"forward": block(fwd, repeats), "forward+backward": block(both, repeats)}
            results["pool"].append(row)
            print_pool_row(row)
    return results


def _ratio(row, a, b, phase):
    if a in row and b in row:
        return row[a][phase]["median"] / row[b][phase]["median"]
    return float("nan")


def print_conv_row(row, peak):
    t = row["ours"]["forward+backward"]
    gflops = row["gflop_both"] / (t["median"] * 1e-3)
    print(
        f"conv {row['case']} {row['dtype']:7s} ours f+b {t['min']:8.2f} / {t['median']:8.2f} / {t['max']:8.2f} ms"
        f"  ours/torch fwd {_ratio(row, 'ours', 'torch', 'forward'):5.2f}  f+b {_ratio(row, 'ours', 'torch', 'forward+backward'):5.2f}"
        f"  ours/baseline f+b {_ratio(row, 'ours', 'baseline', 'forward+backward'):5.2f}"
        f"  {gflops:6.1f} GFLOP/s ({100 * gflops / peak:4.1f}% of GEMM peak)"
        f"  peak mem {row['ours']['peak_extra_memory_x_input']:.1f}× input", flush=True)


def print_pool_row(row):
    t = row["ours"]["forward+backward"]
    print(f"pool {row['case']} {row['dtype']:7s} ours f+b {t['min']:8.2f} / {t['median']:8.2f} / {t['max']:8.2f} ms"
          f"  ours/torch f+b {_ratio(row, 'ours', 'torch', 'forward+backward'):5.2f}", flush=True)


def markdown_table(results) -> str:
    """The README table: medians and ratios, forward+backward, per case and dtype."""
    lines = [
        "| case | dtype | ours f+b (ms, min / median / max) | ours / PyTorch (fwd, f+b) | ours / textbook (f+b) | GFLOP/s (% of GEMM peak) | peak extra memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["conv"]:
        t = row["ours"]["forward+backward"]
        peak = results["gemm_gflops"][row["dtype"]]
        gflops = row["gflop_both"] / (t["median"] * 1e-3)
        c = CONV_CASES[row["case"]]
        label = f"{row['case']}: N={c['N']} C={c['C']} {c['H']}² F={c['F']} {c['k']}×{c['k']}" + (f" s={c['s']}" if c["s"] > 1 else "")
        lines.append(
            f"| {label} | {row['dtype']} | {t['min']:.2f} / {t['median']:.2f} / {t['max']:.2f} "
            f"| {_ratio(row, 'ours', 'torch', 'forward'):.2f}, {_ratio(row, 'ours', 'torch', 'forward+backward'):.2f} "
            f"| {_ratio(row, 'ours', 'baseline', 'forward+backward'):.2f} "
            f"| {gflops:.0f} ({100 * gflops / peak:.0f}%) | {row['ours']['peak_extra_memory_x_input']:.0f}× input |"
        )
    for row in results["pool"]:
        t = row["ours"]["forward+backward"]
        lines.append(
            f"| pool {row['case']} N=32 C=32 32² | {row['dtype']} | {t['min']:.2f} / {t['median']:.2f} / {t['max']:.2f} "
            f"| {_ratio(row, 'ours', 'torch', 'forward'):.2f}, {_ratio(row, 'ours', 'torch', 'forward+backward'):.2f} | | | |"
        )
    return "\n".join(lines)


def plot(results, path) -> None:
    """Bar chart of ours / PyTorch and ours / textbook (forward+backward) per case and dtype."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from conv_backprop.style import COLORS

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=False)
    for ax, other, title in ((axes[0], "torch", "ours / PyTorch CPU"), (axes[1], "baseline", "ours / textbook im2col + np.add.at")):
        names = [r["case"] for r in results["conv"] if r["dtype"] == "float32"]
        x = np.arange(len(names))
        for k, (dtype, color) in enumerate((("float32", COLORS["input"]), ("float64", COLORS["kernel"]))):
            ratios = [_ratio(r, "ours", other, "forward+backward") for r in results["conv"] if r["dtype"] == dtype]
            ax.bar(x + (k - 0.5) * 0.38, ratios, 0.38, label=dtype, color=color)
        ax.axhline(1.0, color="black", lw=1)
        if other == "torch":
            ax.axhline(2.0, color=COLORS["gradient"], lw=1, ls="--", label="target: within 2× (float32)")
        ax.set_xticks(x, [f"case {n}" for n in names])
        ax.set_ylabel("time ratio, forward+backward (lower is faster)")
        ax.set_title(title)
        ax.legend(frameon=False)
    fig.suptitle("Convolution layers, median of repeated runs (benchmarks/conv_layers.py)")
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 9")
    ap.add_argument("--cases", default=",".join(CONV_CASES), help="conv cases to run, e.g. a,c")
    ap.add_argument("--no-pool", action="store_true", help="skip the pooling cases")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    ap.add_argument("--plot-only", action="store_true", help="redraw the figure from stored results")
    args = ap.parse_args()
    figure = HERE.parent / "figures" / "benchmark.png"
    if args.plot_only:
        results = json.loads(Path(args.out).read_text())
        plot(results, figure)
        print(markdown_table(results))
        return
    repeats = 3 if args.quick else 9
    results = run(repeats, args.cases.split(","), not args.no_pool)
    Path(args.out).write_text(json.dumps(results, indent=1))
    plot(results, figure)
    print(markdown_table(results))
    print(f"wrote {args.out} and {figure}")


if __name__ == "__main__":
    main()

"""Benchmark depthwise convolution: the package (im2col per group) against PyTorch CPU and
against a plain convolution of the same size, in one run.

Run:  .venv/bin/python benchmarks/grouped.py            (float32 and float64)
      .venv/bin/python benchmarks/grouped.py --quick    (fewer repeats)
      .venv/bin/python benchmarks/grouped.py --json FILE  (also write the numbers)

What is measured, for each case and dtype, forward and forward+backward (backward reuses the
forward pass's im2col matrix through ``cache=``, as a training step does):

* ``depthwise``: ``cb.conv2d_forward/backward(..., groups=C)``, F = C, a 3×3 kernel (the
  MobileNets layer);
* ``plain``: the same shapes with ``groups=1``: the same input, output and im2col matrix, but C
  times the arithmetic;
* ``per-tap``: a depthwise forward written directly as HH·WW broadcast multiply-adds over
  shifted views of the padded input (no im2col matrix), to show what the im2col route costs;
* ``torch``: ``torch.nn.functional.conv2d(groups=C)`` on the CPU, when PyTorch is installed.

Why im2col is at its weakest for depthwise layers (the ratios this prints):
im2col copies every input entry HH·WW times into a (C·HH·WW) × (N·H_out·W_out) matrix, then
multiplies. A plain layer multiplies each copied entry by F filters, so the copy is amortised
over F multiply-adds per entry and the matrix product runs near the machine's GEMM speed. A
depthwise layer has one filter per group: every copied entry is used by exactly one
multiply-add, and each group's product is a (1 × HH·WW) row times a (HH·WW × N·H_out·W_out)
matrix, a matrix-vector product that is limited by memory bandwidth, not arithmetic. So a
depthwise layer does 1/C of the plain layer's arithmetic but still pays the whole im2col copy
(and col2im in the backward pass): its time falls far less than C times, and its GFLOP/s are a
small fraction of the plain layer's: compare "depthwise ÷ plain" with the arithmetic ratio 1/C,
and the two GFLOP/s columns. The per-tap version never builds the matrix (its ratio to ours shows
what the copy costs on this machine); PyTorch is the reference a learner would use.

The machine the course is built on is shared: expect ±20 % and more between runs, so read the
ratios, measured in one interleaved run, rather than the times.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

import conv_backprop as cb

CASES = {
    "MobileNet-like 56²": dict(N=8, C=64, H=56, k=3, p=1),
    "MobileNet-like 28²": dict(N=16, C=128, H=28, k=3, p=1),
    "small 16²": dict(N=16, C=32, H=16, k=3, p=1),
}


def _timeit(fn, repeats):
    fn()  # warm up
    time.sleep(0.3)  # let OpenBLAS threads settle (see benchmarks/conv_layers.py)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def per_tap_depthwise(x, w, b, p):
    """Depthwise forward (F = C, stride 1) as HH·WW multiply-adds of shifted views: no im2col."""
    N, C, H, W = x.shape
    HH, WW = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = H + 2 * p - HH + 1, W + 2 * p - WW + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    out[...] = b[None, :, None, None]
    for u in range(HH):
        for v in range(WW):
            out += xpad[:, :, u : u + Ho, v : v + Wo] * w[None, :, 0, u, v, None, None]
    return out


def run(repeats, dtypes):
    try:
        import torch

        torch.set_num_threads(max(1, torch.get_num_threads()))
    except ImportError:
        torch = None
    rows = []
    for name, c in CASES.items():
        N, C, H, k, p = c["N"], c["C"], c["H"], c["k"], c["p"]
        for dtype in dtypes:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((N, C, H, H)).astype(dtype)
            wd = rng.standard_normal((C, 1, k, k)).astype(dtype)
            wp = rng.standard_normal((C, C, k, k)).astype(dtype)
            b = np.zeros(C, dtype)
            Ho = H + 2 * p - k + 1
            dout = rng.standard_normal((N, C, Ho, Ho)).astype(dtype)
            macs_dw, macs_plain = N * C * Ho * Ho * k * k, N * C * Ho * Ho * C * k * k
            assert np.allclose(per_tap_depthwise(x, wd, b, p), cb.conv2d_forward(x, wd, b, padding=p, groups=C),
                               rtol=1e-4, atol=1e-4)

            def fb(w, groups):
                cache = {}
                cb.conv2d_forward(x, w, b, padding=p, cache=cache, groups=groups)
                cb.conv2d_backward(dout, x, w, padding=p, cache=cache, groups=groups)

            t = {
                "depthwise fwd": _timeit(lambda: cb.conv2d_forward(x, wd, b, padding=p, groups=C), repeats),
                "depthwise f+b": _timeit(lambda: fb(wd, C), repeats),
                "plain fwd": _timeit(lambda: cb.conv2d_forward(x, wp, b, padding=p), repeats),
                "plain f+b": _timeit(lambda: fb(wp, 1), repeats),
                "per-tap fwd": _timeit(lambda: per_tap_depthwise(x, wd, b, p), repeats),
            }
            if torch is not None:
                tx = torch.tensor(x, requires_grad=True)
                tw = torch.tensor(wd, requires_grad=True)
                tb, tdout = torch.tensor(b), torch.tensor(dout)

                def torch_fwd():
                    with torch.no_grad():
                        torch.nn.functional.conv2d(tx, tw, tb, padding=p, groups=C)

                def torch_fb():
                    tx.grad = tw.grad = None
                    torch.nn.functional.conv2d(tx, tw, tb, padding=p, groups=C).backward(tdout)

                t["torch fwd"] = _timeit(torch_fwd, repeats)
                t["torch f+b"] = _timeit(torch_fb, repeats)
            med = {key: float(np.median(v)) for key, v in t.items()}
            row = dict(case=name, dtype=np.dtype(dtype).name, **c, medians_ms={k_: 1e3 * v for k_, v in med.items()},
                       depthwise_over_plain_fwd=med["depthwise fwd"] / med["plain fwd"],
                       depthwise_over_plain_fb=med["depthwise f+b"] / med["plain f+b"],
                       arithmetic_ratio=macs_dw / macs_plain,
                       gflops_depthwise_fwd=2 * macs_dw / med["depthwise fwd"] / 1e9,
                       gflops_plain_fwd=2 * macs_plain / med["plain fwd"] / 1e9,
                       im2col_over_per_tap_fwd=med["depthwise fwd"] / med["per-tap fwd"])
            if torch is not None:
                row["ours_over_torch_fwd"] = med["depthwise fwd"] / med["torch fwd"]
                row["ours_over_torch_fb"] = med["depthwise f+b"] / med["torch f+b"]
            rows.append(row)
            _print_row(row)
    return rows


def _print_row(r):
    m = r["medians_ms"]
    torch_part = (f" | {r['ours_over_torch_fwd']:.1f}, {r['ours_over_torch_fb']:.1f}"
                  if "ours_over_torch_fwd" in r else " | (torch not installed)")
    print(f"| {r['case']} N={r['N']} C=F={r['C']} | {r['dtype']} | {m['depthwise fwd']:.1f} / {m['depthwise f+b']:.1f}"
          f" | {m['plain fwd']:.1f} / {m['plain f+b']:.1f} | {r['depthwise_over_plain_fwd']:.3f}, "
          f"{r['depthwise_over_plain_fb']:.3f} (arithmetic {r['arithmetic_ratio']:.3f})"
          f" | {r['gflops_depthwise_fwd']:.1f} vs {r['gflops_plain_fwd']:.1f}"
          f" | {r['im2col_over_per_tap_fwd']:.1f}{torch_part} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    ap.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    args = ap.parse_args()
    print(f"# depthwise vs plain convolution (3×3, stride 1, padding 1), medians in ms; {platform.machine()}, "
          f"numpy {np.__version__}")
    print("| case | dtype | depthwise fwd / f+b | plain fwd / f+b | depthwise ÷ plain: fwd, f+b "
          "| GFLOP/s fwd: depthwise vs plain | im2col ÷ per-tap (fwd) | ours ÷ torch: fwd, f+b |")
    print("|---|---|---|---|---|---|---|---|")
    rows = run(3 if args.quick else 7, (np.float32, np.float64))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()

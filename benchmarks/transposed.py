"""Benchmark the transposed convolution: naive loops, the vectorised version and PyTorch CPU.

Run:  .venv/bin/python benchmarks/transposed.py            (5 timings per block)
      .venv/bin/python benchmarks/transposed.py --quick    (2 timings per block)
      .venv/bin/python benchmarks/transposed.py --save     (also write benchmarks/transposed-results.json)

What is measured, in one process, case by case, so the ratios compare like with like on a shared,
noisy machine (the same protocol as ``benchmarks/conv_layers.py``: each block waits 0.3 s, warms
up once, then takes ``repeats`` timings; min / median / max are kept, ratios use the medians):

* ``naive``: ``cb.conv_transpose2d_forward_naive`` / ``_backward_naive``, one scattered kernel
  copy per input entry (Python loops over N·C_in·H·W entries);
* ``ours``: ``cb.conv_transpose2d_forward`` (one matrix product, then col2im) and
  ``cb.conv_transpose2d_backward`` (im2col of dout, then two matrix products);
* ``torch``: ``torch.nn.functional.conv_transpose2d`` forward, and forward + autograd backward,
  when PyTorch is installed (``pip install '.[torch]'``).

The dtype is float64 by default, the course's; ``--dtype float32`` times single precision, the
dtype PyTorch's CPU kernels (oneDNN) are tuned for.

Before anything is timed, every implementation is checked against ours (forward and all three
gradients). The table reports each implementation's median time and the ratios naive / ours and
ours / torch: how much the vectorisation buys, and how far it stays from a tuned library.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

import conv_backprop as cb
# The timing protocol of the layer benchmark (a sibling script: Python puts this folder on the
# path when a script in it runs): wait 0.3 s, warm up once, keep min / median / max in ms.
from conv_layers import block  # noqa: E402

HERE = Path(__file__).resolve().parent

# N, C_in, C_out, H (= W), kernel k, stride s, padding p, output_padding op
CASES = {
    "tiny": dict(N=2, C_in=4, C_out=3, H=6, k=3, s=2, p=1, op=1, note="course size, k3 s2"),
    "dcgan": dict(N=16, C_in=64, C_out=32, H=16, k=4, s=2, p=1, op=0, note="upsample ×2, k4 s2 (DCGAN-like)"),
    "k3s2": dict(N=16, C_in=64, C_out=32, H=16, k=3, s=2, p=1, op=1, note="upsample ×2, k3 s2 (checkerboard)"),
    "unet": dict(N=8, C_in=128, C_out=64, H=28, k=2, s=2, p=0, op=0, note="U-Net up-step, k2 s2"),
}
NAIVE_MAX_ENTRIES = 20_000  # N·C_in·H·W above this: the naive loops are skipped (minutes per call)




def run(repeats: int, dtype=np.float64) -> dict:
    try:
        import torch

        F = torch.nn.functional
    except ImportError:
        torch = None
    tol = 1e-9 if dtype == np.float64 else 1e-3
    results = {"machine": platform.processor() or platform.machine(), "repeats": repeats,
               "dtype": np.dtype(dtype).name,
               "torch": torch.__version__ if torch else None, "cases": []}
    rng = np.random.default_rng(0)
    for name, c in CASES.items():
        x = rng.standard_normal((c["N"], c["C_in"], c["H"], c["H"])).astype(dtype)
        w = (rng.standard_normal((c["C_in"], c["C_out"], c["k"], c["k"])) * 0.1).astype(dtype)
        b = np.zeros(c["C_out"], dtype)
        kw = dict(stride=c["s"], padding=c["p"], output_padding=c["op"])
        out = cb.conv_transpose2d_forward(x, w, b, **kw)
        dout = rng.standard_normal(out.shape).astype(dtype)
        ref = cb.conv_transpose2d_backward(dout, x, w, **kw)
        impls = {
            "ours": (lambda: cb.conv_transpose2d_forward(x, w, b, **kw),
                     lambda: (cb.conv_transpose2d_forward(x, w, b, **kw),
                              cb.conv_transpose2d_backward(dout, x, w, **kw))),
        }
        if x.size <= NAIVE_MAX_ENTRIES:
            assert np.allclose(cb.conv_transpose2d_forward_naive(x, w, b, **kw), out, rtol=tol, atol=tol), name
            naive = cb.conv_transpose2d_backward_naive(dout, x, w, **kw)
            assert all(np.allclose(g, r, rtol=tol, atol=tol) for g, r in zip(naive, ref)), name
            impls["naive"] = (lambda: cb.conv_transpose2d_forward_naive(x, w, b, **kw),
                              lambda: (cb.conv_transpose2d_forward_naive(x, w, b, **kw),
                                       cb.conv_transpose2d_backward_naive(dout, x, w, **kw)))
        if torch is not None:
            tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
            td = torch.tensor(dout)
            targs = dict(stride=c["s"], padding=c["p"], output_padding=c["op"])

            def t_fwd():
                with torch.no_grad():
                    return F.conv_transpose2d(tx, tw, tb, **targs)

            def t_both():
                o = F.conv_transpose2d(tx, tw, tb, **targs)
                o.backward(td)
                tx.grad = tw.grad = tb.grad = None

            assert np.allclose(t_fwd().numpy(), out, rtol=tol, atol=tol), name
            tgrads = torch.autograd.grad(F.conv_transpose2d(tx, tw, tb, **targs), (tx, tw, tb), td)
            assert all(np.allclose(g, t.numpy(), rtol=tol, atol=tol) for g, t in zip(ref, tgrads)), name
            impls["torch"] = (t_fwd, t_both)
        row = {"case": name, **c, "out": list(out.shape)}
        for impl, (fwd, both) in impls.items():
            row[impl] = {"forward": block(fwd, repeats), "forward+backward": block(both, repeats)}
        results["cases"].append(row)
        print_row(row)
    return results


def _ratio(a, b):
    return f"{a / b:.2g}×" if a and b else "—"


def print_header():
    print("| case | shapes | pass | naive ms | ours ms | torch ms | naive / ours | ours / torch |")
    print("|---|---|---|---|---|---|---|---|")


def print_row(row):
    shapes = (f"x ({row['N']}, {row['C_in']}, {row['H']}, {row['H']}), w ({row['C_in']}, {row['C_out']}, "
              f"{row['k']}, {row['k']}), s {row['s']}, p {row['p']}, op {row['op']}")
    for part in ("forward", "forward+backward"):
        t = {impl: row[impl][part]["median"] for impl in ("naive", "ours", "torch") if impl in row}
        cells = [f"{t[i]:.2f}" if i in t else "—" for i in ("naive", "ours", "torch")]
        print(f"| {row['case']} | {shapes} | {part} | {' | '.join(cells)} | "
              f"{_ratio(t.get('naive'), t['ours'])} | {_ratio(t['ours'], t.get('torch'))} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 timings per block instead of 5")
    parser.add_argument("--save", action="store_true", help="write benchmarks/transposed-results.json")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="float64 (the course's dtype; PyTorch's float64 kernels are not its fast "
                             "path) or float32")
    args = parser.parse_args(argv)
    print(f"dtype {args.dtype}")
    print_header()
    results = run(2 if args.quick else 5, np.dtype(args.dtype).type)
    if results["torch"] is None:
        print("\nPyTorch is not installed: the torch column is empty (pip install '.[torch]').")
    if args.save:
        (HERE / "transposed-results.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

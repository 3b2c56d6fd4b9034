"""Conventions a learner meets in other libraries: uneven ("same") padding, pooling's ceil_mode and
count_include_pad, 1×1 convolutions.

The tests without a marker check each convention against brute force (windows walked one by
one, sums written from the definition) and always run. The tests marked ``torch`` check the same
conventions, and the PyTorch outputs notebooks 01 and 07 record as literals (``pytorch_record``),
against PyTorch itself; they are skipped, with a reason saying so, where PyTorch is not installed.
"""

import ast
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

import conv_backprop as cb

ROOT = Path(__file__).resolve().parents[1]


def _pad(x, top, bottom, left, right):
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def brute_windows(padded, extent, s):
    """Start rows of the windows that fit in ``padded`` rows, walked one by one."""
    starts, t = [], 0
    while t + extent <= padded:
        starts.append(t)
        t += s
    return starts


# --------------------------------------------------------------------------- uneven padding


def test_asymmetric_padding_output_size_brute_force():
    checked = 0
    for n, k, s, d, top, bottom in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(1, 3),
                                                     range(0, 3), range(0, 3)):
        E = d * (k - 1) + 1
        count = len(brute_windows(n + top + bottom, E, s))
        if count == 0:
            continue
        assert count == (n + top + bottom - E) // s + 1
        checked += 1
    assert checked > 1000


def test_asymmetric_padding_conv_matches_the_definition(rng):
    # out[n, f, i, j] = Σ_c Σ_u Σ_v x[n, c, i·s_h + u·d_h − top, j·s_w + v·d_w − left] · w[f, c, u, v] + b[f],
    # x read as 0 outside its rows and columns
    x, w, b = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    (sh, sw), (dh, dw), (top, bottom, left, right) = (2, 1), (1, 2), (0, 2, 1, 0)
    out = cb.conv2d_forward(_pad(x, top, bottom, left, right), w, b, stride=(sh, sw), dilation=(dh, dw))
    Ho, Wo = (6 + top + bottom - 3) // sh + 1, (7 + left + right - (dw + 1)) // sw + 1
    assert out.shape == (2, 4, Ho, Wo)

    def at(n, c, r, q):
        return x[n, c, r, q] if 0 <= r < 6 and 0 <= q < 7 else 0.0

    brute = np.array([[[[sum(at(n, c, i * sh + u * dh - top, j * sw + v * dw - left) * w[f, c, u, v]
                             for c in range(3) for u in range(3) for v in range(2)) + b[f]
                         for j in range(Wo)] for i in range(Ho)] for f in range(4)] for n in range(2)])
    np.testing.assert_allclose(out, brute, rtol=1e-12, atol=1e-12)  # sums of 18 terms: ~1e-15 apart


def test_same_padding_splits_keep_the_size():
    # stride 1: total d·(k − 1), the smaller half before; TensorFlow's rule for any stride
    for n, k, d in itertools.product(range(1, 10), range(1, 6), range(1, 4)):
        E = d * (k - 1) + 1
        total = d * (k - 1)
        assert len(brute_windows(n + total, E, 1)) == n
        for s in range(1, 4):
            out = math.ceil(n / s)
            total = max((out - 1) * s + E - n, 0)
            assert len(brute_windows(n + total, E, s)) == out
            if total:  # the smallest total that does it
                assert len(brute_windows(n + total - 1, E, s)) < out


# --------------------------------------------------------------------------- 1×1 convolutions


def test_one_by_one_convolution_is_a_matrix_product_per_pixel(rng):
    x, w, b = rng.standard_normal((2, 5, 6, 7)), rng.standard_normal((3, 5, 1, 1)), rng.standard_normal(3)
    W = w[:, :, 0, 0]  # (F, C)
    for s in (1, 2):
        out = cb.conv2d_forward(x, w, b, stride=s)
        xs = x[:, :, ::s, ::s]
        by_matmul = np.einsum("fc,nchw->nfhw", W, xs) + b[None, :, None, None]
        np.testing.assert_allclose(out, by_matmul, rtol=1e-12, atol=1e-12)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = cb.conv2d_backward(dout, x, w, stride=s)
        dx_expected = np.zeros_like(x)
        dx_expected[:, :, ::s, ::s] = np.einsum("fc,nfhw->nchw", W, dout)
        np.testing.assert_allclose(dx, dx_expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dw[:, :, 0, 0], np.einsum("nfhw,nchw->fc", dout, xs), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-12)


# --------------------------------------------------------------------------- PyTorch


def _torch():
    return pytest.importorskip(
        "torch", reason="PyTorch NOT INSTALLED: the conventions were not checked against PyTorch "
                        "(make test-torch runs these)")


def pytorch_record(notebook):
    """The PyTorch outputs a notebook records: every dict literal its code cells assign to
    ``pytorch_record`` (``pytorch_record = {...}``) or merge into it (``pytorch_record |= {...}``)."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    record = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "pytorch_record" not in "".join(cell["source"]):
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytorch_record" for t in node.targets):
                record = ast.literal_eval(node.value)
            elif (isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == "pytorch_record"
                  and isinstance(node.op, ast.BitOr)):
                record |= ast.literal_eval(node.value)
    assert record, f"{notebook} records no PyTorch output"
    return record


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
def test_same_padding_matches_torch(rng):
    torch = _torch()
    F = torch.nn.functional
    x = rng.standard_normal((1, 2, 7, 6))
    for (kh, kw), (dh, dw) in itertools.product([(1, 1), (2, 3), (4, 2), (3, 5)], [(1, 1), (1, 2), (3, 1)]):
        w, b = rng.standard_normal((3, 2, kh, kw)), rng.standard_normal(3)
        theirs = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding="same",
                          dilation=(dh, dw)).numpy()
        Ph, Pw = dh * (kh - 1), dw * (kw - 1)
        ours = cb.conv2d_forward(_pad(x, Ph // 2, Ph - Ph // 2, Pw // 2, Pw - Pw // 2), w, b, dilation=(dh, dw))
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
        if Ph % 2 or Pw % 2:  # an odd total: the other split differs, so the test tells them apart
            other = cb.conv2d_forward(_pad(x, Ph - Ph // 2, Ph // 2, Pw - Pw // 2, Pw // 2), w, b, dilation=(dh, dw))
            assert not np.allclose(other, theirs)
    with pytest.raises(RuntimeError, match="not supported for strided convolutions"):
        F.conv2d(torch.tensor(x), torch.tensor(rng.standard_normal((1, 2, 2, 2))), padding="same", stride=2)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
def test_notebook_01_pytorch_record_is_what_torch_returns():
    torch = _torch()
    F = torch.nn.functional
    record = pytorch_record("01-shapes-and-sliding-windows.ipynb")
    x = torch.arange(1.0, 17.0, dtype=torch.float64).reshape(1, 1, 4, 4)
    got = F.conv2d(x, torch.ones(1, 1, 2, 2, dtype=torch.float64), padding="same")[0, 0]
    assert set(record) == {"conv2d(arange(1, 17) 4×4, ones 2×2, padding='same')"}
    np.testing.assert_array_equal(got.numpy(), record["conv2d(arange(1, 17) 4×4, ones 2×2, padding='same')"])


POOL_SWEEP = [((2, 2, H, W), k, s, p) for (H, W), k, s, p in itertools.product(
    [(5, 5), (6, 7), (2, 3), (7, 4)], [1, 2, 3, (3, 2), (2, 4)], [None, 1, 2, 3, (2, 3)], [0, 1, (1, 0), (0, 2)])]


@pytest.mark.torch
def test_pooling_ceil_mode_and_count_include_pad_match_torch():
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    checked = refused = 0
    for shape, k, s, p in POOL_SWEEP:
        kk = (k, k) if isinstance(k, int) else k
        pp = (p, p) if isinstance(p, int) else p
        if pp[0] > kk[0] // 2 or pp[1] > kk[1] // 2:
            continue  # both libraries refuse padding above half the kernel
        x = rng.integers(-2, 3, size=shape).astype(float)  # many ties
        for ceil_mode in (False, True):
            tx = torch.tensor(x, requires_grad=True)
            try:
                tout = F.max_pool2d(tx, k, s if s is not None else k, p, ceil_mode=ceil_mode)
            except RuntimeError:  # PyTorch finds no window: so must we
                with pytest.raises(ValueError, match="does not fit|leaves no pooling window"):
                    cb.maxpool2d_forward(x, k, s, p, ceil_mode=ceil_mode)
                refused += 1
                continue
            dout = rng.standard_normal(tuple(tout.shape))
            tout.backward(torch.tensor(dout))
            for fwd in (cb.maxpool2d_forward, cb.maxpool2d_forward_naive):
                np.testing.assert_array_equal(fwd(x, k, s, p, ceil_mode=ceil_mode), tout.detach().numpy())
            for bwd in (cb.maxpool2d_backward, cb.maxpool2d_backward_naive):
                np.testing.assert_allclose(bwd(dout, x, k, s, p, ceil_mode=ceil_mode), tx.grad.numpy(),
                                           rtol=1e-12, atol=1e-12)
            for cip in (True, False):
                tx = torch.tensor(x, requires_grad=True)
                tout = F.avg_pool2d(tx, k, s if s is not None else k, p, ceil_mode=ceil_mode, count_include_pad=cip)
                tout.backward(torch.tensor(dout))
                kw = dict(ceil_mode=ceil_mode, count_include_pad=cip)
                # a sum of at most 8 small integers divided once: rounding only (~1e-16)
                for fwd in (cb.avgpool2d_forward, cb.avgpool2d_forward_naive):
                    np.testing.assert_allclose(fwd(x, k, s, p, **kw), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
                for bwd in (cb.avgpool2d_backward, cb.avgpool2d_backward_naive):
                    np.testing.assert_allclose(bwd(dout, x, k, s, p, **kw), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
            checked += 1
    assert checked > 400 and refused > 0


@pytest.mark.torch
def test_notebook_07_pytorch_record_is_what_torch_returns():
    torch = _torch()
    F = torch.nn.functional
    record = pytorch_record("07-pooling-backprop.ipynb")
    x25 = torch.arange(25.0, dtype=torch.float64).reshape(1, 1, 5, 5)
    ones = torch.ones(1, 1, 6, 6, dtype=torch.float64)
    expected = {
        "max_pool2d(arange(25) 5×5, 2, ceil_mode=True)": F.max_pool2d(x25, 2, ceil_mode=True),
        "36 × avg_pool2d(ones 6×6, 3, 2, 1, ceil_mode=True)": 36 * F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True),
        "36 × avg_pool2d(ones 6×6, 3, 2, 1, ceil_mode=True, count_include_pad=False)":
            36 * F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        "36 × avg_pool2d(ones 6×6, 3, 2, 1)": 36 * F.avg_pool2d(ones, 3, 2, 1),
        "36 × avg_pool2d(ones 6×6, 3, 2, 1, count_include_pad=False)":
            36 * F.avg_pool2d(ones, 3, 2, 1, count_include_pad=False),
    }
    assert set(record) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(value[0, 0].numpy(), record[key], rtol=1e-14, err_msg=key)


@pytest.mark.torch
def test_one_by_one_convolution_matches_torch(rng):
    torch = _torch()
    x, w, b = rng.standard_normal((2, 5, 6, 7)), rng.standard_normal((3, 5, 1, 1)), rng.standard_normal(3)
    for s in (1, 2):
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=s).numpy()
        np.testing.assert_allclose(np.einsum("fc,nchw->nfhw", w[:, :, 0, 0], x[:, :, ::s, ::s]) + b[None, :, None, None],
                                   theirs, rtol=1e-10, atol=1e-10)

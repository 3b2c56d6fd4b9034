"""Cross-check against PyTorch's CPU layers, when PyTorch is installed (optional extra).

PyTorch is the reference whose semantics the package promises: floor output sizes, dilation,
max pooling's first-maximum tie rule, average pooling counting padded zeros. It is never a
default dependency (see pyproject.toml): `make test-torch` installs it and runs this file, and
every test run says loudly when this file was skipped.
"""

import numpy as np
import pytest

import conv_backprop as cb

pytestmark = pytest.mark.torch
torch = pytest.importorskip(
    "torch", reason="PyTorch NOT INSTALLED: the cross-check against PyTorch did not run "
                    "(pip install '.[torch]' to run it)")
F = torch.nn.functional

CONV = [
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1, 1),
    ((1, 2, 9, 8), (3, 2, 3, 2), (2, 3), (1, 0), (2, 1)),
    ((2, 2, 8, 8), (2, 2, 2, 2), 3, 0, 1),
    ((1, 1, 5, 6), (1, 1, 3, 3), 1, 4, 2),
]


@pytest.mark.parametrize("xs, ws, s, p, d", CONV)
def test_conv_matches_torch(xs, ws, s, p, d):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = F.conv2d(tx, tw, tb, stride=s, padding=p, dilation=d)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(cb.conv2d_forward(x, w, b, s, p, d), tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    for backward in (cb.conv2d_backward_naive, cb.conv2d_backward, cb.conv2d_backward_flipped):
        for got, t in zip(backward(dout, x, w, s, p, d), (tx, tw, tb)):
            np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-10, atol=1e-10)


POOL = [((2, 3, 7, 7), 2, None, 0), ((1, 2, 7, 8), 3, 2, 1), ((2, 1, 9, 7), (3, 2), (2, 1), (1, 0)), ((1, 2, 5, 5), 2, 1, 0)]


@pytest.mark.parametrize("xs, k, s, p", POOL)
def test_pooling_matches_torch_including_ties(xs, k, s, p):
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, size=xs).astype(float)  # many ties
    for ours_f, ours_b, theirs in (
        (cb.maxpool2d_forward, cb.maxpool2d_backward, F.max_pool2d),
        (cb.avgpool2d_forward, cb.avgpool2d_backward, F.avg_pool2d),
    ):
        tx = torch.tensor(x, requires_grad=True)
        tout = theirs(tx, k, s, p)
        dout = rng.standard_normal(tuple(tout.shape))
        tout.backward(torch.tensor(dout))
        np.testing.assert_allclose(ours_f(x, k, s, p), tout.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours_b(dout, x, k, s, p), tx.grad.numpy(), rtol=1e-12, atol=1e-12)

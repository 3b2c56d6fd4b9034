"""The backward pass of a convolution is a transposed convolution, with ``output_padding``.

Notebook 05 ("The size of `x` is not in `dout`: output_padding") derives it:
``dx = conv_transpose2d(dout, w, stride, padding, output_padding=a, dilation)`` where, per axis,
``a = (H + 2p − E) mod s`` (``E = d(k − 1) + 1``) is the number of padded rows the forward pass
left unused after its last window: V. Dumoulin and F. Visin's *a* in "A guide to convolution
arithmetic for deep learning" (https://arxiv.org/abs/1603.07285). Without it the transposed
convolution returns ``a`` rows too few whenever the stride drops rows, because two input sizes
share one output size.

Oracles: brute force over the windows (the formula for ``a`` and the size), a transposed
convolution written literally as a scatter (no torch), and PyTorch's ``conv_transpose2d`` (tests
marked ``torch``, skipped loudly without it).

Tolerances: the package's dx and either reference add the same K = F·HH·WW products per entry in
a different order, so they agree to about K·ε relative (docs/testing.md: ``rtol = 1e-10`` leaves a
margin above 1e4); entries that cancel to near zero get ``atol = 1e-10``, far above K·ε·max|term|
≈ 1e-13 for these sizes.
"""

import itertools

import numpy as np
import pytest

import conv_backprop as cb


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def unused_by_brute_force(size, k, s, p, d):
    """Rows of the padded input after the last row any window reads (or None: no window fits)."""
    E = d * (k - 1) + 1
    starts = [i * s for i in range(size + 2 * p) if i * s + E <= size + 2 * p]
    if not starts:
        return None, 0
    last_read = max(start + u * d for start in starts for u in range(k))
    return size + 2 * p - 1 - last_read, len(starts)


def output_padding(x_hw, kernel_hw, stride, padding, dilation):
    """The per-axis ``a = (H + 2p − E) mod s`` of notebook 05."""
    return tuple((n + 2 * p - (d * (k - 1) + 1)) % s
                 for n, k, s, p, d in zip(x_hw, kernel_hw, _pair(stride), _pair(padding), _pair(dilation)))


def transposed_size(n_out, k, s, p, d, a):
    """Size of a transposed convolution's output (Dumoulin & Visin, relationship for a strided,
    padded convolution): ``(n_out − 1)s − 2p + d(k − 1) + 1 + a``."""
    return (n_out - 1) * s - 2 * p + d * (k - 1) + 1 + a


def conv_transpose2d_scatter(dout, w, stride, padding, output_padding, dilation):
    """A transposed convolution written literally: every dout entry scatters ``dout · w`` onto the
    padded rows and columns its window covered, then the padding ring is cut off."""
    (sh, sw), (ph, pw), (ah, aw), (dh, dw) = (_pair(v) for v in (stride, padding, output_padding, dilation))
    N, F, Ho, Wo = dout.shape
    _, C, HH, WW = w.shape
    H = transposed_size(Ho, HH, sh, ph, dh, ah)
    W = transposed_size(Wo, WW, sw, pw, dw, aw)
    padded = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for n, f, i, j in itertools.product(range(N), range(F), range(Ho), range(Wo)):
        for u, v in itertools.product(range(HH), range(WW)):
            padded[n, :, i * sh + u * dh, j * sw + v * dw] += dout[n, f, i, j] * w[f, :, u, v]
    return padded[:, :, ph : ph + H, pw : pw + W]


# (x shape, w shape, stride, padding, dilation): stride that drops rows, columns, both, neither
CASES = [
    ((1, 1, 6, 5), (1, 1, 3, 3), 2, 1, 1),          # 6 rows: one row unused, 5 columns: none
    ((2, 3, 7, 8), (4, 3, 3, 2), (2, 3), (1, 0), 1),
    ((1, 2, 9, 9), (3, 2, 2, 2), 3, 0, 1),          # stride 3 > kernel 2: gaps and a dropped row
    ((2, 2, 8, 7), (2, 2, 3, 3), 2, 2, 2),          # dilation 2
    ((1, 1, 5, 5), (2, 1, 3, 3), 2, 1, 1),          # nothing dropped: a = 0 on both axes
    ((1, 2, 10, 9), (2, 2, 3, 2), (3, 2), (2, 1), (1, 2)),
]


def test_cases_cover_dropped_and_undropped_rows():
    pads = [output_padding(xs[2:], ws[2:], s, p, d) for xs, ws, s, p, d in CASES]
    assert any(max(a) > 0 for a in pads) and any(max(a) == 0 for a in pads), pads


def test_output_padding_formula_against_brute_force():
    checked = dropped = 0
    for size, k, s, p, d in itertools.product(range(1, 14), range(1, 5), range(1, 5), range(0, 3), range(1, 3)):
        a, n_out = unused_by_brute_force(size, k, s, p, d)
        if a is None:
            continue
        geometry = cb.explain_geometry(size, k, stride=s, padding=p, dilation=d).height
        assert n_out == cb.conv_output_size(size, k, s, p, d)
        assert a == (size + 2 * p - (d * (k - 1) + 1)) % s == geometry.unused
        assert 0 <= a < s, "output_padding must be smaller than the stride"
        assert transposed_size(n_out, k, s, p, d, a) == size
        if a > 0 and size - a >= 1:                 # two input sizes, one output size
            assert cb.conv_output_size(size - a, k, s, p, d) == n_out
            assert transposed_size(n_out, k, s, p, d, 0) == size - a != size
            dropped += 1
        checked += 1
    assert checked > 1000 and dropped > 100, (checked, dropped)


@pytest.mark.parametrize("xs, ws, s, p, d", CASES)
def test_dx_is_the_scatter_transposed_convolution_with_output_padding(xs, ws, s, p, d, margins):
    rng = np.random.default_rng(13)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    dout = rng.standard_normal(cb.conv2d_forward(x, w, np.zeros(ws[0]), s, p, d).shape)
    dx = cb.conv2d_backward(dout, x, w, s, p, d)[0]
    a = output_padding(xs[2:], ws[2:], s, p, d)
    margins.close("dx vs scatter transposed convolution", conv_transpose2d_scatter(dout, w, s, p, a, d), dx,
                  rtol=1e-10, atol=1e-10)
    without = conv_transpose2d_scatter(dout, w, s, p, 0, d)
    assert without.shape[2:] == (xs[2] - a[0], xs[3] - a[1])
    assert (without.shape == dx.shape) == (a == (0, 0))


@pytest.mark.torch
@pytest.mark.parametrize("xs, ws, s, p, d", CASES)
def test_dx_matches_torch_conv_transpose2d_with_output_padding(xs, ws, s, p, d, margins):
    torch = pytest.importorskip(
        "torch", reason="PyTorch NOT INSTALLED: the conv_transpose2d cross-check did not run "
                        "(pip install '.[torch]' to run it)")
    F = torch.nn.functional
    rng = np.random.default_rng(14)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    dout = rng.standard_normal(cb.conv2d_forward(x, w, np.zeros(ws[0]), s, p, d).shape)
    a = output_padding(xs[2:], ws[2:], s, p, d)
    tdout, tw = torch.tensor(dout), torch.tensor(w)           # weight (F, C, HH, WW): in = F, out = C
    theirs = F.conv_transpose2d(tdout, tw, stride=s, padding=p, output_padding=a, dilation=d).numpy()
    for backward in (cb.conv2d_backward, cb.conv2d_backward_naive, cb.conv2d_backward_flipped):
        margins.close(f"{backward.__name__} dx vs torch conv_transpose2d", backward(dout, x, w, s, p, d)[0], theirs,
                      rtol=1e-10, atol=1e-10)
    without = F.conv_transpose2d(tdout, tw, stride=s, padding=p, dilation=d)
    assert tuple(without.shape[2:]) == (xs[2] - a[0], xs[3] - a[1])
    assert (tuple(without.shape) == xs) == (a == (0, 0))

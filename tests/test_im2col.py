"""im2col against a literal loop, and col2im as its adjoint."""

import numpy as np
import pytest

import conv_backprop as cb

CASES = [
    ((2, 3, 5, 5), 3, 1, 1, 1),
    ((1, 2, 7, 6), (3, 2), (2, 3), (1, 0), 1),
    ((2, 1, 9, 9), 3, 2, 2, 2),
    ((1, 2, 8, 8), 2, 3, 0, 1),  # stride > kernel
]


def loop_im2col(x, k, s, p, d):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = [(v, v) if isinstance(v, int) else v for v in (k, s, p, d)]
    N, C, H, W = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((C * kh * kw, N * Ho * Wo))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                col = (n * Ho + i) * Wo + j
                for c in range(C):
                    for a in range(kh):
                        for b in range(kw):
                            cols[(c * kh + a) * kw + b, col] = xpad[n, c, i * sh + a * dh, j * sw + b * dw]
    return cols


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_im2col_matches_loops(shape, k, s, p, d, rng):
    x = rng.standard_normal(shape)
    np.testing.assert_array_equal(cb.im2col(x, k, s, p, d), loop_im2col(x, k, s, p, d))


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_col2im_is_the_adjoint(shape, k, s, p, d, rng):
    x = rng.standard_normal(shape)
    cols = cb.im2col(x, k, s, p, d)
    c = rng.standard_normal(cols.shape)
    # ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for every x and c
    assert np.isclose(np.sum(cols * c), np.sum(x * cb.col2im(c, shape, k, s, p, d)))


def test_col2im_accumulates_overlaps():
    # 1×1×4×4 input, 3×3 kernel, stride 1: the centre entries are covered by 4 windows.
    count = cb.col2im(np.ones((9, 4)), (1, 1, 4, 4), 3)
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], dtype=float)
    np.testing.assert_array_equal(count[0, 0], expected)
    # so col2im(im2col(x)) = x · coverage: an adjoint, not an inverse
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(cb.col2im(cb.im2col(x, 3), x.shape, 3), x * count)


def test_forward_is_one_matrix_product(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    cols = cb.im2col(x, (3, 2), 2, 1)
    out = (w.reshape(4, -1) @ cols + b[:, None]).reshape(4, 2, 3, 3).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(out, cb.conv2d_forward_naive(x, w, b, 2, 1), rtol=1e-12, atol=1e-12)


def test_col2im_validates(rng):
    with pytest.raises(ValueError, match=r"cols must have shape \(9, 4\)"):
        cb.col2im(np.ones((9, 5)), (1, 1, 4, 4), 3)
    with pytest.raises(ValueError, match="x_shape must be 4 positive ints"):
        cb.col2im(np.ones((9, 4)), (1, 4, 4), 3)
    with pytest.raises(ValueError, match="cols must be 2-D"):
        cb.col2im(np.ones(9), (1, 1, 4, 4), 3)

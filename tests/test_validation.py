"""Every public function validates before computing, with messages that name the parameter,
the value received and what was expected."""

import numpy as np
import pytest

import conv_backprop as cb

X = np.zeros((2, 3, 5, 5))
W = np.zeros((4, 3, 3, 3))
B = np.zeros(4)
DOUT = np.zeros((2, 4, 3, 3))
CONV_BACKWARDS = [cb.conv2d_backward_naive, cb.conv2d_backward, cb.conv2d_backward_flipped, cb.conv2d_dx_by_indices]
CONV_FORWARDS = [cb.conv2d_forward_naive, cb.conv2d_forward]


@pytest.mark.parametrize("fwd", CONV_FORWARDS)
def test_forward_errors(fwd):
    with pytest.raises(ValueError, match=r"b must have shape \(4,\) \(F,\).*got \(3,\)"):
        fwd(X, W, np.zeros(3))
    with pytest.raises(ValueError, match=r"b must be 1-D"):
        fwd(X, W, np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"w must be 4-D with layout \(F, C, HH, WW\); got shape \(3, 3, 3\)"):
        fwd(X, np.zeros((3, 3, 3)), B)
    with pytest.raises(TypeError, match="x must hold real numbers.*got dtype object"):
        fwd(np.full((1, 3, 5, 5), None), W, B)
    with pytest.raises(TypeError, match="w must hold real numbers.*got dtype complex128"):
        fwd(X, W.astype(complex), B)
    with pytest.raises(TypeError, match="stride must be an int or an \\(h, w\\) pair of ints; got 1.5"):
        fwd(X, W, B, stride=1.5)


@pytest.mark.parametrize("bwd", CONV_BACKWARDS)
def test_backward_errors(bwd):
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4, 3, 3\).*got \(2, 4, 5, 5\)"):
        bwd(np.zeros((2, 4, 5, 5)), X, W)
    with pytest.raises(ValueError, match=r"dout must be 4-D"):
        bwd(np.zeros((4, 3, 3)), X, W)
    with pytest.raises(ValueError, match=r"w has 2 input channels .* x has 3"):
        bwd(DOUT, X, np.zeros((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"the kernel w \(shape \(4, 3, 7, 3\)\) does not fit"):
        bwd(DOUT, X, np.zeros((4, 3, 7, 3)))


def test_ragged_and_string_input():
    with pytest.raises(TypeError, match="x must be a numeric array"):
        cb.conv2d_forward([[1, 2], [3]], W, B)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        cb.maxpool2d_forward(np.full((1, 1, 2, 2), "a"), 2)


def test_errors_raise_before_any_work_and_leave_inputs_alone():
    x = np.ones((1, 3, 5, 5))
    with pytest.raises(ValueError):
        cb.conv2d_backward(np.ones((1, 4, 9, 9)), x, W)
    assert np.all(x == 1)


def test_every_public_name_is_exported_and_documented():
    assert cb.__all__, "the public API must not be empty"
    for name in cb.__all__:
        obj = getattr(cb, name)
        assert obj.__doc__ and len(obj.__doc__) > 20, name
    for name in ["conv2d_forward_naive", "conv2d_backward_naive", "conv2d_forward", "conv2d_backward",
                 "conv2d_backward_flipped", "im2col", "col2im", "maxpool2d_forward", "maxpool2d_backward",
                 "avgpool2d_forward", "avgpool2d_backward"]:
        doc = getattr(cb, name).__doc__
        assert "notebooks/" in doc and "(N, C, H, W)" in doc, name


def test_pool_and_im2col_leave_inputs_alone():
    rng = np.random.default_rng(5)
    x = rng.integers(-2, 3, size=(2, 2, 6, 5)).astype(float)
    dout = rng.standard_normal((2, 2, 4, 3))
    cols = rng.standard_normal((2 * 9, 2 * 3 * 3))
    copies = [a.copy() for a in (x, dout, cols)]
    for fwd in (cb.maxpool2d_forward, cb.avgpool2d_forward, cb.maxpool2d_forward_naive, cb.avgpool2d_forward_naive):
        fwd(x, 2, padding=1)
    for ties in ("first", "split"):
        cb.maxpool2d_backward(dout, x, 2, padding=1, ties=ties)
        cb.maxpool2d_backward_naive(dout, x, 2, padding=1, ties=ties)
    cb.avgpool2d_backward(dout, x, 2, padding=1)
    cb.avgpool2d_backward_naive(dout, x, 2, padding=1)
    cb.im2col(x, 3, 2, 1)
    cb.col2im(cols, x.shape, 3, 2, 1)
    for a, c in zip((x, dout, cols), copies):
        np.testing.assert_array_equal(a, c)

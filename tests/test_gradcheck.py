"""The gradient-checking tools, on functions whose gradients are known in closed form."""

import numpy as np
import pytest

import conv_backprop as cb


def test_numerical_gradient_of_known_functions(rng, margins):
    eps = np.finfo(np.float64).eps
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    # f(x) = x³ elementwise. The centred difference of a cubic is exact up to its h² term:
    # ((x+h)³ − (x−h)³)/(2h) = 3x² + h², so numerical_gradient must return (3x² + h²)·dout up to
    # rounding, ε·S/h with S = Σ|x³·dout| (the size of the summed loss).
    h = 1e-5
    num = cb.numerical_gradient(lambda v: v**3, x, dout, h)
    floor = eps * np.sum(np.abs(x**3 * dout)) / h
    # threshold: 100 rounding floors (a forward difference would be off by h·|3x·dout| ≈ 1e-5)
    margins.below("x³: |num − (3x² + h²)·dout| in rounding floors",
                  np.abs(num - (3 * x**2 + h**2) * dout).max() / floor, 100.0)
    margins.below("x³: |num − 3x²·dout|, truncation h²·|dout| plus rounding",
                  np.abs(num - 3 * x**2 * dout).max(), 100 * (h**2 * np.abs(dout).max() + floor))
    # f(x) = A @ x (a matrix) → gradient Aᵀ @ dout. Linear: no truncation error at any h, and the
    # rounding ε·S/h shrinks as h grows; h = 1 gives about 1e-15.
    A = rng.standard_normal((5, 3))
    d5 = rng.standard_normal((5, 4))
    margins.below("A @ x", cb.rel_error(cb.numerical_gradient(lambda v: A @ v, x, d5, h=1.0), A.T @ d5), 1e-10)


def test_numerical_gradient_leaves_input_alone(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    cb.numerical_gradient(np.sin, x, np.ones(5))
    np.testing.assert_array_equal(x, before)


def test_rel_error_definition():
    a, b = np.array([1.0, 0.0, 2.0]), np.array([1.0, 0.0, 1.0])
    assert cb.rel_error(a, b) == pytest.approx(1 / 3)  # |2 − 1| / (2 + 1)
    assert cb.rel_error(np.zeros(3), np.zeros(3)) == 0.0  # the 1e-8 floor avoids 0/0
    with pytest.raises(ValueError, match="same shape"):
        cb.rel_error(np.zeros(2), np.zeros(3))


def test_gradcheck_reports_worst_entry(rng):
    x = rng.standard_normal((2, 3))
    dout = np.ones((2, 3))
    good = cb.gradcheck(np.sin, x, np.cos(x), dout, name="dx")
    assert good.passed and bool(good) and "PASS dx" in str(good)
    wrong = np.cos(x)
    wrong[1, 2] += 0.5  # one broken entry
    bad = cb.gradcheck(np.sin, x, wrong, dout, name="dx")
    assert not bad.passed and bad.worst_index == (1, 2)
    assert bad.analytic == pytest.approx(wrong[1, 2]) and bad.numeric == pytest.approx(np.cos(x[1, 2]))
    assert "FAIL dx" in str(bad) and "(1, 2)" in str(bad)


def test_bad_arguments():
    with pytest.raises(TypeError, match="f must be a callable"):
        cb.numerical_gradient(3, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="h must be a positive number; got 0"):
        cb.numerical_gradient(np.sin, np.ones(2), np.ones(2), h=0)
    with pytest.raises(ValueError, match=r"dout must have the shape of f\(x\), \(2,\); got \(3,\)"):
        cb.numerical_gradient(np.sin, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="analytic must have the shape of x"):
        cb.gradcheck(np.sin, np.ones(2), np.ones(3), np.ones(2))

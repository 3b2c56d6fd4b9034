"""Numerical gradients and the relative error used to compare them with analytic ones.

Derived in ``notebooks/08-gradient-checking.ipynb``.

For a function ``f`` with upstream gradient ``dout``, the scalar ``L(x) = Σ f(x) · dout`` has
gradient ``∂L/∂x`` — exactly what a layer's backward pass returns for that ``dout``. Centred
differences estimate it with error O(h²):

    ∂L/∂x[k] ≈ (L(x + h·e_k) − L(x − h·e_k)) / (2h)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_real

__all__ = ["numerical_gradient", "rel_error", "gradcheck", "GradcheckResult"]


def numerical_gradient(f, x, dout, h=1e-5) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    Parameters
    ----------
    f : callable taking an array shaped like ``x`` and returning an array shaped like ``dout``.
    x : array (any shape); computed in float64 on a copy, never modified.
    dout : array of the shape of ``f(x)``.
    h : step size, a finite positive real number (float64: 1e-5 balances truncation and
        rounding error).

    Returns
    -------
    float64 array of the shape of ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable; got {type(f).__name__}")
    h = as_real(h, "h")
    x = np.array(as_array(x, "x", None, "(any shape)"), dtype=np.float64)  # a copy: never touched
    dout = as_array(dout, "dout", None, "(the shape of f(x))").astype(np.float64, copy=False)
    out_shape = np.shape(f(x))
    if out_shape != dout.shape:
        raise ValueError(f"dout must have the shape of f(x), {out_shape}; got {dout.shape}")
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        plus = np.sum(f(x) * dout)
        x[k] = old - h
        minus = np.sum(f(x) * dout)
        x[k] = old
        grad[k] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``max(|a − b| / max(1e-8, |a| + |b|))``.

    The floor 1e-8 keeps entries where both are (almost) zero from dividing by zero.
    """
    a = as_array(a, "a", None, "(any shape)").astype(np.float64, copy=False)
    b = as_array(b, "b", None, "(the shape of a)").astype(np.float64, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of :func:`gradcheck`: the worst entry and where it is."""

    name: str
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    tol: float

    @property
    def passed(self) -> bool:
        return self.max_rel_error < self.tol

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict} {self.name}: max relative error {self.max_rel_error:.1e} "
            f"(tolerance {self.tol:.0e}) at index {self.worst_index}: "
            f"analytic {self.analytic:.6g}, numeric {self.numeric:.6g}"
        )

    __repr__ = __str__


def gradcheck(f, x, analytic, dout, h=1e-5, tol=1e-7, name="gradient") -> GradcheckResult:
    """Compare an analytic gradient with :func:`numerical_gradient` and report the worst entry.

    Parameters
    ----------
    f, x, dout, h : as in :func:`numerical_gradient`.
    analytic : array shaped like ``x``, the gradient your backward pass returned for ``dout``.
    tol : largest relative error that passes, a finite positive real number (1e-7 suits float64).
    name : what is checked, shown in the report (e.g. ``"dx"``).

    Returns
    -------
    :class:`GradcheckResult`; truthy when it passes, printable as a one-line report.
    """
    tol = as_real(tol, "tol")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {name!r}")
    analytic = as_array(analytic, "analytic", None, "(the shape of x)").astype(np.float64, copy=False)
    numeric = numerical_gradient(f, x, dout, h)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic must have the shape of x, {numeric.shape}; got {analytic.shape}")
    err = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
    worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
    worst = tuple(int(i) for i in worst)
    return GradcheckResult(
        name=name,
        max_rel_error=float(err.max()) if err.size else 0.0,
        worst_index=worst,
        analytic=float(analytic[worst]) if err.size else 0.0,
        numeric=float(numeric[worst]) if err.size else 0.0,
        tol=tol,
    )

"""Exercises of ``notebooks/09-layers-of-a-tiny-cnn.ipynb``: backward passes of the non-convolutional
layers, the softmax-cross-entropy gradient, and He initialisation.

Each ``check_*`` runs the learner's function on hidden cases and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`. The references are the package's layer
objects (:mod:`conv_backprop.layers`); the ``solution_*`` functions are written independently.
"""

from __future__ import annotations

import numpy as np

from ..layers import Linear, ReLU, SoftmaxCrossEntropy, fans
from .checking import Case, Mistake, check_function, checker, exercise_help

__all__ = [
    "solution_relu_backward",
    "check_relu_backward",
    "solution_linear_backward",
    "check_linear_backward",
    "solution_softmax_ce_grad",
    "check_softmax_ce_grad",
    "solution_he_std",
    "check_he_std",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- 1. ReLU backward


def solution_relu_backward(dout, x):
    """dx of ``out = max(x, 0)``: dout where x > 0, else 0 (also at x = 0). Any shape."""
    dx = np.array(dout, dtype=np.float64)
    dx[np.asarray(x) <= 0] = 0.0
    return dx


def _reference_relu_backward(dout, x):
    layer = ReLU()
    layer.forward(x)
    return layer.backward(dout)


def _relu_cases():
    rng = np.random.default_rng(901)
    x_zeros = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]])
    x4 = rng.standard_normal((2, 3, 4, 5))
    x4[0, 1, 2, :] = 0.0  # a row sitting exactly on the kink
    return [
        Case("2×3 matrix with exact zeros in x (the kink: gradient 0 there)",
             (rng.standard_normal((2, 3)), x_zeros)),
        Case("batch of 2, 3 channels, 4×5 maps (N, C, H, W), one row of exact zeros",
             (rng.standard_normal((2, 3, 4, 5)), x4)),
        Case("every x negative: nothing gets through", (rng.standard_normal((3, 4)), -rng.random((3, 4)) - 0.1)),
        Case("every x positive: dout passes unchanged", (rng.standard_normal((4, 2)), rng.random((4, 2)) + 0.1)),
        Case("random 1-D vector, dout not all ones", (rng.standard_normal(7) * 3, rng.standard_normal(7))),
    ]


@checker
def check_relu_backward(fn):
    """Check ``fn(dout, x) → dx`` (shape of x) for a ReLU."""
    def at_zero(dout, x):
        dx = np.array(dout, dtype=np.float64)
        dx[np.asarray(x) < 0] = 0.0
        return dx

    mistakes = [
        Mistake("the gradient let through at x = 0: ReLU's derivative is taken as 0 there (x > 0 "
                "passes, x ≤ 0 does not)", at_zero),
        Mistake("dout passed through unchanged: ReLU blocks the gradient where x ≤ 0",
                lambda dout, x: np.array(dout, dtype=np.float64)),
        Mistake("the mask returned without dout: dx = dout where x > 0",
                lambda dout, x: (np.asarray(x) > 0).astype(float)),
    ]
    return check_function("ReLU backward", fn, _reference_relu_backward, _relu_cases(), mistakes=mistakes)


# --------------------------------------------------------------------------- 2. Linear backward


def solution_linear_backward(dout, x, w):
    """Gradients of ``out = x @ w.T + b``: x (N, D), w (M, D), dout (N, M) → dx (N, D), dw (M, D), db (M,)."""
    dout = np.asarray(dout, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    N, D = x.shape
    M = w.shape[0]
    dx = np.zeros((N, D))
    dw = np.zeros((M, D))
    db = np.zeros(M)
    for n in range(N):
        for m in range(M):  # out[n, m] = Σ_d x[n, d] w[m, d] + b[m]
            dx[n] += dout[n, m] * w[m]
            dw[m] += dout[n, m] * x[n]
            db[m] += dout[n, m]
    return dx, dw, db


def _reference_linear_backward(dout, x, w):
    layer = Linear(w.shape[1], w.shape[0], rng=np.random.default_rng(0))
    layer.w[...] = w
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.dw.copy(), layer.db.copy()


def _linear_cases():
    rng = np.random.default_rng(902)

    def case(desc, N, D, M):
        return Case(desc, (rng.standard_normal((N, M)), rng.standard_normal((N, D)), rng.standard_normal((M, D))))

    return [
        case("one example (N=1), D=4 inputs, M=3 outputs", 1, 4, 3),
        case("batch N=5, D=7, M=3: dw and db sum over the batch", 5, 7, 3),
        case("square weights (D = M = 4): a transposed dw has the right shape but wrong values", 3, 4, 4),
        case("more outputs than inputs: D=2, M=6", 4, 2, 6),
        case("batch N=8, D=10, M=10", 8, 10, 10),
    ]


@checker
def check_linear_backward(fn):
    """Check ``fn(dout, x, w) → (dx, dw, db)`` for ``out = x @ w.T + b``."""
    def transposed(dout, x, w):
        dx, dw, db = _reference_linear_backward(dout, x, w)
        return dx, dw.T, db

    def averaged(dout, x, w):
        dx, dw, db = _reference_linear_backward(dout, x, w)
        return dx, dw / len(x), db / len(x)

    mistakes = [
        Mistake("a transposed result: dw has the shape of w, (M, D), so it is doutᵀ @ x, not xᵀ @ dout",
                transposed),
        Mistake("averaged over the batch instead of summed (off by a factor of N): the loss "
                "function's own 1/N is already in dout", averaged),
    ]
    return check_function("Linear backward", fn, _reference_linear_backward, _linear_cases(),
                          names=("dx", "dw", "db"), mistakes=mistakes)


# --------------------------------------------------------------------------- 3. softmax + CE


def solution_softmax_ce_grad(scores, labels):
    """∂L/∂scores of the mean cross-entropy ``L = −(1/N) Σ_n log softmax(scores[n])[labels[n]]``.

    scores (N, K), labels (N,) ints → (N, K) equal to ``(p − onehot(labels)) / N``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    N, K = scores.shape
    e = np.exp(scores - scores.max(axis=1, keepdims=True))  # stable: the largest exponent is 0
    p = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(K)[np.asarray(labels)]
    return (p - onehot) / N


def _reference_softmax_ce_grad(scores, labels):
    loss = SoftmaxCrossEntropy()
    loss.forward(scores, labels)
    return loss.backward()


def _softmax_cases():
    rng = np.random.default_rng(903)
    return [
        Case("one example (N=1), K=3 classes", (rng.standard_normal((1, 3)), np.array([2]))),
        Case("batch N=4, K=10: the mean over the batch divides by N",
             (rng.standard_normal((4, 10)) * 2, np.array([0, 9, 3, 3]))),
        Case("huge scores (around 1000): exp overflows unless you subtract each row's maximum",
             (1000 + rng.standard_normal((3, 5)) * 5, np.array([1, 4, 0]))),
        Case("two classes, all scores equal: p = 1/2 everywhere", (np.zeros((2, 2)), np.array([0, 1]))),
        Case("N=6, K=4 (not square: a softmax over the wrong axis shows)",
             (rng.standard_normal((6, 4)) * 3, np.array([3, 2, 1, 0, 0, 2]))),
    ]


@checker
def check_softmax_ce_grad(fn):
    """Check ``fn(scores, labels) → dscores`` (N, K), the gradient of the mean loss."""
    def summed(scores, labels):
        return _reference_softmax_ce_grad(scores, labels) * len(scores)

    def wrong_axis(scores, labels):
        scores = np.asarray(scores, dtype=np.float64)
        e = np.exp(scores - scores.max(axis=0, keepdims=True))
        p = e / e.sum(axis=0, keepdims=True)
        return (p - np.eye(scores.shape[1])[np.asarray(labels)]) / len(scores)

    mistakes = [
        Mistake("the gradient of the summed loss (off by a factor of N): the loss is the mean over "
                "the batch, so divide by N", summed),
        Mistake("the softmax taken over the wrong axis: normalise each row (axis=1), one example's scores",
                wrong_axis),
    ]
    return check_function("softmax cross-entropy gradient", fn, _reference_softmax_ce_grad, _softmax_cases(),
                          mistakes=mistakes)


# --------------------------------------------------------------------------- 4. He init


def solution_he_std(w_shape):
    """Standard deviation of He initialisation for a weight of shape (M, D) or (F, C, HH, WW):
    ``sqrt(2 / fan_in)`` with fan_in = D or C·HH·WW."""
    fan_in = w_shape[1] if len(w_shape) == 2 else w_shape[1] * w_shape[2] * w_shape[3]
    return float(np.sqrt(2.0 / fan_in))


def _reference_he_std(w_shape):
    return float(np.sqrt(2.0 / fans(w_shape)[0]))


@checker
def check_he_std(fn):
    """Check ``fn(w_shape) → std`` of He initialisation."""
    cases = [
        Case("conv weights (16, 1, 3, 3): fan_in is C·HH·WW = 9", ((16, 1, 3, 3),)),
        Case("conv weights (32, 16, 3, 3): fan_in = 144, not F·HH·WW", ((32, 16, 3, 3),)),
        Case("non-square kernel (8, 3, 5, 2)", ((8, 3, 5, 2),)),
        Case("linear weights (10, 128): fan_in is D = 128, the second axis", ((10, 128),)),
        Case("linear weights (64, 3): more outputs than inputs", ((64, 3),)),
    ]
    def fan_out(w_shape):
        fan = w_shape[0] if len(w_shape) == 2 else w_shape[0] * w_shape[2] * w_shape[3]
        return float(np.sqrt(2.0 / fan))

    mistakes = [
        Mistake("the fan-out instead of the fan-in: He uses the inputs of one output, C·HH·WW "
                "(or D), not F·HH·WW", fan_out),
        Mistake("sqrt(1 / fan_in) (LeCun's): He's is sqrt(2 / fan_in), the 2 making up for ReLU "
                "zeroing half the values", lambda w_shape: _reference_he_std(w_shape) / np.sqrt(2.0)),
        Mistake("the variance 2 / fan_in instead of its square root", lambda w_shape: _reference_he_std(w_shape) ** 2),
    ]
    return check_function("He standard deviation", fn, _reference_he_std, cases, mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "relu_backward": (
        "ReLU passes x through where x > 0 and outputs 0 elsewhere. Its derivative is 1 where it "
        "passes and 0 where it blocks.",
        "So dx is dout where x > 0 and 0 where x ≤ 0 (at exactly 0 the workbook takes 0). Copy dout "
        "first; do not change the caller's array.",
        "dx = np.array(dout, dtype=float); dx[np.asarray(x) <= 0] = 0.0; return dx",
    ),
    "linear_backward": (
        "out[n, m] = Σ_d x[n, d]·w[m, d] + b[m]. For each gradient, ask which terms contain that "
        "variable and with which factor.",
        "x[n, d] meets w[m, d] in out[n, m] for every m; w[m, d] meets x[n, d] for every n (sum "
        "over the batch); b[m] is in every out[n, m]. Check each result's shape against its variable's.",
        "dx = dout @ w; dw = dout.T @ x; db = dout.sum(axis=0)",
    ),
    "softmax_ce_grad": (
        "Compute the probabilities p = softmax(scores) row by row. The gradient of −log p[label] with "
        "respect to the scores is p minus the one-hot label.",
        "Subtract each row's maximum before np.exp (it does not change softmax, and avoids overflow). "
        "The loss is the mean over N examples, so divide by N.",
        "N, K = scores.shape; e = np.exp(scores - scores.max(axis=1, keepdims=True)); "
        "p = e / e.sum(axis=1, keepdims=True); return (p - np.eye(K)[labels]) / N",
    ),
    "he_std": (
        "He initialisation draws weights with variance 2 / fan_in. What is the fan-in of one output?",
        "The fan-in counts the inputs one output reads: D for a (M, D) linear weight; C·HH·WW for a "
        "(F, C, HH, WW) kernel. The standard deviation is the square root of the variance.",
        "fan_in = w_shape[1] if len(w_shape) == 2 else w_shape[1] * w_shape[2] * w_shape[3]; "
        "return float(np.sqrt(2.0 / fan_in))",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

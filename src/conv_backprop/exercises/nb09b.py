"""Exercises of ``notebooks/09b-train-a-tiny-cnn.ipynb``: one step of SGD with momentum, the
confusion matrix, and the response of learned filters to probe images.

Each ``check_*`` runs the learner's function on hidden cases and returns a
:class:`~conv_backprop.exercises.checking.CheckReport`. The references are the package's own
code (:class:`conv_backprop.layers.SGD`, ``np.bincount``, :func:`conv_backprop.conv2d_forward`);
the ``solution_*`` functions are written independently.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward
from ..layers import SGD, Parameter
from .checking import Case, Mistake, check_function, checker, exercise_help

__all__ = [
    "solution_sgd_momentum_step",
    "check_sgd_momentum_step",
    "solution_confusion_matrix",
    "check_confusion_matrix",
    "solution_filter_responses",
    "check_filter_responses",
    "hint",
    "solution",
    "progress",
]


# --------------------------------------------------------------------------- 1. SGD with momentum


def solution_sgd_momentum_step(value, grad, velocity, lr, momentum, weight_decay):
    """One step of SGD with momentum and weight decay for one parameter (any shape).

    ``velocity ← momentum·velocity − lr·(grad + weight_decay·value)``, then
    ``value ← value + velocity``. Returns ``(new_value, new_velocity)``; the inputs are not changed.
    """
    value = np.asarray(value, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * value
    new_velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * g
    return value + new_velocity, new_velocity


def _reference_sgd_step(value, grad, velocity, lr, momentum, weight_decay):
    p = Parameter("value", np.array(value, dtype=np.float64), np.array(grad, dtype=np.float64))
    opt = SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay)
    opt.velocity[0][...] = velocity
    opt.step()
    return p.value, opt.velocity[0]


def _sgd_cases():
    rng = np.random.default_rng(9021)

    def case(desc, shape, lr, momentum, weight_decay, zero_velocity=False):
        velocity = np.zeros(shape) if zero_velocity else rng.standard_normal(shape) * 0.1
        return Case(desc, (rng.standard_normal(shape), rng.standard_normal(shape), velocity,
                           lr, momentum, weight_decay))

    return [
        case("first step (velocity 0), weight decay 0.1: the decay term counts from the start",
             (3, 4), 0.05, 0.9, 0.1, zero_velocity=True),
        case("a velocity from earlier steps, momentum 0.9: the new velocity is used for the step",
             (5,), 0.1, 0.9, 0.0),
        case("momentum 0 and no decay: plain gradient descent, value − lr·grad", (2, 3), 0.2, 0.0, 0.0),
        case("conv weights (4, 1, 5, 5), momentum 0.9, weight decay 1e-3", (4, 1, 5, 5), 0.05, 0.9, 1e-3),
        case("a large learning rate 1.0 and weight decay 0.5", (6,), 1.0, 0.5, 0.5),
    ]


@checker
def check_sgd_momentum_step(fn):
    """Check ``fn(value, grad, velocity, lr, momentum, weight_decay) → (new_value, new_velocity)``."""
    def no_decay(value, grad, velocity, lr, momentum, weight_decay):
        return _reference_sgd_step(value, grad, velocity, lr, momentum, 0.0)

    def old_velocity(value, grad, velocity, lr, momentum, weight_decay):
        _, new_velocity = _reference_sgd_step(value, grad, velocity, lr, momentum, weight_decay)
        return np.asarray(value) + np.asarray(velocity), new_velocity

    def uphill(value, grad, velocity, lr, momentum, weight_decay):
        return _reference_sgd_step(value, -np.asarray(grad) - 2 * weight_decay * np.asarray(value),
                                   velocity, lr, momentum, weight_decay)

    mistakes = [
        Mistake("weight decay left out: the step follows grad + weight_decay·value, a pull towards 0",
                no_decay),
        Mistake("the value moved by the old velocity: update the velocity first, then add the new one",
                old_velocity),
        Mistake("a step up the gradient: the velocity subtracts lr·(grad + weight_decay·value)", uphill),
    ]
    return check_function("SGD with momentum, one step", fn, _reference_sgd_step, _sgd_cases(),
                          names=("new_value", "new_velocity"), mistakes=mistakes)


# --------------------------------------------------------------------------- 2. confusion matrix


def solution_confusion_matrix(targets, predictions, n_classes):
    """(n_classes, n_classes) ints: entry (i, j) counts the examples of class i predicted as j."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(targets, predictions):
        matrix[t, p] += 1
    return matrix


def _reference_confusion_matrix(targets, predictions, n_classes):
    flat = np.asarray(targets) * n_classes + np.asarray(predictions)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _confusion_cases():
    rng = np.random.default_rng(9022)
    t = rng.integers(0, 4, 40)
    p = np.where(rng.random(40) < 0.7, t, rng.integers(0, 4, 40))
    return [
        Case("every prediction right, each class twice: the diagonal counts 2",
             (np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 2, 0, 1, 2]), 3)),
        Case("class 0 predicted as 1 three times: entry (0, 1) is 3, not 1",
             (np.array([0, 0, 0, 1, 2]), np.array([1, 1, 1, 1, 2]), 3)),
        Case("rows are targets, columns predictions: 2 → 0 twice, 0 → 2 never",
             (np.array([2, 2, 0, 1]), np.array([0, 0, 0, 1]), 3)),
        Case("a class that never appears: the matrix still has n_classes = 5 rows",
             (np.array([0, 1, 1, 3]), np.array([0, 1, 3, 3]), 5)),
        Case("40 random examples, 4 classes, about 70% right", (t, p, 4)),
    ]


@checker
def check_confusion_matrix(fn):
    """Check ``fn(targets, predictions, n_classes) → (n_classes, n_classes)`` counts."""
    def transposed(targets, predictions, n_classes):
        return _reference_confusion_matrix(targets, predictions, n_classes).T

    def fancy_add(targets, predictions, n_classes):
        matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
        matrix[np.asarray(targets), np.asarray(predictions)] += 1
        return matrix

    mistakes = [
        Mistake("a transposed result: row i is the true class i, column j the prediction j", transposed),
        Mistake("repeated (target, prediction) pairs counted once: `m[t, p] += 1` with arrays of "
                "indices does not add twice at a repeated index; loop, or use np.add.at", fancy_add),
    ]
    return check_function("confusion matrix", fn, _reference_confusion_matrix, _confusion_cases(),
                          mistakes=mistakes)


# --------------------------------------------------------------------------- 3. filter responses


def solution_filter_responses(w, b, images):
    """How strongly each filter responds to each image.

    w (F, 1, HH, WW) with odd HH, WW; b (F,); images (K, H, W). Returns (F, K): the largest
    value of filter f's feature map on image k after the ReLU, with 'same' padding
    ((HH − 1)/2 rows, (WW − 1)/2 columns of zeros), stride 1.
    """
    w = np.asarray(w, dtype=np.float64)
    images = np.asarray(images, dtype=np.float64)
    F, _, HH, WW = w.shape
    K, H, W = images.shape
    ph, pw = (HH - 1) // 2, (WW - 1) // 2
    responses = np.zeros((F, K))
    for k in range(K):
        padded = np.pad(images[k], ((ph, ph), (pw, pw)))
        for f in range(F):
            best = 0.0                                    # the ReLU: a map is never below 0
            for i in range(H):
                for j in range(W):
                    z = np.sum(padded[i:i + HH, j:j + WW] * w[f, 0]) + b[f]
                    best = max(best, z)
            responses[f, k] = best
    return responses


def _reference_filter_responses(w, b, images):
    w = np.asarray(w, dtype=np.float64)
    pad = ((w.shape[2] - 1) // 2, (w.shape[3] - 1) // 2)
    maps = conv2d_forward(np.asarray(images, dtype=np.float64)[:, None], w, np.asarray(b, dtype=np.float64),
                          padding=pad)
    return np.maximum(maps, 0).max(axis=(2, 3)).T


def _filter_cases():
    rng = np.random.default_rng(9023)
    w_never = rng.standard_normal((3, 1, 3, 3))
    b_never = np.array([0.5, -100.0, 0.2])                      # filter 1 never fires
    return [
        Case("one 3×3 filter, one 6×6 image, bias 0.3",
             (rng.standard_normal((1, 1, 3, 3)), np.array([0.3]), rng.standard_normal((1, 6, 6)))),
        Case("4 non-symmetric 5×5 filters, 3 images of 9×9: a rotated kernel gives other maxima",
             (rng.standard_normal((4, 1, 5, 5)), rng.standard_normal(4), rng.standard_normal((3, 9, 9)))),
        Case("a filter that never fires (bias −100): its response is 0 after the ReLU",
             (w_never, b_never, rng.standard_normal((2, 7, 7)))),
        Case("non-square 3×5 filters, 2 filters, 5 images of 8×10: the result is (F, K) = (2, 5)",
             (rng.standard_normal((2, 1, 3, 5)), rng.standard_normal(2), rng.standard_normal((5, 8, 10)))),
        Case("one bright corner pixel and a centre-tap filter: only a padded window puts the "
             "corner under the centre tap",
             (np.pad(np.ones((1, 1, 1, 1)), ((0, 0), (0, 0), (1, 1), (1, 1))), np.zeros(1),
              np.pad(np.ones((1, 1, 1)), ((0, 0), (0, 5), (0, 5))))),
    ]


@checker
def check_filter_responses(fn):
    """Check ``fn(w, b, images) → (F, K)``: each filter's largest ReLU output on each image."""
    def rotated(w, b, images):
        return _reference_filter_responses(np.asarray(w)[:, :, ::-1, ::-1], b, images)

    def no_bias(w, b, images):
        return _reference_filter_responses(w, np.zeros_like(np.asarray(b, dtype=np.float64)), images)

    def no_relu(w, b, images):
        w = np.asarray(w, dtype=np.float64)
        pad = ((w.shape[2] - 1) // 2, (w.shape[3] - 1) // 2)
        maps = conv2d_forward(np.asarray(images, dtype=np.float64)[:, None], w, np.asarray(b, dtype=np.float64),
                              padding=pad)
        return maps.max(axis=(2, 3)).T

    def valid_only(w, b, images):
        w = np.asarray(w, dtype=np.float64)
        maps = conv2d_forward(np.asarray(images, dtype=np.float64)[:, None], w, np.asarray(b, dtype=np.float64))
        return np.maximum(maps, 0).max(axis=(2, 3)).T

    mistakes = [
        Mistake("the kernel rotated by 180° (a true convolution): the layer computes a "
                "cross-correlation, w[u, v] meets the pixel at (i + u, j + v)", rotated),
        Mistake("the bias left out: each feature map is w ⋆ image + b[f]", no_bias),
        Mistake("the ReLU left out: a filter that never fires has response 0, not a negative number",
                no_relu),
        Mistake("no padding: with 'same' padding the windows at the border count too", valid_only),
    ]
    return check_function("filter responses", fn, _reference_filter_responses, _filter_cases(),
                          mistakes=mistakes)


# --------------------------------------------------------------------------- help on demand

HINTS = {
    "sgd_momentum_step": (
        "Two lines: first the new velocity, then the new value. The weight decay adds "
        "weight_decay·value to the gradient.",
        "velocity_new = momentum·velocity − lr·(grad + weight_decay·value); the value then moves by "
        "velocity_new (the new one, not the old). Work on copies: do not change the inputs in place.",
        "g = grad + weight_decay * value; v = momentum * velocity - lr * g; return value + v, v",
    ),
    "confusion_matrix": (
        "Start from an (n_classes, n_classes) array of zeros; each example adds 1 to one entry.",
        "The entry is (target, prediction): row = the true class, column = the predicted one. With "
        "arrays of indices, `m[t, p] += 1` adds only once per repeated pair: loop, or use np.add.at.",
        "m = np.zeros((n_classes, n_classes), dtype=int); np.add.at(m, (targets, predictions), 1); return m",
    ),
    "filter_responses": (
        "For each image and each filter: the feature map (a cross-correlation with 'same' padding, "
        "plus the bias), then the ReLU, then the largest value of the map.",
        "Pad each image with (HH − 1)/2 rows and (WW − 1)/2 columns of zeros; window (i, j) is "
        "padded[i:i + HH, j:j + WW]; z = Σ window·w[f, 0] + b[f]; the response is max(0, largest z).",
        "pad = ((HH - 1) // 2, (WW - 1) // 2); maps = cb.conv2d_forward(images[:, None], w, b, padding=pad); "
        "return np.maximum(maps, 0).max(axis=(2, 3)).T",
    ),
}

hint, solution, progress = exercise_help(__name__, HINTS)

"""Layer objects built on the package's functions, a container, optimisers and a training loop.

Taught in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``, where a small CNN built only from these
layers is gradient-checked end to end, and ``notebooks/09b-train-a-tiny-cnn.ipynb``, where one is
trained on oriented bars and its filters are read.

Every layer has the same small interface:

* ``forward(x)`` computes the output and caches what ``backward`` needs;
* ``backward(dout)`` takes ``dout = ∂L/∂out`` (the shape of the output), stores the gradients of
  the layer's parameters and returns ``dx = ∂L/∂x`` (the shape of the input);
* ``parameters()`` returns a list of :class:`Parameter` (name, value, grad); ``params()`` and
  ``grads()`` return the same arrays as dicts keyed by name.

Values and gradients are updated **in place** (``self.w[...] = ...``, ``self.dw[...] = ...``):
an optimiser holds references to these arrays, so they must never be rebound.

Shapes (notation of notebook 00): x (N, C, H, W), w (F, C, HH, WW) (with ``groups`` G:
(F, C/G, HH, WW)), b (F,), out (N, F, H_out, W_out); a kernel tap is (u, v), 0 ≤ u < HH,
0 ≤ v < WW. A fully connected layer maps (N, D) to (N, M) with weights (M, D), out-features first
like a convolution's filters.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_pair, check_ties, is_int
from .conv import conv2d_backward, conv2d_forward
from .gradcheck import GradcheckResult, gradcheck
from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

__all__ = [
    "Parameter",
    "Layer",
    "Conv2D",
    "DepthwiseSeparable2D",
    "ReLU",
    "MaxPool2D",
    "AvgPool2D",
    "Flatten",
    "Linear",
    "SoftmaxCrossEntropy",
    "Sequential",
    "SGD",
    "Adam",
    "fans",
    "he_normal",
    "glorot_uniform",
    "predict",
    "accuracy",
    "fit",
    "History",
    "gradcheck_model",
]


# --------------------------------------------------------------------------- validation helpers


def _positive_int(value, name: str) -> int:
    if not is_int(value):  # ints, numpy integers and 0-d integer arrays; never bools
        raise TypeError(f"{name} must be a positive int; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int (1 or more); got {value!r}")
    return int(value)


def _positive_float(value, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # a 0-d array counts as its number
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        need = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a finite {need} number; got {value!r}")
    return float(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a seeded numpy Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be np.float32 or np.float64; got {dtype!r}") from exc
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be np.float32 or np.float64; got {dtype!r}")
    return dt


def _need_cache(layer, value):
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward: run forward(x) first")
    return value


def _check_dout(dout, expected_shape, layer) -> np.ndarray:
    dout = as_array(dout, "dout", len(expected_shape), "shaped like the layer's output")
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"{type(layer).__name__}.backward: dout must have the shape of the forward output, "
            f"{tuple(expected_shape)}; got {dout.shape}"
        )
    return dout


# --------------------------------------------------------------------------- initialisation


def fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight array.

    * Linear weights (M, D): fan_in = D, fan_out = M.
    * Conv weights (F, C, HH, WW): fan_in = C·HH·WW (inputs one output reads),
      fan_out = F·HH·WW (outputs one input reaches, ignoring borders and stride).
      A grouped layer's weights (F, C/G, HH, WW) give fan_in = (C/G)·HH·WW, which is exact; its
      true fan_out is (F/G)·HH·WW, but the shape does not say G, so F·HH·WW is returned, as
      PyTorch's initialisers do too (only Glorot uses fan_out).

    Explained in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        return shape[1], shape[0]
    if len(shape) == 4:
        F, C, HH, WW = shape
        return C * HH * WW, F * HH * WW
    raise ValueError(f"shape must be (M, D) or (F, C, HH, WW); got {shape}")


def he_normal(shape, rng, dtype=np.float64) -> np.ndarray:
    """He (Kaiming) initialisation: normal with variance ``2 / fan_in``.

    A ReLU zeroes half of its inputs, halving the mean square of the signal; doubling the
    Glorot-style variance ``1 / fan_in`` compensates, so the signal's scale neither shrinks nor
    grows with depth. ``shape`` is (M, D) or (F, C, HH, WW); ``rng`` a seeded ``np.random.Generator``.

    Derived in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """
    rng = _check_rng(rng)
    fan_in, _ = fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(_check_dtype(dtype))


def glorot_uniform(shape, rng, dtype=np.float64) -> np.ndarray:
    """Glorot (Xavier) initialisation: uniform on ``±sqrt(6 / (fan_in + fan_out))``.

    Its variance ``2 / (fan_in + fan_out)`` balances the forward signal (wants ``1 / fan_in``) and
    the backward gradient (wants ``1 / fan_out``) for layers without a ReLU (e.g. the last,
    linear layer before the softmax). ``shape`` is (M, D) or (F, C, HH, WW).

    Derived in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """
    rng = _check_rng(rng)
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(_check_dtype(dtype))


_INITS = {"he": he_normal, "glorot": glorot_uniform}


def _init_weights(shape, init, rng, dtype):
    if init not in _INITS:
        raise ValueError(f"init must be 'he' or 'glorot'; got {init!r}")
    return _INITS[init](shape, rng, dtype)


# --------------------------------------------------------------------------- layers


@dataclass(eq=False)
class Parameter:
    """A trainable array and its gradient (same shape), both updated in place."""

    name: str
    value: np.ndarray
    grad: np.ndarray


class Layer:
    """Base class: a layer without parameters. Subclasses override forward and backward."""

    def forward(self, x):  # pragma: no cover - overridden
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - overridden
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        return []

    def params(self) -> dict:
        """``{name: value}`` of every parameter (the arrays themselves, not copies)."""
        return {p.name: p.value for p in self.parameters()}

    def grads(self) -> dict:
        """``{name: grad}`` of every parameter, as filled in by the last ``backward``."""
        return {p.name: p.grad for p in self.parameters()}

    def __call__(self, x):
        return self.forward(x)


class Conv2D(Layer):
    """Convolution layer (cross-correlation) over NCHW inputs.

    Weights ``w`` (F, C/groups, HH, WW) from :func:`he_normal` (``init="he"``, default) or
    :func:`glorot_uniform`; bias ``b`` (F,) zero. ``groups`` (default 1) splits the C input
    channels and the F filters into that many groups, each filter reading only its group's
    C/groups channels; ``groups=in_channels`` is a depthwise convolution.

    forward:  x (N, C, H, W) → out (N, F, H_out, W_out) with :func:`conv2d_forward`.
    backward: dout (N, F, H_out, W_out) → dx (N, C, H, W) with :func:`conv2d_backward`; stores
    ``dw`` (F, C/groups, HH, WW) and ``db`` (F,).

    Derived in ``notebooks/02-forward-3d-dot-product.ipynb`` to ``06-vectorising-im2col.ipynb``;
    used in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``; groups in
    ``notebooks/12-grouped-and-depthwise.ipynb``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 *, rng, init="he", dtype=np.float64, groups=1):
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.dilation = as_pair(dilation, "dilation", minimum=1)
        self.groups = _positive_int(groups, "groups")
        for name, count in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if count % self.groups:
                raise ValueError(f"groups={self.groups} must divide {name}={count}; it does not "
                                 f"(each group needs {name}/groups channels)")
        dtype = _check_dtype(dtype)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.w = _init_weights(shape, init, _check_rng(rng), dtype)
        self.b = np.zeros(self.out_channels, dtype=dtype)
        self.dw = np.zeros_like(self.w)
        self.db = np.zeros_like(self.b)
        self.x = None  # cached input of the last forward

    def forward(self, x):
        x = as_array(x, "x", 4, "(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2D expects x with {self.in_channels} channels (x.shape[1]); got x.shape={x.shape}"
            )
        self.x = x.astype(self.w.dtype, copy=False)
        # keep the im2col matrix for backward (HH·WW times the input's memory until then)
        self._cols = {}
        return conv2d_forward(self.x, self.w, self.b, self.stride, self.padding, self.dilation,
                              cache=self._cols, groups=self.groups)

    def backward(self, dout):
        x = _need_cache(self, self.x)
        dx, dw, db = conv2d_backward(dout, x, self.w, self.stride, self.padding, self.dilation,
                                     cache=getattr(self, "_cols", None), groups=self.groups)
        self.dw[...] = dw
        self.db[...] = db
        return dx

    def parameters(self):
        return [Parameter("w", self.w, self.dw), Parameter("b", self.b, self.db)]

    def __repr__(self):
        hh, ww = self.kernel_size
        return (f"Conv2D({self.in_channels}→{self.out_channels}, kernel {hh}×{ww}, "
                f"stride {_fmt_pair(self.stride)}, padding {_fmt_pair(self.padding)}"
                + (f", dilation {_fmt_pair(self.dilation)}" if self.dilation != (1, 1) else "")
                + (f", groups {self.groups}" if self.groups != 1 else "") + ")")


class DepthwiseSeparable2D(Layer):
    """A depthwise-separable convolution: a depthwise layer, then a 1×1 (pointwise) layer.

    * ``depthwise``: :class:`Conv2D` (C → C·multiplier, kernel HH×WW, ``groups=C``): each input
      channel is filtered on its own by ``multiplier`` kernels.
    * ``pointwise``: :class:`Conv2D` (C·multiplier → F, kernel 1×1): mixes the channels at each
      pixel.

    The pair is linear, like one :class:`Conv2D` (C → F, HH×WW), whose weights it restricts to
    ``w[f, c, u, v] = Σ_m p[f, c·multiplier + m] · k[c·multiplier + m, u, v]`` (p the pointwise
    and k the depthwise weights) for about ``1/F + 1/(HH·WW)`` of the multiply-adds and
    parameters (multiplier 1). MobileNets (Howard et al. 2017) build whole networks from such
    blocks, each half followed by batch normalisation and a ReLU; here, put a :class:`ReLU`
    after the block (or use two Conv2D layers with a ReLU between) as you need.

    forward: x (N, C, H, W) → (N, F, H_out, W_out); backward: the pointwise layer's backward,
    then the depthwise layer's (the chain rule). ``parameters()`` are named ``depthwise.w``,
    ``depthwise.b``, ``pointwise.w``, ``pointwise.b``.

    Derived in ``notebooks/12-grouped-and-depthwise.ipynb``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 *, rng, multiplier=1, init="he", dtype=np.float64):
        in_channels = _positive_int(in_channels, "in_channels")
        multiplier = _positive_int(multiplier, "multiplier")
        rng = _check_rng(rng)
        self.depthwise = Conv2D(in_channels, in_channels * multiplier, kernel_size, stride, padding,
                                dilation, rng=rng, init=init, dtype=dtype, groups=in_channels)
        self.pointwise = Conv2D(in_channels * multiplier, out_channels, 1, rng=rng, init=init, dtype=dtype)

    def forward(self, x):
        return self.pointwise.forward(self.depthwise.forward(x))

    def backward(self, dout):
        return self.depthwise.backward(self.pointwise.backward(dout))

    def parameters(self):
        return [Parameter(f"{part}.{p.name}", p.value, p.grad)
                for part in ("depthwise", "pointwise")
                for p in getattr(self, part).parameters()]

    def __repr__(self):
        d = self.depthwise
        hh, ww = d.kernel_size
        m = d.out_channels // d.in_channels
        return (f"DepthwiseSeparable2D({d.in_channels}→{self.pointwise.out_channels}, kernel {hh}×{ww}, "
                f"stride {_fmt_pair(d.stride)}, padding {_fmt_pair(d.padding)}"
                + (f", dilation {_fmt_pair(d.dilation)}" if d.dilation != (1, 1) else "")
                + (f", multiplier {m}" if m != 1 else "") + ")")


def _fmt_pair(p):
    return str(p[0]) if p[0] == p[1] else f"{p}"


class ReLU(Layer):
    """``out = max(x, 0)`` elementwise, any shape.

    backward: ``dx = dout · [x > 0]``. At exactly ``x = 0`` (the kink) the gradient is taken as 0,
    the usual convention (PyTorch's too). Explained in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"x must hold real numbers; got dtype {x.dtype}")
        self.mask = x > 0
        return np.where(self.mask, x, 0).astype(np.result_type(x.dtype, np.float32), copy=False)

    def backward(self, dout):
        mask = _need_cache(self, self.mask)
        dout = _check_dout(dout, mask.shape, self)
        return dout * mask

    def __repr__(self):
        return "ReLU()"


class MaxPool2D(Layer):
    """Max pooling: x (N, C, H, W) → (N, C, H_out, W_out); backward routes dout to each window's
    maximum (:func:`maxpool2d_backward`, ``ties`` "first" or "split").

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ties="first"):
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.ties = check_ties(ties)
        self.x = None

    def forward(self, x):
        self.x = as_array(x, "x", 4, "(N, C, H, W)")
        return maxpool2d_forward(self.x, self.kernel_size, self.stride, self.padding)

    def backward(self, dout):
        x = _need_cache(self, self.x)
        return maxpool2d_backward(dout, x, self.kernel_size, self.stride, self.padding, self.ties)

    def __repr__(self):
        return f"MaxPool2D({_fmt_pair(self.kernel_size)}, stride {_fmt_pair(self.stride)})"


class AvgPool2D(Layer):
    """Average pooling: x (N, C, H, W) → (N, C, H_out, W_out); backward spreads each window's
    dout equally, ``dout / (HH·WW)`` (:func:`avgpool2d_backward`).

    Derived in ``notebooks/07-pooling-backprop.ipynb``.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.x = None

    def forward(self, x):
        self.x = as_array(x, "x", 4, "(N, C, H, W)")
        return avgpool2d_forward(self.x, self.kernel_size, self.stride, self.padding)

    def backward(self, dout):
        x = _need_cache(self, self.x)
        return avgpool2d_backward(dout, x, self.kernel_size, self.stride, self.padding)

    def __repr__(self):
        return f"AvgPool2D({_fmt_pair(self.kernel_size)}, stride {_fmt_pair(self.stride)})"


class Flatten(Layer):
    """x (N, d1, d2, …) → (N, d1·d2·…), row-major; backward reshapes dout back to x's shape."""

    def __init__(self):
        self.shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Flatten needs x with a batch axis and at least one more; got shape {x.shape}")
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        shape = _need_cache(self, self.shape)
        dout = _check_dout(dout, (shape[0], int(np.prod(shape[1:]))), self)
        return dout.reshape(shape)

    def __repr__(self):
        return "Flatten()"


class Linear(Layer):
    """Fully connected layer: x (N, D) → out = x @ wᵀ + b, (N, M), with w (M, D), b (M,).

    backward: ``dx = dout @ w`` (N, D), ``dw = doutᵀ @ x`` (M, D), ``db = Σ_n dout`` (M,);
    the batch is summed, as for a convolution. Weights from :func:`glorot_uniform` by default
    (``init="glorot"``; use ``"he"`` before a ReLU).

    Derived in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """

    def __init__(self, in_features, out_features, *, rng, init="glorot", dtype=np.float64):
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        dtype = _check_dtype(dtype)
        self.w = _init_weights((self.out_features, self.in_features), init, _check_rng(rng), dtype)
        self.b = np.zeros(self.out_features, dtype=dtype)
        self.dw = np.zeros_like(self.w)
        self.db = np.zeros_like(self.b)
        self.x = None

    def forward(self, x):
        if np.ndim(x) != 2:
            raise ValueError(
                f"Linear expects x of shape (N, {self.in_features}); got shape {np.shape(x)}"
                + (" (add a Flatten layer before it)" if np.ndim(x) > 2 else "")
            )
        x = as_array(x, "x", 2, "(N, D)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"Linear expects x of shape (N, {self.in_features}); got {x.shape}")
        self.x = x.astype(self.w.dtype, copy=False)
        return self.x @ self.w.T + self.b

    def backward(self, dout):
        x = _need_cache(self, self.x)
        dout = _check_dout(dout, (x.shape[0], self.out_features), self)
        self.dw[...] = dout.T @ x
        self.db[...] = dout.sum(axis=0)
        return dout @ self.w

    def parameters(self):
        return [Parameter("w", self.w, self.dw), Parameter("b", self.b, self.db)]

    def __repr__(self):
        return f"Linear({self.in_features}→{self.out_features})"


class SoftmaxCrossEntropy:
    """Mean cross-entropy of a softmax, and its gradient.

    forward(scores, labels): scores (N, K) real, labels (N,) ints in [0, K) →
    ``L = −(1/N) Σ_n log p[n, labels[n]]`` with ``p = softmax(scores)`` computed stably
    (subtract each row's maximum; log-sum-exp). Caches p.

    backward(dout=1.0) → dscores (N, K) = ``dout · (p − onehot(labels)) / N``.

    Derived in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """

    def __init__(self):
        self.p = None
        self.labels = None

    def forward(self, scores, labels):
        scores = as_array(scores, "scores", 2, "(N, K)")
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise TypeError(f"labels must be integers (class indices); got dtype {labels.dtype}")
        N, K = scores.shape
        if labels.shape != (N,):
            raise ValueError(f"labels must have shape (N,) = ({N},) to match scores {scores.shape}; got {labels.shape}")
        if N == 0:
            raise ValueError("scores must hold at least one example; got N = 0")
        if labels.min() < 0 or labels.max() >= K:
            raise ValueError(f"labels must lie in [0, {K}) for K = {K} classes; got values from {labels.min()} to {labels.max()}")
        scores = scores.astype(np.result_type(scores.dtype, np.float32), copy=False)
        shifted = scores - scores.max(axis=1, keepdims=True)  # every row's maximum becomes 0
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_p = shifted - log_norm
        self.p = np.exp(log_p)
        self.labels = labels
        return float(-log_p[np.arange(N), labels].mean())

    def backward(self, dout=1.0):
        p = _need_cache(self, self.p)
        if not isinstance(dout, numbers.Real) and np.ndim(dout) != 0:
            raise ValueError(f"dout must be a scalar (the loss is a scalar); got shape {np.shape(dout)}")
        N = p.shape[0]
        g = p.copy()
        g[np.arange(N), self.labels] -= 1
        return g * (float(dout) / N)

    def __call__(self, scores, labels):
        return self.forward(scores, labels)

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


class Sequential(Layer):
    """Layers applied in order: forward left to right, backward right to left (the chain rule).

    ``parameters()`` names each parameter ``"<layer index>.<name>"`` (e.g. ``"0.w"``).

    Derived in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for k, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(f"layer {k} must have forward and backward methods; got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        return [
            Parameter(f"{k}.{p.name}", p.value, p.grad)
            for k, layer in enumerate(self.layers)
            for p in layer.parameters()
        ]

    def summary(self, input_shape) -> str:
        """A table: each layer, its output shape for one example of ``input_shape`` (C, H, W),
        and its number of parameters."""
        x = np.zeros((1, *input_shape))
        # the layer column is 48 wide, wider when a layer's description needs it
        width = max([48] + [len(repr(layer)) + 2 for layer in self.layers])
        rows = [f"{'layer':<{width}}{'output shape':<14}{'parameters':>10}",
                f"{'input':<{width}}{str(tuple(input_shape)):<14}{'':>10}"]
        total = 0
        for layer in self.layers:
            x = layer.forward(x)
            count = sum(p.value.size for p in layer.parameters())
            total += count
            rows.append(f"{repr(layer):<{width}}{str(x.shape[1:]):<14}{count:>10}")
        rows.append(f"{'total':<{width + 14}}{total:>10}")
        return "\n".join(rows)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, k):
        return self.layers[k]

    def __repr__(self):
        inner = "".join(f"\n  ({k}) {layer!r}" for k, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


# --------------------------------------------------------------------------- optimisers


def _check_params(parameters) -> list[Parameter]:
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters is empty: pass model.parameters() of a model with trainable layers")
    for p in parameters:
        if not isinstance(p, Parameter):
            raise TypeError(f"parameters must be Parameter objects (from model.parameters()); got {type(p).__name__}")
    return parameters


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum and optional weight decay.

    ``v ← μ·v − lr·(grad + λ·value)``; ``value ← value + v`` (in place), for every parameter.
    With ``momentum=0`` this is plain ``value −= lr·grad``.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb``.
    """

    def __init__(self, parameters, lr=0.05, momentum=0.9, weight_decay=0.0):
        self.parameters = _check_params(parameters)
        self.lr = _positive_float(lr, "lr")
        self.momentum = _positive_float(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")
        self.weight_decay = _positive_float(weight_decay, "weight_decay", allow_zero=True)
        self.velocity = [np.zeros_like(p.value) for p in self.parameters]

    def step(self):
        for p, v in zip(self.parameters, self.velocity):
            g = p.grad + self.weight_decay * p.value if self.weight_decay else p.grad
            v *= self.momentum
            v -= self.lr * g
            p.value += v


class Adam:
    """Adam (Kingma & Ba, 2015): per-entry step sizes from running moments of the gradient.

    ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``, ``value −= lr·m̂ / (sqrt(v̂) + eps)`` with the
    bias-corrected ``m̂ = m/(1−β₁ᵗ)``, ``v̂ = v/(1−β₂ᵗ)``.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb``.
    """

    def __init__(self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.parameters = _check_params(parameters)
        self.lr = _positive_float(lr, "lr")
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2 and all(0 <= b < 1 for b in betas)):
            raise ValueError(f"betas must be a pair of numbers in [0, 1); got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _positive_float(eps, "eps")
        self.m = [np.zeros_like(p.value) for p in self.parameters]
        self.v = [np.zeros_like(p.value) for p in self.parameters]
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.parameters, self.m, self.v):
            m *= b1
            m += (1 - b1) * p.grad
            v *= b2
            v += (1 - b2) * p.grad**2
            m_hat = m / (1 - b1**self.t)
            v_hat = v / (1 - b2**self.t)
            p.value -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# --------------------------------------------------------------------------- training


def _blas_limit(threads):
    """Context manager limiting the BLAS threads (threadpoolctl, installed with scikit-learn);
    does nothing when threadpoolctl is missing."""
    threads = _positive_int(threads, "blas_threads")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")



def predict(model, x, batch_size=512) -> np.ndarray:
    """Class predictions (N,) ints: argmax of ``model.forward`` over x (N, …), in batches."""
    x = np.asarray(x)
    batch_size = _positive_int(batch_size, "batch_size")
    return np.concatenate([model.forward(x[k : k + batch_size]).argmax(axis=1)
                           for k in range(0, len(x), batch_size)])


def accuracy(model, x, y, batch_size=512) -> float:
    """Fraction of the N examples x (N, …) whose predicted class equals y (N,)."""
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(f"x and y must hold the same number of examples; got {len(x)} and {len(y)}")
    return float(np.mean(predict(model, x, batch_size) == y))


@dataclass
class History:
    """What :func:`fit` records: one entry per epoch (``step_loss``: one per mini-batch)."""

    loss: list
    train_accuracy: list
    val_accuracy: list
    step_loss: list


def fit(model, loss_fn, optimizer, x, y, *, epochs, batch_size, rng, x_val=None, y_val=None,
        lr_schedule=None, progress=False, blas_threads=1) -> History:
    """Train with mini-batch gradient descent; each epoch visits the examples in a new order.

    One step: ``scores = model.forward(xb)``; ``loss = loss_fn.forward(scores, yb)``;
    ``model.backward(loss_fn.backward())``; ``optimizer.step()``.

    Parameters
    ----------
    x : (N, C, H, W) training inputs, y : (N,) int labels.
    epochs, batch_size : positive ints.
    rng : seeded ``np.random.Generator`` for the shuffling (same seed, same run).
    x_val, y_val : optional validation set, evaluated after every epoch.
    lr_schedule : optional callable ``epoch → factor``; epoch ``e`` (0-based) runs with
        ``optimizer.lr = base_lr · lr_schedule(e)`` (e.g. a cosine decay to 0).
    progress : show a tqdm progress bar (``tqdm.auto``) with loss and accuracies.
    blas_threads : threads for the matrix products while training (via threadpoolctl, which
        scikit-learn installs). The products of a tiny CNN are small, so one thread is faster
        than several fighting over the cores. ``None`` leaves the setting alone.

    Returns
    -------
    :class:`History` of the mean training loss, training accuracy (on the mini-batches as they
    were seen) and validation accuracy per epoch.

    Used in ``notebooks/09b-train-a-tiny-cnn.ipynb``.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples; got {len(x)} and {len(y)}")
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither")
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    rng = _check_rng(rng)
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"lr_schedule must be a callable epoch → factor; got {lr_schedule!r}")
    if blas_threads is not None:
        with _blas_limit(blas_threads):
            return fit(model, loss_fn, optimizer, x, y, epochs=epochs, batch_size=batch_size, rng=rng,
                       x_val=x_val, y_val=y_val, lr_schedule=lr_schedule, progress=progress,
                       blas_threads=None)
    base_lr = optimizer.lr
    history = History([], [], [], [])
    bar = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        # no elapsed time or rate in the bar: a notebook stores its last state, and stored
        # outputs must not depend on the machine's speed
        bar = tqdm(bar, desc="training", unit="epoch", bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{postfix}")
    for epoch in bar:
        if lr_schedule is not None:
            optimizer.lr = base_lr * float(lr_schedule(epoch))
        order = rng.permutation(len(x))
        total, correct = 0.0, 0
        for k in range(0, len(x), batch_size):
            idx = order[k : k + batch_size]
            scores = model.forward(x[idx])
            loss = loss_fn.forward(scores, y[idx])
            model.backward(loss_fn.backward())
            optimizer.step()
            history.step_loss.append(loss)
            total += loss * len(idx)
            correct += int(np.sum(scores.argmax(axis=1) == y[idx]))
        history.loss.append(total / len(x))
        history.train_accuracy.append(correct / len(x))
        if x_val is not None:
            history.val_accuracy.append(accuracy(model, x_val, y_val))
        if progress:
            stats = {"loss": f"{history.loss[-1]:.3f}", "train acc": f"{history.train_accuracy[-1]:.3f}"}
            if history.val_accuracy:
                stats["val acc"] = f"{history.val_accuracy[-1]:.3f}"
            bar.set_postfix(stats)
    if lr_schedule is not None:
        optimizer.lr = base_lr
    return history


# --------------------------------------------------------------------------- gradient check


def gradcheck_model(model, loss_fn, x, y, h=1e-5, tol=1e-7, blas_threads=1) -> list[GradcheckResult]:
    """Check ``model.backward`` against finite differences of the loss, for every parameter and x.

    Runs forward + backward once for the analytic gradients, then for each parameter (and the
    input x (N, …)) perturbs every entry by ±h and compares with :func:`gradcheck`. Needs float64
    parameters; the model's values are restored afterwards. Cost: two forward passes per entry,
    so keep the model and the batch small.

    Returns one :class:`GradcheckResult` per parameter (named as in ``model.parameters()``) and a
    last one named ``"x"``.

    ``blas_threads`` as in :func:`fit` (one thread is fastest for these small products).

    Used in ``notebooks/09-layers-of-a-tiny-cnn.ipynb``.
    """
    if blas_threads is not None:
        with _blas_limit(blas_threads):
            return gradcheck_model(model, loss_fn, x, y, h, tol, blas_threads=None)
    params = model.parameters()
    for p in params:
        if p.value.dtype != np.float64:
            raise TypeError(
                f"gradcheck_model needs float64 parameters (float32 rounding swamps the finite "
                f"differences); parameter {p.name} is {p.value.dtype}. Build the model with dtype=np.float64"
            )
    x = np.array(x, dtype=np.float64)
    loss_fn.forward(model.forward(x), y)
    dx = np.array(model.backward(loss_fn.backward()), dtype=np.float64)
    analytic = {p.name: p.grad.copy() for p in params}
    one = np.array(1.0)
    results = []
    for p in params:
        saved = p.value.copy()

        def loss_of_param(v, p=p):
            p.value[...] = v
            return np.array(loss_fn.forward(model.forward(x), y))

        try:
            results.append(gradcheck(loss_of_param, saved, analytic[p.name], one, h, tol, name=p.name))
        finally:
            p.value[...] = saved
    results.append(gradcheck(lambda v: np.array(loss_fn.forward(model.forward(v), y)), x, dx, one, h, tol, name="x"))
    return results

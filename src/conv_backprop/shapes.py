"""Output-size arithmetic for convolution and pooling windows.

Derived in ``notebooks/01-shapes-and-sliding-windows.ipynb``.

Along one axis, an input of ``size`` entries is padded with ``padding`` zeros on each side. A
kernel of ``kernel_size`` taps with dilation ``d`` spans ``extent = d·(kernel_size − 1) + 1``
entries. Windows start at ``0, s, 2s, …`` in the padded input and must fit inside it, so

    output_size = ⌊(size + 2·padding − extent) / stride⌋ + 1        (floor, as in PyTorch)

The last window may stop short of the padded input's end: those ``unused`` rows (or columns)
never meet the kernel, so the forward pass ignores them and their gradient is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ._validation import as_bool, as_int, as_pair, is_int

__all__ = ["AxisGeometry", "Geometry", "conv_output_size", "explain_geometry", "pool_output_size"]


@dataclass(frozen=True)
class AxisGeometry:
    """The sliding-window geometry along one axis (rows or columns).

    Attributes
    ----------
    axis : "height" or "width".
    size, kernel_size, stride, padding, dilation : the settings.
    padded_size : ``size + 2·padding``.
    extent : entries one window spans, ``dilation·(kernel_size − 1) + 1``.
    output_size : number of window positions (0 when invalid).
    unused : entries of the padded input after the last window (always < stride).
    starts : start index of each window in padded coordinates.
    reason : empty when valid, else a plain-language explanation.
    """

    axis: str
    size: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int

    def __post_init__(self):
        # Any integer is accepted (invalid values are explained by ``reason``, not raised); the
        # fields are stored as Python ints, so numpy integers cannot overflow in the arithmetic.
        if not isinstance(self.axis, str) or self.axis not in ("height", "width"):
            raise ValueError(f"axis must be 'height' or 'width'; got {self.axis!r}")
        for name in ("size", "kernel_size", "stride", "padding", "dilation"):
            object.__setattr__(self, name, as_int(getattr(self, name), name))

    @property
    def padded_size(self) -> int:
        return self.size + 2 * self.padding

    @property
    def extent(self) -> int:
        return self.dilation * (self.kernel_size - 1) + 1

    @cached_property  # the settings are frozen, so the explanation is computed once
    def reason(self) -> str:
        rows = "rows" if self.axis == "height" else "columns"
        checks = [
            (self.size >= 1, f"the input {self.axis} must be at least 1; it is {self.size}"),
            (self.kernel_size >= 1, f"the kernel {self.axis} must be at least 1; it is {self.kernel_size}"),
            (self.stride >= 1, f"the stride along the {self.axis} must be at least 1; it is {self.stride}"),
            (self.dilation >= 1, f"the dilation along the {self.axis} must be at least 1; it is {self.dilation}"),
            (self.padding >= 0, f"the padding along the {self.axis} cannot be negative; it is {self.padding}"),
        ]
        for ok, message in checks:
            if not ok:
                return message
        if self.extent > self.padded_size:
            taps = (
                f"{self.kernel_size} taps"
                if self.dilation == 1
                else f"{self.kernel_size} taps spread out by dilation {self.dilation}"
            )
            return (
                f"the kernel spans {self.extent} {rows} ({taps}) but the padded input has only "
                f"{self.padded_size} {rows} ({self.size} + 2·{self.padding}): the kernel overhangs by "
                f"{self.extent - self.padded_size} {rows[:-1] if self.extent - self.padded_size == 1 else rows}. "
                f"Make the kernel or the dilation smaller, or pad more."
            )
        return ""

    @property
    def valid(self) -> bool:
        return self.reason == ""

    @property
    def output_size(self) -> int:
        if not self.valid:
            return 0
        return (self.padded_size - self.extent) // self.stride + 1

    @property
    def starts(self) -> list[int]:
        return [i * self.stride for i in range(self.output_size)]

    @property
    def unused(self) -> int:
        # The last window starts at (output_size − 1)·stride = stride·⌊(padded − extent)/stride⌋
        # and ends at that + extent, so the remainder of that floor division is what is left over:
        # O(1), however many windows there are (never builds ``starts``).
        if not self.valid:
            return 0
        return (self.padded_size - self.extent) % self.stride

    def formula(self) -> str:
        """The output-size formula with the numbers filled in."""
        num = self.padded_size - self.extent
        ext = (
            f"{self.kernel_size}"
            if self.dilation == 1
            else f"({self.dilation}·({self.kernel_size}−1)+1)"
        )
        text = f"⌊({self.size} + 2·{self.padding} − {ext}) / {self.stride}⌋ + 1"
        if not self.valid:
            return text + "  (invalid: " + self.reason + ")"
        if num % self.stride:
            text += f" = ⌊{num}/{self.stride}⌋ + 1 = {num // self.stride} + 1"
        else:
            text += f" = {num // self.stride} + 1"
        return text + f" = {self.output_size}"


@dataclass(frozen=True)
class Geometry:
    """The geometry of a 2-D sliding window: one :class:`AxisGeometry` per axis."""

    height: AxisGeometry
    width: AxisGeometry

    @property
    def valid(self) -> bool:
        return self.height.valid and self.width.valid

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.height.output_size, self.width.output_size)

    @property
    def explanation(self) -> str:
        """Why the setting is invalid (empty when it is valid)."""
        return "; ".join(a.reason for a in (self.height, self.width) if a.reason)

    def __str__(self) -> str:
        lines = []
        for a in (self.height, self.width):
            name = "H_out" if a.axis == "height" else "W_out"
            lines.append(f"{name} = {a.formula()}")
            if a.valid:
                lines.append(
                    f"  kernel extent {a.extent}, padded {a.axis} {a.padded_size}, "
                    f"{a.unused} unused {'row' if a.axis == 'height' else 'column'}"
                    f"{'' if a.unused == 1 else 's'} after the last window"
                )
        return "\n".join(lines)


def _int_or_pair(value, name: str) -> tuple[int, int]:
    # Like as_pair but accepts any integer (validity is reported, not raised).
    return as_pair(value, name, minimum=-(10**18))


def explain_geometry(size, kernel_size, stride=1, padding=0, dilation=1) -> Geometry:
    """Explain the sliding-window geometry of a convolution (or pooling) over a 2-D input.

    Parameters
    ----------
    size : int or (H, W) — the input's spatial size.
    kernel_size, stride, padding, dilation : int or (h, w) pair.

    Returns
    -------
    Geometry with ``.height`` and ``.width`` (:class:`AxisGeometry`), ``.valid``,
    ``.output_shape`` and ``.explanation``. Invalid settings do not raise: the explanation says
    which quantity is wrong and by how much. Non-integer arguments raise ``TypeError``.

    Derived in ``notebooks/01-shapes-and-sliding-windows.ipynb``.
    """
    H, W = _int_or_pair(size, "size")
    kh, kw = _int_or_pair(kernel_size, "kernel_size")
    sh, sw = _int_or_pair(stride, "stride")
    ph, pw = _int_or_pair(padding, "padding")
    dh, dw = _int_or_pair(dilation, "dilation")
    return Geometry(
        AxisGeometry("height", H, kh, sh, ph, dh), AxisGeometry("width", W, kw, sw, pw, dw)
    )


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Number of window positions: ``⌊(size + 2·padding − dilation·(kernel_size−1) − 1)/stride⌋ + 1``.

    All arguments are ints, or ``(h, w)`` pairs; with any pair the result is an ``(H_out, W_out)``
    pair, otherwise an int. Raises ``ValueError`` naming the problem when the window does not fit
    (see :func:`explain_geometry` for an explanation that does not raise).

    Derived in ``notebooks/01-shapes-and-sliding-windows.ipynb``.

    >>> conv_output_size(5, 3, stride=1, padding=1)   # the CS231n post: (5 − 3 + 2·1)/1 + 1
    5
    """
    args = dict(size=size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    all_int = all(is_int(value) for value in args.values())  # 0-d integer arrays count as ints
    as_pair(size, "size", minimum=1)
    as_pair(kernel_size, "kernel_size", minimum=1)
    as_pair(stride, "stride", minimum=1)
    as_pair(padding, "padding", minimum=0)
    as_pair(dilation, "dilation", minimum=1)
    geom = explain_geometry(size, kernel_size, stride, padding, dilation)
    if not geom.valid:
        raise ValueError(f"kernel_size={kernel_size!r} does not fit: {geom.explanation}")
    return geom.output_shape[0] if all_int else geom.output_shape


def _pool_axis_size(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    if not ceil_mode:
        return (n + 2 * p - k) // s + 1
    out = -((k - n - 2 * p) // s) + 1  # ⌈(n + 2p − k)/s⌉ + 1 in exact integer arithmetic
    if (out - 1) * s >= n + p:  # the last window would start in the right padding: PyTorch drops it
        out -= 1
    return out


def pool_output_size(size, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Number of pooling windows along each axis, as PyTorch counts them.

    ``ceil_mode=False``: ``⌊(size + 2·padding − kernel_size)/stride⌋ + 1``, as for a convolution.
    ``ceil_mode=True``: ``⌈(size + 2·padding − kernel_size)/stride⌉ + 1``, minus one when the last
    window would start at or after ``size + padding`` in padded coordinates (inside the right
    padding); every window then starts inside the input or the left padding, and the last may
    hang past the padded input.

    ``stride`` defaults to ``kernel_size``. Ints, or ``(h, w)`` pairs (then the result is an
    ``(H_out, W_out)`` pair). Raises ``ValueError`` when no window remains.

    Derived in ``notebooks/07-pooling-backprop.ipynb``, section on ``ceil_mode``.

    >>> pool_output_size(5, 2), pool_output_size(5, 2, ceil_mode=True)
    (2, 3)
    """
    all_int = all(is_int(value) for value in (size, kernel_size, padding) + (() if stride is None else (stride,)))
    n = as_pair(size, "size", minimum=1)
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    ceil_mode = as_bool(ceil_mode, "ceil_mode")
    out = tuple(_pool_axis_size(*args, ceil_mode) for args in zip(n, k, s, p))
    for axis, o, nn, kk, ss, pp in zip(("height", "width"), out, n, k, s, p):
        if o < 1:
            lo, hi = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
            raise ValueError(
                f"kernel_size={kernel_size!r} leaves no pooling window along the {axis}: size {nn}, "
                f"padding {pp} and stride {ss} give {lo}({nn} + 2·{pp} − {kk}) / {ss}{hi} + 1 = {o} "
                f"(ceil_mode={ceil_mode}). Make the kernel smaller or pad more."
            )
    return out[0] if all_int else out


def window_geometry(x_shape, kernel_size, stride, padding, dilation, *, what: str) -> Geometry:
    """Validate the settings of an operation on an ``(N, C, H, W)`` input; return its geometry.

    ``what`` names the operation's kernel in errors (e.g. ``"w"`` or ``"kernel_size"``).
    """
    as_pair(kernel_size, "kernel_size", minimum=1)
    as_pair(stride, "stride", minimum=1)
    as_pair(padding, "padding", minimum=0)
    as_pair(dilation, "dilation", minimum=1)
    geom = explain_geometry(tuple(x_shape[2:]), kernel_size, stride, padding, dilation)
    if not geom.valid:
        raise ValueError(
            f"{what} does not fit the input of shape {tuple(x_shape)} "
            f"(padding={padding!r}, dilation={dilation!r}): {geom.explanation}"
        )
    return geom

"""conv_backprop: forward and backward propagation through convolution and pooling layers.

The package behind the workbook in ``notebooks/``. Layout NCHW; weights (F, C, HH, WW); the
forward pass is a cross-correlation; output sizes use floor division (PyTorch semantics).
``kernel_size``, ``stride``, ``padding`` and ``dilation`` take an int or an (h, w) pair.
"""

from .conv import (
    conv2d_backward,
    conv2d_backward_flipped,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    flipped_kernel_input,
)
from .gradcheck import GradcheckResult, gradcheck, numerical_gradient, rel_error
from .im2col import col2im, im2col
from .indices import (
    conv2d_dx_by_indices,
    output_bounds,
    outputs_reached,
    stackexchange_bounds,
    stackexchange_bounds_corrected,
)
from .pool import (
    avgpool2d_backward,
    avgpool2d_backward_naive,
    avgpool2d_forward,
    avgpool2d_forward_naive,
    maxpool2d_backward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
    pool_routes,
)
from .shapes import AxisGeometry, Geometry, conv_output_size, explain_geometry, pool_output_size
from .transposed import (
    conv_transpose2d_backward,
    conv_transpose2d_backward_naive,
    conv_transpose2d_forward,
    conv_transpose2d_forward_flipped,
    conv_transpose2d_forward_naive,
    conv_transpose2d_output_size,
    transposed_conv_input,
)
from .conv1d import conv1d_backward, conv1d_forward, conv1d_output_length

from . import data, layers  # noqa: E402  (modules: cb.layers.Conv2D, cb.data.load_digits_split)

__version__ = "0.1.0"

__all__ = [
    "AxisGeometry",
    "Geometry",
    "GradcheckResult",
    "avgpool2d_backward",
    "avgpool2d_backward_naive",
    "avgpool2d_forward",
    "avgpool2d_forward_naive",
    "col2im",
    "conv2d_backward",
    "conv2d_backward_flipped",
    "conv2d_backward_naive",
    "conv2d_dx_by_indices",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv_output_size",
    "explain_geometry",
    "flipped_kernel_input",
    "gradcheck",
    "im2col",
    "maxpool2d_backward",
    "maxpool2d_backward_naive",
    "maxpool2d_forward",
    "maxpool2d_forward_naive",
    "numerical_gradient",
    "output_bounds",
    "outputs_reached",
    "pool_output_size",
    "pool_routes",
    "rel_error",
    "stackexchange_bounds",
    "stackexchange_bounds_corrected",
    # transposed convolution (notebook 11)
    "conv_transpose2d_backward",
    "conv_transpose2d_backward_naive",
    "conv_transpose2d_forward",
    "conv_transpose2d_forward_flipped",
    "conv_transpose2d_forward_naive",
    "conv_transpose2d_output_size",
    "transposed_conv_input",
    "conv1d_forward",
    "conv1d_backward",
    "conv1d_output_length",
]

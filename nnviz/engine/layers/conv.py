"""2-D convolution layer: ``a = activation(x ⋆ W + b)`` on (m, C, H, W) images."""

from __future__ import annotations

import math

import numpy as np

from .. import conv_kernels as ck
from ..initializers import get_initializer
from .base import ActivatedLayer, check_positive_int


def as_pair(owner: str, field: str, value) -> tuple[int, int]:
    """An int or a pair of ints -> (rows, cols), each a positive integer; else a clear ValueError."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{owner}: {field} must be an integer or a pair of integers. Received: {field}={value!r}")
        return (check_positive_int(owner, field, value[0]), check_positive_int(owner, field, value[1]))
    n = check_positive_int(owner, field, value)
    return (n, n)


def pair_config(pair: tuple[int, int]):
    """JSON form of a pair: a plain int when both sides agree."""
    return pair[0] if pair[0] == pair[1] else list(pair)


def check_image_shape(owner: str, what: str, input_shape) -> tuple[int, int, int]:
    """(C, H, W) from a one-sample shape, or a ValueError saying the data is flat."""
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3:
        raise ValueError(
            f"{owner}: {what} needs image input (C, H, W), but receives flat data of shape {shape} "
            "(a Dense or Flatten layer before it?); put convolution and pooling layers before Flatten.")
    return shape


class Conv2D(ActivatedLayer):
    """Convolution (cross-correlation, as in every deep-learning library).

    Parameters
    ----------
    filters : int
        D, the number of output channels.
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)
    padding : int, (ph, pw), "valid" (= 0) or "same"
        An integer pads that many zeros on every side. "same" follows
        TensorFlow: the output is ceil(H / sh) × ceil(W / sw) (so the input
        size when the stride is 1), with the total padding
        ``max((out - 1)*s + k - size, 0)`` split top/left first, the odd
        extra zero going to the bottom/right.

    W is (D, C, kh, kw) (as in PyTorch), b is (D,). Input (m, C, H, W),
    output (m, D, oh, ow) with ``oh = floor((H + 2*ph - kh) / sh) + 1`` (and
    likewise ow), the rule of PyTorch and Keras: when the stride does not
    tile the padded input, the rows and columns past the last window are
    not read, and get zero gradient. A 3x3 stride-2 padding-1 convolution
    halves a 32x32 input to 16x16.
    """

    kind = "conv"
    regularized = ("W",)

    def __init__(self, filters: int, kernel_size, stride=1, padding=0, activation: str | None = None,
                 init: str | None = None, name: str | None = None):
        super().__init__(activation=activation, init=init, name=name)
        owner = name or "Conv2D"
        self.filters = check_positive_int(owner, "filters", filters)
        self.kernel_size = as_pair(owner, "kernel_size", kernel_size)
        self.stride = as_pair(owner, "stride", stride)
        self.padding = self._check_padding(owner, padding)
        self._geometry = None
        self._pad_buffer = None
        self._cols = None

    @staticmethod
    def _check_padding(owner, padding):
        if isinstance(padding, str):
            if padding.lower() in ("same", "valid"):
                return padding.lower()
        elif isinstance(padding, (list, tuple)) and len(padding) == 2:
            if all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) and p >= 0 for p in padding):
                return (int(padding[0]), int(padding[1]))
        elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
            return (int(padding), int(padding))
        raise ValueError(f"{owner}: padding must be a non-negative integer, a pair of them, 'valid' or 'same'. "
                         f"Received: padding={padding!r}")

    # --- shapes -----------------------------------------------------------
    def geometry(self, input_shape):
        """(pads (top, bottom, left, right), oh, ow) for one sample of ``input_shape``; ValueError if impossible."""
        label = self.name or "Conv2D"
        c, h, w = check_image_shape(label, "Conv2D", input_shape)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if self.padding == "same":
            pads = []
            for size, k, s in ((h, kh, sh), (w, kw, sw)):
                total = max((math.ceil(size / s) - 1) * s + k - size, 0)
                pads += [total // 2, total - total // 2]
            pads = tuple(pads)
        else:
            ph, pw = (0, 0) if self.padding == "valid" else self.padding
            pads = (ph, ph, pw, pw)
        hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
        if kh > hp or kw > wp:
            raise self._error(f"its {kh}x{kw} kernel is larger than its padded input {hp}x{wp} "
                              f"(input {h}x{w}, padding {self._padding_text(pads)}); "
                              "use a smaller kernel, more padding, or a larger input.")
        return pads, ck.output_size(hp, kh, sh), ck.output_size(wp, kw, sw)

    @staticmethod
    def _padding_text(pads):
        top, bottom, left, right = pads
        return str(top) if len(set(pads)) == 1 else f"top {top}, bottom {bottom}, left {left}, right {right}"

    def output_shape(self, input_shape):
        _, oh, ow = self.geometry(input_shape)
        return (self.filters, oh, ow)

    def param_shapes(self, input_shape):
        c = check_image_shape(self.name or "Conv2D", "Conv2D", input_shape)[0]
        return {"W": (self.filters, c, *self.kernel_size), "b": (self.filters,)}

    def build(self, input_shape, rng, dtype, default_init="he"):
        super().build(input_shape, rng, dtype, default_init)
        self._geometry = self.geometry(self.input_shape)
        shape = self.param_shapes(self.input_shape)["W"]
        kh, kw = self.kernel_size
        fan_in, fan_out = shape[1] * kh * kw, self.filters * kh * kw
        init = get_initializer(self.init or default_init, owner=self.name or "Conv2D")
        self.params = {"W": init(shape, fan_in, fan_out, rng).astype(dtype),
                       "b": np.zeros(self.filters, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    # --- computing --------------------------------------------------------
    def forward(self, x, training=False):
        pads, oh, ow = self._geometry
        xp = ck.pad_images(x, pads, self._pad_buffer)
        if xp is not x:
            self._pad_buffer = xp  # reused next time: only its interior is rewritten
        z, cols = ck.conv2d_forward(xp, self.params["W"], self.params["b"], self.stride, oh, ow)
        self._cols, self._padded_shape = (cols, xp.shape) if training else (None, None)
        return self._activate(z)

    def backward_preactivation(self, dz, need_input_grad=True):
        """dz is dL/dz (m, D, oh, ow); fills grads["W"] (D, C, kh, kw), grads["b"] (D,); returns (m, C, H, W)."""
        if self._cols is None:
            raise self._error("backward() needs a forward(x, training=True) first.")
        dxp = ck.conv2d_backward(dz, self._cols, self.params["W"], self._padded_shape, self.stride,
                                 self.grads["W"], self.grads["b"], need_input_grad)
        if dxp is None:
            return None
        top, bottom, left, right = self._geometry[0]
        return dxp[:, :, top:dxp.shape[2] - bottom, left:dxp.shape[3] - right]

    # --- configuration ----------------------------------------------------
    def get_config(self):
        padding = self.padding if isinstance(self.padding, str) else pair_config(self.padding)
        return {**super().get_config(), "filters": self.filters, "kernel_size": pair_config(self.kernel_size),
                "stride": pair_config(self.stride), "padding": padding}

    def describe(self):
        kh, kw = self.kernel_size
        extras = [] if self.stride == (1, 1) else [f"stride {pair_config(self.stride)}"]
        if self.padding not in ("valid", (0, 0)):
            extras.append(f"padding {self.padding if isinstance(self.padding, str) else pair_config(self.padding)}")
        return f"Conv2D({', '.join([str(self.filters), f'{kh}x{kw}', self.activation.name, *extras])})"

"""Max pooling on (m, C, H, W) images."""

from __future__ import annotations

from .. import conv_kernels as ck
from .base import Layer
from .conv import as_pair, check_image_shape, pair_config


class MaxPool2D(Layer):
    """Maximum over each pool_size window, moved by ``stride`` (default: pool_size).

    Pools are "valid": rows or columns past the last whole window are
    dropped (a 2x2 pool turns 11x11 into 5x5, as in Keras and PyTorch); they
    receive zero gradient. In the backward pass each window sends its whole
    gradient to a single element, its first maximum in row-major order, so
    ties never split or duplicate the gradient.

    Input (m, C, H, W), output (m, C, oh, ow) with ``oh = (H - kh)//sh + 1``.
    """

    kind = "maxpool"

    def __init__(self, pool_size=2, stride=None, name: str | None = None):
        super().__init__(name=name)
        owner = name or "MaxPool2D"
        self.pool_size = as_pair(owner, "pool_size", pool_size)
        self.stride = self.pool_size if stride is None else as_pair(owner, "stride", stride)
        self._stack = self._out = self._input_shape = None

    def output_shape(self, input_shape):
        c, h, w = check_image_shape(self.name or "MaxPool2D", "MaxPool2D", input_shape)
        kh, kw = self.pool_size
        if kh > h or kw > w:
            raise self._error(f"its {kh}x{kw} pool is larger than its input {h}x{w}; "
                              "use a smaller pool_size or remove the layer.")
        sh, sw = self.stride
        return (c, ck.output_size(h, kh, sh), ck.output_size(w, kw, sw))

    def forward(self, x, training=False):
        _, oh, ow = self.output_shape(x.shape[1:])
        if not training:
            self._stack = self._out = None
            return ck.maxpool_forward(x, *self.pool_size, self.stride, oh, ow)
        self._out, self._stack = ck.maxpool_forward_train(x, *self.pool_size, self.stride, oh, ow)
        self._input_shape = x.shape
        return self._out

    def backward(self, grad, need_input_grad=True):
        if not need_input_grad:
            return None
        if self._stack is None:
            raise self._error("backward() needs a forward(x, training=True) first.")
        return ck.maxpool_backward(grad, self._stack, self._out, self._input_shape, *self.pool_size, self.stride)

    def get_config(self):
        return {**super().get_config(), "pool_size": pair_config(self.pool_size),
                "stride": pair_config(self.stride)}

    def describe(self):
        kh, kw = self.pool_size
        extra = "" if self.stride == self.pool_size else f", stride {pair_config(self.stride)}"
        return f"MaxPool2D({kh}x{kw}{extra})"

"""Flatten (m, C, H, W) images to (m, C*H*W) vectors."""

from __future__ import annotations

import numpy as np

from .base import Layer


class Flatten(Layer):
    kind = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad, need_input_grad=True):
        return grad.reshape(self._shape) if need_input_grad else None

    def describe(self):
        return "Flatten"

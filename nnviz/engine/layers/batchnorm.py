"""Batch normalization for dense (m, F) and convolutional (m, C, H, W) activations."""

from __future__ import annotations

import numpy as np

from .base import Layer


class BatchNorm(Layer):
    """Normalize each feature (or each channel of images) over the batch.

    Training uses the batch's mean and variance and updates running
    averages; inference uses the running averages. gamma and beta are
    (F,) for dense input and (C,) for image input.
    """

    kind = "batchnorm"

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5, name: str | None = None):
        super().__init__(name=name)
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f"{name or 'BatchNorm'}: momentum must be in [0, 1). Received: momentum={momentum}")
        if float(epsilon) <= 0:
            raise ValueError(f"{name or 'BatchNorm'}: epsilon must be positive. Received: epsilon={epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def output_shape(self, input_shape):
        if len(input_shape) not in (1, 3):
            raise self._error(f"expects (features,) or (C, H, W) input, but receives {tuple(input_shape)}.")
        return tuple(input_shape)

    def param_shapes(self, input_shape):
        return {"gamma": (int(input_shape[0]),), "beta": (int(input_shape[0]),)}

    def build(self, input_shape, rng, dtype, default_init="he"):
        super().build(input_shape, rng, dtype, default_init)
        n = self.input_shape[0]
        self.params = {"gamma": np.ones(n, dtype=dtype), "beta": np.zeros(n, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(n, dtype=dtype), "running_var": np.ones(n, dtype=dtype)}

    def _axes_and_shape(self, x):
        if x.ndim == 2:
            return (0,), (1, -1)
        return (0, 2, 3), (1, -1, 1, 1)

    def forward(self, x, training=False):
        axes, bshape = self._axes_and_shape(x)
        if training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            mom = self.momentum
            self.buffers["running_mean"] *= mom
            self.buffers["running_mean"] += (1 - mom) * mean
            self.buffers["running_var"] *= mom
            self.buffers["running_var"] += (1 - mom) * var
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        x_hat = (x - mean.reshape(bshape)) * inv_std.reshape(bshape)
        self._cache = (x_hat, inv_std, axes, bshape)
        return x_hat * self.params["gamma"].reshape(bshape) + self.params["beta"].reshape(bshape)

    def backward(self, grad, need_input_grad=True):
        x_hat, inv_std, axes, bshape = self._cache
        self.grads["gamma"][...] = np.sum(grad * x_hat, axis=axes)
        self.grads["beta"][...] = np.sum(grad, axis=axes)
        if not need_input_grad:
            return None
        n = grad.size // grad.shape[1]
        dx_hat = grad * self.params["gamma"].reshape(bshape)
        # Standard simplified form of the batch-norm input gradient.
        return (inv_std.reshape(bshape) / n) * (
            n * dx_hat
            - dx_hat.sum(axis=axes).reshape(bshape)
            - x_hat * np.sum(dx_hat * x_hat, axis=axes).reshape(bshape)
        )

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}

    def describe(self):
        return "BatchNorm"

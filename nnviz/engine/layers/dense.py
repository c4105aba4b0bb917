"""Fully connected layer: ``a = activation(x @ W + b)``."""

from __future__ import annotations

import numpy as np

from ..initializers import get_initializer
from .base import ActivatedLayer, check_positive_int


class Dense(ActivatedLayer):
    """Dense layer with ``units`` outputs.

    W is (in_features, units) and b is (units,). Input (m, in_features),
    output (m, units).
    """

    kind = "dense"
    regularized = ("W",)

    def __init__(self, units: int, activation: str | None = None, init: str | None = None,
                 name: str | None = None):
        super().__init__(activation=activation, init=init, name=name)
        self.units = check_positive_int(name or "Dense", "units", units)
        self._x = None

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise self._error(
                f"expects flat input (features,), but receives shape {tuple(input_shape)}; "
                "add a Flatten layer before it.")
        return (self.units,)

    def param_shapes(self, input_shape):
        return {"W": (int(input_shape[0]), self.units), "b": (self.units,)}

    def build(self, input_shape, rng, dtype, default_init="he"):
        super().build(input_shape, rng, dtype, default_init)
        fan_in = self.input_shape[0]
        init = get_initializer(self.init or default_init, owner=self.name or "Dense")
        self.params = {
            "W": init((fan_in, self.units), fan_in, self.units, rng).astype(dtype),
            "b": np.zeros(self.units, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x, training=False):
        self._x = x
        z = x @ self.params["W"]
        z += self.params["b"]
        return self._activate(z)

    def backward_preactivation(self, dz, need_input_grad=True):
        """dz is dL/dz (m, units); fills grads["W"] (in, units), grads["b"] (units,); returns (m, in)."""
        np.matmul(self._x.T, dz, out=self.grads["W"])
        # Summing over the batch as ones @ dz is a BLAS gemv: several times
        # faster than dz.sum(axis=0) for the small batches we train on.
        np.matmul(self._ones(dz.shape[0], dz.dtype), dz, out=self.grads["b"])
        if not need_input_grad:
            return None
        if self.units == 1:  # an outer product: broadcasting beats matmul's generic path
            return dz * self.params["W"][:, 0]
        return dz @ self.params["W"].T

    def _ones(self, m, dtype):
        ones = getattr(self, "_ones_cache", None)
        if ones is None or ones.shape[0] != m or ones.dtype != dtype:
            ones = self._ones_cache = np.ones(m, dtype=dtype)
        return ones

    def get_config(self):
        return {**super().get_config(), "units": self.units}

    def describe(self):
        return f"Dense({self.units}, {self.activation.name})"

"""Losses: a cost averaged over the batch and its gradient.

``y`` is always (m,) integer class indices; each loss turns it into targets
shaped like the network's output (``targets``). When the output layer's
activation is the loss's natural partner (sigmoid for binary
cross-entropy, softmax for categorical cross-entropy) the cost is computed
from the logits z and the gradient returned is dL/dz = (a - Y) / m, which
is both exact and numerically stable.
"""

from __future__ import annotations

import numpy as np


def one_hot(y: np.ndarray, k: int, dtype) -> np.ndarray:
    out = np.zeros((y.shape[0], k), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


class Loss:
    name = "loss"
    #: output activation with which the gradient is taken w.r.t. the logits
    fused_activation: str | None = None

    def targets(self, y: np.ndarray, output_units: int, dtype) -> np.ndarray:
        """(m,) class indices -> (m, output_units) targets."""
        if output_units == 1:
            return y.reshape(-1, 1).astype(dtype)
        return one_hot(y, output_units, dtype)

    def cost(self, a, z, Y, fused: bool):
        """Mean cost over the batch, as a NumPy scalar of the arrays' dtype."""
        raise NotImplementedError

    def gradient(self, a, z, Y, fused: bool) -> np.ndarray:
        """dL/da, or dL/dz when ``fused``; already divided by m."""
        raise NotImplementedError


class BinaryCrossEntropy(Loss):
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def cost(self, a, z, Y, fused):
        m = Y.shape[0]
        if fused:
            # -[y log s(z) + (1-y) log(1-s(z))] = max(z,0) - z*y + log(1+exp(-|z|))
            per = np.maximum(z, 0) - z * Y + np.log1p(np.exp(-np.abs(z)))
            return np.sum(per) / m
        eps = np.finfo(a.dtype).eps
        a = np.clip(a, eps, 1 - eps)
        return -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / m

    def gradient(self, a, z, Y, fused):
        m = Y.shape[0]
        if fused:
            return (a - Y) / a.dtype.type(m)
        eps = np.finfo(a.dtype).eps
        a = np.clip(a, eps, 1 - eps)
        return (a - Y) / (a * (1 - a)) / a.dtype.type(m)


class CategoricalCrossEntropy(Loss):
    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def cost(self, a, z, Y, fused):
        m = Y.shape[0]
        if fused:
            shifted = z - z.max(axis=1, keepdims=True)
            log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            return -np.sum(Y * log_softmax) / m
        eps = np.finfo(a.dtype).eps
        return -np.sum(Y * np.log(np.clip(a, eps, 1.0))) / m

    def gradient(self, a, z, Y, fused):
        m = Y.shape[0]
        if fused:
            return (a - Y) / a.dtype.type(m)
        eps = np.finfo(a.dtype).eps
        return -Y / np.clip(a, eps, 1.0) / a.dtype.type(m)


class MeanSquaredError(Loss):
    """The cat seed's cost: (1/m) * sum(1/2 * (a - Y)^2)."""

    name = "mse"

    def cost(self, a, z, Y, fused):
        diff = a - Y
        return 0.5 * np.sum(diff * diff) / Y.shape[0]

    def gradient(self, a, z, Y, fused):
        return (a - Y) / a.dtype.type(Y.shape[0])


LOSSES = {cls.name: cls for cls in (BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError)}


def get_loss(name: str) -> Loss:
    key = str(name).lower()
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}.")
    return LOSSES[key]()

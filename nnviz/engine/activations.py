"""Element-wise activations and their derivatives.

Each activation is a pair of functions on arrays of any shape:
``forward(z) -> a`` and ``backward(z, a, grad_a) -> grad_z``. The backward
receives both the pre-activation ``z`` and the output ``a`` so each rule can
use whichever is cheaper (sigmoid and tanh use ``a``; relu uses ``z``).
Softmax acts along axis 1 (the class axis of an (m, k) array).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


def _sigmoid(z):
    # exp(-|z|) never overflows; both branches share it.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _sigmoid_backward(z, a, grad):
    return grad * a * (1 - a)


def _tanh(z):
    return np.tanh(z)


def _tanh_backward(z, a, grad):
    return grad * (1 - a * a)


def _relu(z):
    return np.maximum(z, 0)


def _relu_backward(z, a, grad):
    return grad * (a > 0)


def _leaky_relu(z):
    return np.where(z > 0, z, z * LEAKY_SLOPE)


def _leaky_relu_backward(z, a, grad):
    return np.where(z > 0, grad, grad * LEAKY_SLOPE)


def _linear(z):
    return z


def _linear_backward(z, a, grad):
    return grad


def _softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_backward(z, a, grad):
    # Jacobian-vector product of softmax: a * (g - sum(g * a)).
    return a * (grad - np.sum(grad * a, axis=1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_backward),
        Activation("tanh", _tanh, _tanh_backward),
        Activation("relu", _relu, _relu_backward),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_backward),
        Activation("softmax", _softmax, _softmax_backward),
        Activation("linear", _linear, _linear_backward),
    )
}


def get_activation(name: str | None, owner: str = "layer") -> Activation:
    """Look up an activation by name (None means linear)."""
    key = "linear" if name is None else str(name).lower()
    if key not in ACTIVATIONS:
        raise ValueError(
            f"{owner}: unknown activation {name!r}; expected one of "
            f"{', '.join(sorted(ACTIVATIONS))}."
        )
    return ACTIVATIONS[key]

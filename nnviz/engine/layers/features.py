"""Input features for 2-D points, as in TensorFlow Playground: a parameter-free first layer.

``InputFeatures(names)`` maps points ``x`` (m, 2) = (x1, x2) to (m, len(names))
columns chosen from :data:`FEATURES` (x1, x2, x1², x2², x1·x2, sin x1,
sin x2), in the order given. The dataset stays 2-D, so everything that draws
over the plane (the decision boundary, a network graph) still works; the
network after this layer sees ``len(names)`` inputs.

``backward`` returns the exact input gradient dL/dx (m, 2), the sum over the
features of dL/df · ∂f/∂x, so a layer may sit anywhere in a stack.
"""

from __future__ import annotations

import numpy as np

from .base import Layer

#: feature name → (value(x1, x2), ∂/∂x1, ∂/∂x2); every function takes and returns arrays of shape (m,)
FEATURES = {
    "x1": (lambda a, b: a, lambda a, b: np.ones_like(a), lambda a, b: np.zeros_like(a)),
    "x2": (lambda a, b: b, lambda a, b: np.zeros_like(a), lambda a, b: np.ones_like(a)),
    "x1^2": (lambda a, b: a * a, lambda a, b: 2 * a, lambda a, b: np.zeros_like(a)),
    "x2^2": (lambda a, b: b * b, lambda a, b: np.zeros_like(a), lambda a, b: 2 * b),
    "x1*x2": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "sin(x1)": (lambda a, b: np.sin(a), lambda a, b: np.cos(a), lambda a, b: np.zeros_like(a)),
    "sin(x2)": (lambda a, b: np.sin(b), lambda a, b: np.zeros_like(a), lambda a, b: np.cos(b)),
}
#: how people write them (checkbox labels, summaries)
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁·x₂",
                  "sin(x1)": "sin x₁", "sin(x2)": "sin x₂"}


def check_feature_names(names, owner: str = "InputFeatures") -> list[str]:
    """``names`` as a list of known, distinct feature names; ValueError naming the bad one otherwise."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"{owner}: names must be a list of feature names ({', '.join(FEATURES)}). "
                         f"Received: {names!r}")
    out = []
    for n in names:
        if n not in FEATURES:
            raise ValueError(f"{owner}: unknown input feature {n!r}; expected some of {', '.join(FEATURES)}.")
        if n in out:
            raise ValueError(f"{owner}: input feature {n!r} is listed twice.")
        out.append(str(n))
    if not out:
        raise ValueError(f"{owner}: choose at least one input feature.")
    return out


def feature_columns(X: np.ndarray, names) -> np.ndarray:
    """The features of points ``X`` (m, 2) as an (m, len(names)) array of X's dtype."""
    X = np.asarray(X)
    a, b = X[:, 0], X[:, 1]
    return np.stack([FEATURES[n][0](a, b) for n in names], axis=1).astype(X.dtype, copy=False)


class InputFeatures(Layer):
    """(m, 2) points → (m, len(names)) features; no parameters. See the module docstring."""

    kind = "features"

    def __init__(self, names, name: str | None = None):
        super().__init__(name=name)
        self.names = check_feature_names(names, owner=name or "InputFeatures")
        self._x = None

    def output_shape(self, input_shape):
        if tuple(input_shape) != (2,):
            raise self._error(f"input features are computed from 2-D points (x1, x2), but the input has shape "
                              f"{tuple(input_shape)}.")
        return (len(self.names),)

    def forward(self, x, training=False):
        self._x = x
        return feature_columns(x, self.names)

    def backward(self, grad, need_input_grad=True):
        if not need_input_grad:
            return None
        if self._x is None:
            raise self._error("backward() needs a forward pass first.")
        a, b = self._x[:, 0], self._x[:, 1]
        out = np.zeros(self._x.shape, dtype=np.result_type(grad, self._x))
        for j, n in enumerate(self.names):
            _, d1, d2 = FEATURES[n]
            out[:, 0] += grad[:, j] * d1(a, b)
            out[:, 1] += grad[:, j] * d2(a, b)
        return out

    def get_config(self):
        return {**super().get_config(), "names": list(self.names)}

    def describe(self):
        return "Features(" + ", ".join(FEATURE_LABELS[n] for n in self.names) + ")"

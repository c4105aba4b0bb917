"""The layer protocol every nnviz layer follows.

A layer stores its configuration in ``__init__``, creates its weights in
``build(input_shape, ...)`` once the shape of one sample is known, computes
in ``forward(x, training)`` (caching what the backward pass needs) and in
``backward(grad, need_input_grad=True)`` fills ``grads`` (same keys as
``params``) and returns the gradient with respect to its input (None when
``need_input_grad`` is false). Every layer has that one signature. ``output_shape(input_shape)`` works
before any data is seen, so a builder can show shapes and parameter counts
and refuse an impossible stack with a sentence that names the layer.

Shapes exclude the batch axis: ``(features,)`` for flat data and
``(C, H, W)`` for images; arrays passed to forward/backward carry the batch
axis first, ``(m, features)`` or ``(m, C, H, W)``.
"""

from __future__ import annotations

import numpy as np

from ..activations import get_activation


class Layer:
    """Base class: no parameters, identity shape, must override forward/backward."""

    kind = "layer"
    #: names in ``params`` that L2 regularization applies to
    regularized: tuple[str, ...] = ()

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        #: non-trainable state saved with the model (e.g. running statistics)
        self.buffers: dict[str, np.ndarray] = {}
        self.input_shape: tuple[int, ...] | None = None
        self.built = False

    # --- shapes -----------------------------------------------------------
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output sample for ``input_shape``; ValueError if impossible."""
        return tuple(input_shape)

    def param_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """Shapes of the trainable parameters this layer would create."""
        return {}

    def count_params(self, input_shape: tuple[int, ...] | None = None) -> int:
        shape = self.input_shape if input_shape is None else input_shape
        if shape is None:
            return 0
        return int(sum(np.prod(s) for s in self.param_shapes(tuple(shape)).values()))

    # --- weights ----------------------------------------------------------
    def build(self, input_shape, rng: np.random.Generator, dtype, default_init: str = "he"):
        """Create parameters for samples of ``input_shape`` (validated first)."""
        self.output_shape(tuple(input_shape))
        self.input_shape = tuple(int(d) for d in input_shape)
        self.built = True

    def astype(self, dtype) -> None:
        for store in (self.params, self.grads, self.buffers):
            for key, value in store.items():
                store[key] = value.astype(dtype)

    # --- computing --------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Fill ``grads`` from dL/d(output) ``grad``; return dL/d(input), or None if not needed."""
        raise NotImplementedError

    @property
    def activation_name(self) -> str | None:
        """Name of the layer's activation ("relu", "softmax", ...), or None if it has none."""
        return None

    # --- configuration ----------------------------------------------------
    def get_config(self) -> dict:
        """JSON-serializable constructor arguments (plus ``name``)."""
        return {"name": self.name}

    def describe(self) -> str:
        """Short human description for summaries, e.g. ``Dense(25, relu)``."""
        return type(self).__name__

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def _error(self, message: str) -> ValueError:
        label = self.name or type(self).__name__
        return ValueError(f"{label}: {message}")


class ActivatedLayer(Layer):
    """A layer computing ``a = activation(z)`` after its affine part ``z``.

    ``backward(grad)`` takes dL/da, turns it into dL/dz
    (:meth:`preactivation_grad`) and hands that to
    :meth:`backward_preactivation`, the affine part's backward pass, which
    subclasses implement.

    When a loss is computed straight from the logits of this layer (sigmoid
    + binary cross-entropy, softmax + categorical cross-entropy), the model
    sets ``fused_with_loss = True`` once, when it is built: the gradient it
    then passes to ``backward`` is already dL/dz, so the activation's
    derivative is skipped.
    """

    def __init__(self, activation: str | None = None, init: str | None = None,
                 name: str | None = None):
        super().__init__(name=name)
        self.activation = get_activation(activation, owner=name or type(self).__name__)
        self.init = init
        #: True on a model's output layer whose loss takes dL/dz directly (set by the model)
        self.fused_with_loss = False
        self._z = None
        self._a = None

    @property
    def activation_name(self) -> str:
        return self.activation.name

    @property
    def preactivation(self) -> np.ndarray | None:
        """z, the affine output of the last forward pass, shaped like the output (None before one)."""
        return self._z

    def _activate(self, z: np.ndarray) -> np.ndarray:
        a = self.activation.forward(z)
        self._z, self._a = z, a
        return a

    def preactivation_grad(self, grad: np.ndarray) -> np.ndarray:
        """dL/dz from dL/da ``grad`` (both shaped like the output); ``grad`` itself when fused with the loss."""
        if self.fused_with_loss or self.activation.name == "linear":
            return grad
        if self._z is None:
            raise self._error("backward() needs a forward(x, training=True) first.")
        return self.activation.backward(self._z, self._a, grad)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        return self.backward_preactivation(self.preactivation_grad(grad), need_input_grad)

    def backward_preactivation(self, dz: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """The affine part's backward pass: fill ``grads`` from dL/dz ``dz``; return dL/d(input) or None."""
        raise NotImplementedError

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation.name, "init": self.init}


def check_positive_int(owner: str, field: str, value) -> int:
    """Return ``value`` as int if it is a positive integer, else a clear ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {field} must be a positive integer. Received: {field}={value!r}")
    return int(value)

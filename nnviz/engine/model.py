"""Sequential: a stack of layers with a loss, built from one sample's shape."""

from __future__ import annotations

import numpy as np

from .history import History
from .initializers import get_initializer
from .layers import Layer, layer_from_config
from .losses import get_loss
from .metrics import count_correct

DTYPES = {"float32": np.float32, "float64": np.float64}


def _as_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"input_shape must be a tuple of positive integers. Received: input_shape={shape!r}") from None
    if not out or any(d <= 0 for d in out):
        raise ValueError(f"input_shape must be a tuple of positive integers. Received: input_shape={shape!r}")
    return out


def infer_shapes(layers: list[Layer], input_shape) -> list[tuple[int, ...]]:
    """Output shape of each layer for one sample of ``input_shape``.

    Raises ValueError naming the first layer that cannot take its input.
    Works on unbuilt layers, so a builder can check a stack as it is typed.
    """
    shape = _as_shape(input_shape)
    shapes = []
    for layer in layers:
        shape = tuple(layer.output_shape(shape))
        shapes.append(shape)
    return shapes


class Sequential:
    """A feed-forward network.

    Parameters
    ----------
    layers : list of Layer
    input_shape : tuple
        One sample's shape: (features,) or (C, H, W).
    loss : "binary_crossentropy", "categorical_crossentropy" or "mse"
    init : default initializer for layers that don't set ``init=``
    l2 : L2 strength λ; adds λ/(2m)·ΣW² to the cost and λ/m·W to grads
    seed : seeds weight initialization (and dropout masks)
    dtype : "float32" (default) or "float64"
    """

    def __init__(self, layers, input_shape, loss="binary_crossentropy", init="he",
                 l2=0.0, seed=0, dtype="float32"):
        if str(dtype) not in DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
        self.layers: list[Layer] = list(layers)
        if not self.layers:
            raise ValueError("a Sequential model needs at least one layer.")
        self.input_shape = _as_shape(input_shape)
        self.loss = get_loss(loss)
        get_initializer(init, owner="model")
        self.init = str(init)
        l2 = float(l2)
        if not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2 must be a non-negative number. Received: l2={l2}")
        self.l2 = l2
        self.seed = int(seed)
        self.dtype = np.dtype(DTYPES[str(dtype)])
        self.history = History()
        self.stop_training = False
        self._name_layers()
        self.output_shapes = infer_shapes(self.layers, self.input_shape)
        self._check_output()
        rng = np.random.default_rng(self.seed)
        shape = self.input_shape
        for layer, out in zip(self.layers, self.output_shapes):
            layer.build(shape, rng, self.dtype, self.init)
            shape = out
        if self.fused_output:
            self.layers[-1].fused_with_loss = True  # its backward now takes dL/dz from the loss

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        """A new model from :meth:`get_config` output: same architecture, names and settings.

        Its weights are freshly initialized from the config's seed; copy
        trained weights in with :meth:`copy` or :func:`nnviz.engine.load_model`.
        Layer classes are looked up by name, never evaluated.
        """
        if not isinstance(config, dict):
            raise ValueError(f"a model config must be a dict. Received: {type(config).__name__}")
        missing = [k for k in ("layers", "input_shape", "loss", "init", "l2", "seed", "dtype") if k not in config]
        if missing:
            raise ValueError(f"the model config lacks {', '.join(map(repr, missing))}.")
        layers = []
        for i, spec in enumerate(config["layers"]):
            if not isinstance(spec, dict) or "class_name" not in spec or "config" not in spec:
                raise ValueError(f"layer {i + 1} of the model config needs 'class_name' and 'config'. "
                                 f"Received: {spec!r}")
            layers.append(layer_from_config(spec["class_name"], spec["config"]))
        return cls(layers, input_shape=tuple(config["input_shape"]), loss=config["loss"], init=config["init"],
                   l2=config["l2"], seed=config["seed"], dtype=config["dtype"])

    # --- construction helpers ----------------------------------------------
    def _name_layers(self) -> None:
        counts: dict[str, int] = {}
        seen = set()
        for layer in self.layers:
            if not isinstance(layer, Layer):
                raise ValueError(f"layers must be nnviz layers. Received: {layer!r}")
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            if layer.name is None:
                layer.name = f"{layer.kind}_{counts[layer.kind]}"
            if layer.name in seen:
                raise ValueError(f"two layers are named {layer.name!r}; layer names must be unique.")
            seen.add(layer.name)

    def _check_output(self) -> None:
        out = self.output_shapes[-1]
        last = self.layers[-1]
        act = last.activation_name
        if len(out) != 1:
            raise ValueError(f"{last.name}: the output layer must produce (classes,), but produces {out}; "
                             "end the network with a Dense layer.")
        k = out[0]
        if self.loss.name == "binary_crossentropy" and (k != 1 or act != "sigmoid"):
            raise ValueError(f"{last.name}: binary_crossentropy needs a Dense(1, 'sigmoid') output, "
                             f"but the output is {k} unit(s) with activation {act!r}.")
        if self.loss.name == "categorical_crossentropy" and (k < 2 or act != "softmax"):
            raise ValueError(f"{last.name}: categorical_crossentropy needs a Dense(k >= 2, 'softmax') output, "
                             f"but the output is {k} unit(s) with activation {act!r}.")

    @property
    def output_units(self) -> int:
        return self.output_shapes[-1][0]

    @property
    def fused_output(self) -> bool:
        """True when the loss is computed from the output layer's logits (sigmoid/softmax + cross-entropy)."""
        fused = self.loss.fused_activation
        return fused is not None and self.layers[-1].activation_name == fused

    # --- parameters ----------------------------------------------------------
    def parameters(self):
        """Yield (qualified_name, layer, key) for every trainable tensor, e.g. ("dense_1.W", layer, "W")."""
        for layer in self.layers:
            for key in layer.params:
                yield f"{layer.name}.{key}", layer, key

    def count_params(self) -> int:
        return int(sum(layer.params[key].size for _, layer, key in self.parameters()))

    def summary(self) -> str:
        rows = [("Layer", "Type", "Output shape", "Params")]
        for layer, shape in zip(self.layers, self.output_shapes):
            rows.append((layer.name, layer.describe(), str((None, *shape)), f"{layer.count_params():,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        line = "-" * (sum(widths) + 6)
        fmt = lambda r: "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
        out = [f"Input shape: {(None, *self.input_shape)}", line, fmt(rows[0]), line]
        out += [fmt(r) for r in rows[1:]]
        out += [line, f"Total params: {self.count_params():,}   loss: {self.loss.name}   dtype: {self.dtype.name}"]
        return "\n".join(out)

    # --- data checks ---------------------------------------------------------
    def check_inputs(self, X, y=None):
        """Return X (and y) as arrays of the model's dtype, or raise a clear ValueError."""
        X = np.asarray(X)
        if X.ndim < 2 or tuple(X.shape[1:]) != self.input_shape:
            raise ValueError(f"{self.layers[0].name}: expected input of shape (m, {', '.join(map(str, self.input_shape))}), "
                             f"but received data of shape {X.shape}.")
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"input data must be numeric. Received dtype {X.dtype}.")
        X = X.astype(self.dtype, copy=False)
        if y is None:
            return X
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"labels y must be shape ({X.shape[0]},) class indices. Received shape {y.shape}.")
        if not np.all(np.isfinite(y)) or not np.all(np.mod(y, 1) == 0):
            raise ValueError("labels y must be integer class indices.")
        y = y.astype(np.int64)
        k = max(self.output_units, 2)
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ValueError(f"{self.layers[-1].name}: labels must be in 0..{k - 1} for a {self.output_units}-unit "
                             f"output. Received labels from {y.min()} to {y.max()}.")
        return X, y

    # --- computing -----------------------------------------------------------
    def forward(self, X, training=False):
        """Output of the network for an already-checked batch: (m, k)."""
        a = X
        for layer in self.layers:
            a = layer.forward(a, training=training)
        return a

    def regularization_cost(self, m: int):
        """λ/(2m)·ΣW², summed in at least float64 (a NumPy scalar)."""
        if self.l2 == 0:
            return 0.0
        total = sum(np.sum(np.square(p.astype(np.promote_types(p.dtype, np.float64), copy=False)))
                    for p in (layer.params[k] for layer in self.layers for k in layer.regularized))
        return self.l2 / (2 * m) * total

    def data_cost(self, a, Y):
        """The loss of output ``a`` (m, k) against targets ``Y`` (m, k), without L2 (a NumPy scalar).

        Fused losses read the output layer's logits from the last forward pass.
        """
        fused = self.fused_output
        z = self.layers[-1].preactivation if fused else a
        return self.loss.cost(a, z, Y, fused)

    def output_gradient(self, a, Y):
        """What the output layer's ``backward`` takes: dL/da (m, k), or dL/dz when the loss is fused."""
        fused = self.fused_output
        z = self.layers[-1].preactivation if fused else a
        return self.loss.gradient(a, z, Y, fused)

    def backward(self, grad) -> None:
        """Backpropagate ``grad`` (from :meth:`output_gradient`) through every layer, filling their grads."""
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, need_input_grad=i > 0)

    def add_regularization_gradients(self, m: int) -> None:
        """Add λ/m·W to the gradient of every regularized tensor (after :meth:`backward`)."""
        if self.l2:
            scale = self.dtype.type(self.l2 / m)
            for layer in self.layers:
                for k in layer.regularized:
                    layer.grads[k] += scale * layer.params[k]

    def cost_and_gradients(self, X, Y):
        """One forward and backward pass in training mode; fills every layer's grads.

        X is a checked batch, Y its (m, k) targets. Returns (cost, output).
        """
        a = self.forward(X, training=True)
        m = X.shape[0]
        cost = float(self.data_cost(a, Y) + self.regularization_cost(m))
        self.backward(self.output_gradient(a, Y))
        self.add_regularization_gradients(m)
        return cost, a

    def targets(self, y):
        return self.loss.targets(y, self.output_units, self.dtype)

    def predict(self, X, batch_size: int = 256) -> np.ndarray:
        """Probabilities: (m, 1) for a sigmoid output, (m, k) for softmax."""
        X = self.check_inputs(X)
        if X.shape[0] <= batch_size:
            return self.forward(X, training=False)
        return np.concatenate([self.forward(X[i:i + batch_size], training=False)
                               for i in range(0, X.shape[0], batch_size)])

    def evaluate(self, X, y, batch_size: int = 256) -> dict:
        """{"loss": cost including L2, "accuracy": fraction correct}, in inference mode."""
        X, y = self.check_inputs(X, y)
        total, correct = 0.0, 0
        for i in range(0, X.shape[0], batch_size):
            xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            a = self.forward(xb, training=False)
            total += float(self.data_cost(a, self.targets(yb))) * xb.shape[0]
            correct += count_correct(a, yb)
        m = max(1, X.shape[0])
        return {"loss": total / m + float(self.regularization_cost(m)), "accuracy": correct / m}

    def fit(self, X, y, optimizer=None, epochs=1, batch_size=None, validation_data=None,
            callbacks=None, shuffle=True, seed=None, should_stop=None, validation_freq=1, gradient_fn=None,
            augment=None, schedule=None):
        """Train; see :func:`nnviz.engine.training.fit`. Returns ``self.history``."""
        from .training import fit
        return fit(self, X, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                   validation_data=validation_data, callbacks=callbacks, shuffle=shuffle,
                   seed=seed, should_stop=should_stop, validation_freq=validation_freq, gradient_fn=gradient_fn,
                   augment=augment, schedule=schedule)

    # --- copies and files ----------------------------------------------------
    def copy(self, dtype=None, with_history: bool = True) -> "Sequential":
        """An independent model: same architecture, weights, buffers and dropout generators.

        Built with :meth:`from_config`, so nothing else is shared or carried
        over (no gradients, cached batches or frozen dropout masks): cheap
        enough to take between two training steps. ``dtype`` converts it
        ("float32", "float64"; a gradient check may ask for "longdouble").
        ``with_history`` copies the training history too, which says how far
        the weights were trained.
        """
        target = self.dtype if dtype is None else np.dtype(dtype)
        if not np.issubdtype(target, np.floating):
            raise ValueError(f"a model copy needs a floating-point dtype. Received: dtype={dtype!r}")
        config = self.get_config()
        if target.name in DTYPES:
            config["dtype"] = target.name
        twin = type(self).from_config(config)
        if twin.dtype != target:  # extended precision: not a dtype models are built in
            twin.dtype = target
            for layer in twin.layers:
                layer.astype(target)
        for mine, theirs in zip(twin.layers, self.layers):
            for store, source in ((mine.params, theirs.params), (mine.buffers, theirs.buffers)):
                for key, value in source.items():
                    store[key][...] = value
            if hasattr(theirs, "rng_state"):
                mine.rng_state = theirs.rng_state
        if with_history:
            twin.history = History.from_dict(self.history.to_dict())
        return twin

    def get_config(self) -> dict:
        return {
            "input_shape": list(self.input_shape), "loss": self.loss.name, "init": self.init,
            "l2": self.l2, "seed": self.seed, "dtype": self.dtype.name,
            "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
        }

    def save(self, path, optimizer=None) -> None:
        from .io import save_model
        save_model(self, path, optimizer=optimizer)

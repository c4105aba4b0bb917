"""The network builder's model, without Qt: layer rows, their columns, and a check of the stack.

A row is a layer spec as presets write it, ``{"type": "Dense", "units": 25,
"activation": "relu"}``. The builder shows a fixed set of *columns*; each
column maps, per layer type, to one constructor argument (``units`` for
Dense and ``filters`` for Conv2D share the "Units / filters" column). Which
columns apply to a type is read from the layer class's constructor, so new
layer types (Conv2D, MaxPool2D) fit without changes here.

:func:`check_stack` builds the layers one by one for the dataset's input
shape and reports, per row, the output shape, the parameter count and the
engine's error message for the first row that breaks the stack.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from nnviz.engine import Sequential
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.budget import describe_budget, estimate_model_memory, format_bytes
from nnviz.engine.initializers import INITIALIZERS
from nnviz.engine.layers import LAYER_TYPES, layer_from_config

#: networks whose weights (with gradients and optimizer slots) need more than this are not built to be checked
BUILD_CHECK_LIMIT = 64 * 2**20


@dataclass(frozen=True)
class Column:
    """One editable builder column: its key, header and the constructor arguments it edits."""

    key: str
    header: str
    params: tuple[str, ...]
    kind: str  # "int", "float", "choice"
    tooltip: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("units", "Units / filters", ("units", "filters"), "int",
           "Dense: number of neurons. Conv2D: number of filters."),
    Column("kernel", "Kernel", ("kernel_size", "pool_size"), "int",
           "Conv2D: kernel size. MaxPool2D: pool size."),
    Column("stride", "Stride", ("stride",), "int",
           "Step between kernel positions (0 = same as the pool size)."),
    Column("padding", "Padding", ("padding",), "int", "Zeros added around each image."),
    Column("activation", "Activation", ("activation",), "choice",
           "Function applied to each unit's weighted sum."),
    Column("init", "Init", ("init",), "choice",
           "Weight initializer for this layer (default: the model's initializer)."),
    Column("keep_prob", "Keep prob.", ("keep_prob",), "float",
           "Dropout: probability of keeping each activation while training."),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

#: values used when a type's constructor argument has no default
REQUIRED_DEFAULTS = {"units": 16, "filters": 8, "kernel_size": 3, "pool_size": 2, "keep_prob": 0.8}

#: layer types in the order the builder offers them (those the engine has)
PREFERRED_ORDER = ("Dense", "Conv2D", "MaxPool2D", "Flatten", "Dropout", "BatchNorm")

#: layer types set elsewhere than in the builder's rows (input features: checkboxes, see lab/features.py)
NOT_IN_BUILDER = ("InputFeatures",)

ACTIVATION_CHOICES = ("relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear")
INIT_CHOICES = ("default",) + tuple(INITIALIZERS)


def layer_types() -> list[str]:
    """Names of the layer classes the engine provides, in builder order."""
    known = [t for t in PREFERRED_ORDER if t in LAYER_TYPES]
    return known + sorted(t for t in LAYER_TYPES if t not in known and t not in NOT_IN_BUILDER)


def _signature(layer_type: str) -> dict[str, inspect.Parameter]:
    cls = LAYER_TYPES[layer_type]
    return dict(inspect.signature(cls.__init__).parameters)


def column_param(layer_type: str, column: str) -> str | None:
    """The constructor argument ``column`` edits for ``layer_type``, or None if it does not apply."""
    if layer_type not in LAYER_TYPES:
        return None
    sig = _signature(layer_type)
    for name in COLUMN_BY_KEY[column].params:
        if name in sig:
            return name
    return None


def param_default(layer_type: str, param: str):
    """Default value of a constructor argument (a sensible one when the argument is required)."""
    p = _signature(layer_type)[param]
    if p.default is inspect.Parameter.empty:
        return REQUIRED_DEFAULTS.get(param, 1)
    return p.default


def choices(column: str) -> tuple[str, ...]:
    if column == "activation":
        extra = tuple(a for a in sorted(ACTIVATIONS) if a not in ACTIVATION_CHOICES)
        return ACTIVATION_CHOICES + extra
    if column == "init":
        return INIT_CHOICES
    return ()


def new_spec(layer_type: str, previous: dict | None = None) -> dict:
    """A spec of ``layer_type``, keeping the values of ``previous`` that still apply.

    Switching Dense(25) to Conv2D keeps 25 in the "Units / filters" column.
    """
    if layer_type not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {layer_type!r}; expected one of {', '.join(layer_types())}.")
    spec: dict = {"type": layer_type}
    for col in COLUMNS:
        param = column_param(layer_type, col.key)
        if param is None:
            continue
        value = None
        if previous is not None:
            old = column_param(previous.get("type", ""), col.key)
            if old is not None and old in previous:
                value = previous[old]
        if value is None:
            value = param_default(layer_type, param)
        if value is not None:
            spec[param] = value
    if layer_type == "Dense" and spec.get("activation") is None:
        spec["activation"] = "relu"
    return spec


def get_cell(spec: dict, column: str):
    """Value shown in ``column`` for ``spec`` (None when the column does not apply)."""
    param = column_param(spec.get("type", ""), column)
    if param is None:
        return None
    if param in spec:
        return spec[param]
    return param_default(spec["type"], param)


def set_cell(spec: dict, column: str, value) -> dict:
    """A copy of ``spec`` with ``column`` set to ``value`` (type changes go through :func:`new_spec`)."""
    param = column_param(spec.get("type", ""), column)
    if param is None:
        raise ValueError(f"{spec.get('type')}: the {COLUMN_BY_KEY[column].header!r} column does not apply.")
    out = dict(spec)
    if column == "init" and value in (None, "", "default"):
        out.pop(param, None)
    elif column == "stride" and value == 0 and param_default(spec["type"], param) is None:
        out[param] = None
    else:
        out[param] = value
    return out


def columns_in_use(specs: list[dict]) -> set[str]:
    """Column keys that apply to at least one row (the builder hides the others)."""
    return {c.key for c in COLUMNS for s in specs if column_param(s.get("type", ""), c.key) is not None}


def layer_names(specs: list[dict]) -> list[str]:
    """The names the engine gives these layers: dense_1, dense_2, flatten_1, ..."""
    counts: dict[str, int] = {}
    names = []
    for s in specs:
        cls = LAYER_TYPES.get(s.get("type", ""))
        kind = getattr(cls, "kind", str(s.get("type", "layer")).lower())
        counts[kind] = counts.get(kind, 0) + 1
        names.append(f"{kind}_{counts[kind]}")
    return names


@dataclass
class RowReport:
    name: str
    output_shape: tuple[int, ...] | None = None
    params: int | None = None
    error: str | None = None


@dataclass
class StackReport:
    """Result of :func:`check_stack`: per-row shapes/params and the first error, if any."""

    rows: list[RowReport] = field(default_factory=list)
    #: index of the row that breaks the stack (None: no row error)
    error_row: int | None = None
    error: str | None = None
    #: a sentence when the network is over the memory budget but not refused
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def total_params(self) -> int:
        return int(sum(r.params or 0 for r in self.rows))


def build_layers(specs: list[dict]):
    """Engine layers for ``specs``, named as the engine would name them."""
    layers = []
    for spec, name in zip(specs, layer_names(specs)):
        config = {k: v for k, v in spec.items() if k != "type"}
        config["name"] = name
        layers.append(layer_from_config(spec.get("type"), config))
    return layers


def check_stack(specs: list[dict], input_shape, loss: str = "binary_crossentropy", init: str = "he",
                dtype: str = "float32", data=None, batch_size: int | None = None) -> StackReport:
    """Check a layer stack for samples of ``input_shape``.

    ``data`` (optional) is ``(X, y)``: the engine then also checks the data
    against the network (input shape, labels within the output's classes).
    Messages are the engine's, so they name the layer. The network's memory is
    estimated from the sizes alone first: far over the budget it is refused
    (nothing is allocated), over it a warning is set; a network too big to
    build cheaply is not built here at all.
    """
    names = layer_names(specs)
    report = StackReport(rows=[RowReport(name=n) for n in names])
    if not specs:
        report.error = "the network has no layers; add at least an output layer."
        return report
    shape = tuple(input_shape)
    layers = []
    for i, (spec, name) in enumerate(zip(specs, names)):
        row = report.rows[i]
        config = {k: v for k, v in spec.items() if k != "type"}
        config["name"] = name
        try:
            layer = layer_from_config(spec.get("type"), config)
            out = tuple(int(d) for d in layer.output_shape(shape))
            row.params = int(layer.count_params(shape))
        except (ValueError, TypeError) as exc:
            row.error = _sentence(exc, name)
            report.error_row, report.error = i, row.error
            return report
        row.output_shape = out
        layers.append(layer)
        shape = out
    memory = estimate_model_memory(layers, input_shape, dtype)
    verdict = memory.verdict(batch_size or (len(data[0]) if data is not None else 1))
    if verdict != "ok":
        biggest = max(range(len(layers)), key=lambda i: report.rows[i].params)
        sentence = (f"{names[biggest]}: the network has {memory.params:,} parameters and needs about "
                    f"{format_bytes(memory.training_bytes(batch_size or 1))} to train; {describe_budget()}")
        if verdict == "refuse":
            report.rows[biggest].error = report.error = sentence + ". Make the layers smaller."
            report.error_row = biggest
            return report
        report.warning = sentence + ": training may be slow or fail."
    if memory.load_bytes() > BUILD_CHECK_LIMIT:
        return report          # too big to build in the GUI thread just to check it: the run checks it
    try:
        model = Sequential(layers, input_shape=tuple(input_shape), loss=loss, init=init, dtype=dtype)
        if data is not None:
            model.check_inputs(*data)
    except (ValueError, TypeError) as exc:
        msg = _sentence(exc, None)
        idx = next((i for i, n in enumerate(names) if msg.startswith(f"{n}:")), len(specs) - 1)
        report.rows[idx].error = msg
        report.error_row, report.error = idx, msg
    return report


def shape_text(shape) -> str:
    """``(25,)`` or ``(8, 30, 30)``; an em dash when unknown."""
    if shape is None:
        return "—"
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _sentence(exc: BaseException, name: str | None) -> str:
    msg = str(exc).strip() or type(exc).__name__
    if isinstance(exc, TypeError) and name:
        msg = f"{name}: {msg}"
    return msg

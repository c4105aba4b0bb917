"""What each nnviz layer becomes in an export: one function per layer type, in one table.

:data:`EXPORTERS` maps a layer's class name to a function
``export(layer, ctx) -> LayerCode``. The :class:`LayerCode` it returns says
what the layer is in both exports:

* PyTorch (``model.py``): modules of an ``nn.Sequential`` as
  ``(module name, constructor text)`` pairs, plus the state-dict entries
  (arrays already in PyTorch's layout) those modules load;
* NumPy (the standalone script): statements that turn the variable ``a``
  (the batch so far) into the layer's output, the arrays they read from the
  weights dict ``w`` and the helper functions they call (:data:`NUMPY_HELPERS`).

Adding a layer type to the exports is writing one such function and adding
it to :data:`EXPORTERS`. A layer whose export needs its own PyTorch module
class names it in ``torch_helpers`` and adds the class's source to
:data:`TORCH_HELPERS`.

Shapes: ``ctx.input_shape``/``ctx.output_shape`` are one sample's shapes,
without the batch axis: ``(features,)`` or ``(C, H, W)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np


class ExportError(ValueError):
    """A network or its settings cannot be exported; the message names the layer or setting."""


@dataclass
class LayerContext:
    """Where a layer sits: its identifier in the exported code and its one-sample shapes."""

    name: str                      #: a Python identifier made from the layer's name (``dense_1``)
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]


@dataclass
class LayerCode:
    """One layer in both exports (see the module docstring)."""

    torch_modules: list[tuple[str, str]] = field(default_factory=list)
    torch_state: dict[str, np.ndarray] = field(default_factory=dict)
    numpy_lines: list[str] = field(default_factory=list)
    numpy_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    numpy_helpers: tuple[str, ...] = ()
    torch_helpers: tuple[str, ...] = ()


# --- activations ---------------------------------------------------------------------------------------
#: activation name → the PyTorch module that computes it (None: nothing to add)
TORCH_ACTIVATIONS = {"relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
                     "leaky_relu": "nn.LeakyReLU(0.01)", "softmax": "nn.Softmax(dim=1)", "linear": None}

#: helper functions of the NumPy script, by name; each is written once, above ``forward``, if used
NUMPY_HELPERS = {
    "relu": '''

def relu(z):
    """max(z, 0), element by element."""
    return np.maximum(z, 0)
''',
    "leaky_relu": '''

def leaky_relu(z):
    """z where z > 0, else 0.01 * z."""
    return np.where(z > 0, z, z * 0.01)
''',
    "tanh": '''

def tanh(z):
    return np.tanh(z)
''',
    "sigmoid": '''

def sigmoid(z):
    """1 / (1 + exp(-z)), computed without overflow: exp(-|z|) is never larger than 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
''',
    "softmax": '''

def softmax(z):
    """exp(z) / sum(exp(z)) along each row (the class axis); the row's maximum is subtracted first."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''',
    "conv2d": '''

def conv2d(x, W, b, stride, pads):
    """Convolution (cross-correlation) of images x (m, C, H, W) with kernels W (D, C, kh, kw), plus b (D,).

    pads = (top, bottom, left, right) rows/columns of zeros around each image; stride = (sh, sw).
    Returns (m, D, oh, ow), oh = (H + top + bottom - kh) // sh + 1 (and likewise ow).
    """
    top, bottom, left, right = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    d, c, kh, kw = W.shape
    sh, sw = stride
    # windows[n, c, y, x] is the kh x kw patch of image n, channel c under output pixel (y, x)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    m, _, oh, ow = windows.shape[:4]
    # one receptive field per column: cols[n] is (C*kh*kw, oh*ow)
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(m, c * kh * kw, oh * ow)
    z = W.reshape(d, c * kh * kw) @ cols  # (D, C*kh*kw) @ (m, C*kh*kw, oh*ow) -> (m, D, oh*ow)
    z += b[:, None]
    return z.reshape(m, d, oh, ow)
''',
    "maxpool2d": '''

def maxpool2d(x, size, stride):
    """The maximum of each size = (kh, kw) window of x (m, C, H, W), moved by stride = (sh, sw).

    Returns (m, C, oh, ow), oh = (H - kh) // sh + 1: rows and columns past the last whole window are dropped.
    """
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]
    return windows.max(axis=(4, 5))
''',
}

#: helper module classes of the exported model.py, by name
TORCH_HELPERS: dict[str, str] = {
    "InputFeatures": '''

class InputFeatures(nn.Module):
    """2-D points x (m, 2) = (x1, x2) -> the chosen features (m, len(names)), in the order given.

    nnviz's InputFeatures layer (as in TensorFlow Playground); it has no parameters.
    """

    #: feature name -> its value from the columns x1, x2 (each (m,))
    FEATURES = {
        "x1": lambda x1, x2: x1,
        "x2": lambda x1, x2: x2,
        "x1^2": lambda x1, x2: x1 * x1,
        "x2^2": lambda x1, x2: x2 * x2,
        "x1*x2": lambda x1, x2: x1 * x2,
        "sin(x1)": lambda x1, x2: torch.sin(x1),
        "sin(x2)": lambda x1, x2: torch.sin(x2),
    }

    def __init__(self, names):
        super().__init__()
        self.names = list(names)

    def forward(self, x):
        x1, x2 = x[:, 0], x[:, 1]
        return torch.stack([self.FEATURES[name](x1, x2) for name in self.names], dim=1)

    def extra_repr(self):
        return ", ".join(self.names)
''',
}


def _activate(layer, ctx: LayerContext, expression: str, code: LayerCode) -> LayerCode:
    """Add the layer's activation after its affine part (``expression`` in NumPy)."""
    act = layer.activation_name
    if act not in TORCH_ACTIVATIONS or (act != "linear" and act not in NUMPY_HELPERS):
        raise ExportError(f"{layer.name}: nnviz cannot export the activation {act!r} yet; "
                          f"it exports {', '.join(TORCH_ACTIVATIONS)}.")
    if TORCH_ACTIVATIONS[act] is not None:
        code.torch_modules.append((f"{ctx.name}_{act}", TORCH_ACTIVATIONS[act]))
        code.numpy_lines.append(f"a = {act}({expression})")
        code.numpy_helpers += (act,)
    else:
        code.numpy_lines.append(f"a = {expression}")
    return code


# --- one function per layer type -----------------------------------------------------------------
def export_dense(layer, ctx: LayerContext) -> LayerCode:
    """Dense: ``a @ W + b``; PyTorch's Linear keeps W transposed, (units, in)."""
    W, b = layer.params["W"], layer.params["b"]
    n = ctx.name
    code = LayerCode(torch_modules=[(n, f"nn.Linear({W.shape[0]}, {W.shape[1]})")],
                     torch_state={f"{n}.weight": np.ascontiguousarray(W.T), f"{n}.bias": b.copy()},
                     numpy_arrays={f"{n}.W": W, f"{n}.b": b})
    return _activate(layer, ctx, f'a @ w["{n}.W"] + w["{n}.b"]', code)


def conv_pads(layer, input_shape) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zero rows/columns a Conv2D adds for ``input_shape`` (C, H, W)."""
    return tuple(int(p) for p in layer.geometry(input_shape)[0])


def export_conv2d(layer, ctx: LayerContext) -> LayerCode:
    """Conv2D: explicit zero padding (TensorFlow's "same" may pad one more at the bottom/right) and a
    PyTorch Conv2d with the same (D, C, kh, kw) kernels."""
    W, b = layer.params["W"], layer.params["b"]
    d, c, kh, kw = W.shape
    top, bottom, left, right = pads = conv_pads(layer, ctx.input_shape)
    n = ctx.name
    code = LayerCode(torch_state={f"{n}.weight": W.copy(), f"{n}.bias": b.copy()},
                     numpy_arrays={f"{n}.W": W, f"{n}.b": b}, numpy_helpers=("conv2d",))
    stride = tuple(layer.stride)
    if top == bottom and left == right:
        padding = "" if top == left == 0 else f", padding={(top, left)}"
    else:
        code.torch_modules.append((f"{n}_pad", f"nn.ZeroPad2d({(left, right, top, bottom)})"))
        padding = ""
    strides = "" if stride == (1, 1) else f", stride={stride}"
    code.torch_modules.append((n, f"nn.Conv2d({c}, {d}, kernel_size={(kh, kw)}{strides}{padding})"))
    return _activate(layer, ctx, f'conv2d(a, w["{n}.W"], w["{n}.b"], stride={stride}, pads={pads})', code)


def export_maxpool(layer, ctx: LayerContext) -> LayerCode:
    size, stride = tuple(layer.pool_size), tuple(layer.stride)
    return LayerCode(torch_modules=[(ctx.name, f"nn.MaxPool2d(kernel_size={size}, stride={stride})")],
                     numpy_lines=[f"a = maxpool2d(a, size={size}, stride={stride})"], numpy_helpers=("maxpool2d",))


def export_batchnorm(layer, ctx: LayerContext) -> LayerCode:
    """BatchNorm with its running statistics (prediction mode). nnviz's momentum m keeps m of the old
    average; PyTorch's momentum is the weight of the new batch, 1 - m."""
    images = len(ctx.input_shape) == 3
    features = ctx.input_shape[0]
    n = ctx.name
    p, buf = layer.params, layer.buffers
    module = f"nn.BatchNorm{'2d' if images else '1d'}({features}, eps={layer.epsilon!r}, momentum={1 - layer.momentum!r})"
    shape = "[None, :, None, None]" if images else ""
    line = (f'a = (a - w["{n}.mean"]{shape}) * (1.0 / np.sqrt(w["{n}.var"] + {layer.epsilon!r})){shape} '
            f'* w["{n}.gamma"]{shape} + w["{n}.beta"]{shape}')
    return LayerCode(
        torch_modules=[(n, module)],
        torch_state={f"{n}.weight": p["gamma"].copy(), f"{n}.bias": p["beta"].copy(),
                     f"{n}.running_mean": buf["running_mean"].copy(), f"{n}.running_var": buf["running_var"].copy(),
                     f"{n}.num_batches_tracked": np.array(0, dtype=np.int64)},
        numpy_lines=["# normalize with the averages seen in training, then scale and shift", line],
        numpy_arrays={f"{n}.gamma": p["gamma"], f"{n}.beta": p["beta"], f"{n}.mean": buf["running_mean"],
                      f"{n}.var": buf["running_var"]})


def export_dropout(layer, ctx: LayerContext) -> LayerCode:
    return LayerCode(torch_modules=[(ctx.name, f"nn.Dropout(p={1 - layer.keep_prob!r})")],
                     numpy_lines=["# nothing to do: dropout is only active while training"])


def export_flatten(layer, ctx: LayerContext) -> LayerCode:
    return LayerCode(torch_modules=[(ctx.name, "nn.Flatten()")],
                     numpy_lines=["a = a.reshape(a.shape[0], -1)"])


#: input feature name → its NumPy expression of the columns x1, x2 (the engine's FEATURES, the same operations)
NUMPY_FEATURES = {"x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2", "x1*x2": "x1 * x2",
                  "sin(x1)": "np.sin(x1)", "sin(x2)": "np.sin(x2)"}


def export_input_features(layer, ctx: LayerContext) -> LayerCode:
    """InputFeatures: (m, 2) points -> (m, k) features, computed from the columns x1, x2 in the layer's order."""
    names = list(layer.names)
    unknown = [n for n in names if n not in NUMPY_FEATURES]
    if unknown:
        raise ExportError(f"{layer.name}: nnviz cannot export the input feature {unknown[0]!r} yet; it exports "
                          f"{', '.join(NUMPY_FEATURES)}.")
    return LayerCode(torch_modules=[(ctx.name, f"InputFeatures({names!r})")], torch_helpers=("InputFeatures",),
                     numpy_lines=["x1, x2 = a[:, 0], a[:, 1]",
                                  f"a = np.stack([{', '.join(NUMPY_FEATURES[n] for n in names)}], axis=1)"])


#: layer class name → its export function (see the module docstring)
EXPORTERS = {
    "Dense": export_dense,
    "Conv2D": export_conv2d,
    "MaxPool2D": export_maxpool,
    "BatchNorm": export_batchnorm,
    "Dropout": export_dropout,
    "Flatten": export_flatten,
    "InputFeatures": export_input_features,
}


# --- the whole network ---------------------------------------------------------------------------
@dataclass
class ExportedLayer:
    layer: object
    ctx: LayerContext
    code: LayerCode
    description: str


def plain_text(text) -> str:
    """``text`` safe inside generated comments and docstrings: no control characters, backslashes or
    triple quotes (a layer name read from a file may hold anything)."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).replace("\\", "/")
    return text.replace('"""', "'''")


def identifiers(names) -> list[str]:
    """Python identifiers for layer names, unique, usable as PyTorch module names (no dots)."""
    out, seen = [], set()
    for i, name in enumerate(names):
        base = re.sub(r"\W+", "_", str(name), flags=re.ASCII).strip("_") or f"layer_{i + 1}"
        if base[0].isdigit():
            base = f"layer_{base}"
        ident, k = base, 2
        while ident in seen:
            ident, k = f"{base}_{k}", k + 1
        seen.add(ident)
        out.append(ident)
    return out


def export_layers(model) -> list[ExportedLayer]:
    """Every layer of ``model`` exported, checked before anything is written.

    Raises ExportError naming the first layer nnviz cannot export, or the first tensor holding
    NaN or infinity.
    """
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in EXPORTERS:
            raise ExportError(f"{layer.name}: nnviz cannot export {kind} layers yet; it exports "
                              f"{', '.join(EXPORTERS)} layers, so nothing was written.")
        for key, value in {**layer.params, **layer.buffers}.items():
            if not np.all(np.isfinite(value)):
                raise ExportError(f"{layer.name}: its {key} contains NaN or infinity (the training diverged); "
                                  "expected finite weights, so nothing was written.")
    out = []
    shape = tuple(model.input_shape)
    for layer, ident, out_shape in zip(model.layers, identifiers(l.name for l in model.layers), model.output_shapes):
        ctx = LayerContext(ident, shape, tuple(out_shape))
        out.append(ExportedLayer(layer, ctx, EXPORTERS[type(layer).__name__](layer, ctx), layer.describe()))
        shape = tuple(out_shape)
    return out

"""Backprop in slow motion: one training step on one sample, recorded layer by layer (no Qt).

:func:`trace_step` takes a network, a batch ``X`` of m samples (the step
view uses m = 1: one training sample) and their labels, and runs *the
engine's own layers* on a private copy of the network:

- forward, layer by layer, in training mode (what a training step does):
  the input ``A_prev``, for layers with an activation the affine part
  ``Z`` (Dense: ``Z = A_prev·W + b``; Conv2D: the cross-correlation plus
  b) and the output ``A = g(Z)``; other layers (Flatten, MaxPool2D,
  BatchNorm with the batch's own statistics, Dropout with one fixed mask
  drawn from the network's dropout generator and kept in ``mask``) record
  ``A_prev`` and ``A``;
- the cost of that batch and dL/d(output) from the engine's loss;
- backward, from the last layer to the first: ``dA`` (dL/dA, what the
  layer's backward receives; for a sigmoid/softmax output fused with
  cross-entropy the engine hands the output layer dL/dZ = (A − Y)/m
  directly, and ``dA`` is then None), ``dZ = dA ⊙ g′(Z)`` (with ``gprime``
  = g′(Z) for element-wise activations), the parameter
  gradients (``dW``, ``db``; ``dgamma``, ``dbeta``), and ``dA_prev``
  (dL/d(input); for the first layer dL/dX, which training does not need);
- the update ``W − lr·dW`` of a plain gradient-descent step with the run's
  learning rate (see :attr:`StepTrace.update_note` for other optimizers).

The network's samples are rows (the engine's layout): Dense W is (in, out)
and ``Z = A_prev·W + b`` is (m, out); the seeds write the same step with
samples as columns, ``Z = W·A + b``, their W being this Wᵀ.

Every array keeps the batch axis first: ``A_prev`` (m, *input_shape),
``Z``, ``A``, ``dA``, ``dZ`` (m, *output_shape), ``dA_prev`` like
``A_prev``; gradients and updates have their parameter's shape.

With ``bug=`` one of :data:`nnviz.engine.bugs.BACKPROP_BUGS`, the bug's
own function runs on a second copy with the same dropout masks, its
layers instrumented to record what each one receives and returns; every
:class:`LayerStep` then carries the bugged ``dA``/``dZ``/gradients/
``dA_prev`` in ``bugged`` and the trace names the first layer, in backward
order, and the first quantity there, where the bugged values differ from
the correct ones (:attr:`StepTrace.first_difference`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nnviz.engine.bugs import BACKPROP_BUGS, get_bug
from nnviz.engine.layers import Dropout
from nnviz.engine.layers.base import ActivatedLayer

__all__ = ["LayerStep", "StepTrace", "trace_step", "BACKWARD_QUANTITIES", "differs", "steps_of",
           "to_table", "array_summary"]

#: the per-layer backward quantities, in the order a backward step computes them
BACKWARD_QUANTITIES = ("dA", "dZ", "grads", "dA_prev")


@dataclass
class LayerStep:
    """One layer's part of the step (arrays as described in the module docstring)."""

    index: int
    name: str
    kind: str
    description: str
    activation: str | None
    A_prev: np.ndarray
    A: np.ndarray
    Z: np.ndarray | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    mask: np.ndarray | None = None          # a dropout layer's mask (0 or 1/keep_prob)
    dA: np.ndarray | None = None
    dZ: np.ndarray | None = None
    #: g′(Z) for element-wise activations (None for softmax, linear or a layer fused with its loss)
    gprime: np.ndarray | None = None
    fused: bool = False                     # the output layer receives dL/dZ from the loss
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    dA_prev: np.ndarray | None = None
    updated: dict[str, np.ndarray] = field(default_factory=dict)
    #: with a bug: {"dA", "dZ", "grads", "dA_prev"} as the bug computed them
    bugged: dict[str, Any] | None = None
    #: with a bug: the quantities whose bugged value differs ("dZ", "grads.W", ...)
    differing: list[str] = field(default_factory=list)

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))


@dataclass
class StepTrace:
    layers: list[LayerStep]
    X: np.ndarray
    y: np.ndarray
    Y: np.ndarray                           # targets (m, k) as the loss takes them
    output: np.ndarray                      # (m, k)
    cost: float
    loss: str
    lr: float
    optimizer: str
    l2: float
    dtype: str
    bug: str | None = None
    bug_error: str = ""
    bug_cost: float | None = None
    #: (layer index, quantity) of the first difference in backward order, or None
    first_difference: tuple[int, str] | None = None

    @property
    def m(self) -> int:
        return int(self.X.shape[0])

    @property
    def update_note(self) -> str:
        """What the update arrays are, in one sentence."""
        if self.optimizer in ("sgd", "gd", ""):
            return f"the gradient-descent step W − lr·dW with lr = {self.lr:g} (what this run's SGD does)."
        return (f"a plain gradient-descent step W − lr·dW with lr = {self.lr:g}; the run's {self.optimizer} "
                "scales each weight's step by averages it keeps over many steps, which one step on one "
                "sample does not have, so its real step is different.")

    def first_difference_text(self) -> str:
        """One sentence: where the bug first shows, or why it does not."""
        if not self.bug:
            return ""
        if self.bug_error:
            return f"The bug “{self.bug}” cannot run on this network: {self.bug_error}"
        if self.first_difference is None:
            if self.bug == "dropped 1/m" and self.m == 1:
                return ("No layer differs: with one sample m = 1, so forgetting to divide by m changes nothing; "
                        "take two or more samples to see this bug.")
            return f"No layer differs: the bug “{self.bug}” gives the correct numbers on this network and sample."
        i, what = self.first_difference
        layer = self.layers[i]
        return (f"The bugged backward pass first differs at {layer.name} ({layer.description}), "
                f"in {pretty_quantity(what)}.")


def pretty_quantity(what: str) -> str:
    if what.startswith("grads."):
        return "d" + what.split(".", 1)[1]
    return what


def differs(a, b, dtype) -> bool:
    """True when two arrays differ by more than a few roundings of ``dtype`` (relative to their size)."""
    if a is None or b is None:
        return (a is None) != (b is None)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return True
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return not np.array_equal(a, b, equal_nan=True)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-30)
    return float(np.max(np.abs(a - b), initial=0.0)) > 64 * np.finfo(dtype).eps * scale


def _copy_for_trace(model):
    twin = model.copy(with_history=False)
    for mine, theirs in zip(twin.layers, model.layers):
        if isinstance(theirs, Dropout):
            mine.rng_state = theirs.rng_state
    return twin


def _set_masks(model, masks: dict[int, np.ndarray]) -> None:
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dropout) and i in masks:
            layer.mask = masks[i]
            layer.freeze_mask(True)


def _instrument(model) -> list[dict]:
    """Wrap each layer's backward methods (instance attributes) to record what they receive and return."""
    records: list[dict] = [{} for _ in model.layers]

    for layer, rec in zip(model.layers, records):
        def wrap(name, fn, rec=rec):
            def inner(arg, *args, **kwargs):
                if name in ("backward", "preactivation_grad"):
                    rec.setdefault("dA", np.array(arg))
                if name == "backward_preactivation":
                    rec.setdefault("dZ", np.array(arg))
                out = fn(arg, *args, **kwargs)
                if name in ("backward", "backward_preactivation") and out is not None:
                    rec["dA_prev"] = np.array(out)
                return out
            return inner

        layer.backward = wrap("backward", layer.backward)
        if isinstance(layer, ActivatedLayer):
            layer.preactivation_grad = wrap("preactivation_grad", layer.preactivation_grad)
            layer.backward_preactivation = wrap("backward_preactivation", layer.backward_preactivation)
    return records


def trace_step(model, X, y, lr: float = 0.01, optimizer: str = "sgd", bug: str | None = None,
               should_stop: Callable[[], bool] | None = None) -> StepTrace:
    """The step on ``X`` (m, *input_shape) with labels ``y`` (m,), computed on copies of ``model``.

    ``model`` itself is never changed. Raises ValueError (one sentence) for
    inputs the network cannot take, an unknown bug name, or
    InterruptedError when ``should_stop()`` turns True between layers.
    """
    stop = should_stop or (lambda: False)
    X, y = model.check_inputs(np.asarray(X), np.asarray(y))
    bug_fn = get_bug(bug) if bug else None
    net = _copy_for_trace(model)
    Y = net.targets(y)
    m = X.shape[0]
    L = len(net.layers)
    steps: list[LayerStep] = []
    a = X
    for i, layer in enumerate(net.layers):
        if stop():
            raise InterruptedError("cancelled")
        a_prev = a
        a = layer.forward(a_prev, training=True)
        act = layer.activation_name
        step = LayerStep(index=i, name=layer.name, kind=layer.kind, description=layer.describe(), activation=act,
                         A_prev=np.array(a_prev), A=np.array(a),
                         params={k: np.array(v) for k, v in layer.params.items()})
        if isinstance(layer, ActivatedLayer):
            step.Z = np.array(layer.preactivation)
        if isinstance(layer, Dropout) and layer.mask is not None:
            step.mask = np.array(layer.mask)
        steps.append(step)
    output = a
    cost = float(net.data_cost(output, Y) + net.regularization_cost(m))
    grad = net.output_gradient(output, Y)
    for i in range(L - 1, -1, -1):
        if stop():
            raise InterruptedError("cancelled")
        layer, step = net.layers[i], steps[i]
        if isinstance(layer, ActivatedLayer):
            step.fused = bool(layer.fused_with_loss)
            step.dA = None if step.fused else np.array(grad)
            dz = layer.preactivation_grad(grad)
            step.dZ = np.array(dz)
            if not step.fused and layer.activation.name not in ("softmax", "linear"):
                step.gprime = np.array(layer.activation.backward(step.Z, step.A, np.ones_like(step.Z)))
            grad = layer.backward_preactivation(dz, need_input_grad=True)
        else:
            step.dA = np.array(grad)
            grad = layer.backward(grad, need_input_grad=True)
        step.dA_prev = np.array(grad)
    net.add_regularization_gradients(m)
    lr_ = net.dtype.type(lr)
    for layer, step in zip(net.layers, steps):
        step.grads = {k: np.array(v) for k, v in layer.grads.items()}
        step.updated = {k: step.params[k] - lr_ * step.grads[k] for k in step.params}

    trace = StepTrace(layers=steps, X=np.array(X), y=np.array(y), Y=np.array(Y), output=np.array(output),
                      cost=cost, loss=net.loss.name, lr=float(lr), optimizer=str(optimizer).lower(), l2=net.l2,
                      dtype=net.dtype.name, bug=bug or None)
    if bug_fn is not None:
        _trace_bug(model, X, Y, trace, bug_fn, stop)
    return trace


def _trace_bug(model, X, Y, trace: StepTrace, bug_fn, stop) -> None:
    bnet = _copy_for_trace(model)
    _set_masks(bnet, {s.index: s.mask for s in trace.layers if s.mask is not None})
    records = _instrument(bnet)
    if stop():
        raise InterruptedError("cancelled")
    try:
        trace.bug_cost, _ = bug_fn(bnet, X, Y)
    except ValueError as exc:
        trace.bug_error = str(exc)
        return
    dtype = np.dtype(trace.dtype)
    L = len(trace.layers)
    grad_out = bnet.output_gradient(np.array(trace.output), Y)
    for i in range(L - 1, -1, -1):
        step, rec = trace.layers[i], records[i]
        # what reached the layer's output: recorded, else what the layer above sent back
        if i == L - 1:
            dA = rec.get("dA", grad_out)
        else:
            dA = rec.get("dA", records[i + 1].get("dA_prev"))
        if step.fused:
            dA = None
        dA_prev = records[i - 1].get("dA", rec.get("dA_prev")) if i > 0 else rec.get("dA_prev")
        bugged = {"dA": dA, "dZ": rec.get("dZ") if step.Z is not None else None,
                  "grads": {k: np.array(v) for k, v in bnet.layers[i].grads.items()}, "dA_prev": dA_prev}
        step.bugged = bugged
        diff = []
        if step.dA is not None and differs(step.dA, dA, dtype):
            diff.append("dA")
        if step.dZ is not None and differs(step.dZ, bugged["dZ"], dtype):
            diff.append("dZ")
        diff += [f"grads.{k}" for k in step.grads if differs(step.grads[k], bugged["grads"][k], dtype)]
        if i > 0 and differs(step.dA_prev, dA_prev, dtype):
            diff.append("dA_prev")
        step.differing = diff
        if diff and trace.first_difference is None:
            trace.first_difference = (i, diff[0])


# --- what the view shows ------------------------------------------------------------------------
def steps_of(trace: StepTrace) -> list[tuple[str, int]]:
    """The stepping order: ("forward", i) for each layer, ("backward", i) from the last, then ("update", -1)."""
    L = len(trace.layers)
    return [("forward", i) for i in range(L)] + [("backward", i) for i in range(L - 1, -1, -1)] + [("update", -1)]


def to_table(a) -> np.ndarray:
    """Any array as a 2-D table: (n,) → (1, n); (p, q, r, s) → (p·r, q·s), blocks of r×s side by side
    (so one image (1, C, H, W) shows its C channels side by side, a kernel bank (D, C, kh, kw) D rows
    of C kernels); (C, H, W) as (1, C, H, W); more axes are flattened into the columns."""
    a = np.asarray(a)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    if a.ndim == 3:
        a = a[None]
    if a.ndim == 4:
        p, q, r, s = a.shape
        return a.transpose(0, 2, 1, 3).reshape(p * r, q * s)
    return a.reshape(a.shape[0], -1)


def array_summary(a) -> dict:
    """{"shape", "size", "norm", "min", "max"} of an array, in float64 (NaN-safe: NaNs make min/max NaN)."""
    a = np.asarray(a)
    if a.size == 0:
        return {"shape": a.shape, "size": 0, "norm": 0.0, "min": float("nan"), "max": float("nan")}
    f = a.astype(np.float64, copy=False)
    return {"shape": a.shape, "size": int(a.size), "norm": float(np.sqrt(np.sum(f * f))),
            "min": float(np.min(f)), "max": float(np.max(f))}


BUG_NAMES = tuple(BACKPROP_BUGS)

"""Layer statistics over a run: how each layer's weights, activations and gradients are distributed.

TensorBoard draws a distribution over time as bands; so do we. At chosen
epochs (every one of the first 16, then about 200 spread over the run, and
the last) a :class:`LayerStatsRecorder`, a training callback running in the
worker, records for every layer with weights:

- ``weights``: the 5th, 25th, 50th, 75th and 95th percentiles of W's entries;
- ``grads``: the same percentiles of |∂J/∂W| (the last mini-batch of the epoch);
- ``activations``: the same percentiles of the layer's outputs on a fixed
  sample of the test set (at most 512 samples, evaluation mode);
- ``dead``: the share of ReLU units never positive on that sample (a dense
  unit is a column, a convolution unit a channel, over every position);
- ``saturated``: the share of hidden sigmoid/tanh units whose output sits in
  the flat tails (within 0.01 of 0 or 1 for sigmoid, of ±1 for tanh) on at
  least 95 % of the sample, where g′ is below about 0.01;
- ``update_ratio``: ‖ΔW‖ / ‖W‖ of the epoch's last optimizer step (the usual
  guide: about 1e-3; far below, the layer hardly learns; far above, it thrashes).

Measuring costs a forward pass of the sample; when the rows of a run have
taken more than 3 % of its wall time so far, due epochs are skipped until
they are back under it (never the first 16 nor the last), so the statistics
never slow training much (moons trains 1,600 epochs a second: 200 rows of
about a millisecond each would cost it 15 %).

Everything here is NumPy on plain arrays; the view only draws.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

PERCENTILES = (5, 25, 50, 75, 95)
SAMPLE_LIMIT = 512
EARLY_EPOCHS = 16
TARGET_ROWS = 200
UPDATE_RATIO_GUIDE = 1e-3
SATURATION_MARGIN = 0.01
SATURATED_SHARE = 0.95
#: share of the run's wall time the measurements may take; a due epoch is skipped when over it
TIME_BUDGET = 0.01


def percentiles(values: np.ndarray) -> np.ndarray:
    """(5,) float64: the PERCENTILES of ``values`` (any shape; NaN when empty)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0:
        return np.full(len(PERCENTILES), np.nan)
    return np.percentile(flat, PERCENTILES)


def _per_unit(a: np.ndarray) -> np.ndarray:
    """(m, units, positions): a dense output (m, n) or a conv output (m, C, H, W) grouped by unit."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def dead_units(a: np.ndarray) -> np.ndarray:
    """(units,) bool: ReLU units whose output ``a`` is never positive, over every sample and position."""
    return ~np.any(_per_unit(a) > 0, axis=(0, 2))


def saturated_units(a: np.ndarray, activation: str) -> np.ndarray:
    """(units,) bool: sigmoid/tanh units in their flat tails on at least 95 % of the samples."""
    u = _per_unit(a)
    if activation == "sigmoid":
        flat = (u < SATURATION_MARGIN) | (u > 1 - SATURATION_MARGIN)
    elif activation == "tanh":
        flat = np.abs(u) > 1 - SATURATION_MARGIN
    else:
        return np.zeros(u.shape[1], dtype=bool)
    return flat.mean(axis=(0, 2)) >= SATURATED_SHARE


@dataclass
class LayerRow:
    """One layer at one moment (see the module docstring for each field); bands are (5,) float64."""

    weights: np.ndarray
    grads: np.ndarray
    activations: np.ndarray
    dead: float = math.nan          # share of units, NaN when the layer is not ReLU
    saturated: float = math.nan     # share of units, NaN when the layer is not a hidden sigmoid/tanh
    units: int = 0
    update_ratio: float = math.nan


@dataclass
class StatsRow:
    """Every layer with weights at the end of one epoch: ``layers`` maps a layer name to its LayerRow."""

    epoch: int
    layers: dict[str, LayerRow] = field(default_factory=dict)
    #: measured outside a run (a network no step has been taken with yet, or one rewound in time)
    idle: bool = False


def weighted_layers(model) -> list:
    """The layers with a weight matrix or kernel ``W``, in order."""
    return [layer for layer in model.layers if "W" in layer.params]


def measure(model, X: np.ndarray, epoch: int, ratios: dict | None = None, gradients: bool = True) -> StatsRow:
    """A StatsRow for ``model`` now: weights, the gradients its layers hold, activations on ``X``.

    ``X`` is a checked batch (m, *input_shape); ``ratios`` maps layer names to update ratios;
    ``gradients=False`` (a model no step has been taken with) leaves the gradient bands NaN.
    """
    ratios = ratios or {}
    outputs = {}
    a = X
    for layer in model.layers:
        a = layer.forward(a, training=False)
        outputs[layer.name] = a
    last = model.layers[-1].name
    row = StatsRow(epoch=int(epoch))
    for layer in weighted_layers(model):
        out = outputs[layer.name]
        activation = getattr(getattr(layer, "activation", None), "name", "linear")
        grad = layer.grads.get("W") if gradients else None
        lr = LayerRow(weights=percentiles(layer.params["W"]),
                      grads=percentiles(np.abs(grad)) if grad is not None else percentiles(np.empty(0)),
                      activations=percentiles(out), units=int(out.shape[1]),
                      update_ratio=float(ratios.get(layer.name, math.nan)))
        if activation == "relu":
            lr.dead = float(dead_units(out).mean())
        if activation in ("sigmoid", "tanh") and layer.name != last:
            lr.saturated = float(saturated_units(out, activation).mean())
        row.layers[layer.name] = lr
    return row


def due_epochs(start_epoch: int, epochs: int, target: int = TARGET_ROWS) -> set[int]:
    """The 1-based epochs of a run of ``epochs`` epochs after ``start_epoch`` at which a row is recorded."""
    last = start_epoch + epochs
    step = max(1, math.ceil(epochs / target))
    due = {e for e in range(start_epoch + 1, min(last, start_epoch + EARLY_EPOCHS) + 1)}
    due.update(range(start_epoch + step, last + 1, step))
    due.add(last)
    return due


def sample_of(X: np.ndarray, limit: int = SAMPLE_LIMIT) -> np.ndarray:
    """The first ``limit`` samples of ``X`` (the test set: the same ones at every row)."""
    return np.ascontiguousarray(X[:limit])


class LayerStatsRecorder:
    """A training callback and a probe: records StatsRows in the worker, hands new ones to snapshots.

    ``X`` is the sample activations are measured on (see :func:`sample_of`).
    As a probe (``key = "layer_stats"``), ``compute(model)`` returns the rows
    recorded since its last call; called outside a run with nothing new, it
    measures the model as it is (its gradients are then absent).
    """

    key = "layer_stats"

    def __init__(self, X: np.ndarray):
        self.X = X
        self.rows: list[StatsRow] = []
        self._sent = 0
        self._due: set[int] = set()
        self._ipe = 1
        self._first = (0, 0)            # (start epoch, start iteration) of the current fit
        self._before: dict | None = None
        self._ratio_at: int | None = None
        self._ratios: dict[str, float] = {}
        self._measured_idle = False
        self._began = self._spent = 0.0
        self._last_due = 0

    # --- training callback -------------------------------------------------------------------
    def on_train_begin(self, model, info):
        start = int(info.get("start_epoch", 0))
        self._ipe = max(1, int(info.get("iterations_per_epoch", 1)))
        self._due = due_epochs(start, int(info.get("epochs", 0)))
        self._last_due = max(self._due, default=0)
        self._began, self._spent = time.perf_counter(), 0.0
        self._first = (start, model.history.iterations_done)
        self._arm_if_next_is_last(model, model.history.iterations_done)

    def on_batch_end(self, model, info):
        iteration = int(info["iteration"])
        if self._before is not None and iteration == self._ratio_at:
            self._ratios = {}
            for layer in weighted_layers(model):
                before = self._before.get(layer.name)
                if before is not None:
                    norm = float(np.linalg.norm(before))
                    delta = float(np.linalg.norm(layer.params["W"] - before))
                    self._ratios[layer.name] = delta / norm if norm > 0 else math.nan
            self._before = None
        self._arm_if_next_is_last(model, iteration)

    def on_epoch_end(self, model, info):
        epoch = int(info["epoch"])
        now = time.perf_counter()
        over_budget = self._spent > TIME_BUDGET * (now - self._began)
        early = epoch - self._first[0] <= EARLY_EPOCHS
        if epoch in self._due and (early or epoch == self._last_due or not over_budget):
            X = model.check_inputs(self.X) if len(self.X) else self.X
            self.rows.append(measure(model, X, epoch, self._ratios))
            self._spent += time.perf_counter() - now
        self._ratios = {}

    def _arm_if_next_is_last(self, model, iteration: int) -> None:
        """Copy the weights when the next step is the last of a due epoch (to measure its update)."""
        start_epoch, start_iteration = self._first
        following = iteration + 1
        epoch = start_epoch + (following - start_iteration - 1) // self._ipe + 1
        is_last = (following - start_iteration) % self._ipe == 0
        if is_last and epoch in self._due:
            self._before = {layer.name: layer.params["W"].copy() for layer in weighted_layers(model)}
            self._ratio_at = following

    # --- probe --------------------------------------------------------------------------------
    def compute(self, model) -> list[StatsRow]:
        if self._sent < len(self.rows):
            new = self.rows[self._sent:]
            self._sent = len(self.rows)
            return new
        if not self.rows and not self._measured_idle and len(self.X):
            self._measured_idle = True
            row = measure(model, model.check_inputs(self.X), model.history.epochs_done, gradients=False)
            row.idle = True
            return [row]
        return []


def bands(rows: list[StatsRow], layer: str, quantity: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs (n,), bands (n, 5)) of ``quantity`` ("weights", "grads", "activations") for ``layer``."""
    kept = [r for r in rows if layer in r.layers]
    epochs = np.array([r.epoch for r in kept], dtype=np.float64)
    values = np.array([getattr(r.layers[layer], quantity) for r in kept], dtype=np.float64).reshape(-1, 5)
    return epochs, values


def series(rows: list[StatsRow], layer: str, quantity: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) of a scalar ``quantity`` ("dead", "saturated", "update_ratio") for ``layer``."""
    kept = [r for r in rows if layer in r.layers]
    return (np.array([r.epoch for r in kept], dtype=np.float64),
            np.array([getattr(r.layers[layer], quantity) for r in kept], dtype=np.float64))

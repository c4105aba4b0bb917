"""The network drawn neuron by neuron (the network-graph view's worker half), without Qt.

A network over flat inputs is drawn as *columns* of nodes: the inputs,
then every layer whose output is a flat vector (Dense layers, and
parameter-free layers such as input features; Dropout and Flatten, which
change nothing at inference, are left out). Consecutive columns are joined
by the weights of a Dense layer.

For 2-D data (:class:`NetworkGraphProbe` with a grid) each node carries its
activation over the input plane, a (ny, nx) map on a
:class:`~nnviz.lab.boundary.Grid`. For other data (images) the probe runs
one sample and returns every flat layer's activation vector.

Wide layers are cut to the ``limit`` units with the largest weights in and
out (:func:`select_units`); the rest are counted, not shown. The choice is
made once per network (by the view, from a frozen copy) so nodes do not
jump about while the network trains.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

#: layers that change nothing at inference time: no column of their own
SKIPPED_KINDS = ("dropout", "flatten")


@dataclass(frozen=True)
class Column:
    """One column of nodes.

    ``layer_index`` is the layer's index in ``model.layers`` (-1: the inputs).
    ``dense``: its nodes are joined to the previous column's by a weight
    matrix ``W`` (previous units, units) and it has a bias ``b`` (units,).
    """

    name: str
    title: str
    layer_index: int
    units: int
    dense: bool
    activation: str | None = None

    def unit_label(self, unit: int) -> str:
        if self.layer_index < 0:
            return f"input x{unit + 1}"
        return f"{self.name} unit {unit + 1}"


def graph_columns(model, input_names=None) -> list[Column]:
    """The columns of ``model``'s graph; an empty list when its inputs are not flat (images)."""
    if len(model.input_shape) != 1:
        return []
    n = int(model.input_shape[0])
    names = list(input_names or [])
    title = "Inputs" if not names else "Inputs (" + ", ".join(names[:n]) + ")"
    columns = [Column("input", title, -1, n, False)]
    for i, (layer, shape) in enumerate(zip(model.layers, model.output_shapes)):
        if len(shape) != 1 or layer.kind in SKIPPED_KINDS:
            continue
        W = layer.params.get("W")
        dense = (layer.kind == "dense" and W is not None and W.ndim == 2
                 and W.shape == (columns[-1].units, int(shape[0])))
        columns.append(Column(layer.name, f"{layer.name} · {layer.describe()}", i, int(shape[0]), dense,
                              layer.activation_name))
    return columns


def column_outputs(model, X, columns: list[Column]) -> list[np.ndarray]:
    """Every column's values for the inputs X (m, ...): a list of (m, units) arrays (inference mode).

    The input column's values are X itself (flattened); a layer column's are that layer's output.
    """
    a = model.check_inputs(X)
    wanted = {c.layer_index for c in columns}
    outputs = {-1: a}
    for i, layer in enumerate(model.layers[:max(wanted) + 1]):       # no further than the last one asked for
        a = layer.forward(a, training=False)
        if i in wanted:
            outputs[i] = a
    return [np.asarray(outputs[c.layer_index]).reshape(len(X), -1) for c in columns]


def unit_scores(model, columns: list[Column]) -> list[np.ndarray]:
    """How strongly each unit is wired: Σ|weights in| + Σ|weights out|, one (units,) array per column."""
    scores = [np.zeros(c.units) for c in columns]
    for k, c in enumerate(columns):
        if c.dense:
            W = np.abs(np.asarray(model.layers[c.layer_index].params["W"], dtype=np.float64))
            scores[k] += W.sum(axis=0)
            scores[k - 1] += W.sum(axis=1)
    return scores


def select_units(model, columns: list[Column], limit: int = 64) -> list[np.ndarray]:
    """The units shown in each column: all of them, or the ``limit`` most strongly wired ones
    (see :func:`unit_scores`), in their own order. One int array per column."""
    if limit < 1:
        raise ValueError(f"the number of units shown per layer must be at least 1. Received: {limit}")
    shown = []
    for c, score in zip(columns, unit_scores(model, columns)):
        if c.units <= limit:
            shown.append(np.arange(c.units))
        else:
            top = np.argsort(-score, kind="stable")[:limit]
            shown.append(np.sort(top))
    return shown


@dataclass
class NeuronMap:
    """One neuron's output over the input plane: ``values`` (ny, nx) at the grid points (xs, ys)."""

    values: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    layer_index: int
    unit: int
    label: str
    activation: str | None
    output: bool          # a unit of the network's output layer
    epoch: int = 0
    iteration: int = 0


@dataclass
class NetworkFrame:
    """What the network graph draws for one moment of training.

    ``shown[k]`` are column k's unit indices on screen. ``weights[k]`` is
    W restricted to the shown units, (len(shown[k-1]), len(shown[k])), and
    ``biases[k]`` (len(shown[k]),), None for a column without weights.
    For 2-D data ``maps[k]`` is (len(shown[k]), ny, nx): each shown unit's
    value at the grid points (xs, ys); for one sample ``values[k]`` is
    (units,), every unit's value (shown or not), and ``maps`` is None.
    """

    columns: list[Column]
    shown: list[np.ndarray]
    weights: list[np.ndarray | None]
    biases: list[np.ndarray | None]
    maps: list[np.ndarray] | None = None
    xs: np.ndarray | None = None
    ys: np.ndarray | None = None
    values: list[np.ndarray] | None = None
    tag: object = None
    epoch: int = 0
    iteration: int = 0
    #: one neuron's map on a grid of its own (the boundary view's), when a view asked for it
    focus: NeuronMap | None = None

    def map_of(self, layer_index: int, unit: int) -> np.ndarray | None:
        """The (ny, nx) map of unit ``unit`` of the column of layer ``layer_index`` (-1: inputs), if shown."""
        if self.maps is None:
            return None
        for k, c in enumerate(self.columns):
            if c.layer_index == layer_index:
                where = np.flatnonzero(self.shown[k] == unit)
                return self.maps[k][where[0]] if where.size else None
        return None

    def neuron_map(self, layer_index: int, unit: int) -> NeuronMap | None:
        """Unit ``unit`` of layer ``layer_index``'s map with what it is, for a large picture (None if not shown)."""
        values = self.map_of(layer_index, unit)
        if values is None:
            return None
        k = next(i for i, c in enumerate(self.columns) if c.layer_index == layer_index)
        c = self.columns[k]
        return NeuronMap(values=values, xs=self.xs, ys=self.ys, layer_index=layer_index, unit=unit,
                         label=c.unit_label(unit), activation=c.activation, output=k == len(self.columns) - 1,
                         epoch=self.epoch, iteration=self.iteration)

    @property
    def hidden_counts(self) -> list[int]:
        """Units not shown, per column."""
        return [c.units - len(s) for c, s in zip(self.columns, self.shown)]


def _weights(model, columns, shown):
    weights, biases = [], []
    for k, c in enumerate(columns):
        if not c.dense:
            weights.append(None)
            biases.append(None)
            continue
        layer = model.layers[c.layer_index]
        W = np.asarray(layer.params["W"])
        weights.append(np.array(W[np.ix_(shown[k - 1], shown[k])], dtype=np.float32))
        b = layer.params.get("b")
        biases.append(None if b is None else np.array(np.asarray(b)[shown[k]], dtype=np.float32))
    return weights, biases


def neuron_map(model, columns, layer_index: int, unit: int, grid) -> NeuronMap:
    """Unit ``unit`` of layer ``layer_index`` (-1: the inputs) over ``grid``, as a :class:`NeuronMap`."""
    k = next(i for i, c in enumerate(columns) if c.layer_index == layer_index)
    c = columns[k]
    values = column_outputs(model, grid.points, [c])[0][:, unit].reshape(grid.shape)
    h = model.history
    return NeuronMap(values=np.array(values, dtype=np.float32), xs=np.array(grid.xs), ys=np.array(grid.ys),
                     layer_index=layer_index, unit=unit, label=c.unit_label(unit), activation=c.activation,
                     output=k == len(columns) - 1, epoch=h.epochs_done, iteration=h.iterations_done)


def network_frame(model, columns, shown, grid=None, sample=None, tag=None, focus=None) -> NetworkFrame:
    """Compute a :class:`NetworkFrame` on ``grid`` (2-D data) or for one ``sample`` (its own shape);
    ``focus`` = (layer_index, unit, grid) adds that neuron's map on that grid."""
    weights, biases = _weights(model, columns, shown)
    h = model.history
    frame = NetworkFrame(columns=list(columns), shown=[np.array(s) for s in shown], weights=weights,
                         biases=biases, tag=tag, epoch=h.epochs_done, iteration=h.iterations_done)
    if grid is not None:
        ny, nx = grid.shape
        outs = column_outputs(model, grid.points, columns)
        frame.maps = [np.ascontiguousarray(o[:, s].T.reshape(len(s), ny, nx), dtype=np.float32)
                      for o, s in zip(outs, shown)]
        frame.xs, frame.ys = np.array(grid.xs), np.array(grid.ys)
    elif sample is not None:
        frame.values = [np.array(o[0], dtype=np.float32)
                        for o in column_outputs(model, np.asarray(sample)[None], columns)]
    if focus is not None:
        frame.focus = neuron_map(model, columns, *focus)
    return frame


@dataclass
class SampleLayer:
    """One layer as the sample view lists it: a flat layer (its values) or an image layer (a link)."""

    name: str
    description: str
    kind: str
    layer_index: int
    units: int          # flat layers: the vector's length; image layers: 0
    shape: tuple = ()


def sample_layers(model) -> list[SampleLayer]:
    """Every layer worth listing for one sample: conv/pool layers and flat layers (no Flatten, no Dropout)."""
    out = []
    for i, (layer, shape) in enumerate(zip(model.layers, model.output_shapes)):
        if layer.kind in SKIPPED_KINDS:
            continue
        out.append(SampleLayer(layer.name, layer.describe(), layer.kind, i,
                               int(shape[0]) if len(shape) == 1 else 0, tuple(shape)))
    return out


def sample_columns(model) -> list[Column]:
    """Columns for one sample of any shape: every flat layer (see :func:`sample_layers`)."""
    return [Column(s.name, f"{s.name} · {s.description}", s.layer_index, s.units, False,
                   model.layers[s.layer_index].activation_name)
            for s in sample_layers(model) if s.units]


class NetworkGraphProbe:
    """Worker-side half of the network graph (key ``network_graph``).

    With a ``grid`` it computes every shown unit's map over the plane; with
    a sample (:meth:`set_input`) the activations for that sample. While
    ``active`` is False (the view is hidden) it returns None at no cost.
    """

    key = "network_graph"

    def __init__(self, columns: list[Column], shown: list[np.ndarray], grid=None, sample=None, tag=None):
        self.columns, self.shown, self.grid = list(columns), [np.array(s) for s in shown], grid
        self._lock = threading.Lock()
        self._sample, self._tag = (None if sample is None else np.array(sample)), tag
        self._active = True
        self._focus = None

    def set_focus(self, layer_index: int | None, unit: int = 0, grid=None) -> None:
        """Also compute unit ``unit`` of layer ``layer_index`` on ``grid`` (a large picture); None: stop."""
        with self._lock:
            self._focus = None if layer_index is None else (int(layer_index), int(unit), grid)

    def set_focus_grid(self, grid) -> None:
        """The focused neuron is wanted on another grid now (the large picture changed shape)."""
        with self._lock:
            if self._focus is not None and self._focus[2] is not grid:
                self._focus = (*self._focus[:2], grid)

    def set_active(self, active: bool) -> None:
        with self._lock:
            self._active = bool(active)

    @property
    def active(self) -> bool:
        return self._active

    def set_input(self, x, tag=None) -> None:
        with self._lock:
            self._sample, self._tag = np.array(x), tag

    def compute(self, model) -> NetworkFrame | None:
        with self._lock:
            active, sample, tag, focus = self._active, self._sample, self._tag, self._focus
        if not active:
            return None
        if self.grid is not None:
            return network_frame(model, self.columns, self.shown, grid=self.grid, focus=focus)
        if sample is None:
            return None
        return network_frame(model, self.columns, self.shown, sample=sample, tag=tag)


__all__ = ["Column", "graph_columns", "column_outputs", "unit_scores", "select_units", "NeuronMap", "NetworkFrame",
           "network_frame", "neuron_map", "SampleLayer", "sample_layers", "sample_columns",
           "NetworkGraphProbe", "SKIPPED_KINDS"]

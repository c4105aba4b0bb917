"""The input plane as a hidden layer sees it ("transformed space"), without Qt.

For 2-D data, the data points and a grid of lines over the input plane are
run through the network up to a chosen layer; their values there (m, units)
are shown on two axes: two chosen units of the layer, or the layer's first
two principal directions (PCA of the data points' values). Students watch
the layers bend the plane until the classes can be cut by a straight line.

PCA directions have no sign of their own; :func:`pca_axes` makes each one
point the way it pointed in the previous frame (first frame: its largest
component positive), so the picture does not flip while the network trains.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .network_graph import Column, column_outputs


def grid_lines(X, n_lines: int = 13, samples: int = 60, pad: float = 0.1):
    """Lines over the extent of X (m, 2), padded by ``pad`` of the range: ``n_lines`` vertical then
    ``n_lines`` horizontal, each sampled at ``samples`` points. Returns points (2·n_lines·samples, 2)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"grid lines are drawn for 2-D points (m, 2). Received shape {X.shape}.")
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    t = np.linspace(0.0, 1.0, samples)
    at = np.linspace(0.0, 1.0, n_lines)
    vertical = [np.column_stack([np.full(samples, lo[0] + a * (hi[0] - lo[0])), lo[1] + t * (hi[1] - lo[1])])
                for a in at]
    horizontal = [np.column_stack([lo[0] + t * (hi[0] - lo[0]), np.full(samples, lo[1] + a * (hi[1] - lo[1]))])
                  for a in at]
    return np.concatenate(vertical + horizontal).astype(np.float32)


def pca_axes(H: np.ndarray, previous: np.ndarray | None = None):
    """The first two principal directions of H (m, d) and the variance share of each.

    Returns (mean (d,), axes (2, d) unit rows, explained (2,)). With d = 1 the
    second axis is zero. Signs follow ``previous`` (2, d) where given, else
    each axis's largest-magnitude component is made positive.
    """
    H = np.asarray(H, dtype=np.float64)
    mean = H.mean(axis=0)
    C = H - mean
    _, s, Vt = np.linalg.svd(C, full_matrices=False)
    axes = np.zeros((2, H.shape[1]))
    k = min(2, Vt.shape[0])
    axes[:k] = Vt[:k]
    for i in range(k):
        if previous is not None and previous.shape == axes.shape and np.any(previous[i]):
            flip = float(axes[i] @ previous[i]) < 0
        else:
            flip = axes[i][np.argmax(np.abs(axes[i]))] < 0
        if flip:
            axes[i] = -axes[i]
    total = float(np.sum(s ** 2))
    explained = np.zeros(2)
    if total > 0:
        explained[:k] = s[:k] ** 2 / total
    return mean, axes, explained


@dataclass
class HiddenFrame:
    """The points and grid lines in a layer's space, on two axes.

    ``points`` (m, 2) are the data points; ``lines`` (L, samples, 2) the grid
    lines (L = 2·n_lines); ``axis_names`` what each axis is; ``explained`` the
    variance share of each PCA axis (None on chosen units).
    """

    layer_name: str
    mode: str                    # "pca" or "units"
    points: np.ndarray
    lines: np.ndarray
    axis_names: tuple[str, str]
    explained: np.ndarray | None
    epoch: int = 0
    iteration: int = 0


class HiddenSpaceProbe:
    """Worker-side half of the hidden-space view (key ``hidden_space``).

    ``X`` (m, 2) are the data points; ``lines`` from :func:`grid_lines`,
    ``samples`` points per line; ``columns`` the graph columns a layer may be
    chosen from (:func:`~nnviz.lab.network_graph.graph_columns`). The choice
    (:meth:`choose`) may change while a run goes on.
    """

    key = "hidden_space"

    def __init__(self, X, lines, samples: int, columns: list[Column]):
        self.X = np.asarray(X, dtype=np.float32)
        self.lines = np.asarray(lines, dtype=np.float32)
        self.samples = int(samples)
        self.columns = list(columns)
        self._lock = threading.Lock()
        self._layer = next((c.layer_index for c in self.columns if c.layer_index >= 0), -1)
        self._mode, self._units = "pca", (0, 1)
        self._previous: np.ndarray | None = None
        self._active = True

    def choose(self, layer_index: int, mode: str = "pca", units=(0, 1)) -> None:
        """Show layer ``layer_index`` on its PCA axes (``mode="pca"``) or on two of its ``units``."""
        if mode not in ("pca", "units"):
            raise ValueError(f"the hidden-space axes are 'pca' or 'units'. Received: {mode!r}")
        column = next((c for c in self.columns if c.layer_index == layer_index), None)
        if column is None:
            raise ValueError(f"layer {layer_index} has no flat output to show; choose one of "
                             f"{', '.join(c.name for c in self.columns)}.")
        u = tuple(int(i) for i in units)
        if mode == "units" and (len(u) != 2 or min(u) < 0 or max(u) >= column.units):
            raise ValueError(f"{column.name} has units 1 to {column.units}; received {[i + 1 for i in u]}.")
        with self._lock:
            if (layer_index, mode) != (self._layer, self._mode):
                self._previous = None
            self._layer, self._mode, self._units = layer_index, mode, u

    @property
    def active(self) -> bool:
        """False while the view is hidden: :meth:`compute` then returns None at no cost."""
        return self._active

    def set_active(self, active: bool) -> None:
        with self._lock:
            self._active = bool(active)

    def compute(self, model) -> HiddenFrame | None:
        with self._lock:
            layer, mode, units, previous, active = (self._layer, self._mode, self._units, self._previous,
                                                    self._active)
        if not active:
            return None
        column = next(c for c in self.columns if c.layer_index == layer)
        m = len(self.X)
        H = column_outputs(model, np.concatenate([self.X, self.lines]), [column])[0].astype(np.float64)
        P, L = H[:m], H[m:]
        explained = None
        if mode == "units":
            pts, lns = P[:, list(units)], L[:, list(units)]
            names = (column.unit_label(units[0]), column.unit_label(units[1]))
        else:
            mean, axes, explained = pca_axes(P, previous)
            with self._lock:
                if (self._layer, self._mode) == (layer, mode):
                    self._previous = axes
            pts, lns = (P - mean) @ axes.T, (L - mean) @ axes.T
            names = (f"{column.name}: principal direction 1", f"{column.name}: principal direction 2")
        h = model.history
        return HiddenFrame(layer_name=column.name, mode=mode, points=pts.astype(np.float32),
                           lines=lns.astype(np.float32).reshape(-1, self.samples, 2), axis_names=names,
                           explained=explained, epoch=h.epochs_done, iteration=h.iterations_done)


__all__ = ["grid_lines", "pca_axes", "HiddenFrame", "HiddenSpaceProbe"]

"""A table's standardisation in an export: the exported code takes raw rows, as the table file holds them.

nnviz trains on a table's columns standardised with the training rows' mean
and standard deviation (:func:`nnviz.data.table.read_table`): ``(raw - mean) /
std`` in float64, then rounded to the network's dtype. The exports apply the
very same step in their ``predict`` (a ``standardize`` function), reading
``mean`` and ``std`` (float64, (n,)) from a .npz, so predicting on raw rows
gives nnviz's predictions exactly; ``forward`` (NumPy) and the ``nn.Sequential``
(PyTorch) still take standardised rows, as ``data.npz`` holds them.

The numbers come from the dataset (:func:`from_dataset`, the app's export)
or from what a model file stores in ``extra["standardization"]``
(:func:`from_extra`, ``nnviz export``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .layers import ExportError


@dataclass
class Standardization:
    """``(raw - mean) / std`` column by column; ``mean``/``std`` float64 (n,), ``features`` the column names."""

    mean: np.ndarray
    std: np.ndarray
    features: list[str] = field(default_factory=list)

    def check(self, model) -> Standardization:
        """Itself, if it fits ``model``'s input (n,); ExportError saying what does not fit otherwise."""
        n = self.mean.shape[0]
        if tuple(model.input_shape) != (n,):
            raise ExportError(f"the table's standardisation has {n} columns, but the network takes inputs of shape "
                              f"{tuple(model.input_shape)}; expected one mean and one std per input column.")
        return self

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """``{prefix + "mean": ..., prefix + "std": ...}``, float64, for a .npz."""
        return {f"{prefix}mean": self.mean.copy(), f"{prefix}std": self.std.copy()}


def from_dataset(dataset) -> Standardization | None:
    """The standardisation of a table dataset (its ``feature_mean``/``feature_std``), None for other data."""
    mean = getattr(dataset, "feature_mean", None)
    std = getattr(dataset, "feature_std", None)
    if mean is None or std is None:
        return None
    return Standardization(np.asarray(mean, dtype=np.float64).copy(), np.asarray(std, dtype=np.float64).copy(),
                           [str(n) for n in (getattr(dataset, "feature_names", None) or [])])


def from_extra(extra: dict, source: str = "model file") -> Standardization | None:
    """The standardisation a model file stores (``{"features", "mean", "std"}``), None when it has none.

    ExportError naming ``source`` when the entry is there but malformed (not equal-length lists of finite
    numbers, a std that is not positive)."""
    entry = extra.get("standardization") if isinstance(extra, dict) else None
    if entry is None:
        return None

    def numbers(key):
        values = entry.get(key) if isinstance(entry, dict) else None
        if not (isinstance(values, list) and values and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                            and math.isfinite(v) for v in values)):
            raise ExportError(f"{source}: its standardization {key} must be a non-empty list of finite numbers. "
                              f"Received: {str(values)[:80]}")
        return np.asarray(values, dtype=np.float64)

    mean, std = numbers("mean"), numbers("std")
    if mean.shape != std.shape:
        raise ExportError(f"{source}: its standardization has {len(mean)} means but {len(std)} standard "
                          "deviations; expected one of each per column.")
    if np.any(std <= 0):
        raise ExportError(f"{source}: its standardization std holds {float(std[std <= 0][0])!r}; "
                          "expected positive numbers.")
    names = entry.get("features")
    features = [str(n) for n in names] if isinstance(names, list) and len(names) == len(mean) else []
    return Standardization(mean, std, features)

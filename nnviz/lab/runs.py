"""The runs of a session, for comparing them. No Qt.

A :class:`RunRecord` is one trained network as the comparison view sees
it: its settings (a preset dict, so :func:`nnviz.lab.series.run_labels`
can say what differs), its history (cost and accuracy per epoch, updated
from training snapshots while it runs) and, for exploration series that
ask for it, the per-layer gradient norms. :class:`RunLog` keeps them in
order for the session.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .config import RunConfig
from .series import run_labels

HISTORY_KEYS = ("epoch", "cost", "train_accuracy", "test_cost", "test_accuracy")


def architecture(layers: list[dict]) -> str:
    """A short name for a layer stack, e.g. ``25-50-1`` (Dense units) or ``C8-P-128-10``."""
    parts = []
    for spec in layers:
        kind = spec.get("type")
        if kind == "Dense":
            parts.append(str(spec.get("units")))
        elif kind == "Conv2D":
            parts.append(f"C{spec.get('filters')}")
        elif kind == "MaxPool2D":
            parts.append("P")
        elif kind == "Dropout":
            parts.append(f"D{spec.get('keep_prob'):g}")
        elif kind == "BatchNorm":
            parts.append("BN")
    return "-".join(parts) or "empty"


@dataclass
class RunRecord:
    """One run of the session: settings, history arrays and gradient norms."""

    id: int
    title: str
    settings: dict
    group: str = "session"
    status: str = "running"
    history: dict = field(default_factory=lambda: {k: [] for k in HISTORY_KEYS})
    #: layer name → one ‖∂J/∂W‖ per epoch (exploration series with record_gradient_norms)
    grad_norms: dict = field(default_factory=dict)
    #: (run id, epoch) of the time-machine snapshot this run started from, or None
    branched_from: tuple | None = None
    #: how it started, for legends: "branched from run 2 at epoch 1,234", "same initialization as run 2", ""
    origin: str = ""

    def config(self) -> RunConfig:
        """The settings this run trained with."""
        return RunConfig.from_dict(self.settings)

    @property
    def count_label(self) -> str:
        return self.settings.get("count_label", "epochs")

    @property
    def epochs_done(self) -> int:
        return len(self.history["cost"])

    def array(self, key: str) -> np.ndarray:
        return np.asarray(self.history[key], dtype=np.float64)

    def set_history(self, history) -> None:
        """Copy an engine History (or its dict) into the record."""
        data = history if isinstance(history, dict) else history.to_dict()
        self.history = {k: [float(v) for v in data.get(k, [])] for k in HISTORY_KEYS}
        if isinstance(data, dict) and data.get("status"):
            self.status = data["status"]

    def apply_snapshot(self, snap) -> None:
        """Write the history entries a training :class:`~nnviz.lab.session.Snapshot` carries."""
        e0 = int(snap.epoch_offset)
        for key, values in (("epoch", snap.new_epochs), ("cost", snap.new_cost),
                            ("train_accuracy", snap.new_train_accuracy), ("test_cost", snap.new_test_cost),
                            ("test_accuracy", snap.new_test_accuracy)):
            column = self.history[key]
            del column[e0:]
            column.extend(float(v) for v in np.asarray(values).ravel())
        norms = snap.probes.get("grad_norms") if snap.probes else None
        if norms:
            self.grad_norms = {k: list(v) for k, v in norms.items()}
        self.status = snap.status

    def final(self, key: str) -> float | None:
        values = self.history[key]
        return values[-1] if values and np.isfinite(values[-1]) else None


def comparison_labels(records: list[RunRecord]) -> list[str]:
    """One legend label per record naming what differs between them (dataset and network too)."""
    if not records:
        return []
    labels = run_labels(records)      # records, not configs: their settings also say which backprop trained
    generic = all(label == f"run {i + 1}" for i, label in enumerate(labels))
    extra: list[list[str]] = [[] for _ in records]
    for key, value_of in (("data", lambda r: r.settings.get("dataset", "?")),
                          ("net", lambda r: architecture(r.settings.get("layers", [])))):
        values = [value_of(r) for r in records]
        if len(set(values)) > 1:
            for parts, value in zip(extra, values):
                parts.append(f"{key} {value}")
    out = []
    for label, parts, record in zip(labels, extra, records):
        pieces = ([] if generic else [label]) + parts
        text = ", ".join(pieces) if pieces else record.title
        if record.origin and record.origin not in text:
            text += f" ({record.origin})"
        out.append(text)
    return out


class RunLog:
    """The session's runs, in the order they were made."""

    def __init__(self):
        self.records: list[RunRecord] = []
        self._next_id = 1
        self._last_model = None
        self._last_model_record: RunRecord | None = None

    def __len__(self) -> int:
        return len(self.records)

    def add(self, title: str, settings: dict, group: str = "session") -> RunRecord:
        record = RunRecord(id=self._next_id, title=title, settings=copy.deepcopy(settings), group=group)
        self._next_id += 1
        self.records.append(record)
        return record

    def get(self, record_id: int) -> RunRecord | None:
        return next((r for r in self.records if r.id == record_id), None)

    def remove(self, record_id: int) -> None:
        self.records = [r for r in self.records if r.id != record_id]
        if self._last_model_record is not None and self._last_model_record.id == record_id:
            self._last_model, self._last_model_record = None, None

    def clear(self) -> None:
        self.records = []
        self._last_model, self._last_model_record = None, None

    def record_model(self, model, settings: dict, title: str) -> RunRecord:
        """Record a model trained in the main window; training the same model further updates its record."""
        if model is self._last_model and self._last_model_record in self.records:
            record = self._last_model_record
            record.settings = copy.deepcopy(settings)
        else:
            record = self.add(title, settings)
            self._last_model, self._last_model_record = model, record
        record.set_history(model.history)
        return record

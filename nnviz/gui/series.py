"""Running an exploration series: the same preset trained several times, one change each.

:class:`SeriesRunner` reads a series (:func:`nnviz.lab.series.series_presets`),
loads its data, and trains the runs one after another on a
:class:`~nnviz.gui.worker.TrainingRunner` thread of its own. Each run gets
a :class:`~nnviz.lab.runs.RunRecord` that snapshots fill while it trains;
for series with ``record_gradient_norms`` a
:class:`~nnviz.engine.callbacks.GradientNorms` callback measures each
layer's gradient and :class:`GradientNormsProbe` sends the numbers along.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from nnviz.engine.callbacks import GradientNorms
from nnviz.lab.series import run_labels, series_presets

from nnviz.lab import datasets
from nnviz.lab.runs import RunLog, RunRecord
from .worker import TrainingRunner


class GradientNormsProbe:
    """Worker-side: a copy of what a GradientNorms callback has recorded so far."""

    key = "grad_norms"

    def __init__(self, callback: GradientNorms):
        self.callback = callback

    def compute(self, model):
        return {name: list(values) for name, values in self.callback.norms.items()}


class SeriesRunner(QObject):
    """Trains the runs of one series in turn. Signals carry the run's RunRecord."""

    runStarted = Signal(object)           # RunRecord
    runUpdated = Signal(object)           # RunRecord (after a snapshot was applied)
    runFinished = Signal(object, object)  # RunRecord, RunResult
    seriesFinished = Signal(str)          # a one-line summary
    activeChanged = Signal(bool)

    def __init__(self, log: RunLog, parent=None):
        super().__init__(parent)
        self.log = log
        self.runner = TrainingRunner(self)
        self.runner.snapshot.connect(self._on_snapshot)
        self.runner.finished.connect(self._on_finished)
        self.series: dict | None = None
        self._queue: list = []
        self._current: tuple | None = None     # (record, model, norms callback)
        self._stopping = False
        self._started = 0.0
        self.records: list[RunRecord] = []

    @property
    def active(self) -> bool:
        return self.series is not None

    def start(self, name: str, data_dir=None, epochs: int | None = None) -> list[RunRecord]:
        """Begin the series ``name``; ``epochs`` overrides every run's epoch count.

        Raises ValueError (unknown series, bad settings) or DatasetError (data
        not found) before anything starts. Returns the records, one per run.
        """
        if self.active:
            raise ValueError("a series is already running; stop it first.")
        series, presets = series_presets(name)
        if epochs is not None:
            for preset in presets:
                preset.epochs = int(epochs)
        loaded: dict = {}
        runs = []
        for preset in presets:
            key = (preset.dataset, repr(sorted(preset.dataset_options.items())))
            if key not in loaded:
                loaded[key] = datasets.load(preset.dataset, preset.dataset_options, data_dir)
            runs.append((preset, loaded[key]))
        labels = run_labels(presets)
        title = series.get("title", name).split(":")[0]
        self.records = []
        self._queue = []
        for i, ((preset, ds), label) in enumerate(zip(runs, labels)):
            record = self.log.add(f"{title}: {label}", preset.to_dict(), group=name)
            record.status = "queued"
            self.records.append(record)
            self._queue.append((record, preset, ds))
        self.series = series
        self._stopping = False
        self._started = time.perf_counter()
        self.activeChanged.emit(True)
        self._start_next()
        return list(self.records)

    def stop(self) -> None:
        """Stop the run in progress and skip the rest."""
        if not self.active:
            return
        self._stopping = True
        self.runner.stop()

    def shutdown(self) -> None:
        """Stop and wait for the thread (the window is closing)."""
        self._stopping = True
        self._queue = []
        if self.runner.active:
            self.runner.shutdown()
        self._end("Series stopped.")

    # --- plumbing -------------------------------------------------------------------
    def _start_next(self) -> None:
        if self._stopping or not self._queue:
            done = sum(r.status == "completed" for r in self.records)
            took = time.perf_counter() - self._started
            verb = "stopped" if self._stopping else "finished"
            self._end(f"Series {verb}: {done} of {len(self.records)} runs completed in {took:.0f} s.")
            return
        record, preset, ds = self._queue.pop(0)
        model = preset.build_model(ds.input_shape)
        optimizer = preset.build_optimizer()
        norms = GradientNorms() if self.series.get("record_gradient_norms") else None
        probes = [GradientNormsProbe(norms)] if norms is not None else []
        record.status = "running"
        self._current = (record, model, norms)
        self.runStarted.emit(record)
        self.runner.start(model, optimizer, (ds.X_train, ds.y_train, ds.X_test, ds.y_test), epochs=preset.epochs,
                          batch_size=preset.batch_size, probes=probes,
                          callbacks=[norms] if norms is not None else [])

    def _on_snapshot(self, snap) -> None:
        if self._current is not None:
            record = self._current[0]
            record.apply_snapshot(snap)
            self.runUpdated.emit(record)

    def _on_finished(self, result) -> None:
        if self._current is None:
            return
        record, model, norms = self._current
        self._current = None
        record.set_history(model.history)
        record.status = result.status
        if norms is not None:
            record.grad_norms = {k: list(v) for k, v in norms.norms.items()}
        self.runFinished.emit(record, result)
        if result.status in ("error",):
            self._stopping = True
        self._start_next()

    def _end(self, summary: str) -> None:
        if self.series is None:
            return
        for record in self.records:
            if record.status in ("queued", "running"):
                record.status = "skipped" if record.status == "queued" else "stopped"
        self.series = None
        self._queue = []
        self.activeChanged.emit(False)
        self.seriesFinished.emit(summary)

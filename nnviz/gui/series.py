"""Running an exploration series in the GUI: its runs trained one after another.

The plan (records, settings, data) comes from :func:`nnviz.lab.series.plan_series`;
each run is a :class:`~nnviz.lab.session.TrainingSession` on this runner's own
:class:`~nnviz.gui.worker.TrainingRunner`. Snapshots fill the run's record
as it trains; series with ``record_gradient_norms`` also record each
layer's gradient norm.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from nnviz.lab.runs import RunLog, RunRecord
from nnviz.lab.series import SeriesRun, plan_series, series_session

from .worker import TrainingRunner


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
        self._queue: list[SeriesRun] = []
        self._current: tuple | None = None     # (record, session, norms callback)
        self._stopping = False
        self._started = 0.0
        self._run_id = 0
        self.records: list[RunRecord] = []

    @property
    def active(self) -> bool:
        return self.series is not None

    def start(self, name: str, data_dir=None, epochs: int | None = None, read=None) -> list[RunRecord]:
        """Begin the series ``name`` (``epochs`` overrides every run's count); returns one record per run.

        Raises ValueError or DatasetError before anything starts.
        """
        if self.active:
            raise ValueError("a series is already running; stop it first.")
        series, runs = plan_series(name, self.log, data_dir=data_dir, epochs=epochs, read=read)
        self.records = [run.record for run in runs]
        self._queue = list(runs)
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
        if self._current is not None:
            self._current[1].control.stop()

    def shutdown(self) -> None:
        """Stop and wait for the thread (the window is closing)."""
        self._stopping = True
        self._queue = []
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
        run = self._queue.pop(0)
        self._run_id += 1
        session, norms = series_session(run, self.series, self.runner.emit_function(), self.runner.ready,
                                        run_id=self._run_id)
        run.record.status = "running"
        self._current = (run.record, session, norms)
        self.runStarted.emit(run.record)
        self.runner.start(session)

    def _on_snapshot(self, snap) -> None:
        if self._current is not None:
            record = self._current[0]
            record.apply_snapshot(snap)
            self.runUpdated.emit(record)

    def _on_finished(self, result) -> None:
        if self._current is None:
            return
        record, session, norms = self._current
        self._current = None
        record.set_history(session.model.history)
        record.status = result.status
        if norms is not None:
            record.grad_norms = {k: list(v) for k, v in norms.norms.items()}
        self.runFinished.emit(record, result)
        if result.status == "error":
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

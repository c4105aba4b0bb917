"""Training on a QThread: the Qt adapter around :class:`~nnviz.lab.session.TrainingSession`.

:class:`TrainingWorker` is a QObject moved to a QThread; its ``run`` slot
runs the session and turns every outcome, exceptions included, into a
``runFinished`` signal: a worker never dies silently. :class:`TrainingRunner`
lives in the GUI thread, owns the thread, forwards pause/step/stop to the
session's :class:`~nnviz.lab.session.RunControl`, and emits ``finished``
only once the thread has ended, so no QThread outlives a run.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from nnviz.lab.session import RunControl, RunResult, Snapshot, TrainingSession

log = logging.getLogger(__name__)

#: While a run is active, a thread waiting for the GIL gets it after at most this long (Python's
#: default is 5 ms). The GUI thread needs the GIL for every Python paint and slot call; with the
#: default it would queue behind the training loop for up to 5 ms each time.
GIL_SWITCH_INTERVAL = 0.001
#: Share of wall time the GUI thread may be busy during a run. The GUI thread holds the GIL
#: (and a core) while it draws, so its time is taken from the training; the runner holds the
#: next progress snapshot back until the GUI thread's CPU time since the run started (handling,
#: painting, everything) is back under this share, so a slow screen (or a busy machine) lowers
#: the frame rate instead of slowing the training.
GUI_BUDGET = 0.04


class TrainingWorker(QObject):
    snapshotReady = Signal(object)   # Snapshot
    runFinished = Signal(object)     # RunResult

    def __init__(self, session: TrainingSession):
        super().__init__()
        self.session = session
        self.result: RunResult | None = None

    @Slot()
    def run(self) -> None:
        try:
            result = self.session.run()
        except Exception as exc:  # reported to the user through runFinished
            log.exception("training failed")
            result = RunResult(run_id=self.session.run_id, status="error",
                               message=f"{type(exc).__name__}: {exc}", details=traceback.format_exc(),
                               epochs_done=self.session.model.history.epochs_done,
                               iterations_done=self.session.model.history.iterations_done,
                               elapsed=self.session.elapsed())
        self.result = result
        # Hand the worker back to the GUI thread, so it can be garbage-collected there once the thread ends.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.runFinished.emit(result)


class TrainingRunner(QObject):
    """Starts runs on a QThread and reports them: ``snapshot(Snapshot)``, then ``finished(RunResult)``."""

    snapshot = Signal(object)
    finished = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self.control: RunControl | None = None
        self._drawn = threading.Event()
        self._next_allowed = 0.0
        self._gui_clock_start = (0.0, 0.0)     # (wall, GUI-thread CPU) when the run started
        self._run_id = 0
        self._live_run: int | None = None
        self._finishing = False
        self._saved_switch_interval = sys.getswitchinterval()

    @property
    def active(self) -> bool:
        """True from start() until finished is emitted."""
        return self._thread is not None

    @property
    def run_id(self) -> int:
        return self._run_id

    def start(self, model, optimizer, data, epochs: int, batch_size=None, probes=(),
              step_unit: str | None = None, **session_options) -> int:
        """Train ``model`` on a new thread; ``step_unit`` starts it as a single step. Returns the run id."""
        if self.active:
            raise RuntimeError("a training run is already active; stop it first.")
        self._run_id += 1
        self.control = RunControl()
        if step_unit is not None:
            self.control.step(step_unit)
        self._drawn.set()
        self._next_allowed = 0.0
        self._gui_clock_start = (time.perf_counter(), time.thread_time())
        session = TrainingSession(model, optimizer, data, epochs=epochs, batch_size=batch_size,
                                  control=self.control, emit=self._emit_from_worker, probes=probes,
                                  run_id=self._run_id, ready=self._ready, **session_options)
        thread = QThread()
        thread.setObjectName(f"nnviz-training-{self._run_id}")
        worker = TrainingWorker(session)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.snapshotReady.connect(self._on_snapshot)
        worker.runFinished.connect(self._on_worker_done)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._live_run = self._run_id
        self._saved_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._saved_switch_interval, GIL_SWITCH_INTERVAL))
        self._finishing = False
        thread.start()
        return self._run_id

    # --- control (GUI thread) ---------------------------------------------------
    def pause(self) -> None:
        if self.control:
            self.control.pause()

    def resume(self) -> None:
        if self.control:
            self.control.resume()

    def step(self, unit: str = "iteration") -> None:
        if self.control:
            self.control.step(unit)

    def stop(self) -> None:
        if self.control:
            self.control.stop()

    def set_lr(self, lr: float) -> None:
        if self.control:
            self.control.set_lr(lr)

    def refresh(self) -> None:
        """A view's input changed: recompute the probes now (also while paused)."""
        if self.control:
            self.control.refresh()

    def shutdown(self) -> RunResult | None:
        """Stop the run and wait for its thread (used when the window closes). Emits ``finished``."""
        if self._thread is None:
            return None
        self.stop()
        self._thread.quit()
        self._thread.wait()
        return self._finish()

    # --- plumbing -------------------------------------------------------------------
    def _emit_from_worker(self, snap: Snapshot) -> None:
        self._drawn.clear()
        self._worker.snapshotReady.emit(snap)

    def _ready(self) -> bool:
        """Worker side: may the next progress snapshot be sent (previous one drawn, GUI budget kept)?"""
        return self._drawn.is_set() and time.perf_counter() >= self._next_allowed

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        if snap.run_id == self._live_run:
            self.snapshot.emit(snap)
        # The views asked for repaints; a zero timer runs after the snapshot's handling (painting
        # comes later: it is counted against the next snapshot through the thread's CPU clock).
        QTimer.singleShot(0, self, self._after_draw)

    def _after_draw(self) -> None:
        wall_start, cpu_start = self._gui_clock_start
        busy = time.thread_time() - cpu_start
        self._next_allowed = wall_start + busy / GUI_BUDGET
        self._drawn.set()

    @Slot(object)
    def _on_worker_done(self, result: RunResult) -> None:
        if self._thread is not None and result.run_id == self._run_id:
            self._thread.quit()

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is not None and self.sender() is self._thread:
            self._finish()

    def _finish(self) -> RunResult | None:
        if self._thread is None or self._finishing:
            return None
        self._finishing = True
        thread, worker = self._thread, self._worker
        thread.wait()
        result = worker.result or RunResult(run_id=self._run_id, status="error",
                                            message="the training thread ended without a result.")
        self._thread = self._worker = None
        self._live_run = None
        sys.setswitchinterval(self._saved_switch_interval)
        self._finishing = False
        self.finished.emit(result)
        return result

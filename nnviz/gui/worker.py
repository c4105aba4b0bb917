"""Training on a :class:`~nnviz.gui.tasks.Task`: the Qt side of :class:`~nnviz.lab.session.TrainingSession`.

:class:`TrainingRunner` runs a session the lab prepared
(:meth:`nnviz.lab.Lab.start_run`) and re-emits its snapshots in the GUI
thread. It is also the one throttle on the producing side: the session
sends the next progress snapshot only when :meth:`ready` says the GUI
thread has handled the previous one *and* the GUI thread's CPU time since
the run started is under ``GUI_BUDGET`` of the wall time. A slow screen (or
a busy machine) lowers the frame rate instead of slowing the training.
``finished(RunResult)`` comes once the thread has ended.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from nnviz.lab.session import RunResult, Snapshot, TrainingSession

from .tasks import Task, TaskOutcome

#: share of wall time the GUI thread may be busy (handling, painting, layout) during a run: a quarter of
#: one core. Most of it is Qt painting, which runs outside the GIL, beside the training thread on a second
#: core; what the views cost training is measured in benchmarks/bench_gui.py.
GUI_BUDGET = 0.25


class TrainingRunner(QObject):
    """``start(session)``; then ``snapshot(Snapshot)`` signals, then ``finished(RunResult)``."""

    snapshot = Signal(object)
    finished = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = Task("training", self)
        self.task.progressed.connect(self._on_snapshot)
        self.task.finished.connect(self._on_finished)
        self._session: TrainingSession | None = None
        self._drawn = threading.Event()
        self._next_allowed = 0.0
        self._clock_start = (0.0, 0.0)        # (wall, GUI-thread CPU) when the run started
        self._report = None                    # the running job's report(): queued to the GUI thread

    @property
    def active(self) -> bool:
        return self.task.active

    def emit_function(self):
        """What the session calls (in the training thread) to send a snapshot."""
        return self._send

    def start(self, session: TrainingSession) -> None:
        self._session = session
        self._drawn.set()
        self._next_allowed = 0.0
        self._clock_start = (time.perf_counter(), time.thread_time())

        def job(report, _should_stop):
            self._report = report
            return session.run()

        self.task.start(job)

    def ready(self) -> bool:
        """Training-thread side: may the next progress snapshot be sent?"""
        return self._drawn.is_set() and time.perf_counter() >= self._next_allowed

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing); emits ``finished``."""
        if self._session is not None:
            self._session.control.stop()
        self.task.shutdown()

    def _send(self, snap: Snapshot) -> None:
        self._drawn.clear()
        self._report(snap)

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        if self._session is not None and snap.run_id == self._session.run_id:
            self.snapshot.emit(snap)
        # the views asked for repaints; this zero timer runs after the handling (painting comes later and
        # is counted against the next snapshot through the thread's CPU clock)
        QTimer.singleShot(0, self, self._after_draw)

    def _after_draw(self) -> None:
        wall_start, cpu_start = self._clock_start
        self._next_allowed = wall_start + (time.thread_time() - cpu_start) / GUI_BUDGET
        self._drawn.set()

    @Slot(object)
    def _on_finished(self, outcome: TaskOutcome) -> None:
        session, self._session = self._session, None
        if outcome.status == "done" and isinstance(outcome.value, RunResult):
            result = outcome.value
        else:
            history = session.model.history if session is not None else None
            result = RunResult(run_id=session.run_id if session is not None else 0, status="error",
                               message=outcome.message or "the training thread ended without a result.",
                               details=outcome.details,
                               epochs_done=history.epochs_done if history is not None else 0,
                               iterations_done=history.iterations_done if history is not None else 0,
                               elapsed=session.elapsed() if session is not None else 0.0)
        self.finished.emit(result)

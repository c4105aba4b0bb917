"""The gradient check on a QThread of its own, with progress and cancel.

The check works on a *copy* of the network (taken between two training
steps, see :class:`~nnviz.lab.probes.ModelCopyProbe`), so it never touches
the weights a training thread is updating, and training can go on while it
runs. :class:`GradCheckRunner` lives in the GUI thread, owns the thread,
and emits ``finished`` only once the thread has ended.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from nnviz.engine import gradient_check

#: progress signals at most this often (seconds)
PROGRESS_INTERVAL = 0.05


@dataclass
class GradCheckRequest:
    """What to check: ``model`` (a copy the check may own), samples X (m, ...) and y (m,)."""

    model: Any
    X: Any
    y: Any
    max_coords: int | None = 500
    backward: Callable | None = None
    bug_name: str = ""
    seed: int = 0
    epoch: int = 0               # epochs the copied network had trained
    generation: int = 0          # which network (the view drops results of older ones)
    reason: str = "asked"        # "asked" or "scheduled"


@dataclass
class GradCheckOutcome:
    status: str                  # "done", "cancelled" or "error"
    request: GradCheckRequest
    result: Any = None           # GradientCheckResult when done
    message: str = ""
    details: str = ""
    elapsed: float = 0.0


class GradCheckJob(QObject):
    """Runs one check in its thread; reports ``progress(done, total)`` and then ``done(outcome)``."""

    progress = Signal(int, int)
    done = Signal(object)

    def __init__(self, request: GradCheckRequest, stop: threading.Event):
        super().__init__()
        self.request = request
        self._stop = stop
        self._last = 0.0
        self.outcome: GradCheckOutcome | None = None

    def _progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progress.emit(done, total)

    @Slot()
    def run(self) -> None:
        req = self.request
        start = time.perf_counter()
        try:
            result = gradient_check(req.model, req.X, req.y, max_coords=req.max_coords, seed=req.seed,
                                    progress=self._progress, should_stop=self._stop.is_set,
                                    backward=req.backward)
            outcome = GradCheckOutcome("done", req, result=result)
        except InterruptedError:
            outcome = GradCheckOutcome("cancelled", req, message="Gradient check cancelled.")
        except Exception as exc:  # shown to the user; a worker never dies silently
            outcome = GradCheckOutcome("error", req, message=f"{type(exc).__name__}: {exc}",
                                       details=traceback.format_exc())
        outcome.elapsed = time.perf_counter() - start
        outcome.request.model = None      # let the copy go as soon as possible
        self.outcome = outcome
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.done.emit(outcome)


class GradCheckRunner(QObject):
    """Starts checks on a QThread: ``progress(done, total)`` while it runs, then ``finished(outcome)``."""

    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: GradCheckJob | None = None
        self._stop = threading.Event()
        self._finishing = False

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self, request: GradCheckRequest) -> None:
        if self.active:
            raise RuntimeError("a gradient check is already running; cancel it first.")
        self._stop = threading.Event()
        thread = QThread()
        thread.setObjectName("nnviz-gradcheck")
        job = GradCheckJob(request, self._stop)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progress.connect(self.progress)
        job.done.connect(self._on_job_done)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._job = thread, job
        self._finishing = False
        thread.start()

    def cancel(self) -> None:
        """Ask the check to stop at its next coordinate; ``finished`` follows with status "cancelled"."""
        self._stop.set()

    def shutdown(self) -> None:
        """Cancel and wait for the thread (the window is closing)."""
        if self._thread is None:
            return
        self.cancel()
        self._thread.quit()
        self._thread.wait()
        self._finish()

    @Slot(object)
    def _on_job_done(self, outcome) -> None:
        if self._thread is not None:
            self._thread.quit()

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is not None and self.sender() is self._thread:
            self._finish()

    def _finish(self) -> None:
        if self._thread is None or self._finishing:
            return
        self._finishing = True
        thread, job = self._thread, self._job
        thread.wait()
        outcome = job.outcome or GradCheckOutcome("error", job.request,
                                                  message="the gradient-check thread ended without a result.")
        self._thread = self._job = None
        self._finishing = False
        self.finished.emit(outcome)

"""One way to run work off the GUI thread: :class:`Task`.

Every background job of the app (training, the gradient check, exploration
series, reading dropped images, loading a dataset) is a plain function
``job(report, should_stop) -> value`` run by a :class:`Task` on a QThread of
its own. ``report(x)`` sends ``x`` to the GUI thread (``progressed``
signal); ``should_stop()`` turns True after :meth:`Task.cancel`. The task
turns every outcome into one ``finished(TaskOutcome)``, emitted in the GUI
thread only once the thread has ended: exceptions (MemoryError included)
become an "error" outcome with the traceback, ``InterruptedError`` a
"cancelled" one. A task never dies silently and no thread outlives it:
:meth:`Task.shutdown` cancels and joins (the window calls it on close).

A task runs one job at a time; ``start`` while active raises RuntimeError.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


@dataclass
class TaskOutcome:
    """How a job ended: status "done" (``value`` holds its result), "cancelled" or "error"."""

    status: str
    value: Any = None
    message: str = ""
    details: str = ""
    elapsed: float = 0.0
    #: the exception an "error" outcome stands for
    error: BaseException | None = None


class _Job(QObject):
    """Runs the job in the task's thread; its signals cross to the GUI thread as queued calls."""

    progressed = Signal(object)
    done = Signal(object)

    def __init__(self, job: Callable, cancel: threading.Event):
        super().__init__()
        self.job = job
        self.cancel = cancel
        self.outcome: TaskOutcome | None = None

    @Slot()
    def run(self) -> None:
        start = time.perf_counter()
        try:
            value = self.job(self.progressed.emit, self.cancel.is_set)
            outcome = TaskOutcome("done", value)
        except InterruptedError as exc:
            outcome = TaskOutcome("cancelled", message=str(exc) or "Cancelled.")
        except BaseException as exc:  # noqa: BLE001  every failure is reported, never swallowed
            log.exception("background task failed")
            outcome = TaskOutcome("error", message=f"{type(exc).__name__}: {exc}", details=traceback.format_exc(),
                                  error=exc)
        outcome.elapsed = time.perf_counter() - start
        self.outcome = outcome
        self.job = None
        app = QCoreApplication.instance()
        if app is not None:       # so the GUI thread can delete this object once the thread is gone
            self.moveToThread(app.thread())
        self.done.emit(outcome)


class Task(QObject):
    """Runs jobs on a QThread, one at a time: ``progressed(object)`` while running, then ``finished(TaskOutcome)``."""

    progressed = Signal(object)
    finished = Signal(object)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.name = name
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self._cancel = threading.Event()
        self._finishing = False

    @property
    def active(self) -> bool:
        """True from :meth:`start` until ``finished`` has been emitted."""
        return self._thread is not None

    def start(self, job: Callable[[Callable[[Any], None], Callable[[], bool]], Any]) -> None:
        if self.active:
            raise RuntimeError(f"{self.name}: a job is already running; cancel it first.")
        self._cancel = threading.Event()
        thread = QThread()
        thread.setObjectName(f"nnviz-{self.name}")
        worker = _Job(job, self._cancel)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self.progressed)
        worker.done.connect(self._on_done)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._job = thread, worker
        self._finishing = False
        thread.start()

    def cancel(self) -> None:
        """Ask the job to stop (``should_stop()`` turns True); ``finished`` follows."""
        self._cancel.set()

    def shutdown(self) -> TaskOutcome | None:
        """Cancel, wait for the thread, and emit ``finished`` now (the window is closing)."""
        if self._thread is None:
            return None
        self.cancel()
        self._thread.quit()
        self._thread.wait()
        return self._finish()

    @Slot(object)
    def _on_done(self, _outcome) -> None:
        if self._thread is not None:
            self._thread.quit()

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is not None and self.sender() is self._thread:
            self._finish()

    def _finish(self) -> TaskOutcome | None:
        if self._thread is None or self._finishing:
            return None
        self._finishing = True
        thread, worker = self._thread, self._job
        thread.wait()
        outcome = worker.outcome or TaskOutcome("error", message=f"the {self.name} thread ended without a result.")
        self._thread = self._job = None
        self._finishing = False
        self.finished.emit(outcome)
        return outcome


def run_and_wait(window, job, name: str = "file"):
    """Run ``job()`` on a Task and return its result, keeping ``window`` painted meanwhile.

    For work the caller needs before going on (reading a file a stranger sent, which is parsed in a
    child process and may take seconds): a local event loop runs until the task ends, with the window's
    widgets disabled and a busy cursor, so the window repaints instead of freezing and nothing else can
    start meanwhile. Re-raises the job's exception.
    """
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtWidgets import QApplication

    task = Task(name, window)
    loop = QEventLoop()
    outcomes: list[TaskOutcome] = []
    task.finished.connect(lambda outcome: (outcomes.append(outcome), loop.quit()))
    central, menus = window.centralWidget(), window.menuBar()
    enabled = [(w, w.isEnabled()) for w in (central, menus) if w is not None]
    for widget, _ in enabled:
        widget.setEnabled(False)
    QApplication.setOverrideCursor(Qt.BusyCursor)
    try:
        task.start(lambda report, should_stop: job())
        if not outcomes:
            loop.exec()
    finally:
        QApplication.restoreOverrideCursor()
        for widget, was in enabled:
            widget.setEnabled(was)
        task.shutdown()
        task.deleteLater()
    outcome = outcomes[0]
    if outcome.status != "done":
        raise outcome.error or RuntimeError(outcome.message)
    return outcome.value

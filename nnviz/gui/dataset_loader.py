"""Datasets read off the GUI thread: the lab's background loader (see :attr:`nnviz.lab.Lab.background`).

``loader(job, done)`` runs ``job()`` on a :class:`~nnviz.gui.tasks.Task` and
then calls ``done(value, error)`` in the GUI thread. A request made while
another is being read waits (and the one being read is asked to stop); only
the newest waiting one is kept (the lab drops results of a dataset that is
no longer chosen anyway). A job that takes
``(report, should_stop)`` gets them: its progress texts ("Reading images…
1,234 / 5,000") go to ``progressed(str)`` and to the parent window's dataset
panel, if it has one.
"""

from __future__ import annotations

import inspect

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from .tasks import Task


class DatasetLoader(QObject):
    progressed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = Task("dataset", self)
        self.task.finished.connect(self._on_finished)
        self.task.progressed.connect(self._on_progress)
        self._running = None        # (job, done) being read
        self._waiting = None        # the newest request made meanwhile
        self._closed = False

    def __call__(self, job, done) -> None:
        if self.task.active:
            self._waiting = (job, done)
            self.task.cancel()          # a job that polls should_stop() ends early: its result is stale
        else:
            self._start(job, done)

    def _start(self, job, done) -> None:
        self._running = (job, done)
        QApplication.setOverrideCursor(Qt.BusyCursor)
        if _takes_progress(job):
            self.task.start(lambda report, should_stop: job(report=report, should_stop=should_stop))
        else:
            self.task.start(lambda report, should_stop: job())

    def _on_progress(self, text) -> None:
        if self._closed or self._running is None:
            return
        self.progressed.emit(str(text))
        panel = getattr(self.parent(), "dataset_panel", None)
        if panel is not None and hasattr(panel, "show_progress"):
            panel.show_progress(str(text))

    def _on_finished(self, outcome) -> None:
        QApplication.restoreOverrideCursor()
        (_job, done), self._running = self._running, None
        if self._closed:
            return
        if not (outcome.status == "cancelled" and self._waiting is not None):   # else superseded: say nothing
            done(outcome.value, None if outcome.status == "done" else str(outcome.error or outcome.message))
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self._start(*waiting)

    def shutdown(self) -> None:
        """Drop waiting requests and wait for the one being read (the window is closing)."""
        self._closed = True
        self._waiting = None
        self.task.shutdown()


def _takes_progress(job) -> bool:
    try:
        params = inspect.signature(job).parameters
    except (TypeError, ValueError):
        return False
    return "report" in params and "should_stop" in params

"""The gradient check on a :class:`~nnviz.gui.tasks.Task`: ``progress(done, total)``, then ``finished(outcome)``."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nnviz.lab.gradcheck import GradCheckOutcome, GradCheckRequest, run_check

from .tasks import Task, TaskOutcome


class GradCheckRunner(QObject):
    """Runs one :class:`~nnviz.lab.gradcheck.GradCheckRequest` at a time; ``cancel`` stops it at the next coordinate."""

    progress = Signal(int, int)
    finished = Signal(object)      # GradCheckOutcome

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = Task("gradcheck", self)
        self.task.progressed.connect(lambda p: self.progress.emit(*p))
        self.task.finished.connect(self._on_finished)
        self._request: GradCheckRequest | None = None

    @property
    def active(self) -> bool:
        return self.task.active

    def start(self, request: GradCheckRequest) -> None:
        if self.active:
            raise RuntimeError("a gradient check is already running; cancel it first.")
        self._request = request
        self.task.start(lambda report, should_stop: run_check(request, report, should_stop))

    def cancel(self) -> None:
        self.task.cancel()

    def shutdown(self) -> None:
        self.task.shutdown()

    def _on_finished(self, outcome: TaskOutcome) -> None:
        request, self._request = self._request, None
        request.model = None
        message = "Gradient check cancelled." if outcome.status == "cancelled" else outcome.message
        self.finished.emit(GradCheckOutcome(outcome.status, request, result=outcome.value, message=message,
                                            details=outcome.details, elapsed=outcome.elapsed))

"""Helpers shared by the GUI tests (import them with ``from .helpers import ...``)."""

from PySide6.QtCore import QEvent, QObject


def wait_for_dataset(w, qtbot, timeout: int = 60_000) -> None:
    """File datasets load on a background task: wait until the window's lab has its data (or its error)."""
    qtbot.waitUntil(lambda: not w.lab.dataset_loading, timeout=timeout)


def wait_for_layout(w, qtbot, timeout: int = 10_000) -> None:
    """Wait until the window's layout has settled: the boundary picture has the plot's shape."""
    import math

    view = w.view("boundaryPlot")

    def settled() -> bool:
        if view is None or view.grid is None or not view.isVisible():
            return True
        left, bottom, width, height = view.grid.rect
        return abs(math.log(view._plot_aspect() / (height / width))) < 0.02

    qtbot.waitUntil(settled, timeout=timeout)


class PaintCounter(QObject):
    """Counts the paint events of the widgets it is installed on (``widget.installEventFilter(counter)``)."""

    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, obj, event):  # noqa: N802  (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False

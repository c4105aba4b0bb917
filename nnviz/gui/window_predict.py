"""The main window's side of prediction: file drops, and handing images to the views.

:class:`PredictionMixin` is mixed into :class:`~nnviz.gui.main_window.MainWindow`.
Image files dropped anywhere on the window (file URLs in the drag's
QMimeData) go to the prediction view, which reads them off the GUI thread.
Child widgets that accept drops of their own (plots, text fields) pass
file drags up to the window, so a drop works wherever it lands.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)
DRAG_EVENTS = (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop)


def dropped_paths(mime) -> list[str]:
    """Local file paths in a drag's QMimeData (other URLs and plain text are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class _FileDragFilter(QObject):
    """Installed on child widgets that accept drops: file drags go to the window instead."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:
        if event.type() in DRAG_EVENTS and dropped_paths(event.mimeData()):
            if event.type() == QEvent.Drop:
                self.window.dropEvent(event)
            else:
                self.window.dragEnterEvent(event)
            return True
        return False


class PredictionMixin:
    """Drag and drop of image files onto the main window; see the module docstring."""

    def _setup_prediction(self) -> None:
        self.prediction_view = next((v for v in self.views if v.objectName() == "predictionView"), None)
        self.setAcceptDrops(True)
        self._drag_filter = _FileDragFilter(self)
        for child in self.findChildren(QWidget):
            if child.acceptDrops():
                child.installEventFilter(self._drag_filter)
        self._shown_input = None
        view = self.prediction_view
        if view is None:
            return
        view.is_training = lambda: self.runner.active
        self.trainingFinished.connect(lambda _result: view.refresh())
        view.inputChosen.connect(self._forward_input)

    # --- Qt drag and drop -------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if self.prediction_view is not None and dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = dropped_paths(event.mimeData())
        if not paths or self.prediction_view is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.predict_images(paths)

    # --- prediction ----------------------------------------------------------------------
    def predict_images(self, paths) -> None:
        """Show the prediction tab and classify ``paths`` (returns at once; files are read in a pool)."""
        view = self.prediction_view
        if view is None:
            return
        n = view.predict_files(paths)
        self.viewTabs.setCurrentWidget(view)
        self.statusBar().showMessage(f"Classifying {n} image{'s' if n != 1 else ''}…", 3000)

    def _forward_input(self, x, label: str) -> None:
        """Show the image the prediction view shows in views that can (the feature maps)."""
        if x is self._shown_input:
            return
        self._shown_input = x
        for view in self.views:
            if view is not self.prediction_view and hasattr(view, "set_input"):
                try:
                    view.set_input(x, label)
                except ValueError as exc:      # e.g. a network whose input has another shape
                    log.info("%s cannot show this input: %s", view.objectName(), exc)

    def _shutdown_prediction(self) -> None:
        if self.prediction_view is not None:
            self.prediction_view.shutdown()

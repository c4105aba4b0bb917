"""Image files dropped anywhere on the main window go to the prediction view.

Child widgets that accept drops of their own (plots, text fields) pass file
drags up to the window through :class:`FileDragFilter`, so a drop works
wherever it lands.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

DRAG_EVENTS = (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop)


def dropped_paths(mime) -> list[str]:
    """Local file paths in a drag's QMimeData (other URLs and plain text are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class FileDragFilter(QObject):
    """Installed on ``window``'s children that accept drops: file drags go to the window instead."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        window.setAcceptDrops(True)
        for child in window.findChildren(QWidget):
            if child.acceptDrops():
                child.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() in DRAG_EVENTS and dropped_paths(event.mimeData()):
            if event.type() == QEvent.Drop:
                self.window.dropEvent(event)
            else:
                self.window.dragEnterEvent(event)
            return True
        return False

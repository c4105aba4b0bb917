"""Image files dropped anywhere on the main window go to ``on_drop(paths)`` (the prediction view).

:class:`FileDrops` filters drag events on the window and on every child
that accepts drops of its own (plots, text fields), so a file drop works
wherever it lands and other drags (text into a field) still work.
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


class FileDrops(QObject):
    """``FileDrops(window, on_drop)``: file drags onto ``window`` or its children call ``on_drop(paths)``."""

    def __init__(self, window: QWidget, on_drop):
        super().__init__(window)
        self.on_drop = on_drop
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        for child in window.findChildren(QWidget):
            if child.acceptDrops():
                child.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() not in DRAG_EVENTS:
            return False
        paths = dropped_paths(event.mimeData())
        if not paths:
            return False
        event.acceptProposedAction()
        if event.type() == QEvent.Drop:
            self.on_drop(paths)
        return True

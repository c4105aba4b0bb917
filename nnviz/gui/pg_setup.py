"""pyqtgraph as the app uses it: antialiased, and painted outside Python's GIL.

Training runs in a Python thread beside the GUI thread, and the two share
one GIL. Qt paints a widget in C++, which needs no GIL, unless Python
overrides the widget's ``paintEvent``: then Qt calls into Python, and
PySide6 keeps the GIL while the C++ base class rasterises the whole scene
(every axis, point and curve), so training stands still for as long as the
frame takes. ``pyqtgraph.GraphicsView`` overrides ``paintEvent`` only to
emit ``sigPrepareForPaint`` first (view boxes update their auto-range
then). :func:`configure` moves that signal to an event filter on each
view's viewport, which returns at once, and gives the class Qt's own
``paintEvent`` back, so PySide6 sees no override and Qt paints without the
GIL. Items that paint in Python still take it, but only for their own
``paint``; what the live views redraw every frame (the boundary's shading
and the cost curves) are plain Qt items for that reason (:mod:`.views.qt_items`).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QGraphicsView

_configured = False


class _PrepareForPaint(QObject):
    """On a viewport's paint event, tell its pyqtgraph scene (what ``GraphicsView.paintEvent`` did)."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802  (Qt's name)
        if event.type() == QEvent.Type.Paint:
            view = obj.parent()
            scene = view.scene() if isinstance(view, QGraphicsView) else None
            if scene is not None and hasattr(scene, "prepareForPaint"):
                scene.prepareForPaint()
        return False


_filter: _PrepareForPaint | None = None


def _filter_instance() -> _PrepareForPaint:
    global _filter
    if _filter is None:
        _filter = _PrepareForPaint()
    return _filter


def configure(antialias: bool = True) -> None:
    """Set pyqtgraph's options and let its views paint without the GIL (idempotent; before views are made)."""
    global _configured
    pg.setConfigOptions(antialias=antialias)
    if _configured:
        return
    original_init = pg.GraphicsView.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.viewport().installEventFilter(_filter_instance())

    pg.GraphicsView.__init__ = init
    pg.GraphicsView.paintEvent = QGraphicsView.paintEvent      # no Python override: Qt's, without the GIL
    _configured = True


def is_configured() -> bool:
    return _configured

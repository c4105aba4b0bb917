"""A square pad to draw a digit with the mouse (objectName ``drawingPad``).

White ink on black, like MNIST. The pad keeps its own ink as an (H, W)
float array in [0, 1] and emits ``drawn(ink)`` while the mouse moves
(coalesced to at most one signal per ``DEBOUNCE_MS``) and when a stroke
ends; ``cleared()`` when it is wiped. The prediction view turns the ink
into network input with :func:`nnviz.data.array_to_mnist_input`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SIDE = 280          # pixels of the ink array (10 × MNIST's 28)
PEN_WIDTH = 22      # about MNIST's stroke width at this scale
DEBOUNCE_MS = 40


class DrawingPad(QWidget):
    drawn = Signal(object)     # (SIDE, SIDE) float32 ink
    cleared = Signal()

    def __init__(self, parent=None, side: int = SIDE):
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setToolTip("Draw one digit with the mouse (left button); right-click or Clear wipes it")
        self.setAccessibleName("Digit drawing pad")
        self.side = side
        self.image = QImage(side, side, QImage.Format_Grayscale8)
        self.image.fill(0)
        self._last: QPointF | None = None
        self._strokes = 0
        self.setMinimumSize(140, 140)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.setCursor(Qt.CrossCursor)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)

    # --- public -----------------------------------------------------------------
    def ink(self) -> np.ndarray:
        """The drawing as (side, side) float32 in [0, 1], ink = 1."""
        ptr = self.image.constBits()
        rows = np.frombuffer(ptr, dtype=np.uint8).reshape(self.side, self.image.bytesPerLine())
        return rows[:, :self.side].astype(np.float32) / np.float32(255)

    def is_empty(self) -> bool:
        return self._strokes == 0

    def clear(self) -> None:
        self.image.fill(0)
        self._strokes = 0
        self._last = None
        self._timer.stop()
        self.update()
        self.cleared.emit()

    def sizeHint(self) -> QSize:
        return QSize(220, 220)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    # --- painting and mouse -------------------------------------------------------
    def _square(self):
        s = min(self.width(), self.height())
        return (self.width() - s) // 2, (self.height() - s) // 2, s

    def _to_pad(self, pos) -> QPointF:
        x0, y0, s = self._square()
        scale = self.side / max(1, s)
        return QPointF((pos.x() - x0) * scale, (pos.y() - y0) * scale)

    def _line(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setPen(QPen(QColor(255, 255, 255), PEN_WIDTH, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawLine(a, b)
        painter.end()
        self.update()

    def paintEvent(self, event) -> None:
        x0, y0, s = self._square()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
        painter.drawImage(QRect(x0, y0, s, s), self.image)
        painter.setPen(QPen(QColor("#888"), 1))
        painter.drawRect(x0, y0, s - 1, s - 1)
        if self.is_empty():
            painter.setPen(QColor("#aaa"))
            painter.drawText(self.rect(), Qt.AlignCenter, "draw a digit here")
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.RightButton:
            self.clear()
            return
        if event.button() == Qt.LeftButton:
            self._strokes += 1
            self._last = self._to_pad(event.position())
            self._line(self._last, self._last)
            self._timer.start()

    def mouseMoveEvent(self, event) -> None:
        if self._last is None or not (event.buttons() & Qt.LeftButton):
            return
        point = self._to_pad(event.position())
        self._line(self._last, point)
        self._last = point
        if not self._timer.isActive():
            self._timer.start()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self._last is not None:
            self._last = None
            self._timer.stop()
            self._emit()

    def _emit(self) -> None:
        if not self.is_empty():
            self.drawn.emit(self.ink())

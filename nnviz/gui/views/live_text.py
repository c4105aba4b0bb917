"""A line of text that changes on every frame without laying out the window again.

Each ``QLabel.setText`` asks the label's parent layout to recompute, and
the request climbs to the main window: a few milliseconds of GUI time per
frame for a heading like "epoch 1,234". :class:`LiveText` keeps its label
in a container without a layout and a fixed number of lines, so a new text
only repaints the label. The text is not selectable: a selectable label
repaints a second time, a moment later, for each new text (its text
control lays the text out again), which doubled the window's repaints
while a run trains. The whole text is in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class LiveText(QWidget):
    """``lines`` lines of (optionally rich) text; longer text wraps, then is cut at the bottom."""

    def __init__(self, text: str = "", lines: int = 1, objectName: str | None = None, parent=None):
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self.lines = int(lines)
        self.label = QLabel(text, self)
        self.label.setWordWrap(self.lines > 1)
        self.label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.label.setTextInteractionFlags(Qt.NoTextInteraction)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self._fit_height()

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:
        self.label.setText(text)
        self.setToolTip(text)     # the whole text, should a narrow window cut its last line

    def resizeEvent(self, event) -> None:
        self.label.setGeometry(0, 0, self.width(), self.height())
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.FontChange:
            self._fit_height()
        super().changeEvent(event)

    def _fit_height(self) -> None:
        margins = self.label.contentsMargins()
        self.setFixedHeight(self.lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom() + 2)

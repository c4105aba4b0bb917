"""Run controls: Train / Pause / Step / Stop / Reset and the progress bar.

The progress bar sits beside the buttons when its text fits there, and on
a row of its own below them when it does not (a narrow window, large
presentation fonts): its text is never cut.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab.lab import format_seconds

from ..style import ERROR_FG, NORMAL, ViewStyle

#: seconds between progress-bar updates while training
PROGRESS_INTERVAL = 0.1
#: the longest progress text the bar should have room for beside the buttons
SAMPLE_PROGRESS = "Epoch 10,000 / 10,000 · 12:34 · ETA 12:34"


class ControlBar(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._last_progress = 0.0
        self.trainButton = QPushButton("Train", objectName="trainButton")
        self.pauseButton = QPushButton("Pause", objectName="pauseButton")
        self.stepButton = QPushButton("Step", objectName="stepButton")
        self.stepUnitCombo = QComboBox(objectName="stepUnitCombo")
        self.stepUnitCombo.addItem("1 iteration", "iteration")
        self.stepUnitCombo.addItem("1 epoch", "epoch")
        self.stepUnitCombo.setToolTip("How far Step goes")
        self.stopButton = QPushButton("Stop", objectName="stopButton")
        self.resetButton = QPushButton("Reset", objectName="resetButton")
        self.trainButton.setDefault(True)
        for b in (self.trainButton, self.pauseButton, self.stepButton, self.stopButton, self.resetButton):
            b.setSizePolicy(QSizePolicy.Minimum, QSizePolicy.Fixed)
        self.progressBar = QProgressBar(objectName="progressBar")
        self.progressBar.setRange(0, 1000)
        self.progressBar.setValue(0)
        self.progressBar.setTextVisible(True)
        self.progressBar.setFormat("Ready")
        self.progressBar.setAlignment(Qt.AlignCenter)
        self.progressBar.setMinimumWidth(170)
        self.progressBar.setToolTip("Epoch (or iteration) reached / planned · training time · estimated time left")
        self.blockedLabel = QLabel(objectName="trainBlockedLabel")
        self.blockedLabel.setWordWrap(True)
        self.blockedLabel.setStyleSheet(f"color: {ERROR_FG};")
        self.blockedLabel.hide()

        self.buttonRow = row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.trainButton, self.pauseButton, self.stepButton, self.stepUnitCombo, self.stopButton,
                  self.resetButton):
            row.addWidget(w)
        row.addSpacing(8)
        row.addWidget(self.progressBar, 1)
        self.progressRow = QHBoxLayout()
        self.progressRow.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(self.progressRow)
        layout.addWidget(self.blockedLabel)
        self.view_style = NORMAL
        self.progress_below = False

    # --- layout -----------------------------------------------------------------------
    def set_view_style(self, style: ViewStyle) -> None:
        """Fonts follow the window's; the bar is as tall as its text."""
        self.view_style = style
        height = self.fontMetrics().height() + 10
        for w in (self.trainButton, self.pauseButton, self.stepButton, self.stepUnitCombo, self.stopButton,
                  self.resetButton, self.progressBar):
            w.setMinimumHeight(height)
        self._place_progress(self.width())

    def _buttons_width(self) -> int:
        widgets = (self.trainButton, self.pauseButton, self.stepButton, self.stepUnitCombo, self.stopButton,
                   self.resetButton)
        spacing = max(0, self.buttonRow.spacing())
        return sum(max(w.sizeHint().width(), w.minimumSizeHint().width()) for w in widgets) \
            + spacing * len(widgets) + 8

    def _progress_width(self) -> int:
        return self.progressBar.fontMetrics().horizontalAdvance(SAMPLE_PROGRESS) + 16

    def minimumSizeHint(self) -> QSize:
        """As narrow as the buttons: the progress bar moves below them when the row is narrower."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self._buttons_width()), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_progress(event.size().width())

    def _place_progress(self, width: int) -> None:
        below = width < self._buttons_width() + self._progress_width()
        if below == self.progress_below:
            return
        self.progress_below = below
        (self.buttonRow if below else self.progressRow).removeWidget(self.progressBar)
        if below:
            self.progressRow.addWidget(self.progressBar, 1)
            self.buttonRow.addStretch(1)            # the buttons keep their size
        else:
            self.buttonRow.takeAt(self.buttonRow.count() - 1)      # that stretch
            self.buttonRow.addWidget(self.progressBar, 1)
        self.progressBar.setMinimumWidth(0 if below else 170)

    def show_progress(self, snap, unit: str = "epoch") -> None:
        """The run's progress; while it runs, at most every PROGRESS_INTERVAL s (its text changes every step)."""
        now = time.perf_counter()
        if snap.reason == "progress" and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        total_epochs = snap.run_start_epoch + snap.run_epochs
        text = f"{unit.capitalize()} {snap.epoch:,} / {total_epochs:,}"
        if unit == "epoch" and snap.iterations_per_epoch > 1:
            text += f" · iteration {snap.iteration:,}"
        text += f" · {format_seconds(snap.elapsed)}"
        if snap.reason != "final":
            text += f" · ETA {format_seconds(snap.eta)}"
        if snap.reason == "paused":
            text += " · paused"
        self._set_bar(int(round(snap.progress * 1000)), text)

    def _set_bar(self, value: int, text: str) -> None:
        """QProgressBar.setValue repaints the bar at once, with the GIL held, so training waits; with updates
        off it only stores the value, and turning them on again asks for an ordinary, later repaint."""
        self.progressBar.setUpdatesEnabled(False)
        self.progressBar.setValue(value)
        self.progressBar.setFormat(text)
        self.progressBar.setUpdatesEnabled(True)

    def show_text(self, text: str, fraction: float | None = None) -> None:
        self._set_bar(self.progressBar.value() if fraction is None else int(round(fraction * 1000)), text)

"""Run controls: Train / Pause / Step / Stop / Reset and the progress bar."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
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

from ..style import ERROR_FG

#: seconds between progress-bar updates while training
PROGRESS_INTERVAL = 0.1


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

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.trainButton, self.pauseButton, self.stepButton, self.stepUnitCombo, self.stopButton,
                  self.resetButton):
            row.addWidget(w)
        row.addSpacing(8)
        row.addWidget(self.progressBar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.blockedLabel)

    def show_progress(self, snap, unit: str = "epoch") -> None:
        """The run's progress; while it runs, at most every PROGRESS_INTERVAL s (its text changes every step)."""
        now = time.perf_counter()
        if snap.reason == "progress" and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        self.progressBar.setValue(int(round(snap.progress * 1000)))
        total_epochs = snap.run_start_epoch + snap.run_epochs
        text = f"{unit.capitalize()} {snap.epoch:,} / {total_epochs:,}"
        if unit == "epoch" and snap.iterations_per_epoch > 1:
            text += f" · iteration {snap.iteration:,}"
        text += f" · {format_seconds(snap.elapsed)}"
        if snap.reason != "final":
            text += f" · ETA {format_seconds(snap.eta)}"
        if snap.reason == "paused":
            text += " · paused"
        self.progressBar.setFormat(text)

    def show_text(self, text: str, fraction: float | None = None) -> None:
        if fraction is not None:
            self.progressBar.setValue(int(round(fraction * 1000)))
        self.progressBar.setFormat(text)

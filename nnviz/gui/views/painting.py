"""Draw data on the decision-boundary plot: the paint bar and the mouse handling (Qt side only).

:class:`PaintBar` sits above the boundary plot: ``paintDrawButton`` (Draw
mode on/off), ``paintClassCombo`` (the class a click adds, up to 8, each in
its palette colour), ``paintClearButton``, ``paintLoadButton`` and
``paintSaveButton`` (CSV files). In Draw mode a click on the plot adds a
point of the chosen class and a shift-drag erases the points under the
pointer. Nothing here edits points: every action becomes a
:class:`~nnviz.lab.painted.PaintEdit` emitted as ``edit``, which the view
forwards to the lab (``lab.edit_painted``), the points' owner.

Clicks and erasing strokes are shown at once (a preview dot) and handed to
the lab together once the mouse has rested for :data:`SETTLE_MS`, so quick
clicking is never held up by the window redrawing for each point.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from nnviz.lab.painted import DEFAULT_NAMES, MAX_CLASSES, PAINTED, PaintEdit
from nnviz.lab.palette import class_color

#: the eraser's radius, in screen pixels
ERASE_PX = 14
#: how long the mouse rests before the points go to the lab (ms)
SETTLE_MS = 150


def swatch_icon(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class PaintBar(QWidget):
    """The row of painting controls; ``edit(PaintEdit)`` for everything the user does (see the module)."""

    edit = Signal(object)

    def __init__(self, plot_widget, parent=None):
        super().__init__(parent)
        self.setObjectName("paintBar")
        self.plot_widget = plot_widget
        self.view_box = plot_widget.getPlotItem().getViewBox()
        self.drawButton = QToolButton(objectName="paintDrawButton", text="✎ Draw data", checkable=True)
        self.drawButton.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.drawButton.setToolTip("Paint your own 2-D data: click to add a point of the chosen class, "
                                   "shift-drag to erase (switches to the Painted points dataset)")
        self.classCombo = QComboBox(objectName="paintClassCombo")
        self.classCombo.setToolTip("The class a click adds")
        for k in range(MAX_CLASSES):
            self.classCombo.addItem(swatch_icon(class_color(k)), DEFAULT_NAMES[k])
        self.clearButton = QPushButton("Clear", objectName="paintClearButton")
        self.clearButton.setToolTip("Remove every painted point")
        self.loadButton = QPushButton("Load…", objectName="paintLoadButton")
        self.loadButton.setToolTip("Read points from a CSV file (x1,x2,label)")
        self.saveButton = QPushButton("Save…", objectName="paintSaveButton")
        self.saveButton.setToolTip("Write the points to a CSV file (x1,x2,label), exactly")
        self.hint = QLabel("click: add · shift-drag: erase", objectName="paintHint")
        self.hint.setStyleSheet("color: #555;")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.drawButton)
        for w in (self.classCombo, self.clearButton, self.loadButton, self.saveButton, self.hint):
            row.addWidget(w)
        row.addStretch(1)
        self.drawButton.toggled.connect(self._on_draw_toggled)
        self.clearButton.clicked.connect(lambda: self._emit(PaintEdit.clear()))
        self.loadButton.clicked.connect(self._load)
        self.saveButton.clicked.connect(self._save)
        self._painted = False
        self._running = False
        self._erasing = False
        self.pending: list[PaintEdit] = []
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.flush)
        self.preview = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#1a1a1a", width=0.8))
        self.preview.setZValue(12)
        plot_widget.getPlotItem().addItem(self.preview)
        plot_widget.viewport().installEventFilter(self)
        self._update_enabled()

    # --- state ---------------------------------------------------------------------------
    @property
    def drawing(self) -> bool:
        return self.drawButton.isChecked() and self._painted and not self._running

    def set_dataset(self, ds) -> None:
        """The view shows ``ds``: Draw stays on only for the painted points; their class names fill the list."""
        self._painted = ds is not None and ds.name == PAINTED
        if not self._painted and self.drawButton.isChecked():
            blocked = self.drawButton.blockSignals(True)
            self.drawButton.setChecked(False)
            self.drawButton.blockSignals(blocked)
        names = list(ds.class_names) if self._painted else []
        for k in range(MAX_CLASSES):
            self.classCombo.setItemText(k, names[k] if k < len(names) else DEFAULT_NAMES[k])
        self._update_enabled()

    def set_running(self, running: bool) -> None:
        self._running = bool(running)
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.drawButton.setEnabled(not self._running)
        on = self.drawButton.isChecked() and not self._running
        for w in (self.classCombo, self.clearButton, self.loadButton, self.saveButton, self.hint):
            w.setVisible(self.drawButton.isChecked())
            w.setEnabled(on)
        self.plot_widget.viewport().setCursor(Qt.CrossCursor if on else Qt.ArrowCursor)

    def _on_draw_toggled(self, on: bool) -> None:
        self._update_enabled()
        if on and not self._painted:
            self._emit(PaintEdit.start())       # the lab switches to the painted points

    def _queue(self, edit: PaintEdit) -> None:
        self.pending.append(edit)
        self._settle.start()

    def flush(self) -> None:
        """Hand the queued clicks and strokes to the lab as one edit (the preview dots go: the view redraws)."""
        self._settle.stop()
        edits, self.pending = self.pending, []
        if edits:
            self.edit.emit(PaintEdit(lambda points: [e.op(points) for e in edits]))
        self.preview.clear()

    def _emit(self, edit: PaintEdit) -> None:
        self.flush()
        self.edit.emit(edit)

    # --- files ---------------------------------------------------------------------------
    def _load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load painted points", "", "CSV files (*.csv);;All files (*)")
        if path:
            self._emit(PaintEdit.load(path))

    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save painted points", "points.csv", "CSV files (*.csv)")
        if path:
            self._emit(PaintEdit.save(path))

    # --- the mouse -------------------------------------------------------------------------
    def data_point(self, pos) -> QPointF | None:
        """The plot coordinates under the widget position ``pos`` (None outside the plotting area)."""
        scene = self.plot_widget.mapToScene(pos)
        if not self.view_box.sceneBoundingRect().contains(scene):
            return None
        return self.view_box.mapSceneToView(scene)

    def widget_pos(self, x: float, y: float):
        """The viewport position of the plot point (x, y) (what a click there needs; tests use it)."""
        return self.plot_widget.mapFromScene(self.view_box.mapViewToScene(QPointF(x, y)))

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if not self.drawing or kind not in (QEvent.MouseButtonPress, QEvent.MouseMove, QEvent.MouseButtonRelease,
                                            QEvent.MouseButtonDblClick):
            return False
        if kind == QEvent.MouseButtonRelease:
            self._erasing = False
            self._settle.start()
            return True
        if kind == QEvent.MouseMove and not self._erasing:
            return False                                    # hovering: let the plot see it
        if kind != QEvent.MouseMove and event.button() != Qt.LeftButton:
            return True
        point = self.data_point(event.position().toPoint())
        if kind in (QEvent.MouseButtonPress, QEvent.MouseButtonDblClick):
            self._erasing = bool(event.modifiers() & Qt.ShiftModifier)
            if point is not None and not self._erasing:
                k = self.classCombo.currentIndex()
                self._queue(PaintEdit.add(point.x(), point.y(), k))
                self.preview.addPoints([{"pos": (point.x(), point.y()), "brush": pg.mkBrush(class_color(k))}])
        if self._erasing and point is not None:
            radius = ERASE_PX * max(self.view_box.viewPixelSize())
            self._queue(PaintEdit.erase(point.x(), point.y(), radius))
        return True

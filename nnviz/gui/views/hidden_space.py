"""The input plane as a hidden layer sees it (objectName ``hiddenSpaceView``, tab "Hidden space").

For 2-D data: a square grid of lines over the input plane and the training
points, run through the network up to a chosen layer and drawn on two of
its units or on its first two principal directions (PCA). While the
network trains, the layers bend the grid until the two classes can be cut
by a straight line — which is all the output layer can do. Computed in the
training worker (:class:`~nnviz.lab.hidden_space.HiddenSpaceProbe`, only
while the tab is seen); the line and point items are made once and updated.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox

from nnviz.lab.hidden_space import HiddenSpaceProbe, grid_lines
from nnviz.lab.network_graph import graph_columns
from nnviz.lab.painted import plane_points
from nnviz.lab.palette import class_color

from .base import LiveView, ViewContext, set_heading_font
from .layout import column, page_or_message
from .live_text import LiveText
from .plot_tools import cache_axes, dark_axes, set_tick_font

N_LINES, SAMPLES = 15, 60
MAX_POINTS = 600


class HiddenSpaceView(LiveView):
    title = "Hidden space"
    group = "Inside the network"
    max_fps = 20.0

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("hiddenSpaceView")
        self.frames_drawn = 0
        self._probe: HiddenSpaceProbe | None = None
        self._columns = []
        self._labels = None
        self._count_label = "epochs"
        self._axis_names = None

        self.layerCombo = QComboBox(objectName="hiddenLayerCombo")
        self.layerCombo.setToolTip("The layer whose space is shown")
        self.axesCombo = QComboBox(objectName="hiddenAxesCombo")
        self.axesCombo.addItem("its first two principal directions (PCA)", "pca")
        self.axesCombo.addItem("two of its units", "units")
        self.axesCombo.setToolTip("PCA: the two directions along which the points spread most in that layer")
        self.unitASpin = QSpinBox(objectName="hiddenUnitASpin")
        self.unitBSpin = QSpinBox(objectName="hiddenUnitBSpin")
        for spin in (self.unitASpin, self.unitBSpin):
            spin.setMinimum(1)
            spin.setPrefix("unit ")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Layer"))
        bar.addWidget(self.layerCombo)
        bar.addWidget(QLabel("shown on"))
        bar.addWidget(self.axesCombo)
        bar.addWidget(self.unitASpin)
        bar.addWidget(self.unitBSpin)
        bar.addStretch(1)

        self.heading = LiveText("Hidden space", objectName="hiddenHeading")
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)          # equal scales: distances in the layer's space stay true
        cache_axes(self.plot)
        dark_axes(self.plot)
        self.vlines = pg.PlotDataItem([], [], connect="finite", pen=pg.mkPen("#8a8a8a", width=1.2))
        self.hlines = pg.PlotDataItem([], [], connect="finite", pen=pg.mkPen("#b0b0b0", width=1.2))
        self.plot.addItem(self.vlines)
        self.plot.addItem(self.hlines)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.caption = QLabel(objectName="hiddenCaption")
        self.caption.setWordWrap(True)
        page = column(bar, self.heading, (self.plot_widget, 1), self.caption)
        self.message, self.stack = page_or_message(self, page, "hiddenMessage")

        self.layerCombo.currentIndexChanged.connect(self._on_choice)
        self.axesCombo.currentIndexChanged.connect(self._on_choice)
        self.unitASpin.valueChanged.connect(self._on_choice)
        self.unitBSpin.valueChanged.connect(self._on_choice)
        self.set_view_style(self.view_style)

    # --- LiveView ---------------------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        return [self._probe] if self._probe is not None else []

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._frame, self._pending, self._probe = None, False, None
        self._count_label = context.count_label
        ds, model = context.dataset, context.model
        if ds is None:
            return self._show_message("No data loaded: pick a dataset, or open one with File → Open dataset file…")
        if tuple(ds.input_shape) != (2,):
            return self._show_message(
                "The hidden space is drawn for datasets with 2 input features: it shows how the layers bend the "
                "input plane. Pick moons, circles, xor or spiral; for images see the Network and Feature maps tabs.")
        if model is None:
            return self._show_message("There is no network yet: fix the settings in the Network panel.")
        columns = [c for c in graph_columns(model) if c.layer_index >= 0]
        if len(columns) < 2:
            return self._show_message("This network has no hidden layer: its output layer works on the input "
                                      "plane itself. Add a Dense layer in the Network panel.")
        self._columns = columns[:-1]                 # the hidden layers (the output's space is one number)
        rng = np.random.default_rng(0)
        X, y = ds.X_train, np.asarray(ds.y_train)
        if len(X) > MAX_POINTS:
            keep = np.sort(rng.choice(len(X), MAX_POINTS, replace=False))
            X, y = X[keep], y[keep]
        self._labels = y
        lines = grid_lines(plane_points(ds), n_lines=N_LINES, samples=SAMPLES)
        self._probe = HiddenSpaceProbe(X, lines, SAMPLES, self._columns)
        self._probe.set_active(self.isVisible())
        self._make_points(y)
        self.layerCombo.blockSignals(True)
        previous = self.layerCombo.currentText().split(" ")[0]
        self.layerCombo.clear()
        for c in self._columns:
            self.layerCombo.addItem(f"{c.name} ({c.units} × {c.activation})", c.layer_index)
        names = [c.name for c in self._columns]
        self.layerCombo.setCurrentIndex(names.index(previous) if previous in names else len(names) - 1)
        self.layerCombo.blockSignals(False)
        self.stack.setCurrentIndex(0)
        self._on_choice(refresh=False)
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(HiddenSpaceProbe.key)
        if frame is None or self._probe is None or len(frame.points) != len(self._labels):
            return
        self._show_frame(frame, urgent=False)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_tick_font([self.plot], style.tick_pt)
        for item in self.scatter_items:
            item.setSize(style.point_size)
        set_heading_font(self.heading, style)

    def export_item(self):
        return self.plot_widget

    def showEvent(self, event) -> None:
        if self._probe is not None and not self._probe.active:
            self._probe.set_active(True)
            self.refreshRequested.emit()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if self._probe is not None:
            self._probe.set_active(False)

    # --- choosing ----------------------------------------------------------------------------------
    def _on_choice(self, *_args, refresh: bool = True) -> None:
        if self._probe is None or self.layerCombo.count() == 0:
            return
        layer = self.layerCombo.currentData()
        column = next(c for c in self._columns if c.layer_index == layer)
        mode = self.axesCombo.currentData()
        for spin in (self.unitASpin, self.unitBSpin):
            spin.blockSignals(True)
            spin.setMaximum(column.units)
            spin.setSuffix(f" of {column.units}")
            spin.setVisible(mode == "units")
            spin.blockSignals(False)
        if self.unitBSpin.value() == self.unitASpin.value() and column.units > 1:
            self.unitBSpin.blockSignals(True)
            self.unitBSpin.setValue(self.unitASpin.value() % column.units + 1)
            self.unitBSpin.blockSignals(False)
        self._probe.choose(layer, mode, (self.unitASpin.value() - 1, self.unitBSpin.value() - 1))
        self._probe.set_active(self.isVisible())
        if refresh:
            self.refreshRequested.emit()

    # --- drawing -------------------------------------------------------------------------------------
    def _make_points(self, y) -> None:
        for item in self.scatter_items:
            self.plot.removeItem(item)
        self.scatter_items = []
        for k in np.unique(y):
            item = pg.ScatterPlotItem([], [], symbol="o", size=self.view_style.point_size,
                                      brush=pg.mkBrush(class_color(int(k))), pen=pg.mkPen("#1a1a1a", width=0.6))
            item.setZValue(10)
            item.class_index = int(k)
            self.plot.addItem(item)
            self.scatter_items.append(item)

    def _draw(self) -> None:
        frame = self._frame
        if frame is None:
            return
        self._pending = False
        half = N_LINES
        for item, lines in ((self.vlines, frame.lines[:half]), (self.hlines, frame.lines[half:])):
            pad = np.full((lines.shape[0], 1, 2), np.nan, np.float32)
            a = np.concatenate([lines, pad], axis=1).reshape(-1, 2)
            item.setData(a[:, 0], a[:, 1], connect="finite")
        for item in self.scatter_items:
            pts = frame.points[self._labels == item.class_index]
            item.setData(pts[:, 0], pts[:, 1])
        finite = frame.points[np.all(np.isfinite(frame.points), axis=1)]
        if len(finite):
            lo = np.percentile(finite.astype(np.float64), 1, axis=0)
            hi = np.percentile(finite.astype(np.float64), 99, axis=0)
            span = np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(hi)))
            self.plot.setRange(xRange=(float(lo[0] - 0.15 * span[0]), float(hi[0] + 0.15 * span[0])),
                               yRange=(float(lo[1] - 0.15 * span[1]), float(hi[1] + 0.15 * span[1])), padding=0)
        if frame.axis_names != self._axis_names:          # a new label lays the plot out again: only on change
            self._axis_names = frame.axis_names
            self.plot.setLabel("bottom", frame.axis_names[0])
            self.plot.setLabel("left", frame.axis_names[1])
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        count = frame.iteration if unit == "iteration" else frame.epoch
        if frame.mode == "pca":
            what = (f"first two principal directions ({frame.explained[0]:.0%} + {frame.explained[1]:.0%} "
                    "of the spread)")
        else:
            what = f"{frame.axis_names[0]} and {frame.axis_names[1]}"
        self.heading.setText(f"The plane as {frame.layer_name} sees it: {what} — {unit} {count:,}")
        caption = ("Grey lines: a square grid over the input plane, carried through the layers up to "
                   f"<b>{frame.layer_name}</b> (darker: lines that were vertical). Dots: training points in their "
                   "class colours. The output layer can only cut this space with a straight line (a flat plane): "
                   "training bends the grid until the classes come apart.")
        if caption != self.caption.text():                 # a QLabel's new text lays the window out again
            self.caption.setText(caption)
        self.frames_drawn += 1

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

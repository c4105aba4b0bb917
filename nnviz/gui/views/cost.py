"""The cost and accuracy curves (objectName ``costPlot``).

Snapshots carry only the history entries added since the last one; they
are appended to growing buffers and the curves are redrawn peak-downsampled
(:class:`~.qt_items.PathCurve`, painted by Qt outside the GIL), so a
10,000-epoch run costs the GUI thread the same at the end as at the start.

When the time machine rewinds the run (``context.moment``, a
:class:`~nnviz.lab.timeline.WeightSnapshot`), the curves stay whole and a
vertical cursor marks the moment; the summary gives the numbers then.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout

from ..style import TEST_COLOR, TRAIN_COLOR
from .base import LiveView, ViewContext
from .live_text import LiveText
from .lr_curve import LRCurve
from .plot_tools import cache_axes, dark_axes, grown_range, set_tick_font
from .qt_items import GridLines, add_curve

#: redraws per second at most while training (the data keep arriving in between)
MAX_FPS = 10.0


class Series:
    """A float64 array that grows by appending, with amortized O(1) appends."""

    def __init__(self):
        self._data = np.empty(256)
        self._n = 0

    def __len__(self):
        return self._n

    def clear(self) -> None:
        self._n = 0

    def put(self, offset: int, values) -> None:
        """Write ``values`` at ``offset``, dropping anything after (keeps the series in step with a history)."""
        values = np.asarray(values, dtype=np.float64).ravel()
        offset = max(0, min(int(offset), self._n))
        need = offset + values.size
        if need > self._data.size:
            grown = np.empty(max(need, 2 * self._data.size))
            grown[:self._n] = self._data[:self._n]
            self._data = grown
        self._data[offset:need] = values
        self._n = need

    @property
    def values(self) -> np.ndarray:
        return self._data[:self._n]


def _finite(x, y, positive=False):
    keep = np.isfinite(y)
    if positive:
        keep &= y > 0
    if keep.all():
        return x, y
    return x[keep], y[keep]


#: a linear cost axis stops at this many times the first cost
OFF_CHART = 10.0


def cost_text(value: float) -> str:
    """``0.0432``; ``9.69e+18 (off the chart)`` for a cost that exploded; ``nan`` as is."""
    if not math.isfinite(value) or abs(value) < 1e4:
        return f"{value:.4f}"
    return f"{value:.3g} (off the chart)"


def moment_text(snap, unit: str) -> str:
    """The summary line for a time-machine snapshot: ``time machine at epoch 16 · cost 0.5921 · …``."""
    parts = [f"Time machine at {unit} {snap.epoch:,}"]
    for name, value, fmt in (("train cost", snap.cost, cost_text), ("test cost", snap.test_cost, cost_text),
                             ("train accuracy", snap.train_accuracy, "{:.1%}".format),
                             ("test accuracy", snap.test_accuracy, "{:.1%}".format)):
        if math.isfinite(value):
            parts.append(f"{name} {fmt(value)}")
    return " · ".join(parts)


class CostView(LiveView):
    """Train/test cost (top) and accuracy (bottom) against epoch or iteration."""

    title = "Cost"
    placement = "main"
    max_fps = MAX_FPS

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("costPlot")
        self.epochs, self.epoch_iterations = Series(), Series()
        self.cost, self.test_cost = Series(), Series()
        self.train_acc, self.test_acc = Series(), Series()
        self.iteration_cost = Series()
        self._count_label = "epochs"
        self._planned = {"epoch": 0, "iteration": 0}    # x extent of the current run
        self._fit_data = False
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None

        self.axisCombo = QComboBox(objectName="costAxisCombo")
        self.axisCombo.addItem("per epoch", "epoch")
        self.axisCombo.addItem("per iteration", "iteration")
        self.axisCombo.setToolTip("Plot against epochs, or against iterations (one per mini-batch)")
        self.logCheck = QCheckBox("Log scale", objectName="logScaleCheck")
        self.logCheck.setToolTip("Show the cost on a logarithmic axis")
        self.summary = LiveText(lines=2, objectName="costSummary")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Cost and accuracy"))
        bar.addStretch(1)
        bar.addWidget(self.axisCombo)
        bar.addWidget(self.logCheck)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.cost_plot = self.graphics.addPlot(row=0, col=0)
        self.lr_curve = LRCurve(self.graphics, 1, self.cost_plot, Series)     # shown when the rate moves
        self.acc_plot = self.graphics.addPlot(row=2, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        self.acc_plot.setXLink(self.cost_plot)
        self.cost_plot.enableAutoRange(x=False, y=False)
        self.acc_plot.enableAutoRange(x=False, y=False)
        self.acc_plot.setYRange(0, 1.05, padding=0)
        self.acc_plot.setLimits(yMin=-0.05, yMax=1.1)
        self.grids = []
        for plot in (self.cost_plot, self.acc_plot):
            self.grids.append(GridLines(plot, alpha=0.25))
            plot.setMenuEnabled(False)
            plot.hideButtons()
            cache_axes(plot)
            plot.getAxis("left").enableAutoSIPrefix(False)     # "cost", not "cost (×0.001)"
            dark_axes(plot)
        self.cost_legend = self.cost_plot.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.acc_legend = self.acc_plot.addLegend(offset=(-10, -10), labelTextColor="#222")
        self.train_curve = self._curve(self.cost_plot, TRAIN_COLOR, "train cost")
        self.test_curve = self._curve(self.cost_plot, TEST_COLOR, "test cost", dash=True)
        self.train_acc_curve = self._curve(self.acc_plot, TRAIN_COLOR, "train accuracy")
        self.test_acc_curve = self._curve(self.acc_plot, TEST_COLOR, "test accuracy", dash=True)
        self.moment = None          # the time machine's snapshot shown, or None
        self.cursors = [pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=2))
                        for _ in (self.cost_plot, self.acc_plot)]
        for plot, cursor in zip((self.cost_plot, self.acc_plot), self.cursors):
            cursor.setZValue(20)
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.summary)
        self.axisCombo.currentIndexChanged.connect(self._on_axis_changed)
        self.logCheck.toggled.connect(self._on_log_toggled)
        self._apply_labels()
        self.set_view_style(self.view_style)

    def _curve(self, plot, color, name, dash=False):
        return add_curve(plot, pg.mkPen(color, width=2, style=Qt.DashLine if dash else Qt.SolidLine), name)

    # --- LiveView ---------------------------------------------------------------
    def reset(self, context: ViewContext, snapshot=None) -> None:
        for s in (self.epochs, self.epoch_iterations, self.cost, self.test_cost, self.train_acc,
                  self.test_acc, self.iteration_cost):
            s.clear()
        self.lr_curve.clear()
        self._count_label = context.count_label
        self._x_range = self._y_range = None
        self.moment = context.moment
        done = context.model.history.epochs_done if context.model is not None else 0
        epochs = getattr(context.config, "epochs", 0) or 0
        steps = 1
        ds, batch = context.dataset, getattr(context.config, "batch_size", None)
        if ds is not None and batch:
            steps = max(1, math.ceil(len(ds.y_train) / batch))
        iterations = context.model.history.iterations_done if context.model is not None else 0
        # before any training the axis shows the run Train would make; after some, the history there is
        self._planned = ({"epoch": done, "iteration": iterations} if done else
                         {"epoch": epochs, "iteration": epochs * steps})
        self._fit_data = False
        self._apply_labels()
        if snapshot is not None:
            self.show_snapshot(snapshot)
        else:
            self._redraw()

    def show_snapshot(self, snap) -> None:
        e0 = snap.epoch_offset
        self.epochs.put(e0, snap.new_epochs)
        self.epoch_iterations.put(e0, snap.new_epoch_iterations)
        self.cost.put(e0, snap.new_cost)
        self.test_cost.put(e0, snap.new_test_cost)
        self.train_acc.put(e0, snap.new_train_accuracy)
        self.test_acc.put(e0, snap.new_test_accuracy)
        self.iteration_cost.put(snap.iteration_offset, snap.new_iteration_cost)
        self.lr_curve.put(snap.iteration_offset, getattr(snap, "new_lr", ()),
                          getattr(snap, "iterations_per_epoch", 1))
        if snap.run_epochs:
            self._planned = {"epoch": snap.run_start_epoch + snap.run_epochs,
                             "iteration": snap.run_start_iteration + snap.run_iterations}
        # stepping (a paused run) shows the few points there are, not the whole planned run
        self._fit_data = snap.reason == "paused"
        self._request_draw(urgent=snap.reason != "progress")

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        if running and self.moment is not None:      # a run trains on from now: no moment to mark
            self.moment = None
            self._request_draw()

    @property
    def cursor_x(self) -> float | None:
        """Where the time machine's cursor stands (epoch or iteration, as the x axis), None when hidden."""
        if self.moment is None:
            return None
        return float(self.moment.iteration if self.x_mode == "iteration" else self.moment.epoch)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_tick_font((self.cost_plot, self.acc_plot), style.tick_pt)
        for curve, color, dash in ((self.train_curve, TRAIN_COLOR, False), (self.test_curve, TEST_COLOR, True),
                                   (self.train_acc_curve, TRAIN_COLOR, False),
                                   (self.test_acc_curve, TEST_COLOR, True)):
            curve.setPen(pg.mkPen(color, width=style.line_width, style=Qt.DashLine if dash else Qt.SolidLine))
        for legend in (self.cost_legend, self.acc_legend):
            legend.setLabelTextSize(f"{style.label_pt}pt")
            for _, label in legend.items:       # existing labels keep their size unless set again
                label.setText(label.text, size=f"{style.label_pt}pt", color="#222")
        self.lr_curve.set_style(style)
        self._apply_labels()

    def export_item(self):
        return self.graphics

    # --- drawing ------------------------------------------------------------------
    @property
    def x_mode(self) -> str:
        return self.axisCombo.currentData()

    def _apply_labels(self) -> None:
        unit = "iteration" if self.x_mode == "iteration" else (
            "iteration" if self._count_label == "iterations" else "epoch")
        size = {"font-size": f"{self.view_style.label_pt}pt", "color": "#222"}
        self.cost_plot.setLabel("left", "cost", **size)
        self.acc_plot.setLabel("left", "accuracy", **size)
        self.acc_plot.setLabel("bottom", unit, **size)
        self.cost_plot.setLabel("bottom", None)

    def _draw(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        self._pending = False
        log = self.logCheck.isChecked()
        ex = self.epoch_iterations.values if self.x_mode == "iteration" else self.epochs.values
        if self.x_mode == "iteration":
            y = self.iteration_cost.values
            x = np.arange(1, y.size + 1, dtype=np.float64)
        else:
            x, y = ex, self.cost.values
        self.train_curve.setData(*_finite(x, y, positive=log))
        self.test_curve.setData(*_finite(ex, self.test_cost.values, positive=log))
        self.train_acc_curve.setData(*_finite(ex, self.train_acc.values))
        self.test_acc_curve.setData(*_finite(ex, self.test_acc.values))
        self.lr_curve.draw(self.x_mode)
        self._update_ranges(x, y, log)
        self._update_summary()
        at = self.cursor_x
        for cursor in self.cursors:
            cursor.setVisible(at is not None)
            if at is not None:
                cursor.setValue(at)

    def _update_ranges(self, x, y, log: bool) -> None:
        """Grow the ranges in steps (axes are costly to lay out again); x spans the whole planned run."""
        last = float(x[-1]) if x.size else 0.0
        planned = 1.25 * last + 1 if self._fit_data else float(self._planned[self.x_mode])
        x_end = max(planned, last, 1.0)
        if self._x_range is None or x_end > self._x_range[1] or x_end < 0.5 * self._x_range[1]:
            self._x_range = (0.0, x_end)
            self.cost_plot.setXRange(0.0, x_end, padding=0.02)
        values = [v for v in (y, self.test_cost.values) if v.size]
        values = [v[np.isfinite(v) & ((v > 0) if log else True)] for v in values]
        values = [v for v in values if v.size]
        if not values:
            return
        lo = min(float(v.min()) for v in values)
        hi = min(max(float(v.max()) for v in values), self._chart_cap(y, log))
        new = grown_range(self._y_range, lo, hi, log=log)
        if new is not None:
            self._y_range = new
            self.cost_plot.setYRange(*new, padding=0)

    @staticmethod
    def _chart_cap(train_cost, log: bool) -> float:
        """A diverging cost (1e19) would flatten the whole curve: on a linear axis the range stops at
        ten times the first training cost (the summary says when the cost is off the chart)."""
        first = float(train_cost[0]) if train_cost.size else math.nan
        return math.inf if log or not math.isfinite(first) else OFF_CHART * max(first, 1e-3)

    def _update_summary(self) -> None:
        n = len(self.cost)
        if n == 0:
            self.summary.setText("No training yet: press Train.")
            return
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        if self.moment is not None:
            self.summary.setText(moment_text(self.moment, unit))
            return
        parts = [f"{unit} {int(self.epochs.values[-1]):,}", f"train cost {cost_text(self.cost.values[-1])}"]
        tc = self.test_cost.values[-1]
        if np.isfinite(tc):
            parts.append(f"test cost {cost_text(tc)}")
        parts.append(f"train accuracy {self.train_acc.values[-1]:.1%}")
        ta = self.test_acc.values[-1]
        if np.isfinite(ta):
            parts.append(f"test accuracy {ta:.1%}")
        lr = self.lr_curve.last() if self.lr_curve.visible else None
        if lr is not None:
            parts.append(f"lr {lr:.3g}")
        self.summary.setText(" · ".join(parts))

    def _on_axis_changed(self) -> None:
        self._apply_labels()
        self._x_range = self._y_range = None
        self._redraw()

    def _on_log_toggled(self, on: bool) -> None:
        self.cost_plot.setLogMode(x=False, y=on)
        self._y_range = None
        self._redraw()

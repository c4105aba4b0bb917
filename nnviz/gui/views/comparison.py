"""Runs compared (objectName ``comparisonView``): cost and accuracy curves of several runs on one plot.

Every run trained in the main window is kept for the session (settings and
history); an exploration series (initializations, optimizers,
regularization, vanishing gradients) trains its runs one after another on
a thread of its own. Tick runs in the list to overlay them; the legend
names only what differs between the runs shown. Series that measure
gradients add a plot of each layer's gradient norm.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
)

from nnviz.data import DatasetError
from nnviz.lab.runs import RunLog, RunRecord, comparison_labels
from nnviz.lab.series import list_series, load_series

from ..series import SeriesRunner
from ..tasks import run_and_wait
from .base import LiveView
from .layout import column, fill_with_splitter
from .plot_tools import dark_axes, set_tick_font

#: distinct for colour-blind viewers first (Okabe–Ito), then further distinct hues
RUN_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7F7F7F",
              "#8C564B", "#BCBD22", "#17BECF", "#9467BD")
UNSHOWN_COLOR = "#d0d0d0"
#: which curves the plots show: (key, label, train?, test?)
CURVE_CHOICES = (("both", "training and test", True, True), ("train", "training set only", True, False),
                 ("test", "test set only", False, True))
CAPTION = "Solid lines: training set · dashed: test set. The legend names what differs between the runs shown."
#: legends with labels longer than this get one column (two would widen the plots out of view)
LONG_LABEL = 28


def coinciding(records: list[RunRecord]) -> dict[int, int]:
    """{index: index of an earlier record whose cost curve it covers (within 1e-4 everywhere)}."""
    out = {}
    for i, record in enumerate(records):
        mine = record.array("cost")
        for j in range(i):
            theirs = records[j].array("cost")
            if mine.size and mine.shape == theirs.shape and np.allclose(mine, theirs, rtol=0, atol=1e-4,
                                                                          equal_nan=True):
                out[i] = j
                break
    return out


class ComparisonView(LiveView):
    title = "Compare runs"
    placement = "tab"

    #: emitted when a series starts (True) or ends (False)
    seriesActiveChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("comparisonView")
        self._data_dir = None          # where series find dataset files (set_data_dir)
        self._main_busy = False        # the Training tab's run is on (set_running)
        self.log = RunLog()
        self.series_runner = SeriesRunner(self.log, self)
        self.series_runner.runStarted.connect(self._on_series_run_started)
        self.series_runner.runUpdated.connect(self._on_record_updated)
        self.series_runner.runFinished.connect(lambda record, _result: self._on_record_updated(record, final=True))
        self.series_runner.seriesFinished.connect(self._on_series_finished)
        self.series_runner.activeChanged.connect(self._on_active_changed)
        self._shown: list[RunRecord] = []
        self._colors: dict[int, str] = {}
        self._curves: dict[int, tuple] = {}
        self._unit = "epoch"
        self._build_ui()

    # --- layout ---------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.seriesCombo = QComboBox(objectName="seriesCombo")
        for name in list_series():
            try:
                title = load_series(name).get("title", name)
            except ValueError:
                continue
            self.seriesCombo.addItem(title, name)
        self.seriesCombo.setToolTip("An experiment that trains the same network several times, changing one thing")
        self.seriesDescription = QLabel(objectName="seriesDescription")
        self.seriesDescription.setWordWrap(True)
        self.seriesDescription.setStyleSheet("color: #555;")
        self.runSeriesButton = QPushButton("Run series", objectName="runSeriesButton")
        self.runSeriesButton.setToolTip("Train every run of this series, one after another, and overlay their curves")
        self.stopSeriesButton = QPushButton("Stop", objectName="stopSeriesButton")
        self.stopSeriesButton.setEnabled(False)
        self.seriesStatus = QLabel(objectName="seriesStatus")
        self.seriesStatus.setWordWrap(True)
        self.seriesStatus.setTextInteractionFlags(Qt.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.runSeriesButton)
        row.addWidget(self.stopSeriesButton)
        series_box = QGroupBox("Exploration series")
        sl = QVBoxLayout(series_box)
        sl.addWidget(self.seriesCombo)
        sl.addWidget(self.seriesDescription)
        sl.addLayout(row)
        sl.addWidget(self.seriesStatus)

        self.runList = QListWidget(objectName="runList")
        self.runList.setToolTip("Tick the runs to overlay")
        self.runList.setWordWrap(True)
        self.runList.itemChanged.connect(lambda _item: (self._rebuild(), self._paint_swatches()))
        self.clearRunsButton = QPushButton("Forget runs", objectName="clearRunsButton")
        self.clearRunsButton.setToolTip("Remove every run from this list (the networks themselves are not affected)")
        self.clearRunsButton.clicked.connect(self.clear_runs)
        runs_box = QGroupBox("Runs this session")
        rl = QVBoxLayout(runs_box)
        rl.addWidget(self.runList, 1)
        rl.addWidget(self.clearRunsButton)

        side = column(series_box, (runs_box, 1))

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        # One legend above the plots names the runs for all of them, and never hides a curve.
        self.legend = pg.LegendItem(labelTextColor="#222", colCount=2)
        self.graphics.addItem(self.legend, row=0, col=0)
        self.cost_plot = self.graphics.addPlot(row=1, col=0, title="Cost")
        self.acc_plot = self.graphics.addPlot(row=2, col=0, title="Accuracy")
        self.norm_plot = pg.PlotItem(title="Gradient norm ‖∂J/∂W‖ per layer")   # added below when a run has norms
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        self.acc_plot.setXLink(self.cost_plot)
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.norm_plot.setLogMode(x=False, y=True)
        for plot in (self.cost_plot, self.acc_plot, self.norm_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            dark_axes(plot)
            for ax in ("left", "bottom"):
                plot.getAxis(ax).enableAutoSIPrefix(False)     # "cost (x0.001)" confuses more than it helps
        self.norm_plot.setLabel("bottom", "layer (input side → output side)", color="#222")
        self.norm_plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)   # every layer gets its name
        self.caption = QLabel(CAPTION, objectName="comparisonCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #555;")
        self.curveCombo = QComboBox(objectName="comparisonCurveCombo")
        for key, label, _, _ in CURVE_CHOICES:
            self.curveCombo.addItem(label, key)
        self.curveCombo.setToolTip("Which curves to draw: with many runs, one set at a time is easier to read")
        self.curveCombo.currentIndexChanged.connect(lambda _i: self._rebuild())
        bottom = QHBoxLayout()
        bottom.addWidget(self.caption, 1)
        bottom.addWidget(QLabel("Curves:"))
        bottom.addWidget(self.curveCombo)
        side_scroll = QScrollArea(objectName="comparisonSideScroll")   # a long description never gets clipped
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QScrollArea.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        fill_with_splitter(self, column((self.graphics, 1), bottom), side_scroll)

        self.seriesCombo.currentIndexChanged.connect(self._on_series_chosen)
        self.runSeriesButton.clicked.connect(lambda: self.run_series(self.seriesCombo.currentData()))
        self.stopSeriesButton.clicked.connect(self.series_runner.stop)
        self._on_series_chosen()
        self._apply_labels()
        self.set_view_style(self.view_style)

    # --- LiveView ----------------------------------------------------------------------------
    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_tick_font((self.cost_plot, self.acc_plot, self.norm_plot), style.tick_pt)
        for plot in (self.cost_plot, self.acc_plot, self.norm_plot):
            plot.setTitle(plot.titleLabel.text, size=f"{style.title_pt}pt", color="#222")
        self.legend.setLabelTextSize(f"{style.label_pt}pt")
        detail = QFont(self.caption.font())
        detail.setPointSize(style.app_pt or QFont().pointSize())
        for label in (self.caption, self.seriesDescription):      # styled labels do not follow the window's font
            label.setFont(detail)
        self._rebuild()

    def export_item(self):
        return self.graphics

    # --- runs ----------------------------------------------------------------------------------
    def use_log(self, log: RunLog) -> None:
        """Show the runs of ``log`` (the lab's): the main window's runs and this view's series share it."""
        self.log = log
        self.series_runner.log = log
        self._sync_list()

    def set_data_dir(self, path) -> None:
        self._data_dir = path

    def set_running(self, running: bool) -> None:
        """While the Training tab trains, a series must wait (both would share the processor)."""
        super().set_running(running)
        self._main_busy = bool(running)

    def add_record(self, record: RunRecord) -> None:
        """Show (and tick) a record added to the log elsewhere: a main-window run, a reopened run file."""
        self._sync_list(check=[record.id])

    def clear_runs(self) -> None:
        if self.series_runner.active:
            self.seriesStatus.setText("Stop the series before forgetting the runs.")
            return
        self.log.clear()
        self._sync_list()

    def checked_records(self) -> list[RunRecord]:
        out = []
        for i in range(self.runList.count()):
            item = self.runList.item(i)
            if item.checkState() == Qt.Checked:
                record = self.log.get(item.data(Qt.UserRole))
                if record is not None:
                    out.append(record)
        return out

    # --- series ------------------------------------------------------------------------------
    def run_series(self, name: str, epochs: int | None = None) -> bool:
        """Start the series ``name`` (``epochs`` overrides each run's count). False with a reason shown."""
        if self.series_runner.active:
            self.seriesStatus.setText("A series is already running.")
            return False
        if self._main_busy:
            self.seriesStatus.setText("Stop the training run in the Training tab first: a series trains its "
                                      "networks one after another on the same processor.")
            return False
        index = self.seriesCombo.findData(name)
        if index >= 0:
            self.seriesCombo.setCurrentIndex(index)
        try:
            records = self.series_runner.start(name, data_dir=self._data_dir, epochs=epochs,
                                               read=lambda job: run_and_wait(self.window(), job, "series-data"))
        except (ValueError, DatasetError, OSError) as exc:
            self.seriesStatus.setText(f"Cannot run the series: {exc}")
            return False
        # eight curves at once are hard to read: a series of four or more starts with the training set
        self.curveCombo.setCurrentIndex(self.curveCombo.findData("train" if len(records) >= 4 else "both"))
        self._sync_list(check=[r.id for r in records], only=True)
        return True

    @property
    def series_active(self) -> bool:
        return self.series_runner.active

    def shutdown(self) -> None:
        self.series_runner.shutdown()

    def _on_series_chosen(self) -> None:
        name = self.seriesCombo.currentData()
        if name is None:
            return
        try:
            series = load_series(name)
        except ValueError as exc:
            self.seriesDescription.setText(str(exc))
            return
        norms = " Records each layer's gradient norm." if series.get("record_gradient_norms") else ""
        self.seriesDescription.setText(f"{series.get('description', '')} ({len(series['runs'])} runs, with the "
                                       f"series' own settings: the panels on the left are not used.){norms}")

    def _on_active_changed(self, active: bool) -> None:
        self.runSeriesButton.setEnabled(not active)
        self.seriesCombo.setEnabled(not active)
        self.stopSeriesButton.setEnabled(active)
        self.clearRunsButton.setEnabled(not active)
        self.seriesActiveChanged.emit(active)

    def _on_series_run_started(self, record: RunRecord) -> None:
        index = self.series_runner.records.index(record) + 1
        total = len(self.series_runner.records)
        self.seriesStatus.setText(f"Run {index} of {total}: {record.title}…")
        self._sync_list()

    def _on_series_finished(self, summary: str) -> None:
        lines = [summary]
        for record in self.series_runner.records:
            acc = record.final("test_accuracy")
            cost = record.final("cost")
            parts = [f"cost {cost:.4f}" if cost is not None else "",
                     f"test accuracy {acc:.1%}" if acc is not None else ""]
            lines.append(f"• {record.title.split(': ', 1)[-1]}: {', '.join(p for p in parts if p) or record.status}")
        self.seriesStatus.setText("\n".join(lines))
        self._sync_list()

    # --- list and plots --------------------------------------------------------------------------
    def _sync_list(self, check=(), only: bool = False) -> None:
        """Rebuild the run list from the log, keeping ticks; tick ``check`` (and untick the rest if ``only``)."""
        checked = {r.id for r in self.checked_records()}
        checked = set(check) if only else checked | set(check)
        self.runList.blockSignals(True)
        self.runList.clear()
        for record in self.log.records:
            item = QListWidgetItem(self._row_text(record))
            item.setToolTip(self._row_text(record))
            item.setData(Qt.UserRole, record.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if record.id in checked else Qt.Unchecked)
            swatch = QPixmap(14, 14)
            swatch.fill(QColor(self._colors.get(record.id, UNSHOWN_COLOR)))
            item.setIcon(QIcon(swatch))
            self.runList.addItem(item)
        self.runList.blockSignals(False)
        self._rebuild()
        self._paint_swatches()

    def _paint_swatches(self) -> None:
        """Each ticked run's swatch is its colour in the plots; unticked runs are grey."""
        blocked = self.runList.blockSignals(True)     # an icon change is an itemChanged too
        try:
            for i in range(self.runList.count()):
                item = self.runList.item(i)
                swatch = QPixmap(14, 14)
                swatch.fill(QColor(self._colors.get(item.data(Qt.UserRole), UNSHOWN_COLOR)))
                item.setIcon(QIcon(swatch))
        finally:
            self.runList.blockSignals(blocked)

    @staticmethod
    def _row_text(record: RunRecord) -> str:
        acc = record.final("test_accuracy")
        state = {"queued": "waiting", "running": "training…", "stopped": "stopped", "skipped": "skipped",
                 "diverged": "diverged", "error": "failed"}.get(record.status)
        tail = state if state else (f"test {acc:.1%}" if acc is not None else record.status)
        return f"{record.title} — {tail}"

    def _rebuild(self) -> None:
        """Recreate the curves for the ticked runs (legend labels depend on which runs are shown)."""
        for plot in (self.cost_plot, self.acc_plot, self.norm_plot):
            plot.clear()
        self.legend.clear()
        self._curves = {}
        self._shown = self.checked_records()
        labels = comparison_labels(self._shown)
        overlaps = [f"{labels[i]} lies on {labels[j]} (drawn thinner on top)"
                    for i, j in coinciding(self._shown).items()]
        _, _, show_train, show_test = CURVE_CHOICES[max(0, self.curveCombo.currentIndex())]
        lines = CAPTION if show_train and show_test else (
            "Training set only" if show_train else "Test set only") + \
            " (see Curves). The legend names what differs between the runs shown."
        self.caption.setText(lines + (" Curves that hide each other: " + "; ".join(overlaps) + "."
                                      if overlaps else ""))
        self.legend.setColumnCount(1 if any(len(label) > LONG_LABEL for label in labels) else 2)
        self._unit = "iteration" if self._shown and all(r.count_label == "iterations" for r in self._shown) else "epoch"
        self._colors = {r.id: RUN_COLORS[i % len(RUN_COLORS)] for i, r in enumerate(self._shown)}
        n = len(self._shown)
        for i, (record, label) in enumerate(zip(self._shown, labels)):
            color = self._colors[record.id]
            # earlier runs are drawn wider, so a run whose curve coincides with a later one still shows
            width = self.view_style.line_width * (1 + 1.2 * (n - 1 - i) / max(1, n - 1))
            solid = pg.mkPen(color, width=width)
            dashed = pg.mkPen(color, width=width, style=Qt.DashLine)
            curves = (self.cost_plot.plot([], [], pen=solid),
                      self.cost_plot.plot([], [], pen=dashed),
                      self.acc_plot.plot([], [], pen=solid),
                      self.acc_plot.plot([], [], pen=dashed),
                      self.norm_plot.plot([], [], pen=solid, symbol="o", symbolBrush=color, symbolPen=None))
            self.legend.addItem(curves[0] if show_train else curves[1], label)
            for k, curve in enumerate(curves[:4]):
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                curve.setVisible(show_train if k % 2 == 0 else show_test)
            self._curves[record.id] = curves
            self._set_curve_data(record)
        self._update_norm_plot()
        self._apply_labels()
        self.cost_plot.enableAutoRange()
        self.norm_plot.enableAutoRange(x=False, y=True)     # x: one slot per layer, set above

    def _on_record_updated(self, record: RunRecord, final: bool = False) -> None:
        if record.id in self._curves:
            self._set_curve_data(record)
            if record.grad_norms:
                self._update_norm_plot()
        if final:
            self._sync_list()
        elif self.series_runner.active and record in self.series_runner.records:
            index = self.series_runner.records.index(record) + 1
            total = len(self.series_runner.records)
            done, target = record.epochs_done, record.settings.get("epochs", 0)
            unit = "iteration" if record.count_label == "iterations" else "epoch"
            self.seriesStatus.setText(f"Run {index} of {total}: {record.title} — {unit} {done:,} of {target:,}")

    def _set_curve_data(self, record: RunRecord) -> None:
        curves = self._curves[record.id]
        x = record.array("epoch")
        for curve, key in zip(curves[:4], ("cost", "test_cost", "train_accuracy", "test_accuracy")):
            y = record.array(key)
            n = min(len(x), len(y))
            keep = np.isfinite(y[:n])
            curve.setData(x[:n][keep], y[:n][keep])

    def _update_norm_plot(self) -> None:
        with_norms = [r for r in self._shown if r.grad_norms]
        self._show_norm_plot(bool(with_norms))
        if not with_norms:
            return
        names = list(with_norms[0].grad_norms)
        for record in self._shown:
            curve = self._curves[record.id][4]
            values = [_geometric_mean(record.grad_norms.get(n, [])) for n in names]
            keep = [i for i, v in enumerate(values) if v is not None and v > 0]
            curve.setData(np.array(keep, dtype=float) + 1, np.array([values[i] for i in keep]))
        self.norm_plot.getAxis("bottom").setTicks([[(i + 1, n) for i, n in enumerate(names)]])
        self.norm_plot.setXRange(0.5, len(names) + 0.5, padding=0)
        self.norm_plot.setLabel("left", "‖∂J/∂W‖ (geometric mean over epochs)", color="#222")

    def _show_norm_plot(self, on: bool) -> None:
        """Add the gradient-norm plot as a third row, or take it out (a hidden item would keep its space)."""
        shown = self.norm_plot.scene() is not None
        if on and not shown:
            self.graphics.addItem(self.norm_plot, row=3, col=0)
            self.graphics.ci.layout.setRowStretchFactor(3, 3)
        elif not on and shown:
            self.graphics.removeItem(self.norm_plot)
            self.graphics.ci.layout.setRowStretchFactor(3, 0)

    @property
    def norms_shown(self) -> bool:
        return self.norm_plot.scene() is not None

    def _apply_labels(self) -> None:
        size = {"font-size": f"{self.view_style.label_pt}pt", "color": "#222"}
        self.cost_plot.setLabel("left", "cost", **size)
        self.acc_plot.setLabel("left", "accuracy", **size)
        self.acc_plot.setLabel("bottom", self._unit, **size)


def _geometric_mean(values) -> float | None:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.mean(np.log(v)))) if v.size else None

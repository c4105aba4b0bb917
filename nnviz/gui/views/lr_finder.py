"""The learning-rate finder (objectName ``lrFinderView``): loss against a growing learning rate. It lives in
the Run → Find learning rate… window (:mod:`nnviz.gui.lr_finder_dialog`), which calls its LiveView hooks.

Find trains a copy of the network (never the one shown) on a task of its
own (:func:`nnviz.lab.lr_finder.find_lr`) with the optimizer, batch size and
data the panels describe, and draws the loss as it comes: raw (grey) and
smoothed (blue) against the rate on a log axis, the suggested rate (green)
and the current one (dashed). "Use" puts the suggestion in the
learning-rate field through the lab (``lab.use_learning_rate``).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from nnviz.lab.lr_finder import ITERATIONS, LR_MAX, LR_MIN, LRFinderResult, find_lr

from ..tasks import Task, TaskOutcome
from .base import LiveView, ViewContext, set_heading_font
from .plot_tools import cache_axes, dark_axes


class LRFinderView(LiveView):
    title = "LR finder"
    placement = "tab"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lrFinderView")
        self._context: ViewContext | None = None
        self._lab = None
        self.result: LRFinderResult | None = None
        self.task = Task("lr-finder", self)
        self.task.progressed.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)

        self.heading = QLabel("Learning-rate finder")
        self.findButton = QPushButton("Find learning rate", objectName="lrFindButton")
        self.findButton.setToolTip("Train a copy of the network for a few steps while the learning rate grows "
                                   "from 1e-6 to 10; the network shown is not changed")
        self.cancelButton = QPushButton("Cancel", objectName="lrCancelButton")
        self.cancelButton.setEnabled(False)
        self.iterationsSpin = QSpinBox(objectName="lrIterationsSpin")
        self.iterationsSpin.setRange(20, 2000)
        self.iterationsSpin.setValue(ITERATIONS)
        self.iterationsSpin.setSuffix(" steps")
        self.iterationsSpin.setToolTip("How many training steps the finder takes (one rate each)")
        self.useButton = QPushButton("Use the suggestion", objectName="lrUseButton")
        self.useButton.setEnabled(False)
        self.useButton.setToolTip("Put the suggested rate in the Learning rate field")
        self.status = QLabel(objectName="lrFinderStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.RichText)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addStretch(1)
        bar.addWidget(self.iterationsSpin)
        bar.addWidget(self.findButton)
        bar.addWidget(self.cancelButton)
        bar.addWidget(self.useButton)

        self.plotWidget = pg.PlotWidget(background="w")
        plot = self.plot = self.plotWidget.getPlotItem()
        plot.setLogMode(x=True, y=False)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        cache_axes(plot)
        dark_axes(plot)
        plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = plot.addLegend(offset=(10, 10), labelTextColor="#222")
        self.raw_curve = plot.plot([], [], pen=pg.mkPen("#bbbbbb", width=1), name="loss of each step")
        self.smooth_curve = plot.plot([], [], pen=pg.mkPen("#1f77b4", width=3), name="smoothed loss")
        self.suggestion_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#2ca02c", width=2),
                                               label="suggested", labelOpts={"position": 0.92, "color": "#2ca02c"})
        self.current_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555", width=1, style=Qt.DashLine),
                                            label="current", labelOpts={"position": 0.08, "color": "#555"})
        for line in (self.suggestion_line, self.current_line):
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        plot.setLabel("bottom", "learning rate (log scale)")
        plot.setLabel("left", "training loss")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.plotWidget, 1)
        layout.addWidget(self.status)
        self.findButton.clicked.connect(self.start)
        self.cancelButton.clicked.connect(self.task.cancel)
        self.useButton.clicked.connect(self.use_suggestion)
        self._show_idle_text()
        self.set_view_style(self.view_style)

    # --- LiveView -------------------------------------------------------------------------
    def connect_lab(self, lab) -> None:
        self._lab = lab

    @property
    def busy(self) -> bool:
        return self.task.active

    def reset(self, context: ViewContext, snapshot=None) -> None:
        new_network = self._context is None or context.generation != self._context.generation
        self._context = context
        if new_network:
            self.task.cancel()
            self._clear()
        self._show_current()
        self._update_buttons()

    def update_model(self, context: ViewContext) -> None:
        self._context = context
        self._show_current()

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        self._update_buttons()

    def shutdown(self) -> None:
        self.task.shutdown()

    def export_item(self):
        return self.plotWidget

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        size = {"font-size": f"{style.label_pt}pt", "color": "#222"}
        self.plot.setLabel("bottom", "learning rate (log scale)", **size)
        self.plot.setLabel("left", "training loss", **size)
        self.smooth_curve.setPen(pg.mkPen("#1f77b4", width=style.line_width + 1))

    # --- the finder ---------------------------------------------------------------------
    def start(self) -> None:
        """Run the finder on a copy of the current network, with the panels' optimizer and batch size."""
        context = self._context
        if self.task.active or self.running or context is None:
            return
        if context.model is None or context.dataset is None:
            self.status.setText("There is no network to try rates on: fix the settings first.")
            return
        config = self._lab.config if self._lab is not None else context.config
        try:
            optimizer = config.build_optimizer()
        except (ValueError, TypeError) as exc:
            self.status.setText(html.escape(f"The optimizer settings are not valid: {exc}"))
            return
        model, ds, batch, n = context.model, context.dataset, config.batch_size, self.iterationsSpin.value()

        def job(report, should_stop):
            return find_lr(model, ds.X_train, ds.y_train, optimizer, batch_size=batch, iterations=n,
                           report=report, should_stop=should_stop)

        self._clear()
        self.task.start(job)
        self.status.setText(f"Trying {n} rates from {LR_MIN:g} to {LR_MAX:g} on a copy of the network "
                            f"({optimizer.name}, {'full batch' if batch is None else f'batch {batch}'})…")
        self._update_buttons()

    def use_suggestion(self) -> None:
        r = self.result
        if r is None or r.suggestion is None or self._lab is None:
            return
        lr = float(f"{r.suggestion:.2g}")
        self._lab.use_learning_rate(lr)
        self.status.setText(self.status.text() + f" <b>Learning rate set to {lr:g}.</b>")
        self._show_current()

    def _on_progress(self, partial: LRFinderResult) -> None:
        self._draw_result(partial)

    def _on_finished(self, outcome: TaskOutcome) -> None:
        if outcome.status == "done":
            self.result = outcome.value
            self._draw_result(self.result)
            r = self.result
            text = html.escape(r.message.split(" The loss falls fastest")[0])
            if r.suggestion is not None:
                text += (f" <b>Suggested learning rate: {r.suggestion:.2g}</b> (where the smoothed loss falls "
                         "fastest). The network shown was not changed.")
            self.status.setText(text)
        elif outcome.status == "cancelled":
            self.status.setText("Cancelled: the network shown was not changed.")
        else:
            self.status.setText(html.escape(f"The finder failed: {outcome.message}"))
        self._update_buttons()

    # --- drawing -------------------------------------------------------------------------
    def _draw_result(self, r: LRFinderResult) -> None:
        if r.iterations == 0:
            return
        lx = r.lrs
        keep = np.isfinite(r.losses)
        self.raw_curve.setData(lx[keep], r.losses[keep])
        self.smooth_curve.setData(lx, r.smoothed)
        # a loss that blew up would flatten the interesting part: the y range stops at 1.5× the first loss
        top = max(float(np.nanmax(r.smoothed[: max(1, int(np.argmin(r.smoothed)) + 1)])), float(r.smoothed[0]))
        low = min(float(np.nanmin(r.smoothed)), float(np.nanmin(r.losses[keep])) if keep.any() else np.inf)
        self.plot.setYRange(max(0.0, low - 0.1 * (top - low)), top * 1.25 + 1e-12, padding=0)
        self.plot.setXRange(np.log10(LR_MIN), np.log10(LR_MAX), padding=0.02)
        if r.suggestion is not None:
            self.suggestion_line.setVisible(True)           # (a hidden line's label ignores setFormat)
            self.suggestion_line.setValue(np.log10(r.suggestion))
            self.suggestion_line.label.setFormat(f"suggested {r.suggestion:.2g}")
        self.result = r

    def _show_current(self) -> None:
        config = self._lab.config if self._lab is not None else getattr(self._context, "config", None)
        if config is None:
            return
        try:
            lr = float(config.lr)
        except (TypeError, ValueError):
            return
        if lr > 0:
            self.current_line.setVisible(True)
            self.current_line.setValue(np.log10(lr))
            self.current_line.label.setFormat(f"current {lr:g}")

    def _clear(self) -> None:
        self.result = None
        self.raw_curve.setData([], [])
        self.smooth_curve.setData([], [])
        self.suggestion_line.setVisible(False)
        self._show_idle_text()

    def _show_idle_text(self) -> None:
        self.status.setText("Find trains a <i>copy</i> of the network for a few steps while the learning rate "
                            "grows exponentially; it stops when the loss blows up. A good rate is where the "
                            "loss falls fastest.")

    def _update_buttons(self) -> None:
        active = self.task.active
        self.findButton.setEnabled(not active and not self.running)
        self.findButton.setToolTip("Stop or finish the run first" if self.running else
                                   "Train a copy of the network while the learning rate grows; the network shown "
                                   "is not changed")
        self.cancelButton.setEnabled(active)
        ok = not active and self.result is not None and self.result.suggestion is not None
        self.useButton.setEnabled(ok)
        self.useButton.setText(f"Use {self.result.suggestion:.2g}" if ok else "Use the suggestion")


__all__ = ["LRFinderView"]

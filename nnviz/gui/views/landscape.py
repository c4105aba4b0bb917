"""The loss landscape tab (objectName ``landscapeView``): the cost around the current weights, with contours,
and the optimizer's path on it.

During a run the slice and the path come from the worker
(:class:`~nnviz.lab.landscape.LandscapeProbe`, which records the path as an
engine callback); between runs the slice is computed on a task of the view's
own (progress bar, Cancel) whenever the tab is shown for a network it has
not drawn. Colour is log₁₀ of the cost; the white line is the path from ○
(where training started) to ★ (the current weights, the centre).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from nnviz.lab.landscape import (
    Landscape,
    LandscapeError,
    LandscapeProbe,
    compute_landscape,
    sample_subset,
)

from ..tasks import Task, TaskOutcome
from .base import LiveView, ViewContext, set_heading_font
from .plot_tools import cache_axes, dark_axes

MODE_LABELS = {"pca": "principal directions of the path", "random": "random directions (filter-normalised)"}
CONTOURS = 14


class LandscapeView(LiveView):
    title = "Loss landscape"
    placement = "tab"
    group = "Explain"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("landscapeView")
        self.probe = LandscapeProbe()
        self.probe.visible = False
        self.landscape: Landscape | None = None
        self._context: ViewContext | None = None
        self._drawn_key: tuple | None = None       # (generation, iteration, mode, resolution) drawn or computing
        self.task = Task("landscape", self)
        self.task.progressed.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)

        self.heading = QLabel("Loss landscape")
        self.modeCombo = QComboBox(objectName="landscapeModeCombo")
        for key, label in MODE_LABELS.items():
            self.modeCombo.addItem(label, key)
        self.modeCombo.setToolTip("The two directions of the slice: the two along which the path moved most "
                                  "(PCA), or two random ones scaled filter by filter to the weights (Li et al.)")
        self.resolutionCombo = QComboBox(objectName="landscapeResolutionCombo")
        for n in (21, 41, 61):
            self.resolutionCombo.addItem(f"{n}×{n}", n)
        self.resolutionCombo.setCurrentIndex(1)
        self.resolutionCombo.setToolTip("Points of the grid (each one is the cost of the whole training subset)")
        self.computeButton = QPushButton("Compute", objectName="landscapeComputeButton")
        self.cancelButton = QPushButton("Cancel", objectName="landscapeCancelButton")
        self.cancelButton.setEnabled(False)
        self.progress = QProgressBar(objectName="landscapeProgress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.message = QLabel(objectName="landscapeMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.RichText)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addStretch(1)
        bar.addWidget(self.modeCombo)
        bar.addWidget(self.resolutionCombo)
        bar.addWidget(self.computeButton)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancelButton)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        plot = self.plot = self.graphics.addPlot()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setAspectLocked(False)
        cache_axes(plot)
        dark_axes(plot)
        for ax in ("left", "bottom"):
            plot.getAxis(ax).enableAutoSIPrefix(False)      # "0.6", not "600 (×0.001)"
        self.cmap = pg.colormap.get("viridis")
        self.image = pg.ImageItem()
        self.image.setLookupTable(self.cmap.getLookupTable(nPts=256))
        plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, label="log₁₀ cost", interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=plot)
        self.isocurves = []
        for _ in range(CONTOURS):
            iso = pg.IsocurveItem(pen=pg.mkPen((255, 255, 255, 110), width=1))
            iso.setParentItem(self.image)
            self.isocurves.append(iso)
        self.path_curve = plot.plot([], [], pen=pg.mkPen("w", width=2.5))
        self.path_shadow = plot.plot([], [], pen=pg.mkPen((0, 0, 0, 140), width=5))
        self.path_shadow.setZValue(9)
        self.path_curve.setZValue(10)
        self.start_marker = pg.ScatterPlotItem(symbol="o", size=13, pen=pg.mkPen("k", width=1.5), brush="w")
        self.end_marker = pg.ScatterPlotItem(symbol="star", size=22, pen=pg.mkPen("k", width=1), brush="#ff3b30")
        for item in (self.start_marker, self.end_marker):
            item.setZValue(11)
            plot.addItem(item)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.message)
        self.computeButton.clicked.connect(lambda: self.compute(force=True))
        self.cancelButton.clicked.connect(self.task.cancel)
        self.modeCombo.currentIndexChanged.connect(self._on_settings)
        self.resolutionCombo.currentIndexChanged.connect(self._on_settings)
        self.message.setText("The cost on a slice of weight space around the current weights.")
        self.set_view_style(self.view_style)

    # --- LiveView -------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.modeCombo.currentData()

    @property
    def resolution(self) -> int:
        return int(self.resolutionCombo.currentData())

    @property
    def busy(self) -> bool:
        return self.task.active

    def probes(self, context: ViewContext) -> list:
        ds = context.dataset
        if ds is None or context.model is None:
            return []
        X, y = sample_subset(ds.X_train, ds.y_train)
        self.probe.configure(X, y, self.mode, self.resolution)
        return [self.probe]

    def reset(self, context: ViewContext, snapshot=None) -> None:
        if self._context is None or context.generation != self._context.generation:
            self.probe.clear()              # a new network: a new path
            self.task.cancel()
            self._clear()
        self._context = context
        self._drawn_key = None
        self._compute_when_seen()

    def update_model(self, context: ViewContext) -> None:
        self._context = context
        self._drawn_key = None
        self._compute_when_seen()

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(self.probe.key)
        if isinstance(frame, Landscape):
            self._show_frame(frame, urgent=snap.reason != "progress")

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        if running:
            self.task.cancel()
            self.message.setText("Training: the slice and the path follow the run (the slice is recomputed "
                                 "every few seconds around the current weights).")
        self._update_buttons()

    def shutdown(self) -> None:
        self._closing = True
        self.task.shutdown()

    def export_item(self):
        return self.graphics

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        self._label_axes()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.probe.visible = True
        self._compute_when_seen()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.probe.visible = False

    # --- computing between runs ------------------------------------------------------------------
    def _key(self) -> tuple | None:
        c = self._context
        if c is None or c.model is None:
            return None
        return (c.generation, c.model.history.iterations_done, self.mode, self.resolution)

    _closing = False

    def _compute_when_seen(self) -> None:
        if self.isVisible() and not self.running and not self._closing and self._key() != self._drawn_key:
            self.compute()

    def compute(self, force: bool = False) -> None:
        """Compute the slice for the current (frozen) network on the view's task."""
        context = self._context
        if self.running or context is None or self._closing:
            return
        if context.model is None or context.dataset is None:
            self._clear()
            self.message.setText("There is no network to draw: fix the settings first.")
            return
        key = self._key()
        if self.task.active:
            if not force and key == self._drawn_key:
                return
            self.task.cancel()
            return          # _on_finished starts again with the new settings
        self._drawn_key = key
        model, mode, n = context.model, self.mode, self.resolution
        X, y = sample_subset(context.dataset.X_train, context.dataset.y_train)
        path, iterations = self.probe.path()
        note = ""
        if mode == "pca" and (path is None or len(path) < 3):
            mode = "random"
            note = "No path yet (train first): random directions shown. "

        def job(report, should_stop):
            return compute_landscape(model, X, y, mode, n, path, iterations, report=report, should_stop=should_stop)

        self._note = note
        self.task.start(job)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.message.setText(html.escape(note) + f"Computing the cost at {n}×{n} points ({len(y):,} samples each)…")
        self._update_buttons()

    def _on_progress(self, partial: Landscape) -> None:
        done = np.isfinite(partial.cost).any(axis=1).sum() / partial.cost.shape[0]
        self.progress.setValue(int(100 * done))
        self._show_frame(partial)

    def _on_finished(self, outcome: TaskOutcome) -> None:
        self.progress.setVisible(False)
        if outcome.status == "done":
            self._show_frame(outcome.value)
        elif outcome.status == "cancelled":
            self._drawn_key = None
            self.message.setText("Cancelled. Compute draws it again.")
        elif isinstance(outcome.error, LandscapeError):
            self._clear()
            self.message.setText(f"<b>{html.escape(str(outcome.error))}</b>")
        else:
            self._clear()
            self.message.setText(html.escape(f"The landscape could not be computed: {outcome.message}"))
        self._update_buttons()
        if outcome.status == "cancelled" and self._key() is not None and not self.running:
            self._compute_when_seen()

    def _on_settings(self) -> None:
        self._label_axes()
        if self.running:
            if self._context is not None:
                self.probes(self._context)          # the probe takes the new mode and resolution
            self.refreshRequested.emit()
        else:
            self.compute(force=True)

    def _update_buttons(self) -> None:
        self.computeButton.setEnabled(not self.running)
        self.cancelButton.setEnabled(self.task.active)

    # --- drawing -------------------------------------------------------------------------------
    def _draw(self) -> None:
        self._pending = False
        ls = self._frame
        if ls is None:
            return
        self.landscape = ls
        self._label_axes(ls)
        cost = ls.cost
        finite = np.isfinite(cost) & (cost > 0)
        if not finite.any():
            self.image.clear()
            return
        log = np.full(cost.shape, np.nan)
        log[finite] = np.log10(cost[finite])
        lo, hi = float(np.nanmin(log)), float(np.nanmax(log))
        hi = hi if hi > lo else lo + 1e-6
        shown = np.where(np.isfinite(log), log, hi)
        da = ls.alphas[1] - ls.alphas[0]
        db = ls.betas[1] - ls.betas[0]
        self.image.setImage(shown.T, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QRectF(ls.alphas[0] - da / 2, ls.betas[0] - db / 2, da * len(ls.alphas),
                                  db * len(ls.betas)))
        self.colorbar.setLevels((lo, hi))
        levels = np.linspace(lo, hi, CONTOURS + 2)[1:-1]
        for iso, level in zip(self.isocurves, levels):
            iso.setData(shown.T, level=level)
        if ls.path is not None and len(ls.path):
            p = ls.path
            self.path_curve.setData(p[:, 0], p[:, 1])
            self.path_shadow.setData(p[:, 0], p[:, 1])
            self.start_marker.setData([p[0, 0]], [p[0, 1]])
        else:
            self.path_curve.setData([], [])
            self.path_shadow.setData([], [])
            self.start_marker.setData([], [])
        self.end_marker.setData([0.0], [0.0])
        self.plot.setXRange(ls.alphas[0] - da / 2, ls.alphas[-1] + da / 2, padding=0)
        self.plot.setYRange(ls.betas[0] - db / 2, ls.betas[-1] + db / 2, padding=0)
        self.message.setText(self._describe(ls))

    def _describe(self, ls: Landscape) -> str:
        note = getattr(self, "_note", "") if not self.running else ""
        unit = "iteration"
        parts = [html.escape(note) + f"Cost at the centre ★ (the current weights, {unit} {ls.iteration:,}): "
                 f"<b>{ls.centre_cost:.4f}</b>; lowest on the slice {np.nanmin(ls.cost):.4f}."]
        if ls.path is not None and len(ls.path) > 1:
            parts.append(f"White: the optimizer's path from ○ (iteration {int(ls.path_iterations[0]):,}) "
                         f"to ★, {len(ls.path)} points.")
            if ls.mode == "random":
                parts.append("Random directions are almost perpendicular to the path, so it looks short here; "
                             "the principal directions show it whole.")
        if ls.explained is not None:
            parts.append(f"The two directions hold {ls.explained[0]:.0%} and {ls.explained[1]:.0%} of the "
                         "path's movement.")
        if not ls.complete:
            parts.append("(computing…)")
        else:
            parts.append(f"{len(ls.alphas)}×{len(ls.betas)} points in {ls.seconds:.1f} s.")
        return " ".join(parts)

    def _label_axes(self, ls: Landscape | None = None) -> None:
        mode = ls.mode if ls is not None else self.mode
        size = {"font-size": f"{self.view_style.label_pt}pt", "color": "#222"}
        if mode == "pca":
            self.plot.setLabel("bottom", "α: 1st principal direction of the path (weight units)", **size)
            self.plot.setLabel("left", "β: 2nd principal direction", **size)
        else:
            self.plot.setLabel("bottom", "α: random direction 1 (× filter norms)", **size)
            self.plot.setLabel("left", "β: random direction 2", **size)

    def _clear(self) -> None:
        self.landscape = self._frame = None
        self.image.clear()
        for iso in self.isocurves:
            iso.setData(None)
        for item in (self.path_curve, self.path_shadow, self.start_marker, self.end_marker):
            item.setData([], [])


__all__ = ["LandscapeView"]

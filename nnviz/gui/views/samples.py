"""Test images and what the network says about them, live (objectName ``samplesView``).

For image datasets (cats, MNIST) this view takes the left half of the
Training tab, where the decision boundary goes for 2-D data: the current
test image large, beside one bar per class probability; a strip of the
next test images with the network's answer under each (✔ right, ✘ wrong);
and the test accuracy of every class. The current image moves on through
the test set as training goes (about one a second). Everything is computed
in the training worker (:class:`~nnviz.lab.samples.SamplesProbe`); this
view only draws the copies snapshots bring.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout

from nnviz.lab.ood import is_image_shape
from nnviz.lab.prediction import Prediction, class_names_for
from nnviz.lab.samples import SamplesFrame, SamplesProbe

from .base import LiveView, ViewContext, set_heading_font
from .layout import column
from .live_text import LiveText
from .plot_tools import dark_axes
from .prediction_picture import PredictionPicture
from .tiles import TileGrid, as_display, gray_lut

STRIP = 8           # test images in the strip at most (the first is the current one)
MIN_STRIP = 4       # ... and at least, however long the class names
STRIP_TILE_PX = 56
RIGHT = "#1b7a3a"
BAR = "#6c9fcf"
WORST_BAR = "#D55E00"
WRONG = "#b3261e"


class SamplesView(LiveView):
    title = "Test samples"
    placement = "main"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("samplesView")
        self.frame: SamplesFrame | None = None
        self.frames_drawn = 0
        self._dataset = None
        self._names: list[str] = []
        self._cursor = 0
        self._count_label = "epochs"

        self.heading = LiveText("Test images", objectName="samplesHeading")
        self.picture = PredictionPicture()
        self.picture.setObjectName("samplesPicture")
        self.caption = LiveText(lines=2, objectName="samplesCaption")
        self.strip_title = QLabel("The next test images: true class→the network's answer, ✔ right, ✘ wrong")
        self.strip = TileGrid(tile_px=STRIP_TILE_PX, caption_lines=1, max_columns=STRIP)
        self.strip.setObjectName("samplesStrip")
        self.accuracy_title = LiveText("Test accuracy per class", lines=2, objectName="samplesAccuracyTitle")
        self.accuracy_plot = pg.PlotWidget(background="w")
        self.accuracy_plot.setObjectName("samplesAccuracyPlot")
        self.accuracy_plot.setMinimumSize(200, 140)     # ten bars stay readable in a short window
        plot = self.accuracy_plot.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setYRange(0, 1.0, padding=0.02)
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setLabel("left", "share right")
        dark_axes(plot)
        self.accuracy_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#9bbbd9", pen=pg.mkPen(None))
        plot.addItem(self.accuracy_bars)
        self.overall_line = pg.InfiniteLine(angle=0, pos=0,
                                            pen=pg.mkPen("#333", width=1.5, style=pg.QtCore.Qt.DashLine))
        self.overall_line.hide()
        plot.addItem(self.overall_line)

        layout = column(self.heading, (self.picture, 5), self.caption, self.strip_title, self.strip,
                        self.accuracy_title, (self.accuracy_plot, 3))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(layout)
        self.set_view_style(self.view_style)

    # --- which data ------------------------------------------------------------------
    def wanted(self, context: ViewContext) -> bool:
        """Shown for image datasets only (the decision boundary takes 2-D data)."""
        ds = context.dataset
        return ds is not None and is_image_shape(ds.input_shape) and len(ds.y_test) > 0

    # --- LiveView ----------------------------------------------------------------------
    def probes(self, context: ViewContext) -> list:
        if not self.wanted(context) or context.model is None:
            return []
        ds = context.dataset
        k = max(2, context.model.output_units)
        return [SamplesProbe(ds.X_test, ds.y_test, k, count=STRIP, cursor=self._cursor)]

    def reset(self, context: ViewContext, snapshot=None) -> None:
        self._count_label = context.count_label
        if context.dataset is not self._dataset:
            self._cursor = 0
        self._dataset = context.dataset
        self.frame = None
        self.frames_drawn = 0
        k = max(2, context.model.output_units) if context.model is not None else \
            (len(getattr(context.dataset, "class_names", []) or []) or 2)
        self._names = class_names_for(k, context.dataset)
        self.heading.setText("Test images" if context.model is not None else
                             "Test images — build a network to see what it says about them")
        self.picture.draw_input(None)
        self.picture.draw_bars(None, self._names, self.view_style.label_pt, self.font())
        self.caption.setText("")
        self.accuracy_bars.setOpts(x=[], height=[])
        self.overall_line.hide()
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snap) -> None:
        frame = snap.probes.get(SamplesProbe.key)
        if frame is None or self._dataset is None or frame.probs.shape[1] != len(self._names):
            return
        self._cursor = frame.cursor
        unit = "iteration" if self._count_label == "iterations" else "epoch"
        self._show_frame((frame, f"Test images — {unit} {snap.epoch:,}"))

    def _draw(self) -> None:
        self._pending = False
        if self._frame is None:
            return
        frame, heading = self._frame
        self.frame = frame
        self.frames_drawn += 1
        self.heading.setText(heading)
        self._draw_current(frame)
        self._draw_strip(frame)
        self._draw_accuracy(frame)

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        self.picture.set_view_style(style)
        tick = QFont()
        tick.setPointSize(max(style.tick_pt, 9))
        plot = self.accuracy_plot.getPlotItem()
        for ax in ("left", "bottom"):
            plot.getAxis(ax).setStyle(tickFont=tick)
        plot.setLabel("left", "share right", **{"font-size": f"{style.label_pt}pt", "color": "#222"})
        self.strip.set_caption_pt(max(9, style.label_pt - 1))
        self.strip.tile_px = 56 if style.app_pt is None else 84
        self.strip.relayout()
        if self.frame is not None:
            self._draw_current(self.frame)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.frame is not None and self.isVisible():
            self._draw_current(self.frame)        # the bar labels' size follows the picture's height

    def export_item(self):
        """File → Export plot writes the per-class accuracy chart."""
        return self.accuracy_plot

    # --- drawing -------------------------------------------------------------------------
    def _draw_current(self, frame: SamplesFrame) -> None:
        probs = frame.probs[0]
        prediction = Prediction(probs=probs, names=list(self._names), iterations=frame.iteration)
        self.picture.draw_input(frame.images[0])
        self.picture.draw_bars(prediction, self._names, self._bar_pt(len(probs)), self.font())
        true, top = int(frame.true[0]), prediction.top
        verdict = (f"<span style='color:{RIGHT}'>✔ right</span>" if top == true else
                   f"<span style='color:{WRONG}'>✘ wrong</span>")
        self.caption.setText(f"Test image #{int(frame.indices[0]):,}, a <b>{self._names[true]}</b>. "
                             f"The network says <b>{prediction.text()}</b> {verdict}.")

    def _draw_strip(self, frame: SamplesFrame) -> None:
        images = [as_display(x.reshape(self._dataset.input_shape) if x.ndim == 1 else x) for x in frame.images]
        pred = frame.predicted
        captions = [f"{self._short(t)}→{self._short(p)}{'✔' if t == p else '✘'}" for t, p in zip(frame.true, pred)]
        # each tile as wide as its caption ("non-cat→cat✘" does not fit a 56 px tile), and as many as fit a row
        font = QFont()
        font.setPointSize(self.strip.caption_pt)
        need = max(QFontMetrics(font).horizontalAdvance(c) for c in captions) + 10
        count = int(np.clip((self.strip.width() - 8) // max(need, 1), MIN_STRIP, len(images)))
        self.strip.tile_px = max(STRIP_TILE_PX, need)
        self.strip.set_layout(count, images[0].shape[:2], columns=count)   # one row, whatever the width
        self.strip.set_images(images[:count], (0.0, 1.0), gray_lut())
        self.strip.set_captions(captions[:count])
        for item, t, p in zip(self.strip.captions, frame.true, pred):
            item.setColor(RIGHT if t == p else WRONG)

    def _draw_accuracy(self, frame: SamplesFrame) -> None:
        k = len(frame.class_accuracy)
        acc = np.nan_to_num(frame.class_accuracy, nan=0.0)
        worst = int(np.nanargmin(frame.class_accuracy)) if np.isfinite(frame.class_accuracy).any() else -1
        brushes = [pg.mkBrush(WORST_BAR if i == worst else BAR) for i in range(k)]
        self.accuracy_bars.setOpts(x=np.arange(k), height=acc, width=0.7, brushes=brushes)
        plot = self.accuracy_plot.getPlotItem()
        plot.getAxis("bottom").setTicks([[(i, self._short(i)) for i in range(k)]])
        plot.setXRange(-0.6, k - 0.4, padding=0)
        self.overall_line.setPos(frame.accuracy)
        self.overall_line.show()
        hardest = (f"; hardest class: <b>{self._names[worst]}</b> ({frame.class_accuracy[worst]:.0%} right, "
                   f"<span style='color:{WORST_BAR}'>■</span>)") if worst >= 0 else ""
        self.accuracy_title.setText(
            f"Test accuracy per class — on all {int(frame.class_counts.sum()):,} test images "
            f"{frame.accuracy:.1%} (dashed line){hardest}")

    def _bar_pt(self, k: int) -> int:
        """The bar labels' size: the style's, or smaller so that k labels fit the picture's height."""
        fit = int(0.4 * max(self.picture.height() - 80, 60) / max(k, 1))
        return max(7, min(self.view_style.label_pt, fit))

    def _short(self, k) -> str:
        name = self._names[int(k)]
        return name if len(name) <= 8 else name[:7] + "…"

    # --- what tests read ----------------------------------------------------------------
    def accuracy_heights(self) -> np.ndarray:
        return np.asarray(self.accuracy_bars.opts["height"], dtype=float)


__all__ = ["SamplesView"]

"""The gradient check's two plots: relative difference per tensor (bars) and numerical vs backprop (scatter)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter

from nnviz.engine.gradcheck import DEFAULTS
from nnviz.lab.gradcheck import tensor_words

from .layout import column

THRESHOLD = DEFAULTS.tolerance
FLOOR = -16.0            # log10 of the smallest difference drawn
PASS_COLOR = "#1a9850"   # agrees
FAIL_COLOR = "#d73027"   # differs
NA_COLOR = "#bdbdbd"     # not checkable (every sampled coordinate on a ReLU kink)
NOISE_COLOR = "#9ecae1"  # below the noise floor or all zero: neither right nor wrong, just not measurable
STATUS_COLORS = {"agrees": PASS_COLOR, "differs": FAIL_COLOR, "noise": NOISE_COLOR, "kinks": NA_COLOR}


def _log10(v: float) -> float:
    return FLOOR if not v > 0 else max(FLOOR, math.log10(v))


class GradCheckPlots(QSplitter):
    """Bars (``bars``, ``bar_item``, ``bar_texts``) beside the scatter (``scatter``, ``points``, ``tensorCombo``)."""

    def __init__(self, parent=None):
        super().__init__(Qt.Horizontal, parent)
        self.result = None
        self.bars = pg.PlotWidget(background="w")
        self.bars.setObjectName("gradCheckBars")
        self.scatter = pg.PlotWidget(background="w")
        self.scatter.setObjectName("gradCheckScatter")
        self.tensorCombo = QComboBox(objectName="gradCheckTensorCombo")
        self.tensorCombo.setToolTip("Which tensor's coordinates the scatter shows")
        self.tensorCombo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.tensorCombo.setMinimumContentsLength(12)
        self._setup()
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Numerical vs backprop</b>"))
        top.addStretch(1)
        top.addWidget(self.tensorCombo)
        bars_title = QLabel("<b>Relative difference per parameter tensor</b> (log scale). Green: agrees; "
                            "red: differs; a bar may reach its black tick (the tensor's noise floor, or the "
                            "dashed 1e-7 line) and still agree; pale blue: too small to measure.")
        bars_title.setWordWrap(True)
        self.addWidget(column(bars_title, (self.bars, 1)))
        self.addWidget(column(top, (self.scatter, 1)))
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.tensorCombo.currentIndexChanged.connect(lambda _: self.draw_scatter())
        self.clear()

    _label_pt = 10

    def set_view_style(self, style) -> None:
        self._label_pt = style.label_pt
        tick = QFont()
        tick.setPointSize(style.tick_pt)
        size = {"font-size": f"{style.label_pt}pt", "color": "#222"}
        for plot in (self.bars.getPlotItem(), self.scatter.getPlotItem()):
            for ax in ("left", "bottom"):
                plot.getAxis(ax).setStyle(tickFont=tick)
        self.bars.getPlotItem().setLabel("bottom", "relative difference ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)", **size)
        self.scatter.getPlotItem().setLabel("bottom", "backprop gradient g", **size)
        self.scatter.getPlotItem().setLabel("left", "numerical gradient ĝ", **size)

    def _setup(self) -> None:
        bars = self.bars.getPlotItem()
        bars.setMenuEnabled(False)
        bars.hideButtons()
        bars.setMouseEnabled(False, False)
        bars.invertY(True)
        bars.showGrid(x=True, y=False, alpha=0.2)
        decades = [(float(d), "1" if d == 0 else f"1e{d}") for d in range(int(FLOOR), 1)]
        bars.getAxis("bottom").setTicks([[t for t in decades if int(t[0]) % 2 == 1 or t[0] == 0], decades])
        self.threshold_line = pg.InfiniteLine(pos=math.log10(THRESHOLD), angle=90,
                                              pen=pg.mkPen("#222", width=2, style=Qt.DashLine),
                                              label=f"{THRESHOLD:.0e} tolerance".replace("e-0", "e-"), labelOpts={"position": 0.01, "color": "#222",
                                                                        "anchors": [(0, 0), (0, 0)],
                                                                        "fill": (255, 255, 255, 220)})
        bars.addItem(self.threshold_line)
        self.bar_item = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.6)
        bars.addItem(self.bar_item)
        self.allowed_ticks = pg.ScatterPlotItem([], [], symbol="|", size=22, pen=pg.mkPen("#111", width=2.5),
                                                brush=pg.mkBrush("#111"))
        bars.addItem(self.allowed_ticks)
        self.bars_placeholder = pg.TextItem("One bar per weight tensor appears here when a check finishes.",
                                            color="#777", anchor=(0.5, 0.5))
        bars.addItem(self.bars_placeholder)
        self.bars_placeholder.setPos(FLOOR / 2, 0.5)
        self.bar_texts: list[pg.TextItem] = []
        sc = self.scatter.getPlotItem()
        sc.setMenuEnabled(False)
        sc.hideButtons()
        sc.showGrid(x=True, y=True, alpha=0.2)
        self.diagonal = pg.PlotDataItem([], [], pen=pg.mkPen("#555", width=1.5, style=Qt.DashLine), name="y = x")
        sc.addItem(self.diagonal)
        self.points = pg.ScatterPlotItem([], [], size=7)
        sc.addItem(self.points)
        self.scatter_placeholder = pg.TextItem("Each checked weight: its numerical gradient\nagainst backprop's; "
                                               "right means on the line y = x.", color="#777", anchor=(0.5, 0.5))
        sc.addItem(self.scatter_placeholder)
        self.scatter_placeholder.setPos(0.5, 0.5)
        for plot in (bars, sc):
            for ax in ("left", "bottom"):
                plot.getAxis(ax).enableAutoSIPrefix(False)
                plot.getAxis(ax).setPen(pg.mkPen("#444"))
                plot.getAxis(ax).setTextPen(pg.mkPen("#222"))

    def clear(self) -> None:
        """Empty plots with their placeholders."""
        self.result = None
        self.bar_item.setOpts(x0=[], x1=[], y=[], height=0.6, brushes=[])
        self.allowed_ticks.setData([], [])
        for t in self.bar_texts:
            self.bars.getPlotItem().removeItem(t)
        self.bar_texts = []
        self.points.setData([], [])
        self.diagonal.setData([], [])
        self.tensorCombo.blockSignals(True)
        self.tensorCombo.clear()
        self.tensorCombo.blockSignals(False)
        bars = self.bars.getPlotItem()
        bars.getAxis("left").setTicks([[]])
        bars.setXRange(FLOOR, 0.5, padding=0)
        bars.setYRange(0, 1, padding=0)
        self.scatter.getPlotItem().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.bars_placeholder.show()
        self.scatter_placeholder.show()
        self.tensorCombo.hide()

    def draw(self, r) -> None:
        """One bar per tensor of the GradientCheckResult ``r``, and its scatter."""
        self.result = r
        names = list(r.per_parameter)
        plot = self.bars.getPlotItem()
        for t in self.bar_texts:
            plot.removeItem(t)
        self.bar_texts = []
        x1, brushes, ticks = [], [], []
        for i, name in enumerate(names):
            v = r.per_parameter[name]
            kinks = r.kinks.get(name, 0)
            status, words = tensor_words(r, name)
            brushes.append(pg.mkBrush(STATUS_COLORS[status]))
            color = "#333"
            if status in ("kinks", "noise"):       # not measurable: a pale full-width bar, the words inside
                x1.append(0.0)
                note = words
            else:
                x1.append(_log10(v))
                note = f"{v:.1e}" + (f"  ({kinks} on a ReLU kink, skipped)" if kinks else "")
                allowed = r.allowed.get(name, THRESHOLD)
                if allowed > THRESHOLD:
                    ticks.append((_log10(allowed), float(i)))
            if status in ("kinks", "noise"):
                text = pg.TextItem(note, color=color, anchor=(0, 0.5))
                text.setPos(FLOOR + 0.2, i)
            elif x1[-1] > -3.5:          # long bar: the value inside its end (left of its tick), in white
                text = pg.TextItem(note, color="#ffffff", anchor=(1, 0.5))
                end = min([x1[-1]] + [t[0] - 0.3 for t in ticks if t[1] == float(i) and t[0] < x1[-1]])
                text.setPos(end - 0.15, i)
            else:                        # the value just after the bar
                text = pg.TextItem(note, color="#111", anchor=(0, 0.5), fill=pg.mkBrush(255, 255, 255, 210))
                text.setPos(x1[-1] + 0.15, i)
            plot.addItem(text)
            self.bar_texts.append(text)
        self.allowed_ticks.setData([t[0] for t in ticks], [t[1] for t in ticks])
        ys = np.arange(len(names), dtype=float)
        self.bar_item.setOpts(x0=np.full(len(names), FLOOR), x1=np.array(x1), y=ys, height=0.6, brushes=brushes,
                              pens=[pg.mkPen(None)] * len(names))
        plot.getAxis("left").setTicks([[(float(i), n) for i, n in enumerate(names)]])
        plot.setYRange(-1.3, len(names) - 0.4, padding=0)     # a free strip on top for the threshold label
        plot.setXRange(FLOOR, 0.5, padding=0)

        self.bars_placeholder.hide()
        self.scatter_placeholder.hide()
        self.tensorCombo.show()
        self.tensorCombo.blockSignals(True)
        current = self.tensorCombo.currentData()
        self.tensorCombo.clear()
        self.tensorCombo.addItem("all tensors", None)
        for name in names:
            self.tensorCombo.addItem(name, name)
        self.tensorCombo.setCurrentIndex(max(0, self.tensorCombo.findData(current)))
        self.tensorCombo.blockSignals(False)
        self.draw_scatter()

    def draw_scatter(self) -> None:
        r = self.result
        if r is None:
            return
        pick = self.tensorCombo.currentData()
        xs, ys, brushes = [], [], []
        for name, (_, a, n) in r.samples.items():
            if pick is not None and name != pick:
                continue
            a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
            if pick is None and a.size:   # all tensors: each scaled to its own largest gradient, so a tensor
                top = float(max(np.max(np.abs(a)), np.max(np.abs(n))))   # of 1e-7 gradients is not a dot at 0
                a, n = (a / top, n / top) if top > 0 else (a, n)
            color = STATUS_COLORS[r.tensor_status(name)]
            xs.append(a)
            ys.append(n)
            brushes += [pg.mkBrush(color)] * len(a)
        plot = self.scatter.getPlotItem()
        scaled = " ÷ tensor's max" if pick is None else ""     # short: it must fit a projector's axis
        size = {"font-size": f"{self._label_pt}pt", "color": "#222"}
        plot.setLabel("bottom", f"backprop gradient g{scaled}", **size)
        plot.setLabel("left", f"numerical gradient ĝ{scaled}", **size)
        x = np.concatenate(xs) if xs else np.empty(0)
        y = np.concatenate(ys) if ys else np.empty(0)
        self.points.setData(x, y, brush=brushes, pen=pg.mkPen("#333", width=0.5))
        if x.size:
            lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
            if hi <= lo:
                lo, hi = lo - 1, hi + 1
            self.diagonal.setData([lo, hi], [lo, hi])
            self.scatter.getPlotItem().setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0.05)
        else:
            self.diagonal.setData([], [])

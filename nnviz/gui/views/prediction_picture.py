"""The prediction view's picture: the input as the network sees it, and one bar per class probability."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from nnviz.lab.prediction import Prediction, as_display_image

BAR_COLOR = "#9bbbd9"
TOP_COLOR = "#0072B2"


class PredictionPicture(pg.GraphicsLayoutWidget):
    """``input_image`` on the left, the ``bars`` of ``bars_plot`` on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.input_title = self.addLabel("As the network sees it", row=0, col=0, color="#222")
        self.input_box = self.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMouse=False)
        self.input_box.setMenuEnabled(False)
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.input_box.addItem(self.input_image)
        self.input_frame = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.input_frame.setPen(pg.mkPen("#888", width=1))
        self.input_box.addItem(self.input_frame)
        self.bars_title = self.addLabel("Class probabilities", row=0, col=1, color="#222")
        self.bars_plot = self.addPlot(row=1, col=1)
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.hideButtons()
        self.bars_plot.setXRange(-0.015, 1.04, padding=0)
        self.bars_plot.getViewBox().invertY(True)
        self.bars_plot.showGrid(x=True, y=False, alpha=0.25)
        for ax in ("left", "bottom"):
            self.bars_plot.getAxis(ax).setPen(pg.mkPen("#444"))
            self.bars_plot.getAxis(ax).setTextPen(pg.mkPen("#222"))
        self.bars_plot.setLabel("bottom", "probability", color="#222")
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=BAR_COLOR, pen=pg.mkPen(None))
        self.bars_plot.addItem(self.bars)
        self.bar_texts: list[pg.TextItem] = []
        self.ci.layout.setColumnStretchFactor(0, 2)
        self.ci.layout.setColumnStretchFactor(1, 3)

    def set_view_style(self, style) -> None:
        tick = QFont()
        tick.setPointSize(max(style.tick_pt, 10))
        for ax in ("left", "bottom"):
            self.bars_plot.getAxis(ax).setStyle(tickFont=tick)
        size = {"size": f"{style.label_pt + 1}pt", "color": "#222"}
        self.input_title.setText("As the network sees it", **size)
        self.bars_title.setText("Class probabilities", **size)
        self.bars_plot.setLabel("bottom", "probability", **{"font-size": f"{style.label_pt}pt", "color": "#222"})

    def draw_input(self, x) -> None:
        """Show network input ``x`` ((C, H, W) or (features,)) as an image; None clears it."""
        if x is None:
            self.input_image.clear()
            self.input_frame.setRect(0, 0, 1, 1)
            return
        img = as_display_image(x)
        self.input_image.setImage(img, levels=(0.0, 1.0), autoLevels=False)
        h, w = img.shape[:2]
        self.input_frame.setRect(0, 0, w, h)
        self.input_box.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def draw_bars(self, prediction: Prediction | None, names: list[str], label_pt: int, font: QFont) -> None:
        """One bar per class; ``names`` when there is no prediction yet."""
        for text in self.bar_texts:
            self.bars_plot.removeItem(text)
        self.bar_texts = []
        names = prediction.names if prediction is not None else names
        k = len(names)
        probs = prediction.probs if prediction is not None else np.zeros(k)
        top = prediction.top if prediction is not None else -1
        brushes = [pg.mkBrush(TOP_COLOR if i == top else BAR_COLOR) for i in range(k)]
        self.bars.setOpts(x0=np.zeros(k), y=np.arange(k), height=0.7, width=probs, brushes=brushes,
                          pen=pg.mkPen(None))
        self.bars_plot.getAxis("left").setTicks([[(i, str(n)) for i, n in enumerate(names)]])
        self.bars_plot.setYRange(-0.6, max(k, 1) - 0.4, padding=0)
        size = f"{max(label_pt, 9)}pt"
        if prediction is not None:
            for i, p in enumerate(probs):
                inside = p > 0.8
                text = pg.TextItem(f"{p:.1%}", color="w" if inside else "#222", anchor=(1, 0.5) if inside else (0, 0.5))
                font = QFont(font)
                font.setPointSize(int(size[:-2]))
                text.setFont(font)
                text.setPos(p - 0.01 if inside else p + 0.01, i)
                self.bars_plot.addItem(text)
                self.bar_texts.append(text)

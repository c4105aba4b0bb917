"""The network graph for one sample (images, or flat data that is not a plane).

Top to bottom: the input, then every layer in order — a conv or pool layer
as a line with a button to its feature maps, a flat layer as a strip of
bars (one per unit: its value for this sample), the output as the class
probabilities with the classes named. Plots are made when the network
changes and afterwards only updated (``BarGraphItem.setOpts``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab.palette import class_color

from .live_text import LiveText
from .plot_tools import dark_axes
from .tiles import TileGrid, as_display, gray_lut

POSITIVE, NEGATIVE = "#b2182b", "#2166ac"


class BarStrip(pg.PlotWidget):
    """One flat layer's values for a sample, one bar per unit (class names under an output's bars)."""

    def __init__(self, units: int, class_names=None, parent=None):
        super().__init__(parent, background="w")
        self.units = units
        self.output = class_names is not None
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setFixedHeight(150 if self.output else 120)
        first = 0 if self.output else 1            # units are numbered from 1 (as the graph's hover text says)
        x = np.arange(first, first + units)
        self.bars = pg.BarGraphItem(x=x, height=np.zeros(units), width=0.8 if units < 100 else 1.0,
                                    brush=POSITIVE, pen=None)
        self.addItem(self.bars)
        self.setXRange(first - 0.6, first + units - 0.4, padding=0)
        self.values = np.zeros(units)
        dark_axes(self)
        if self.output:
            names = [str(n) for n in class_names] or [str(i) for i in range(units)]
            self.getAxis("bottom").setTicks([[(i, names[i] if i < len(names) else str(i)) for i in range(units)]])
            self.setYRange(0, 1, padding=0.02)
            self.brushes = [pg.mkBrush(class_color(i)) for i in range(units)]
        else:
            self.getAxis("bottom").setLabel("unit")

    def set_values(self, values: np.ndarray) -> None:
        v = np.nan_to_num(np.asarray(values, dtype=np.float64))
        self.values = v
        if self.output:
            if v.size == 1:                 # a sigmoid: P(class 1); show both classes
                v = np.array([1 - v[0], v[0]])
            self.bars.setOpts(x=np.arange(v.size), height=v, brushes=self.brushes[:v.size])
        else:
            brushes = np.where(v >= 0, POSITIVE, NEGATIVE)
            self.bars.setOpts(height=v, brushes=[pg.mkBrush(b) for b in brushes] if (v < 0).any() else None,
                              brush=POSITIVE)
            lo, hi = min(0.0, float(v.min(initial=0))), max(0.0, float(v.max(initial=0)))
            self.setYRange(lo, hi if hi > lo else lo + 1, padding=0.05)


class SamplePanel(QWidget):
    """See the module docstring. ``viewRequested(objectName)`` asks for another view (the feature maps)."""

    viewRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.input_grid = TileGrid(tile_px=110)
        self.input_grid.set_layout(1, (28, 28), 1)
        self.input_grid.setFixedSize(130, 130)
        self.inputCaption = LiveText(lines=3)           # changes every frame: no layout pass for it
        self.inputCaption.label.setTextFormat(Qt.RichText)
        top = QHBoxLayout()
        top.addWidget(self.input_grid)
        top.addWidget(self.inputCaption, 1)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidget(self.body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.strips: dict[int, BarStrip] = {}      # layer index → its strip
        self.links: list[QPushButton] = []
        self.image_input = True
        self.input_strip: BarStrip | None = None

    def set_layers(self, layers, input_shape, class_names) -> None:
        """Make one row per layer (``nnviz.lab.network_graph.sample_layers``)."""
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.strips, self.links = {}, []
        self.image_input = len(input_shape) == 3
        self.input_grid.setVisible(self.image_input)
        if self.image_input:
            self.input_grid.set_layout(1, tuple(input_shape[1:]), 1)
        last = layers[-1].layer_index if layers else -1
        for layer in layers:
            if not layer.units:
                c, h, w = layer.shape
                label = QLabel(f"<b>{layer.name}</b> · {layer.description}: {c} maps of {h}×{w}")
                button = QPushButton("See them in the Feature maps tab ▶",
                                     objectName=f"networkFeatureLink_{layer.name}")
                button.clicked.connect(lambda _=False: self.viewRequested.emit("featureMapView"))
                self.links.append(button)
                row = QHBoxLayout()
                row.addWidget(label)
                row.addWidget(button)
                row.addStretch(1)
                self.body_layout.addLayout(row)
                continue
            output = layer.layer_index == last
            what = "the class probabilities" if output else f"its {layer.units:,} units' values for this sample"
            self.body_layout.addWidget(QLabel(f"<b>{'Output' if output else layer.name}</b> · "
                                              f"{layer.description}: {what}"))
            strip = BarStrip(layer.units, class_names if output else None)
            self.strips[layer.layer_index] = strip
            self.body_layout.addWidget(strip)
        self.body_layout.addStretch(1)

    def draw(self, frame, class_names, describe_input: str) -> None:
        for c, values in zip(frame.columns, frame.values):
            strip = self.strips.get(c.layer_index)
            if strip is not None:
                strip.set_values(values)
        self.inputCaption.setText(describe_input)

    def show_input(self, x) -> None:
        if self.image_input:
            picture = as_display(np.asarray(x))
            lo, hi = float(picture.min()), float(picture.max())
            levels = (lo, hi if hi > lo else lo + 1) if picture.ndim == 2 else (0.0, 1.0)
            self.input_grid.set_images([picture], levels, gray_lut())

"""Layer statistics over the run (objectName ``layerStatsView``), TensorBoard-style.

One small plot per layer with weights, all on the same y scale so layers can
be compared: the median as a line, the 25–75 % band dark, the 5–95 % band
light, against the epoch. A selector chooses what is shown: gradients
|∂J/∂W| (log scale: on a deep sigmoid network the first layers sit orders
of magnitude below the last, starving), weights, activations, the update
to weight ratio (one line per layer against the usual 1e-3 guide), or the
share of dead ReLU and saturated sigmoid/tanh units. The numbers are
recorded in the worker (:class:`~nnviz.lab.layer_stats.LayerStatsRecorder`);
this module only draws.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from nnviz.lab.layer_stats import (
    SAMPLE_LIMIT,
    UPDATE_RATIO_GUIDE,
    LayerStatsRecorder,
    StatsRow,
    bands,
    sample_of,
    series,
    weighted_layers,
)
from nnviz.lab.palette import class_color

from ..style import TRAIN_COLOR
from .base import LiveView, ViewContext, set_heading_font
from .layout import column, page_or_message
from .plot_tools import set_tick_font

QUANTITIES = {
    "grads": ("Gradients |∂J/∂W|", True),
    "weights": ("Weights W", False),
    "activations": ("Activations (layer outputs)", False),
    "update_ratio": ("Update / weight ratio", True),
    "units": ("Dead ReLU and saturated units", False),
}
COLUMNS = 3


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 of positive values; NaN elsewhere (a zero gradient has no place on a log axis)."""
    out = np.full(values.shape, np.nan)
    np.log10(values, out=out, where=values > 0)
    return out


class LayerStatsView(LiveView):
    """Per-layer distributions over the run; see the module docstring."""

    title = "Layer statistics"
    placement = "tab"
    group = "Inside the network"
    max_fps = 4.0

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("layerStatsView")
        self.rows: list[StatsRow] = []
        self.layers: list[tuple[str, str]] = []        # (name, caption) of each layer with weights
        self.sample_size = 0
        self.x_label = "epoch"
        self.plots: dict[str, pg.PlotItem] = {}
        self.medians: dict[str, pg.PlotDataItem] = {}       # the median line of each layer's plot
        self.moment_epoch: int | None = None      # the time machine's moment, marked on every plot
        self._generation = -1

        self.heading = QLabel("Layer statistics", objectName="layerStatsHeading")
        self.quantityCombo = QComboBox(objectName="layerStatsQuantity")
        for key, (text, _log) in QUANTITIES.items():
            self.quantityCombo.addItem(text, key)
        self.quantityCombo.setToolTip("What the plots show for each layer")
        self.quantityCombo.currentIndexChanged.connect(lambda _i: self._rebuild())
        self.caption = QLabel(objectName="layerStatsCaption")
        self.caption.setWordWrap(True)
        self.summary = QLabel(objectName="layerStatsSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addStretch(1)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.quantityCombo)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        page = column(bar, self.caption, (self.graphics, 1), self.summary, margin=4)
        self.message, self.stack = page_or_message(self, page, "layerStatsMessage")
        self._show_message("Build a network to see its layers' statistics.")

    # ------------------------------------------------------------------ LiveView
    def probes(self, context: ViewContext) -> list:
        if context.model is None or context.dataset is None or not weighted_layers(context.model):
            return []
        return [LayerStatsRecorder(sample_of(context.dataset.X_test))]

    def reset(self, context: ViewContext, snapshot=None) -> None:
        moment = getattr(context, "moment", None)
        self.moment_epoch = None if moment is None else moment.epoch
        if context.generation == self._generation and self.rows and self.layers:
            self._rebuild()         # the same network, rewound in time or back to now: keep its history
            return
        self._generation = context.generation
        self.rows = []
        model, ds = context.model, context.dataset
        if model is None or ds is None or not weighted_layers(model):
            self.layers = []
            self._show_message("Build a network with at least one Dense or Conv2D layer to see its statistics.")
            return
        self.x_label = context.count_label.rstrip("s")
        self.layers = [(layer.name, _caption(layer)) for layer in weighted_layers(model)]
        self.sample_size = min(SAMPLE_LIMIT, len(ds.X_test))
        self.stack.setCurrentIndex(0)
        self._rebuild()
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot) -> None:
        new = snapshot.probes.get(LayerStatsRecorder.key)
        if not new or not self.layers:
            return
        if new[0].idle and self.rows:       # the rewound (or reloaded) network: its history is drawn already
            return
        if self.rows and new[0].epoch <= self.rows[-1].epoch:       # a redraw of the same network
            self.rows = [r for r in self.rows if r.epoch < new[0].epoch]
        self.rows.extend(new)
        self._request_draw(urgent=not self.running)

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        if running and self.moment_epoch is not None:       # a run trains on from now
            self.moment_epoch = None
            self._request_draw()

    def export_item(self):
        return self.graphics

    def set_view_style(self, style) -> None:
        super().set_view_style(style)
        set_heading_font(self.heading, style)
        self._rebuild()

    # ------------------------------------------------------------------ drawing
    @property
    def quantity(self) -> str:
        return self.quantityCombo.currentData()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def _rebuild(self) -> None:
        """New plots for the layers and the chosen quantity, then a draw."""
        self.graphics.clear()
        self.plots = {}
        if not self.layers:
            return
        style = self.view_style
        key = self.quantity
        log = QUANTITIES[key][1]
        shared = key in ("update_ratio", "units")
        names = ["all layers"] if shared else [name for name, _ in self.layers]
        captions = dict(self.layers)
        first = None
        for i, name in enumerate(names):
            columns = len(names) if len(names) <= 4 else COLUMNS
            plot = self.graphics.addPlot(row=i // columns, col=i % columns)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setTitle(captions.get(name, QUANTITIES[key][0]), size=f"{style.label_pt}pt", color="#222")
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(pg.mkPen("#444"))
                axis.setTextPen(pg.mkPen("#222"))
            set_tick_font([plot], style.tick_pt)
            plot.getAxis("left").setLogMode(log)
            plot.setLabel("bottom", self.x_label, **{"font-size": f"{style.label_pt}pt", "color": "#222"})
            if first is None:
                first = plot
            else:
                plot.setYLink(first)          # one scale for every layer (set in _draw_bands): compare honestly
            if shared:
                plot.addLegend(offset=(-10, 10), labelTextSize=f"{style.tick_pt}pt")
            self.plots[name] = plot
        self.caption.setText(self._caption_text())
        self._request_draw()

    def _caption_text(self) -> str:
        key, n = self.quantity, self.sample_size
        return {
            "grads": "Median (line), 25–75 % (dark band) and 5–95 % (light band) of |∂J/∂W| over each layer's "
                     "weights, from the last mini-batch of the epoch. Log scale, shared by all layers: a layer "
                     "far below the others hardly learns (vanishing gradients).",
            "weights": "Median, 25–75 % and 5–95 % of each layer's weights W.",
            "activations": f"Median, 25–75 % and 5–95 % of each layer's outputs on {n:,} test samples.",
            "update_ratio": f"‖ΔW‖ / ‖W‖ of one optimizer step, per layer. Dashed: the usual guide, "
                            f"{UPDATE_RATIO_GUIDE:g}; far below, a layer hardly changes; far above, it thrashes.",
            "units": f"Share of each layer's units that are dead ReLUs (never positive on {n:,} test samples, "
                     "solid) or saturated sigmoid/tanh units (in the flat tails on 95 % of them, dashed).",
        }[key]

    def _draw(self) -> None:
        super()._draw()
        if not self.plots:
            return
        key = self.quantity
        if key in ("update_ratio", "units"):
            self._draw_lines(key)
        else:
            self._draw_bands(key)
        if self.moment_epoch is not None:
            for plot in self.plots.values():
                plot.addItem(pg.InfiniteLine(pos=self.moment_epoch, angle=90, pen=pg.mkPen("#c0392b", width=2)))
        self.summary.setText(self._summary_text())

    def _draw_bands(self, key: str) -> None:
        log = QUANTITIES[key][1]
        width = self.view_style.line_width
        self.medians = {}
        low, high = np.inf, -np.inf
        for name, plot in self.plots.items():
            plot.clear()
            epochs, values = bands(self.rows, name, key)
            if log:
                values = _log10(values)
            keep = np.isfinite(values[:, 2])
            epochs, values = epochs[keep], values[keep]
            if log and epochs.size:     # exact zeros (e.g. dead units' gradients) sit a decade below the rest
                values = np.where(np.isfinite(values), values, np.nanmin(values) - 1.0)
            if epochs.size == 0:        # e.g. gradients before the first step: say so, not empty log ticks
                plot.getAxis("left").setStyle(showValues=False)
                note = pg.TextItem("none yet: train the network" if key == "grads" else "none yet",
                                   color="#666", anchor=(0.5, 0.5))
                plot.addItem(note)
                note.setPos(*plot.getViewBox().viewRect().center().toTuple())
                continue
            plot.getAxis("left").setStyle(showValues=True)
            color = pg.mkColor(TRAIN_COLOR)
            curves = [pg.PlotDataItem(epochs, values[:, j], pen=pg.mkPen(None)) for j in range(5)]
            for lo, hi, alpha in ((0, 4, 45), (1, 3, 100)):
                fill = pg.mkColor(color)
                fill.setAlpha(alpha)
                plot.addItem(pg.FillBetweenItem(curves[lo], curves[hi], brush=pg.mkBrush(fill)))
            median = pg.PlotDataItem(epochs, values[:, 2], pen=pg.mkPen(color, width=width),
                                     symbol="o" if epochs.size == 1 else None, symbolSize=6)
            plot.addItem(median)
            self.medians[name] = median
            low, high = min(low, values.min()), max(high, values.max())
        if np.isfinite(low) and np.isfinite(high):
            pad = 0.05 * (high - low) if high > low else 0.5
            next(iter(self.plots.values())).setYRange(low - pad, high + pad, padding=0)

    def _draw_lines(self, key: str) -> None:
        plot = self.plots["all layers"]
        plot.clear()
        if plot.legend is not None:
            plot.legend.clear()
        colors = [class_color(k) for k in range(len(self.layers))]
        width = self.view_style.line_width
        if key == "update_ratio":
            line = pg.InfiniteLine(pos=math.log10(UPDATE_RATIO_GUIDE), angle=0,
                                   pen=pg.mkPen("#555", width=1.5, style=Qt.DashLine))
            plot.addItem(line)
        for (name, _caption), color in zip(self.layers, colors):
            if key == "update_ratio":
                epochs, values = series(self.rows, name, "update_ratio")
                self._line(plot, epochs, _log10(values), color, width, name)
            else:
                for quantity, dash in (("dead", Qt.SolidLine), ("saturated", Qt.DashLine)):
                    epochs, values = series(self.rows, name, quantity)
                    label = name if quantity == "dead" else f"{name} saturated"
                    self._line(plot, epochs, values, color, width, label, dash)
        if key == "units":
            plot.setYRange(0, 1.02, padding=0)

    @staticmethod
    def _line(plot, epochs, values, color, width, label, dash=Qt.SolidLine) -> None:
        keep = np.isfinite(values)
        if keep.any():
            plot.addItem(pg.PlotDataItem(epochs[keep], values[keep], name=label,
                                         pen=pg.mkPen(color, width=width, style=dash),
                                         symbol="o" if keep.sum() == 1 else None, symbolSize=6))

    def _summary_text(self) -> str:
        """The latest row in words: dead and saturated units, and the starving layer if any."""
        if not self.rows:
            return "Train the network to record its layers' statistics."
        last = self.rows[-1]
        if self.moment_epoch is not None:      # rewound: the last row recorded up to that moment
            last = next((r for r in reversed(self.rows) if r.epoch <= self.moment_epoch), self.rows[0])
        parts = []
        for name, _caption in self.layers:
            stats = last.layers.get(name)
            if stats is None:
                continue
            if not math.isnan(stats.dead):
                parts.append(f"{name}: {round(stats.dead * stats.units)} of {stats.units} ReLU units dead")
            elif not math.isnan(stats.saturated):
                parts.append(f"{name}: {round(stats.saturated * stats.units)} of {stats.units} units saturated")
        medians = {name: last.layers[name].grads[2] for name, _ in self.layers if name in last.layers}
        finite = {k: v for k, v in medians.items() if np.isfinite(v) and v > 0}
        if len(finite) >= 2:
            low, high = min(finite, key=finite.get), max(finite, key=finite.get)
            ratio = finite[high] / finite[low]
            if ratio >= 100:
                parts.append(f"<b>{low}'s median gradient is {ratio:,.0f}× smaller than {high}'s</b>")
        head = f"At {self.x_label} {last.epoch:,}" + (": " if parts else ".")
        return head + "; ".join(parts) + ("." if parts else "")


def _caption(layer) -> str:
    """A plot title short enough for four side by side on a projector: ``dense_2: 50 relu``."""
    units = layer.params["W"].shape[0] if layer.params["W"].ndim == 4 else layer.params["W"].shape[-1]
    activation = getattr(getattr(layer, "activation", None), "name", "")
    return f"{layer.name}: {units} {activation}".rstrip()

"""The learning rate under the cost curve: a small plot x-linked to it (objectName of its widget: none; the
cost view's ``lr_curve``).

It shows only when the rate moved during the history (a schedule, or the
learning-rate field changed during a run): a constant rate is already in the
training panel. The rates come per iteration (``Snapshot.new_lr``); against
epochs an iteration i is drawn at i / iterations-per-epoch.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .plot_tools import cache_axes, dark_axes, set_tick_font
from .qt_items import GridLines, add_curve

LR_COLOR = "#7b3294"


class LRCurve:
    """Owns the plot in row ``row`` of ``graphics``; x-linked to ``link``."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, row: int, link, series_type):
        self.graphics, self.row = graphics, row
        self.values = series_type()
        self.iterations_per_epoch = 1
        self.plot = graphics.addPlot(row=row, col=0)
        self.plot.setXLink(link)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.grid = GridLines(self.plot, alpha=0.25)
        self.plot.enableAutoRange(x=False, y=True)
        cache_axes(self.plot)
        dark_axes(self.plot)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("left").setWidth(55)
        self.curve = add_curve(self.plot, pg.mkPen(LR_COLOR, width=2))
        self.visible = True
        self._set_visible(False)

    def clear(self) -> None:
        self.values.clear()

    def put(self, offset: int, values, iterations_per_epoch: int) -> None:
        self.values.put(offset, values)
        self.iterations_per_epoch = max(1, int(iterations_per_epoch))

    @property
    def moved(self) -> bool:
        """True if the rate took more than one value."""
        v = self.values.values
        v = v[np.isfinite(v)]
        return v.size > 1 and float(v.max()) > float(v.min()) * (1 + 1e-6)

    def draw(self, x_mode: str) -> None:
        self._set_visible(self.moved)
        if not self.visible:
            return
        y = self.values.values
        x = np.arange(1, y.size + 1, dtype=np.float64)
        if x_mode != "iteration":
            x = x / self.iterations_per_epoch
        keep = np.isfinite(y)
        self.curve.setData(x[keep], y[keep])

    def last(self) -> float | None:
        v = self.values.values
        return float(v[-1]) if v.size and np.isfinite(v[-1]) else None

    def set_style(self, style) -> None:
        set_tick_font([self.plot], style.tick_pt)
        self.plot.setLabel("left", "learning rate", **{"font-size": f"{style.label_pt}pt", "color": "#222"})
        self.curve.setPen(pg.mkPen(LR_COLOR, width=style.line_width))

    def _set_visible(self, on: bool) -> None:
        if on == self.visible:
            return
        self.visible = on
        self.plot.setVisible(on)
        self.plot.setMaximumHeight(1e6 if on else 0)
        self.plot.setMinimumHeight(60 if on else 0)
        self.graphics.ci.layout.setRowStretchFactor(self.row, 1 if on else 0)
        self.graphics.ci.layout.setRowSpacing(self.row, 0)

"""Helpers that keep pyqtgraph plots cheap to redraw while data streams in.

Redrawing an axis (its tick labels) is the most expensive part of a frame.
Axes are therefore cached as pixmaps, and the live views set their ranges
themselves, growing them in generous steps, so that axes are laid out
again only now and then instead of on every frame.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QGraphicsItem

AXES = ("left", "bottom", "top", "right")


def cache_axes(plot) -> None:
    """Let Qt keep each axis of ``plot`` as a pixmap until the axis itself changes."""
    for name in AXES:
        plot.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)


def dark_axes(plot, pen: str = "#444", text: str = "#222") -> None:
    """The left and bottom axes of ``plot`` (a PlotItem) in dark grey lines and near-black labels, readable
    on a white background and a projector (pyqtgraph's defaults are for a dark one)."""
    import pyqtgraph as pg

    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(pen))
        axis.setTextPen(pg.mkPen(text))


def set_tick_font(plots, pt: int) -> None:
    """Tick labels of the left and bottom axes of every plot in ``plots`` (PlotItems) at ``pt`` points."""
    from PySide6.QtGui import QFont

    font = QFont()
    font.setPointSize(pt)
    for plot in plots:
        for name in ("left", "bottom"):
            plot.getAxis(name).setStyle(tickFont=font)


def grown_range(current, lo: float, hi: float, log: bool = False, floor_zero: bool = True):
    """A range holding [lo, hi], or None if ``current`` already holds it.

    Linear ranges start at 0 (costs are not negative) and grow to 1.2× the
    new maximum; log ranges (given and returned as log10 values) snap to
    whole decades. So a falling cost curve changes the range rarely.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if log:
        if hi <= 0:
            return None
        lo = max(lo, hi * 1e-12)
        want = (math.floor(math.log10(lo)), math.ceil(math.log10(hi) + 1e-9))
        if current is not None and current[0] <= math.log10(lo) and math.log10(hi) <= current[1]:
            return None
        return (float(want[0]), float(max(want[1], want[0] + 1)))
    low = 0.0 if floor_zero and lo >= 0 else lo - 0.1 * abs(hi - lo)
    if current is not None and current[0] <= low + 1e-12 and hi <= current[1]:
        return None
    top = hi * 1.2 if hi > 0 else hi + 1.0
    return (low, max(top, low + 1e-9))

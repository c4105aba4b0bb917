"""Plot items that Qt paints in C++, for what the live views redraw every frame.

pyqtgraph's ``ImageItem`` and ``PlotCurveItem`` paint in Python, and
PySide6 keeps the GIL while their C++ drawing calls run: scaling the
boundary's shading up to the screen, or stroking an antialiased dashed
cost curve, stops the training thread for that long (see
:mod:`nnviz.gui.pg_setup`). These items keep the data work in Python
(a lookup table, a peak-downsampled path) and leave the painting to Qt's
own ``QGraphicsPixmapItem`` and ``QGraphicsPathItem``, which need no GIL.
They go into a pyqtgraph ``PlotItem``/``ViewBox`` like any item and
answer the calls it makes (``dataBounds``, ``setLogMode``, ``opts`` for the
legend).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainterPath, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsPixmapItem


def rgba_image(values: np.ndarray, lut: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """(ny, nx) values → (ny, nx, 4) uint8 through ``lut`` ((n, 3) or (n, 4) uint8): ``levels[0]`` maps to
    the first entry, ``levels[1]`` to the last; NaN is transparent. (ny, nx, 3|4) values are colours
    already (0..255)."""
    v = np.asarray(values)
    out = np.empty(v.shape[:2] + (4,), np.uint8)
    if v.ndim == 3:
        channels = min(4, v.shape[2])
        out[..., :channels] = np.clip(np.nan_to_num(v[..., :channels]), 0, 255).astype(np.uint8)
        if channels < 4:
            out[..., 3] = 255
        return out
    lo, hi = float(levels[0]), float(levels[1])
    n = len(lut)
    scale = (n - 1) / (hi - lo) if hi > lo else 0.0
    finite = np.isfinite(v)
    idx = np.clip(np.rint((np.where(finite, v, lo) - lo) * scale), 0, n - 1).astype(np.intp)
    colours = lut[idx]
    out[..., :3] = colours[..., :3]
    out[..., 3] = colours[..., 3] if lut.shape[1] == 4 else 255
    out[..., 3] *= finite
    return out


def pixmap_from_rgba(rgba: np.ndarray) -> QPixmap:
    """(h, w, 4) uint8 → a QPixmap (the pixels are copied)."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return QPixmap.fromImage(image)


class LutImage(QGraphicsPixmapItem):
    """A value map shaded through a lookup table, stretched over a rectangle in data coordinates, scaled
    up smoothly (bilinear) by Qt. The subset of ``pg.ImageItem`` the views use: ``setImage(values,
    levels=…)``, ``setLookupTable``, ``setLevels``, ``setRect``, and ``image`` (the values last given)."""

    def __init__(self, lut: np.ndarray | None = None, levels: tuple[float, float] = (0.0, 1.0)):
        super().__init__()
        self.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.lut = np.asarray(lut if lut is not None else np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, 1))
        self.levels = (float(levels[0]), float(levels[1]))
        self.image: np.ndarray | None = None
        self._rect: QRectF | None = None

    def setLookupTable(self, lut) -> None:  # noqa: N802  (pyqtgraph's name)
        lut = np.asarray(lut, dtype=np.uint8)
        if lut.shape != self.lut.shape or not np.array_equal(lut, self.lut):    # a neuron's map sets it every frame
            self.lut = lut
            self._render()

    def setLevels(self, levels) -> None:  # noqa: N802
        levels = (float(levels[0]), float(levels[1]))
        if levels != self.levels:
            self.levels = levels
            self._render()

    def setImage(self, image, levels=None, autoLevels=False) -> None:  # noqa: N802, N803
        """``image``: (ny, nx) values (row 0 at the rectangle's bottom, as ``pg.ImageItem`` row-major draws
        it) or (ny, nx, 3|4) colours. ``autoLevels`` is accepted for ``pg.ImageItem``'s signature; the
        levels are those given (or set before)."""
        self.image = np.asarray(image)
        if levels is not None:
            self.levels = (float(levels[0]), float(levels[1]))
        self._render()

    def setRect(self, rect: QRectF) -> None:  # noqa: N802
        """Stretch the image over ``rect`` (data coordinates); kept when later images change shape."""
        self._rect = QRectF(rect)
        self._place()

    def _render(self) -> None:
        if self.image is None or self.image.ndim < 2 or 0 in self.image.shape[:2]:
            return
        shape = self.pixmap().size()
        self.setPixmap(pixmap_from_rgba(rgba_image(self.image, self.lut, self.levels)))
        if (shape.height(), shape.width()) != self.image.shape[:2]:
            self._place()

    def _place(self) -> None:
        if self._rect is None or self.image is None or self.image.ndim < 2:
            return
        ny, nx = self.image.shape[:2]
        r = self._rect
        self.setTransform(QTransform().translate(r.left(), r.top()).scale(r.width() / nx, r.height() / ny))


class PathCurve(QGraphicsPathItem):
    """A line through (x, y), peak-downsampled to at most ``max_points`` vertices (each bin keeps its
    lowest and highest value, so spikes survive), for a pyqtgraph plot. ``setData``, ``getData`` (what is
    drawn, after the log transform), ``getOriginalDataset``, ``setPen`` and ``opts['pen']`` as a
    ``PlotDataItem`` has them; ``name`` puts it in the plot's legend.

    A curve that grows at its end (a cost curve during a run) is drawn in two parts: this item holds the
    settled beginning, painted once into a pixmap cache that Qt blits, and a child item the last
    ``TAIL`` vertices or so, stroked again each frame; the beginning moves on when the tail is full.
    Stroking a 2-pixel antialiased line costs milliseconds per thousand vertices, so a whole curve
    stroked anew at every frame would take a sizeable share of a core. Nothing changes on screen.
    """

    TAIL = 128

    def __init__(self, pen=None, name: str | None = None, max_points: int = 1000, connect: str = "all"):
        super().__init__()
        if connect not in ("all", "pairs"):
            raise ValueError(f"connect must be 'all' or 'pairs'. Received: {connect!r}")
        self.connect = connect          # "pairs": separate segments (x[0], x[1]), (x[2], x[3]), … (never thinned)
        self._tail = QGraphicsPathItem(self) if connect == "all" else None
        self._settled = (np.empty(0), np.empty(0))     # the vertices this item (not the tail) draws
        if self._tail is not None:
            self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.max_points = max(4, int(max_points))
        self.opts = {"pen": None, "name": name, "symbol": None, "fillLevel": None, "fillBrush": None,
                     "antialias": pg.getConfigOption("antialias")}
        self.setPen(pen if pen is not None else pg.mkPen("k"))
        self._x = self._y = np.empty(0)
        self._shown = (np.empty(0), np.empty(0))
        self._log = (False, False)
        #: (x, y) as drawn (log applied, finite) → the vertices of the path; an SVG export swaps in its own
        self.thinning = lambda x, y: peak_downsample(x, y, self.max_points)

    def name(self) -> str | None:
        return self.opts["name"]

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802
        pen = pg.mkPen(*args, **kwargs)
        self.opts["pen"] = pen
        super().setPen(pen)
        if getattr(self, "_tail", None) is not None:
            self._tail.setPen(pen)

    def setData(self, x, y) -> None:  # noqa: N802
        self._x = np.asarray(x, dtype=np.float64).ravel()
        self._y = np.asarray(y, dtype=np.float64).ravel()
        self._update()

    def setLogMode(self, x_log: bool, y_log: bool) -> None:  # noqa: N802  (called by PlotItem)
        self._log = (bool(x_log), bool(y_log))
        self._update()

    def getOriginalDataset(self):  # noqa: N802
        return self._x, self._y

    def getData(self):  # noqa: N802
        return self._shown

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802  (ViewBox's auto-range)
        d = self._shown[ax]
        d = d[np.isfinite(d)]
        if not d.size:
            return None, None
        return float(d.min()), float(d.max())

    @property
    def log_mode(self) -> tuple[bool, bool]:
        return self._log

    def view_box(self):
        """The pyqtgraph ViewBox this curve is drawn in, or None."""
        item = self.parentItem()
        while item is not None and not hasattr(item, "itemBoundsChanged"):
            item = item.parentItem()
        return item

    def refresh(self) -> None:
        """Build the path again (after ``thinning`` changed)."""
        self._update()

    def _update(self) -> None:
        x, y = self._x, self._y
        n = min(x.size, y.size)
        x, y = x[:n], y[:n]
        with np.errstate(divide="ignore", invalid="ignore"):
            if self._log[0]:
                x = np.log10(x)
            if self._log[1]:
                y = np.log10(y)
        keep = np.isfinite(x) & np.isfinite(y)
        if self.connect == "pairs":
            n = keep.size // 2 * 2
            keep = np.repeat(keep[:n].reshape(-1, 2).all(axis=1), 2)
            x, y = x[:n], y[:n]
        if not keep.all():
            x, y = x[keep], y[keep]
        if self.connect == "all":
            x, y = self.thinning(x, y)
        self._shown = (x, y)
        if self._tail is None:
            self.setPath(_path(x, y, self.connect))
        else:
            self._draw_in_two_parts(x, y)
        self._bounds_changed()

    @property
    def settled_size(self) -> int:
        """Vertices drawn from the cache (the rest, from one before, by the tail)."""
        return self._settled[0].size

    def _draw_in_two_parts(self, x: np.ndarray, y: np.ndarray) -> None:
        hx, hy = self._settled
        h = hx.size
        same_start = h <= x.size and np.array_equal(x[:h], hx) and np.array_equal(y[:h], hy)
        if not same_start or x.size - h > self.TAIL:
            h = max(0, x.size - self.TAIL // 4)        # settle all but a short tail (it may still change)
            self._settled = (x[:h].copy(), y[:h].copy())
            self.setPath(_path(x[:h], y[:h], "all"))
        start = max(0, h - 1)                           # the tail starts where the settled part ends
        self._tail.setPath(_path(x[start:], y[start:], "all"))

    def _bounds_changed(self) -> None:
        """Tell the ViewBox holding this item that its data bounds moved (for auto-range)."""
        view = self.view_box()
        if view is not None:
            view.itemBoundsChanged(self)


def _path(x: np.ndarray, y: np.ndarray, connect: str) -> QPainterPath:
    return pg.arrayToQPath(x, y, connect=connect) if x.size else QPainterPath()


def peak_downsample(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` vertices: consecutive points grouped into bins, each drawn as its minimum and
    maximum at the bin's first x (the same shape as pyqtgraph's "peak" downsampling). Short data as is.
    A bin holds a power of two of points, so the bins of a growing series stay where they were (and the
    settled part of a :class:`PathCurve` with them) until the series doubles."""
    n = x.size
    if n <= max_points:
        return x, y
    per_bin = 1 << int(np.ceil(np.log2(n / (max_points // 2))))
    bins = n // per_bin
    cut = bins * per_bin
    yb = y[:cut].reshape(bins, per_bin)
    xs = np.repeat(x[:cut:per_bin], 2)
    ys = np.column_stack([yb.min(axis=1), yb.max(axis=1)]).ravel()
    if cut < n:                      # the last, partial bin
        xs = np.append(xs, [x[cut], x[cut]])
        ys = np.append(ys, [y[cut:].min(), y[cut:].max()])
    return xs, ys


def add_curve(plot, pen, name: str | None = None) -> PathCurve:
    """A :class:`PathCurve` in pyqtgraph ``plot`` (a PlotItem), named in its legend if it has one."""
    curve = PathCurve(pen, name=name)
    plot.addItem(curve)
    if name is not None and getattr(plot, "legend", None) is not None:
        plot.legend.addItem(curve, name=name)
    return curve


class GridLines(QGraphicsPathItem):
    """A plot's grid as one Qt path item behind its curves, at the ticks of its bottom and left axes.

    pyqtgraph draws a grid from its axis items, which paint in Python over the whole plot and so again
    with every frame of a live curve; this one is rebuilt only when the view's range or size changes.
    """

    def __init__(self, plot, alpha: float = 0.25):
        super().__init__()
        self.plot = plot
        pen = pg.mkPen((0, 0, 0, int(round(255 * alpha))), width=1)
        self.setPen(pen)
        self.setZValue(-100)
        plot.addItem(self, ignoreBounds=True)
        view = plot.getViewBox()
        view.sigRangeChanged.connect(self.rebuild)
        view.sigResized.connect(self.rebuild)
        self.rebuild()

    def rebuild(self, *_args) -> None:
        view = self.plot.getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        size = view.size()
        path = QPainterPath()
        for axis, lo, hi, length, vertical in (("bottom", x0, x1, size.width(), True),
                                              ("left", y0, y1, size.height(), False)):
            if not (hi > lo) or length <= 0:
                continue
            for _spacing, values in self.plot.getAxis(axis).tickValues(lo, hi, length)[:2]:
                for v in values:
                    if vertical:
                        path.moveTo(v, y0)
                        path.lineTo(v, y1)
                    else:
                        path.moveTo(x0, v)
                        path.lineTo(x1, v)
        self.setPath(path)

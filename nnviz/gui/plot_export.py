"""Saving a view's plot as PNG or SVG at a chosen size, and the small dialog that asks for it.

:func:`export_size` is the size a plot has on screen (what pyqtgraph's
exporters start from); :func:`export_plot_file` writes PNG (pixels) or
SVG (with ``width``/``height`` on the root element, which pyqtgraph's SVG
exporter leaves out; the drawing keeps its own coordinates in ``viewBox``
and scales to that size) keeping the plot's aspect ratio as shown: the
height is always ``width`` × (shown height / shown width).

An SVG holds every point of a curve it is given: 10,000 epochs of four
cost and accuracy curves made a 3 MB file. Curves are thinned for SVG to
what the export's pixels can show (:func:`thin_for_pixels`: per pixel
column the lowest and highest point, in order), so the drawing looks the
same and stays small; the plot on screen keeps all its data.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsView,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from . import svg_compat

FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)"}
MAX_SIDE = 10_000


def _is_plot(item) -> bool:
    """True for what pyqtgraph's exporters take (its widgets, graphics items and scenes); False for any
    other widget (e.g. the network graph's own canvas, the step view's tables), which is rendered as drawn."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

    if isinstance(item, pg.GraphicsView):
        return True
    if isinstance(item, QGraphicsView):
        return isinstance(item.scene(), pg.GraphicsScene)
    return isinstance(item, (QGraphicsItem, QGraphicsScene))


def _export_widget(widget: QWidget, path, fmt: str, width: int | None) -> tuple[int, int]:
    """A plain widget as it is drawn: PNG from its pixels (scaled to ``width``), SVG through QSvgGenerator."""
    from PySide6.QtCore import QRect, QSize, Qt
    from PySide6.QtGui import QPainter

    size = widget.size() if widget.width() > 1 and widget.height() > 1 else widget.sizeHint()
    native_w, native_h = max(1, size.width()), max(1, size.height())
    w = int(width) if width is not None else native_w
    h = max(1, int(round(w * native_h / native_w)))
    if fmt == "png":
        if widget.size() != size:
            widget.resize(size)
        pixmap = widget.grab()
        if (w, h) != (native_w, native_h):
            pixmap = pixmap.scaled(w, h, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
        if not pixmap.save(str(path), "PNG"):
            raise OSError(f"{path}: the picture could not be written")
        return pixmap.width(), pixmap.height()
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(native_w, native_h))
    generator.setViewBox(QRect(0, 0, native_w, native_h))
    painter = QPainter(generator)
    widget.render(painter)
    painter.end()
    text = Path(path).read_text(encoding="utf-8")
    text = re.sub(r'(<svg\b[^>]*?)\swidth="[^"]*"', r"\1", text, count=1)
    text = re.sub(r'(<svg\b[^>]*?)\sheight="[^"]*"', r"\1", text, count=1)
    text = re.sub(r"<svg\b", f'<svg width="{w}" height="{h}"', text, count=1)
    Path(path).write_text(text, encoding="utf-8")
    return w, h


def _source(item):
    """What pyqtgraph's exporters take: a graphics item or scene; a plot widget (a QGraphicsView) gives its scene."""
    if isinstance(item, QGraphicsView):
        return item.scene()
    return item


def _exporter(item, fmt: str):
    from pyqtgraph.exporters import ImageExporter, SVGExporter
    item = _source(item)
    if fmt == "svg":
        svg_compat.apply()
    return SVGExporter(item) if fmt == "svg" else ImageExporter(item)


def export_size(item) -> tuple[int, int]:
    """(width, height) in pixels of the plot as it is drawn now."""
    if isinstance(item, QWidget) and not _is_plot(item):
        return max(1, item.width()), max(1, item.height())
    from pyqtgraph.exporters import ImageExporter
    rect = ImageExporter(_source(item)).getTargetRect()
    return max(1, int(rect.width())), max(1, int(rect.height()))


def export_format(path) -> str:
    """"png" or "svg" from the file name's ending; ValueError for anything else."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{Path(path).name}: plots are exported as .png or .svg files. "
                         f"Received: .{suffix or '(none)'}")
    return suffix


def export_plot_file(item, path, width: int | None = None) -> tuple[int, int]:
    """Write ``item`` (a pyqtgraph item, scene or plot widget) to ``path`` (.png or .svg), ``width`` pixels wide.

    The height follows the plot's aspect ratio as shown. Returns the (width, height) written.
    """
    fmt = export_format(path)
    if width is not None and not 1 <= int(width) <= MAX_SIDE:
        raise ValueError(f"export width must be between 1 and {MAX_SIDE:,} pixels. Received: {width}")
    if isinstance(item, QWidget) and not _is_plot(item):
        return _export_widget(item, path, fmt, width)
    exporter = _exporter(item, fmt)
    params = exporter.parameters()
    native_w, native_h = export_size(item)
    if width is not None and not 1 <= int(width) <= MAX_SIDE:
        raise ValueError(f"export width must be between 1 and {MAX_SIDE:,} pixels. Received: {width}")
    w = int(width) if width is not None else native_w
    if fmt == "png":
        h = native_h if width is None else max(1, int(w * native_h / native_w))     # as the dialog shows it
        # both set explicitly (pyqtgraph would derive the height from its own source rectangle)
        params.param("width").setValue(w, blockSignal=exporter.widthChanged)
        params.param("height").setValue(h, blockSignal=exporter.heightChanged)
        exporter.export(str(path))
        return int(params["width"]), int(params["height"])
    # SVG: drawn at the plot's own size (viewBox), shown at the chosen size (width/height): vectors scale exactly
    h = max(1, int(round(w * native_h / native_w)))
    with thinned_curves(_source(item), max(1.0, w / native_w)):
        svg = exporter.export(toBytes=True).decode("utf-8")
    svg = re.sub(r'\s*viewBox\s*=\s*"[^"]*"', "", svg, count=1)
    svg = re.sub(r"<svg\b", f'<svg width="{w}" height="{h}" viewBox="0 0 {native_w:g} {native_h:g}"', svg, count=1)
    Path(path).write_text(svg, encoding="utf-8")
    return w, h


def thin_for_pixels(x, y, x_range: tuple[float, float], columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about two points per pixel column of a curve drawn over ``x_range`` ``columns`` pixels wide:
    in each column the lowest and the highest point, in their order, plus the first and last points. Drawn
    at that width the curve looks the same (every peak and dip is kept). Unsorted x is left as it is."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = x.size
    if n <= 2 * columns + 2 or columns < 1 or n != y.size:
        return x, y
    if np.any(np.diff(x) < 0) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return x, y
    lo, hi = float(x_range[0]), float(x_range[1])
    if not hi > lo:
        lo, hi = float(x[0]), float(x[-1])
        if not hi > lo:
            return x, y
    col = np.floor((x - lo) / (hi - lo) * columns).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    order = np.lexsort((y, segment))             # by segment, then by y within it
    first_of = np.r_[0, np.flatnonzero(np.diff(segment[order])) + 1]
    last_of = np.r_[first_of[1:] - 1, n - 1]
    keep = np.unique(np.r_[0, order[first_of], order[last_of], n - 1])
    return x[keep], y[keep]


@contextlib.contextmanager
def thinned_curves(scene, scale: float = 1.0):
    """While inside, every curve of ``scene`` with more points than its plot's pixels holds only what those
    pixels show (:func:`thin_for_pixels`); its data are put back afterwards."""
    import pyqtgraph as pg

    from .views.qt_items import PathCurve

    saved, modes, curves = [], [], []
    items = scene.items() if hasattr(scene, "items") else []
    try:
        for item in items:
            if isinstance(item, pg.PlotCurveItem):
                # one <path> per curve, not one <polyline> per segment (pyqtgraph's mode for thick solid pens)
                modes.append((item, item.opts.get("segmentedLineMode", "auto")))
                item.setSegmentedLineMode("off")
            if isinstance(item, PathCurve):
                view = item.view_box()
                if view is None or item.log_mode[0]:
                    continue
                columns = int(np.ceil(view.sceneBoundingRect().width() * scale))
                x_range = tuple(view.viewRange()[0])
                curves.append((item, item.thinning))
                item.thinning = lambda x, y, r=x_range, c=columns: thin_for_pixels(x, y, r, c)
                item.refresh()
                continue
            if not isinstance(item, pg.PlotDataItem):
                continue
            x, y = item.getOriginalDataset()
            view = item.getViewBox()
            if x is None or y is None or view is None or item.opts.get("logMode", (False, False))[0]:
                continue
            columns = int(np.ceil(view.sceneBoundingRect().width() * scale))
            tx, ty = thin_for_pixels(x, y, tuple(view.viewRange()[0]), columns)
            if tx.size < np.size(x):
                saved.append((item, np.array(x, copy=True), np.array(y, copy=True)))
                item.setData(tx, ty)
        yield
    finally:
        for item, x, y in saved:
            item.setData(x, y)
        for item, thinning in curves:
            item.thinning = thinning
            item.refresh()
        for item, mode in modes:
            item.setSegmentedLineMode(mode)


class ExportDialog(QDialog):
    """Asks for a file (PNG or SVG) and a width; the height follows the plot's aspect ratio."""

    def __init__(self, title: str, size: tuple[int, int], default_path: str, parent=None):
        super().__init__(parent)
        self.setObjectName("exportPlotDialog")
        self.setWindowTitle(f"Export {title}")
        self._aspect = size[1] / max(1, size[0])
        self.formatCombo = QComboBox(objectName="exportFormatCombo")
        for key, label in FORMATS.items():
            self.formatCombo.addItem(label, key)
        self.widthSpin = QSpinBox(objectName="exportWidthSpin")
        self.widthSpin.setRange(16, MAX_SIDE)
        self.widthSpin.setSuffix(" px")
        self.widthSpin.setValue(size[0])
        self.heightSpin = QSpinBox(objectName="exportHeightSpin")
        self.heightSpin.setRange(1, MAX_SIDE)
        self.heightSpin.setSuffix(" px")
        self.heightSpin.setToolTip("Follows the width, keeping the plot's proportions")
        self.pathEdit = QLineEdit(default_path, objectName="exportPathEdit")
        browse = QPushButton("Browse…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.pathEdit, 1)
        path_row.addWidget(browse)
        path_widget = QWidget()
        path_widget.setLayout(path_row)
        form = QFormLayout(self)
        form.addRow("Format", self.formatCombo)
        form.addRow("Width", self.widthSpin)
        form.addRow("Height", self.heightSpin)
        form.addRow("File", path_widget)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._browse)
        self.widthSpin.valueChanged.connect(self._width_changed)
        self.heightSpin.valueChanged.connect(self._height_changed)
        self.formatCombo.currentIndexChanged.connect(self._format_changed)
        self._width_changed(size[0])
        if default_path.lower().endswith(".svg"):
            self.formatCombo.setCurrentIndex(1)

    def values(self) -> tuple[str, int]:
        """(path, width) as chosen."""
        return self.pathEdit.text().strip(), self.widthSpin.value()

    def _width_changed(self, width: int) -> None:
        self.heightSpin.blockSignals(True)
        self.heightSpin.setValue(max(1, int(width * self._aspect)))
        self.heightSpin.blockSignals(False)

    def _height_changed(self, height: int) -> None:
        self.widthSpin.blockSignals(True)
        self.widthSpin.setValue(max(16, int(round(height / self._aspect))))
        self.widthSpin.blockSignals(False)

    def _format_changed(self) -> None:
        fmt = self.formatCombo.currentData()
        path = self.pathEdit.text().strip()
        if path:
            self.pathEdit.setText(str(Path(path).with_suffix(f".{fmt}")))

    def _browse(self) -> None:
        fmt = self.formatCombo.currentData()
        path, chosen = QFileDialog.getSaveFileName(self, self.windowTitle(), self.pathEdit.text(),
                                                   ";;".join(FORMATS.values()), FORMATS[fmt])
        if path:
            fmt = next((k for k, v in FORMATS.items() if v == chosen), fmt)
            if Path(path).suffix.lower() not in (".png", ".svg"):
                path += f".{fmt}"
            self.pathEdit.setText(path)
            self.formatCombo.setCurrentIndex(list(FORMATS).index(export_format(path)))

"""Save a plot widget as PNG (rendered at 2× for print and slides) or SVG (vector, via QSvgGenerator)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _render(widget, painter) -> None:
    """Paint ``widget`` (a pyqtgraph view or any QWidget: their ``render`` signatures differ) with ``painter``."""
    if isinstance(widget, QGraphicsView):
        widget.render(painter)
    else:
        widget.render(painter, QPoint())


def export_widget(widget, path, scale: float = 2.0, title: str = "nnviz plot") -> Path:
    """Render ``widget`` to ``path``; the suffix picks the format (.svg, else a raster image; default .png)."""
    path = Path(path)
    if path.suffix.lower() not in RASTER_SUFFIXES + (".svg",):
        path = path.with_name(path.name + ".png")
    size = widget.size()
    if size.width() <= 0 or size.height() <= 0:
        raise ValueError(f"the plot has no size yet ({size.width()}×{size.height()}); show it first.")
    if path.suffix.lower() == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle(title)
        painter = QPainter(generator)
        try:
            _render(widget, painter)
        finally:
            painter.end()
    else:
        image = QImage(QSize(int(size.width() * scale), int(size.height() * scale)), QImage.Format_ARGB32)
        image.fill(Qt.white)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.Antialiasing)
            painter.scale(scale, scale)
            _render(widget, painter)
        finally:
            painter.end()
        if not image.save(str(path)):
            raise OSError(f"could not write {path}.")
    return path

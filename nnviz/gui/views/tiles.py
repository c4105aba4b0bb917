"""A grid of small images with captions, drawn in one pyqtgraph ViewBox.

Used for feature maps, filters and the gallery of mistakes. The image and
caption items are created when the layout changes (number of tiles, tile
shape, columns) and afterwards only updated with ``setImage``/``setText``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsRectItem

GAP = 0.12          # space between tiles, as a fraction of the tile size


def gray_lut() -> np.ndarray:
    """(256, 3) uint8: black (low) to white (high)."""
    ramp = np.arange(256, dtype=np.uint8)
    return np.stack([ramp, ramp, ramp], axis=1)


def diverging_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8: blue (negative) – white (0) – red (positive), for signed weights."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    blue, red, white = np.array([33, 102, 172.0]), np.array([178, 24, 43.0]), np.full(3, 255.0)
    out = np.where(t < 0, white + (blue - white) * -t, white + (red - white) * t)
    return out.round().astype(np.uint8)


def as_display(image: np.ndarray) -> np.ndarray:
    """A sample as an image: (1, H, W) or (H, W) -> (H, W); (3, H, W) -> (H, W, 3); (H, W, 3) kept."""
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[0] == 1:
        return a[0]
    if a.ndim == 3 and a.shape[0] == 3 and a.shape[2] != 3:
        return np.transpose(a, (1, 2, 0))
    if a.ndim == 3 and a.shape[0] > 3:
        return a.mean(axis=0)
    return a


class TileGrid(pg.GraphicsLayoutWidget):
    """``count`` tiles of one shape, each an ImageItem with an optional caption below.

    With ``columns=None`` the grid takes as many columns as fit its width
    at ``tile_px`` pixels a tile (up to ``max_columns``) and lays itself out
    again when resized, keeping what it shows.

    A left click on a tile emits ``tileClicked(tile, row, column)`` (pixel indices in the tile's image);
    :meth:`set_markers` outlines rectangles of pixels on tiles.
    """

    #: (tile index, pixel row, pixel column) of a left click on a tile
    tileClicked = Signal(int, int, int)

    def __init__(self, tile_px: int = 64, caption_lines: int = 0, max_columns: int = 16, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.tile_px = tile_px
        self.caption_lines = caption_lines
        self.max_columns = max_columns
        self.caption_pt = 9
        self.view = self.addViewBox()
        self.view.setAspectLocked(True)
        self.view.invertY(True)
        self.view.setMouseEnabled(False, False)
        self.view.setMenuEnabled(False)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.view.sigResized.connect(self._show_all)
        self.items: list[pg.ImageItem] = []
        self.captions: list[pg.TextItem] = []
        self._layout_key = None
        self._spec = None            # (count, shape, columns or None)
        self._content = None         # (images, levels, lut) last set
        self._texts: list[str] = []
        self.columns = 1
        self._marker_specs: list[tuple] = []   # (tile, row, col, height, width, colour)
        self._marker_items: list[QGraphicsRectItem] = []

    # --- layout ----------------------------------------------------------------
    def set_layout(self, count: int, shape: tuple[int, int], columns: int | None = None) -> None:
        """Make ``count`` tiles of (H, W) pixels in ``columns`` columns (None: as many as fit)."""
        self._spec = (int(count), tuple(int(s) for s in shape[:2]), columns)
        self._apply_layout()

    def _fitting_columns(self) -> int:
        count, (h, w), columns = self._spec
        if columns is not None:
            return max(1, min(int(columns), max(1, count)))
        size = max(h, w)
        tile = self.tile_px * (1 + GAP) * max(w, 1) / size
        fit = max(1, min(int((max(self.width(), 1) - 8 + self.tile_px * GAP) // max(tile, 1)),
                         self.max_columns, max(1, count)))
        rows = -(-count // fit)
        return -(-count // rows)     # the same rows, evenly filled: 8 + 8 rather than 14 + 2

    def _apply_layout(self) -> None:
        count, (h, w), _ = self._spec
        columns = self._fitting_columns()
        key = (count, (h, w), columns, self.caption_lines, self.tile_px)
        if key == self._layout_key:
            return
        self._layout_key = key
        for item in self.items + self.captions:
            self.view.removeItem(item)
        self.items, self.captions = [], []
        self.columns = columns
        rows = max(1, -(-count // columns))
        size = max(h, w)
        gap = GAP * size         # proportional, so grids with the same tile_px line up
        cap_h = self._caption_height(size)
        font = QFont()
        font.setPointSize(self.caption_pt)
        for i in range(count):
            r, c = divmod(i, columns)
            x, y = c * (w + gap), r * (h + gap + cap_h)
            item = pg.ImageItem(np.zeros((h, w), dtype=np.float32), axisOrder="row-major")
            item.setPos(x, y)        # one data unit per pixel
            self.view.addItem(item)
            self.items.append(item)
            if self.caption_lines:
                text = pg.TextItem("", color="#222", anchor=(0.5, 0.0))
                text.setFont(font)
                text.setPos(x + w / 2, y + h)
                self.view.addItem(text)
                self.captions.append(text)
        width = columns * (w + gap) - gap
        height = rows * (h + gap + cap_h) - gap
        self._rect = QRectF(0, 0, width, height)
        self._show_all()
        px_per_unit = self.tile_px / size
        self.setFixedHeight(int(height * px_per_unit * 1.04) + 8)
        self.setMinimumWidth(int(min(width, 2 * (w + gap)) * px_per_unit) + 8)
        if self._content is not None:
            self.set_images(*self._content)
        if self._texts:
            self.set_captions(self._texts)
        self._draw_markers()

    def _caption_height(self, size: int) -> float:
        if not self.caption_lines:
            return 0.0
        # caption text is drawn at a fixed pixel size; reserve room in data units for it
        line_px = self.caption_pt * 1.7
        return self.caption_lines * line_px * size / self.tile_px

    def set_caption_pt(self, pt: int) -> None:
        """Caption font size (presentation mode uses larger ones); the tiles make room for it."""
        if pt == self.caption_pt:
            return
        self.caption_pt = int(pt)
        self.relayout()

    def relayout(self) -> None:
        """Lay the tiles out again (after ``tile_px`` or the caption size changed), keeping what they show."""
        self._layout_key = None
        if self._spec is not None:
            self._apply_layout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "_spec", None) is not None and self._spec[2] is None:   # None during pyqtgraph's __init__
            self._apply_layout()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._show_all()

    def _show_all(self, *_args) -> None:
        """Every tile in view, the first tile at the top left, whatever the view's size.

        The range is computed for the view box's own aspect (so the aspect lock has
        nothing to adjust) and anchored at the top-left corner: a grid laid out while
        hidden, or before its final size, once kept a range the lock had shifted,
        leaving the gallery blank or its first row at the bottom.
        """
        rect = getattr(self, "_rect", None)
        vw, vh = self.view.width(), self.view.height()
        if rect is None or vw < 2 or vh < 2:
            return
        pad = 0.01 * max(rect.width(), rect.height())
        width, height = rect.width() + 2 * pad, rect.height() + 2 * pad
        scale = min(vw / width, vh / height)             # pixels per data unit, everything in view
        self.view.setRange(xRange=(-pad, -pad + vw / scale), yRange=(-pad, -pad + vh / scale), padding=0)

    # --- content ---------------------------------------------------------------
    def set_images(self, images, levels, lut=None) -> None:
        """``images``: one (H, W) or (H, W, 3) array per tile; ``levels``: one (lo, hi) for all or a list."""
        self._content = (images, levels, lut)
        per_tile = isinstance(levels, list)
        for i, (item, image) in enumerate(zip(self.items, images)):
            lv = levels[i] if per_tile else levels
            item.setImage(np.asarray(image), autoLevels=False, levels=lv)
            item.setLookupTable(lut if np.ndim(image) == 2 else None)

    def set_captions(self, texts) -> None:
        self._texts = list(texts)
        for item, text in zip(self.captions, self._texts):
            item.setText(text)

    def images(self) -> list[np.ndarray]:
        """The arrays the tiles show now."""
        return [item.image for item in self.items if item.image is not None]

    # --- clicks and markers ------------------------------------------------------
    def tile_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """(tile, row, column) of the pixel at view coordinates (x, y), or None between tiles."""
        if self._spec is None:
            return None
        h, w = self._spec[1]
        for i, item in enumerate(self.items):
            x0, y0 = item.pos().x(), item.pos().y()
            if x0 <= x < x0 + w and y0 <= y < y0 + h:
                return i, int(y - y0), int(x - x0)
        return None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            point = self.view.mapSceneToView(self.mapToScene(event.position().toPoint()))
            hit = self.tile_at(point.x(), point.y())
            if hit is not None:
                self.tileClicked.emit(*hit)
        super().mousePressEvent(event)

    def set_markers(self, markers) -> None:
        """Outline pixel rectangles: ``markers`` is a list of (tile, row, col, height, width, colour);
        rectangles are clipped to their tile. An empty list removes them."""
        self._marker_specs = list(markers)
        self._draw_markers()

    def _draw_markers(self) -> None:
        for item in self._marker_items:
            self.view.removeItem(item)
        self._marker_items = []
        if self._spec is None:
            return
        h, w = self._spec[1]
        for tile, row, col, height, width, colour in self._marker_specs:
            if not 0 <= tile < len(self.items):
                continue
            r0, c0 = max(row, 0), max(col, 0)
            r1, c1 = min(row + height, h), min(col + width, w)
            if r1 <= r0 or c1 <= c0:
                continue
            pos = self.items[tile].pos()
            rect = QGraphicsRectItem(pos.x() + c0, pos.y() + r0, c1 - c0, r1 - r0)
            rect.setPen(pg.mkPen(colour, width=2.5))
            rect.setZValue(10)
            self.view.addItem(rect)
            self._marker_items.append(rect)

    def wheelEvent(self, event) -> None:
        event.ignore()      # let a surrounding scroll area scroll


__all__ = ["TileGrid", "gray_lut", "diverging_lut", "as_display"]

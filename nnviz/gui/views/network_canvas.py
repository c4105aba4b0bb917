"""The network graph for 2-D data: neurons as small heatmaps, weights as lines, biases as squares.

One QGraphicsScene whose items are made when the network's shape changes
(:meth:`GraphCanvas.set_layout`) and afterwards only updated
(:meth:`GraphCanvas.draw`): per column (or sub-column) one pixmap holding
all its tiles and one holding its bias squares. The weight lines are 2
signs × ``WIDTH_BINS`` paths of many segments, one pen each, painted as the
view's cached background (redrawn only when the lines change, at most
every ``LINE_INTERVAL``). The scene
is in tile pixels (a tile is one grid point per pixel); the view scales it
to fit the height (never making a tile smaller than ``MIN_TILE_PX`` on
screen: below that it scrolls), texts keep their screen size.

Colours: red = positive, blue = negative, white = 0 (values, weights and
biases alike); each tile is scaled to its own largest magnitude; the output
tile is shaded like the decision boundary (class colours).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QToolTip,
)

from nnviz.lab.palette import binary_lut, class_palette

from .tiles import diverging_lut

POSITIVE, NEGATIVE = "#b2182b", "#2166ac"
#: |weight| bin edges: a line's width grows with the bin (WIDTHS[i] for |w| below EDGES[i])
WEIGHT_EDGES = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5])
WIDTHS = np.array([0.35, 0.6, 0.9, 1.3, 1.7, 2.2, 2.8, 3.5, 4.5])      # screen pixels
ALPHAS = np.array([60, 80, 105, 130, 155, 180, 200, 220, 235])
WIDTH_BINS = len(WIDTHS)
GAP = 0.2              # between two tiles of a column, in tiles
BIAS = 0.3             # a bias square's side, in tiles
MIN_TILE_PX = 22
HOVER_PX = 4.0
LINE_INTERVAL = 0.5    # seconds between two redraws of the weight lines, at least
MAX_LINES = 1000       # weight lines drawn between two columns at most (the strongest)         # how near the pointer must be to a weight line, in screen pixels


def weight_bin(w) -> np.ndarray:
    """The width bin of each weight (0 … WIDTH_BINS-1), by magnitude."""
    return np.searchsorted(WEIGHT_EDGES, np.abs(np.asarray(w, dtype=np.float64)), side="right")


def weight_pen(w: float) -> tuple[str, float]:
    """(colour, width in screen pixels) of the line drawn for weight ``w``."""
    return (POSITIVE if w >= 0 else NEGATIVE), float(WIDTHS[weight_bin(w)])


_DIVERGING = diverging_lut()


def _packed(lut: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 RGB → (n,) uint32 opaque RGBA as it lies in memory (R first)."""
    rgba = np.concatenate([lut, np.full((len(lut), 1), 255, np.uint8)], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32)[:, 0]


_DIVERGING32 = _packed(_DIVERGING)
FRAME32 = _packed(np.array([[150, 150, 150]], np.uint8))[0]


def _rgba(values: np.ndarray, output_lut=None) -> np.ndarray:
    """(n, ny, nx) values → (n, ny, nx) uint32 RGBA pixels, each tile scaled to its own largest magnitude
    (``output_lut``: (lut, lo, hi) for output tiles, fixed levels)."""
    v = values.astype(np.float32, copy=False)
    if not np.isfinite(v).all():
        v = np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)
    if output_lut is None:
        scale = np.abs(v).max(axis=(1, 2))
        scale[scale == 0] = 1.0
        t = v * (127.5 / scale)[:, None, None] + 128.0
        lut32 = _DIVERGING32
    else:
        lut, lo, hi = output_lut
        t = (v - lo) * ((len(lut) - 1) / (hi - lo)) + 0.5
        lut32 = _packed(lut)
    np.clip(t, 0, len(lut32) - 1, out=t)
    return lut32[t.astype(np.intp)]


def _class_lut(k: int, unit: int) -> np.ndarray:
    """White → the tint of class ``unit`` (of ``k``): a softmax unit's probability."""
    t = np.linspace(0, 1, 256)[:, None]
    c = class_palette(k)[unit][None, :]
    return (255 + (c - 255) * t).round().astype(np.uint8)


def _tint(color: str, strength: float) -> QColor:
    """``color`` mixed with white, opaque: strength 1 is the colour, 0 is white."""
    c = QColor(color)
    mix = lambda v: int(round(255 + (v - 255) * strength))  # noqa: E731
    return QColor(mix(c.red()), mix(c.green()), mix(c.blue()))


def _pixmap(rgba: np.ndarray) -> QPixmap:
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888)
    return QPixmap.fromImage(image)         # copies: the array may go


class LineBin:
    """The weight lines of one (sign, width) bin: one pen, one path of many segments (drawn as background)."""

    def __init__(self, pen: QPen):
        self._pen, self._path, self._visible = pen, QPainterPath(), False

    def pen(self) -> QPen:
        return QPen(self._pen)

    def setPen(self, pen: QPen) -> None:
        self._pen = QPen(pen)

    def path(self) -> QPainterPath:
        return self._path

    def setPath(self, path: QPainterPath) -> None:
        self._path = path

    def isVisible(self) -> bool:
        return self._visible

    def setVisible(self, visible: bool) -> None:
        self._visible = bool(visible)


class GraphCanvas(QGraphicsView):
    """See the module docstring. Emits ``nodeClicked(column, unit)`` and ``hovered(text)``."""

    nodeClicked = Signal(int, int)
    hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self.setScene(QGraphicsScene(self))
        # Lines are drawn opaque (weak weights as pale tints) and without antialiasing: alpha-blending
        # thousands of smooth lines cost ten times as much to paint (about 0.3 s a frame on the moons net).
        self.setRenderHint(QPainter.Antialiasing, False)
        self.setRenderHint(QPainter.SmoothPixmapTransform, True)
        self.setBackgroundBrush(QColor("white"))
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.MinimalViewportUpdate)
        self.setMouseTracking(True)
        self.setAlignment(Qt.AlignHCenter | Qt.AlignTop)
        self.columns: list = []
        self.shown: list[np.ndarray] = []
        self.tile = 1
        self.tile_items: list[QGraphicsPixmapItem] = []
        self.bias_items: list[QGraphicsPixmapItem | None] = []
        self.title_items: list[QGraphicsSimpleTextItem] = []
        self.more_items: list[QGraphicsSimpleTextItem | None] = []
        self.line_items: dict[tuple[int, int], LineBin] = {}
        self.col_x: list[float] = []
        self.col_y0: list[float] = []
        self.frame = None
        self.n_classes = 2
        self.font_pt = 9
        self._segments: list = []        # per column: (x0, y0, x1, y1, weights) arrays of the drawn lines
        self._scale = 1.0
        self._zoom = 1.0
        self.relayouts = 0
        self.input_labels: list[QGraphicsSimpleTextItem] = []
        self.tile_sides: list[float] = []      # per column: its tiles' side in the scene
        self._lines_at = -1e9
        self._line_timer = QTimer(self, singleShot=True)
        self._line_timer.timeout.connect(self._draw_pending_lines)
        self.drawn: list = []            # per column: which weights have a line (the strongest MAX_LINES)

    # --- layout (when the network changes, or the view is resized) ----------------------------------
    def set_layout(self, columns, shown, tile: int, n_classes: int = 2) -> None:
        """Make the items for ``columns`` (graph columns) showing units ``shown``; tiles of ``tile`` pixels."""
        scene = self.scene()
        scene.clear()
        self.columns, self.shown, self.tile, self.n_classes = list(columns), [np.array(s) for s in shown], \
            int(tile), n_classes
        self.tile_items, self.bias_items, self.title_items, self.more_items = [], [], [], []
        self.line_items = {}
        self.frame = None
        self._segments = [None] * len(self.columns)
        self.nsub = [1] * len(self.columns)
        font = QFont()
        font.setPointSize(self.font_pt)
        for sign in (0, 1):
            for b in range(WIDTH_BINS):
                pen = QPen(_tint(POSITIVE if sign == 0 else NEGATIVE, ALPHAS[b] / 255), float(WIDTHS[b]))
                pen.setCosmetic(True)            # screen pixels, whatever the zoom
                self.line_items[(sign, b)] = LineBin(pen)
        self._fade = None
        for k, c in enumerate(self.columns):
            self.tile_items.append([])
            self.bias_items.append([] if c.dense else None)
            title = QGraphicsSimpleTextItem(self._title(c, k))
            title.setFont(font)
            title.setFlag(QGraphicsItem.ItemIgnoresTransformations, True)
            scene.addItem(title)
            self.title_items.append(title)
            hidden = c.units - len(self.shown[k])
            more = None
            if hidden:
                more = QGraphicsSimpleTextItem(f"+ {hidden:,} more\nunits not shown")
                more.setFont(font)
                more.setBrush(QColor("#9f1c16"))
                more.setFlag(QGraphicsItem.ItemIgnoresTransformations, True)
                scene.addItem(more)
            self.more_items.append(more)
        self.input_labels = []
        if self.columns and self.columns[0].layer_index < 0 and len(self.shown[0]) <= 8:
            for u in self.shown[0]:
                label = QGraphicsSimpleTextItem(f"x{int(u) + 1}")
                label.setFont(font)
                label.setFlag(QGraphicsItem.ItemIgnoresTransformations, True)
                scene.addItem(label)
                self.input_labels.append(label)
        self.relayout()

    def _title(self, c, k: int) -> str:
        if c.layer_index < 0:
            return "Inputs"
        last = k == len(self.columns) - 1
        return f"{'Output' if last else c.name}\n{c.units:,} × {c.activation or 'no activation'}"

    def _sub_items(self, k: int, count: int) -> None:
        """Column k drawn as ``count`` side-by-side sub-columns: one tile pixmap (and bias pixmap) each."""
        scene = self.scene()
        while len(self.tile_items[k]) < count:
            item = QGraphicsPixmapItem()
            item.setTransformationMode(Qt.SmoothTransformation)
            scene.addItem(item)
            self.tile_items[k].append(item)
            if self.bias_items[k] is not None:
                bias = QGraphicsPixmapItem()
                scene.addItem(bias)
                self.bias_items[k].append(bias)
        for i, item in enumerate(self.tile_items[k]):
            item.setVisible(i < count)
            if self.bias_items[k] is not None:
                self.bias_items[k][i].setVisible(i < count)

    def relayout(self) -> None:
        """Place the columns for the viewport's size: fit the height with tiles of at least ``MIN_TILE_PX``
        (a tall layer is split into side-by-side sub-columns, staggered), spread the columns over the width."""
        if not self.columns:
            return
        T = self.tile
        pitch = T * (1 + GAP)
        vw, vh = max(200, self.viewport().width()), max(200, self.viewport().height())
        room = vh - 50 - 40 * any(m is not None for m in self.more_items)       # screen pixels for the tiles
        rows = max(2, int(room / (MIN_TILE_PX * (1 + GAP))))
        self.nsub = [int(np.ceil(len(s) / rows)) if len(s) > rows else 1 for s in self.shown]
        heights = [np.ceil(len(s) / n) * pitch + (pitch / n) * (n - 1) for s, n in zip(self.shown, self.nsub)]
        tallest = max(heights)
        # the inputs and a small output get bigger tiles (up to 2× and 3×), as far as the tallest column allows
        last = len(self.columns) - 1
        self.tile_sides = []
        for k, (s, h) in enumerate(zip(self.shown, heights)):
            f = 3.0 if k == last else 2.0 if self.columns[k].layer_index < 0 else 1.0
            f = max(1.0, min(f, tallest / h)) if len(s) <= 8 else 1.0
            self.tile_sides.append(T * f)
        heights = [h * S / T for h, S in zip(heights, self.tile_sides)]
        scale = min(1.5, room / tallest) * self._zoom
        self._scale = scale
        head = 42 / scale             # room for the two-line titles (screen pixels)
        widths = [n * S + (n - 1) * (BIAS + 0.35) * S for n, S in zip(self.nsub, self.tile_sides)]
        n = len(self.columns)
        room_x = (vw - 110) / scale - sum(widths) - T       # 110 px on the right for the output's title
        spacing = float(np.clip(room_x / max(1, n - 1), 1.6 * T, 12 * T))
        self.col_x, self.col_y0, self.node_x, self.node_y = [], [], [], []
        x = T + 20 / scale                       # room for the inputs' names
        for k, s in enumerate(self.shown):
            nsub, S = self.nsub[k], self.tile_sides[k]
            P, sub_gap = S * (1 + GAP), (BIAS + 0.35) * S
            y0 = head + (tallest - heights[k]) / 2
            self.col_x.append(float(x))
            self.col_y0.append(float(y0))
            i = np.arange(len(s))
            sub, row = i % nsub, i // nsub
            self.node_x.append(x + sub * (S + sub_gap))
            self.node_y.append(y0 + row * P + sub * P / nsub)
            self._sub_items(k, nsub)
            for j in range(nsub):
                self.tile_items[k][j].setScale(S / T)
                self.tile_items[k][j].setPos(x + j * (S + sub_gap), y0 + j * P / nsub)
                if self.bias_items[k] is not None:
                    self.bias_items[k][j].setScale(S / T)
                    self.bias_items[k][j].setPos(x + j * (S + sub_gap) - (BIAS + 0.08) * S, y0 + j * P / nsub)
            self.title_items[k].setPos(x - 0.1 * T, 0.1 * T)
            if self.more_items[k] is not None:
                self.more_items[k].setPos(x - 0.1 * T, head + tallest + 0.2 * T)
            x += widths[k] + spacing
        for i, label in enumerate(self.input_labels):
            label.setPos(self.node_x[0][i] - 22 / scale, self.node_y[0][i] + self.tile_sides[0] / 2 - 8 / scale)
        width = x - spacing + 110 / scale
        self.scene().setSceneRect(QRectF(0, 0, width, head + tallest + 45 / scale))
        policy = Qt.ScrollBarAlwaysOff if self._zoom == 1.0 else Qt.ScrollBarAsNeeded
        self.setVerticalScrollBarPolicy(policy)        # fitted: no scroll bars (they would resize the view)
        self.setHorizontalScrollBarPolicy(policy)
        self.resetTransform()
        self.scale(scale, scale)
        self.relayouts += 1
        self._place_lines()
        if self.frame is not None:
            self.draw(self.frame, lines=True)

    def wheelEvent(self, event) -> None:
        """The wheel zooms (from fitting the height up to 6×), the scroll bars move."""
        step = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        zoom = float(np.clip(self._zoom * step, 1.0, 6.0))
        if zoom != self._zoom:
            anchor = self.mapToScene(event.position().toPoint())
            self._zoom = zoom
            self.relayout()
            self.centerOn(anchor)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def node_rect(self, k: int, i: int) -> QRectF:
        """Scene rectangle of the i-th shown node of column k."""
        S = self.tile_sides[k]
        return QRectF(float(self.node_x[k][i]), float(self.node_y[k][i]), S, S)

    def _place_lines(self) -> None:
        """Segment end points for every dense column (weights filled in by :meth:`draw`): from the right
        edge of each shown unit of the previous column to the left edge (its bias square) of each unit."""
        for k, c in enumerate(self.columns):
            if not c.dense:
                continue
            na, nb = len(self.shown[k - 1]), len(self.shown[k])
            Sa, Sb = self.tile_sides[k - 1], self.tile_sides[k]
            y0 = np.repeat(self.node_y[k - 1] + Sa / 2, nb)
            y1 = np.tile(self.node_y[k] + Sb / 2, na)
            x0 = np.repeat(self.node_x[k - 1] + Sa, nb)
            x1 = np.tile(self.node_x[k] - (BIAS + 0.1) * Sb, na)
            self._segments[k] = (x0, y0, x1, y1)

    # --- drawing (every frame) --------------------------------------------------------------------
    def draw(self, frame, lines: bool | None = None) -> None:
        """Update the pictures and biases from a NetworkFrame (same layout), and the weight lines: at most
        every ``LINE_INTERVAL`` seconds (``lines=None``; a timer draws the latest frame's later), or now
        (``lines=True``). Repainting the lines costs more than the rest, and weights change slowly."""
        self.frame = frame
        now = time.perf_counter()
        if lines or (lines is None and now - self._lines_at >= LINE_INTERVAL):
            self._draw_lines(frame)
        elif not self._line_timer.isActive():
            self._line_timer.start(max(1, int((self._lines_at + LINE_INTERVAL - now) * 1000)))
        T = self.tile
        gap = int(round(GAP * T))
        last = len(self.columns) - 1
        for k, maps in enumerate(frame.maps):
            n, ny, nx = maps.shape
            if k == last and n == 1:
                px = _rgba(maps[:, ::-1, :], (binary_lut(), 0.0, 1.0))
            elif k == last:
                px = np.concatenate([_rgba(maps[i:i + 1, ::-1, :], (_class_lut(n, i), 0.0, 1.0)) for i in range(n)])
            else:
                px = _rgba(maps[:, ::-1, :])
            px[:, [0, -1], :] = FRAME32            # a grey frame round each tile
            px[:, :, [0, -1]] = FRAME32
            nsub = self.nsub[k]
            for j in range(nsub):
                part = px[j::nsub]
                m = len(part)
                column = np.zeros((m, ny + gap, nx), np.uint32)      # transparent gaps
                column[:, :ny] = part
                rgba = column.reshape(m * (ny + gap), nx)[: m * (ny + gap) - gap].view(np.uint8)
                self.tile_items[k][j].setPixmap(_pixmap(rgba.reshape(rgba.shape[0], nx, 4)))
                if frame.biases[k] is not None and self.bias_items[k] is not None:
                    self.bias_items[k][j].setPixmap(self._bias_pixmap(frame.biases[k][j::nsub], ny, gap))
    @property
    def lines_pending(self) -> bool:
        """True while the lines show an older frame than the tiles (a timer will draw them)."""
        return self._line_timer.isActive()

    def _draw_pending_lines(self) -> None:
        if self.frame is not None:
            self._draw_lines(self.frame)

    def _draw_lines(self, frame) -> None:
        self._line_timer.stop()
        self._lines_at = time.perf_counter()
        segs_x, segs_y = {}, {}
        self.drawn = [None] * len(self.columns)
        for k, W in enumerate(frame.weights):
            if W is None or self._segments[k] is None:
                continue
            x0, y0, x1, y1 = self._segments[k]
            w = W.reshape(-1)
            key = (w < 0).astype(np.intp) * WIDTH_BINS + weight_bin(w)
            if w.size > MAX_LINES:          # only the strongest: the faintest lines cost paint and show nothing
                keep = np.argpartition(-np.abs(w), MAX_LINES - 1)[:MAX_LINES]
                key = key.copy()
                key[np.setdiff1d(np.arange(w.size), keep, assume_unique=True)] = 2 * WIDTH_BINS
            self.drawn[k] = key < 2 * WIDTH_BINS
            order = np.argsort(key, kind="stable")
            bounds = np.searchsorted(key[order], np.arange(2 * WIDTH_BINS + 1))
            for j in range(2 * WIDTH_BINS):
                sel = order[bounds[j]:bounds[j + 1]]
                if sel.size:
                    xs = np.empty(2 * sel.size)
                    ys = np.empty(2 * sel.size)
                    xs[0::2], xs[1::2], ys[0::2], ys[1::2] = x0[sel], x1[sel], y0[sel], y1[sel]
                    segs_x.setdefault(j, []).append(xs)
                    segs_y.setdefault(j, []).append(ys)
        n_lines = sum(W.size for W in frame.weights if W is not None)
        fade = float(min(1.0, 300.0 / max(1, n_lines)) ** 0.25)        # many lines: the thin ones fainter
        if fade != self._fade:
            self._fade = fade
            for (sign, b), item in self.line_items.items():
                pen = item.pen()
                strength = ALPHAS[b] / 255 * (fade + (1 - fade) * b / (WIDTH_BINS - 1))
                pen.setColor(_tint(POSITIVE if sign == 0 else NEGATIVE, strength))
                item.setPen(pen)
        for (sign, b), item in self.line_items.items():
            j = sign * WIDTH_BINS + b
            if j in segs_x:
                item.setPath(pg.arrayToQPath(np.concatenate(segs_x[j]), np.concatenate(segs_y[j]),
                                             connect="pairs", finiteCheck=False))
                item.setVisible(True)
            else:
                item.setVisible(False)
        self.resetCachedContent()            # the lines are the cached background: draw it again
        self.viewport().update()

    def drawBackground(self, painter, rect) -> None:
        """White, and the weight lines: thin ones first, the largest weights on top. Cached by the view
        (CacheBackground), so a frame that only changes the tiles does not paint the lines again."""
        painter.fillRect(rect, QColor("white"))
        painter.setRenderHint(QPainter.Antialiasing, False)
        for b in range(WIDTH_BINS):
            for sign in (0, 1):
                item = self.line_items.get((sign, b))
                if item is not None and item.isVisible():
                    painter.setPen(item.pen())
                    painter.drawPath(item.path())

    def _bias_pixmap(self, b: np.ndarray, ny: int, gap: int) -> QPixmap:
        """A strip with one square per unit at its tile's lower left: colour = sign, strength = |b| (up to 1)."""
        side = max(3, int(round(BIAS * ny)))
        n = len(b)
        strip = np.zeros((n, ny + gap, side, 4), np.uint8)
        idx = np.clip(np.rint((np.clip(b, -1, 1) + 1) * 127.5), 0, 255).astype(np.intp)
        strip[:, ny - side:ny, :, :3] = _DIVERGING[idx][:, None, None, :]
        strip[:, ny - side:ny, :, 3] = 255
        strip[:, ny - side:ny, [0, -1], :3] = 90
        strip[:, [ny - side, ny - 1], :, :3] = 90
        return _pixmap(strip.reshape(n * (ny + gap), side, 4)[: n * (ny + gap) - gap])

    # --- pointer -----------------------------------------------------------------------------------
    def item_at(self, pos: QPointF):
        """What is under scene point ``pos``: ("node", k, i), ("bias", k, i), ("weight", k, i, j)
        (shown unit i of column k-1 to shown unit j of column k), or None. i, j index ``shown[k]``."""
        if not self.columns:
            return None
        x, y = pos.x(), pos.y()
        for k in range(len(self.columns)):
            nx_, ny_, T = self.node_x[k], self.node_y[k], self.tile_sides[k]
            inside = (ny_ <= y) & (y <= ny_ + T)
            node = np.flatnonzero(inside & (nx_ <= x) & (x <= nx_ + T))
            if node.size:
                return ("node", k, int(node[0]))
            if self.bias_items[k] is not None:
                bias = np.flatnonzero(inside & (nx_ - (BIAS + 0.1) * T <= x) & (x < nx_))
                if bias.size:
                    return ("bias", k, int(bias[0]))
        for k, seg in enumerate(self._segments):
            if seg is None:
                continue
            x0, y0, x1, y1 = seg
            drawn = self.drawn[k] if k < len(self.drawn) and self.drawn[k] is not None else True
            on = np.flatnonzero((x0 < x) & (x < x1) & drawn)
            if not on.size:
                continue
            t = (x - x0[on]) / (x1[on] - x0[on])
            dist = np.abs(y0[on] + t * (y1[on] - y0[on]) - y) * self._scale   # vertical distance, screen px
            best = int(np.argmin(dist))
            if dist[best] <= HOVER_PX:
                nb = len(self.shown[k])
                return ("weight", k, int(on[best]) // nb, int(on[best]) % nb)
        return None

    def describe(self, hit) -> str:
        """The hover text for :meth:`item_at`'s answer."""
        if hit is None or self.frame is None:
            return ""
        f = self.frame
        kind, k = hit[0], hit[1]
        c = self.columns[k]
        if kind == "weight":
            i, j = hit[2], hit[3]
            prev = self.columns[k - 1]
            w = float(f.weights[k][i, j])
            return (f"weight from {prev.unit_label(int(self.shown[k - 1][i]))} to "
                    f"{c.unit_label(int(self.shown[k][j]))}: {w:+.4f}")
        i = hit[2]
        unit = int(self.shown[k][i])
        if kind == "bias":
            return f"bias of {c.unit_label(unit)}: {float(f.biases[k][i]):+.4f}"
        values = f.maps[k][i]
        text = (f"{c.unit_label(unit)}: output from {float(values.min()):.3g} to {float(values.max()):.3g} "
                f"over the plane")
        if f.biases[k] is not None:
            text += f"; bias {float(f.biases[k][i]):+.3f}"
        return text + " — click to see it large in the Training tab"

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        hit = self.item_at(self.mapToScene(event.position().toPoint()))
        text = self.describe(hit)
        self.hovered.emit(text)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        self.viewport().setCursor(Qt.PointingHandCursor if hit and hit[0] == "node" else Qt.ArrowCursor)

    def mousePressEvent(self, event) -> None:
        hit = self.item_at(self.mapToScene(event.position().toPoint()))
        if hit is not None and hit[0] == "node" and event.button() == Qt.LeftButton:
            self.nodeClicked.emit(hit[1], int(self.shown[hit[1]][hit[2]]))
            return
        super().mousePressEvent(event)

    def set_font_pt(self, pt: int) -> None:
        self.font_pt = pt
        font = QFont()
        font.setPointSize(pt)
        for item in self.title_items + self.input_labels + [m for m in self.more_items if m is not None]:
            item.setFont(font)

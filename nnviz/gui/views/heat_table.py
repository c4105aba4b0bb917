"""Matrices as heat tables: coloured cells (blue negative, white 0, red positive), the value on hover.

:class:`ArrayModel` is a lazy Qt table model over a 2-D NumPy array (no
item per cell: a 10-million-entry matrix opens at once and scrolls);
:class:`HeatTable` shows it; :class:`MatrixBox` is a titled heat table
showing at most a ``BLOCK`` × ``BLOCK_COLUMNS`` corner of a large matrix with its
shape, norm, min and max and an *Open full table…* button, which opens a
:class:`FullTableDialog` over the whole matrix. :class:`FlowLayout` lays
boxes left to right, wrapping.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
)

from nnviz.lab.step_trace import array_summary, to_table

from .tiles import diverging_lut

#: the largest corner of a matrix drawn in place: BLOCK rows and BLOCK_COLUMNS columns
BLOCK = 32
BLOCK_COLUMNS = 64
#: tables with at most this many columns (and BLOCK rows) print their numbers in the cells
NUMBER_COLUMNS = 8
_LUT = diverging_lut(257)
_COLORS = [QColor(int(r), int(g), int(b)) for r, g, b in _LUT]


def fmt(v: float) -> str:
    v = float(v)
    if v == 0:
        return "0"
    if not np.isfinite(v):
        return str(v)
    return f"{v:.3g}" if 1e-3 <= abs(v) < 1e4 else f"{v:.2e}"


class ArrayModel(QAbstractTableModel):
    """A read-only table over a 2-D array; cells coloured on a scale symmetric around 0 (±``scale``).

    ``origin`` is the (row, column) of cell (0, 0) in the matrix the array comes from (for tooltips).
    """

    def __init__(self, table: np.ndarray, scale: float, name: str = "", numbers: bool = False,
                 origin=(0, 0), index_of=None, parent=None):
        super().__init__(parent)
        self.table = table
        self.scale = float(scale) if np.isfinite(scale) and scale > 0 else 1.0
        self.name = name
        self.numbers = numbers
        self.index_of = index_of      # (row, col) -> the original array's index, for the tooltip

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else int(self.table.shape[0])

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else int(self.table.shape[1])

    def value(self, row: int, col: int) -> float:
        return float(self.table[row, col])

    def describe(self, row: int, col: int) -> str:
        where = self.index_of(row, col) if self.index_of else (row, col)
        return f"{self.name} at [{', '.join(str(int(i)) for i in where)}] = {self.value(row, col):.6g}"

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.BackgroundRole:
            v = self.value(index.row(), index.column())
            if not np.isfinite(v):
                return QColor("#444")
            t = min(1.0, max(-1.0, v / self.scale))
            return _COLORS[int(round((t + 1) * 128))]
        if role == Qt.DisplayRole and self.numbers:
            return fmt(self.value(index.row(), index.column()))
        if role == Qt.ToolTipRole:
            return self.describe(index.row(), index.column())
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignCenter)
        if role == Qt.ForegroundRole:
            v = self.value(index.row(), index.column())
            return QColor("white") if np.isfinite(v) and abs(v) > 0.6 * self.scale else QColor("#111")
        return None


class HeatTable(QTableView):
    """A compact table view for an :class:`ArrayModel`; ``hovered(text)`` says which cell the mouse is on."""

    hovered = Signal(str)

    def __init__(self, cell: int = 12, fit: bool = True, parent=None):
        super().__init__(parent)
        self.cell = cell
        self.fit = fit
        self.setMouseTracking(True)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.NoSelection)
        self.setFocusPolicy(Qt.NoFocus)
        self.setShowGrid(False)
        self.setWordWrap(False)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Fixed)
            header.setMinimumSectionSize(4)
        self.entered.connect(self._on_entered)
        if fit:
            self.horizontalHeader().hide()
            self.verticalHeader().hide()
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
            self.setFrameShape(QFrame.NoFrame)

    def setModel(self, model) -> None:
        super().setModel(model)
        numbers = getattr(model, "numbers", False)
        fm = self.fontMetrics()     # number cells fit "-8.88e-04" in the current font (larger on a projector)
        width = max(self.cell, fm.horizontalAdvance("-8.88e-04") + 12) if numbers else self.cell
        height = max(self.cell, fm.height() + 6) if numbers else self.cell
        self.horizontalHeader().setDefaultSectionSize(width)
        self.verticalHeader().setDefaultSectionSize(height)
        if self.fit:
            w, h = width * model.columnCount(), height * model.rowCount()
            self.setFixedSize(max(w, 4), max(h, 4))

    def _on_entered(self, index) -> None:
        model = self.model()
        if model is not None and index.isValid():
            self.hovered.emit(model.describe(index.row(), index.column()))


def table_index_map(shape: tuple[int, ...]):
    """(row, col) of :func:`to_table`'s layout → the index into an array of ``shape``."""
    nd = len(shape)
    if nd <= 1:
        return lambda r, c: (c,)
    if nd == 2:
        return lambda r, c: (r, c)
    full = (1, *shape) if nd == 3 else tuple(shape)
    if len(full) == 4:
        p, q, r_, s = full

        def four(r, c):
            idx = (r // r_, c // s, r % r_, c % s)
            return idx[1:] if nd == 3 else idx
        return four
    rest = shape[1:]
    return lambda r, c: (r, *np.unravel_index(c, rest))


class FullTableDialog(QDialog):
    """The whole matrix, scrollable, with row and column numbers (a lazy model: any size opens at once)."""

    def __init__(self, title: str, array: np.ndarray, parent=None, summary: dict | None = None):
        super().__init__(parent)
        self.setObjectName("stepFullTable")
        self.setWindowTitle(title)
        table = to_table(array)
        s = summary if summary is not None else array_summary(array)
        scale = max(abs(s["min"]), abs(s["max"])) if s["size"] else 1.0
        self.view = HeatTable(cell=16, fit=False)
        self.view.setModel(ArrayModel(table, scale, name=title.split(" ")[0], numbers=table.shape[1] <= 24,
                                      index_of=table_index_map(array.shape)))
        self.hover = QLabel("Hover a cell to read its value.")
        info = QLabel(f"{title}: shape {tuple(array.shape)}, {s['size']:,} values, shown as a "
                      f"{table.shape[0]:,} × {table.shape[1]:,} table; norm {fmt(s['norm'])}, min {fmt(s['min'])}, "
                      f"max {fmt(s['max'])}. Colours: blue negative, white 0, red positive (±{fmt(scale)}).")
        info.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hover)
        self.view.hovered.connect(self.hover.setText)
        self.resize(900, 640)


class MatrixBox(QFrame):
    """A titled heat table of one matrix (its top-left BLOCK × BLOCK corner when larger).

    ``role`` sets the frame: "result" (what this step computes), "feeds" (what the selected result
    is computed from), "differs" (a bugged value unlike the correct one) or "" (plain).
    ``clicked(key)`` when the box is clicked (a result box then shows its feeders).
    """

    clicked = Signal(str)
    hovered = Signal(str)

    FRAMES = {"result": "#1f4e9c", "feeds": "#e08214", "differs": "#c62828", "same": "#2e7d32", "": "#c8c8c8"}

    def __init__(self, key: str, title: str, array, summary: dict | None = None, note: str = "", parent=None):
        super().__init__(parent)
        self.key = key
        self.title = title
        self.array = array
        self.setObjectName("stepMatrix")
        self.setFrameShape(QFrame.StyledPanel)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.RichText)
        layout.addWidget(self.heading)
        self.table = None
        self.truncated = False
        self.full_button = None
        if array is None:
            self.heading.setText(f"<b>{title}</b>")
            text = QLabel(note or "—")
            text.setWordWrap(True)
            text.setMaximumWidth(260)
            layout.addWidget(text)
        else:
            arr = np.asarray(array)
            table = to_table(arr)
            block = table[:BLOCK, :BLOCK_COLUMNS]
            self.truncated = block.shape != table.shape
            finite = block[np.isfinite(block)] if block.size else block
            scale = float(np.max(np.abs(finite))) if finite.size else 1.0
            self.table = HeatTable(cell=10 if block.shape[1] > 32 else 12 if max(block.shape) > 12 else 16)
            numbers = block.shape[1] <= NUMBER_COLUMNS and block.shape[0] <= BLOCK
            self.table.setModel(ArrayModel(block, scale, name=title.split(" ")[0], numbers=numbers,
                                           index_of=table_index_map(arr.shape)))
            self.table.hovered.connect(self.hovered)
            layout.addWidget(self.table)
            shape = " × ".join(str(d) for d in arr.shape)
            self.heading.setText(f"<b>{title}</b> <span style='color:#555'>({shape})</span>")
            s = self.summary = summary if summary is not None else array_summary(arr)
            lines = []
            if self.truncated:
                lines.append(f"first {block.shape[0]}×{block.shape[1]} of {table.shape[0]:,}×{table.shape[1]:,}")
            if self.truncated:
                lines.append(f"‖·‖ {fmt(s['norm'])}, min {fmt(s['min'])}, max {fmt(s['max'])}")
            elif arr.size > 1:
                lines.append(f"min {fmt(s['min'])}, max {fmt(s['max'])}")
            if note:
                lines.append(note)
            if lines:
                info = QLabel("<br>".join(lines))
                info.setStyleSheet("color:#444;")
                info.setMaximumWidth(max(220, self.table.width()))
                info.setWordWrap(True)
                layout.addWidget(info)
            if self.truncated:
                self.full_button = QPushButton("Open full table…", objectName="stepFullTableButton")
                self.full_button.clicked.connect(self.open_full)
                layout.addWidget(self.full_button)
        self.set_role("")

    def set_role(self, role: str) -> None:
        self.role = role
        color = self.FRAMES.get(role, self.FRAMES[""])
        width = 1 if role == "" else 3
        self.setStyleSheet(f"MatrixBox {{ border: {width}px solid {color}; border-radius: 4px; }}")

    def open_full(self) -> FullTableDialog:
        dialog = FullTableDialog(self.title, np.asarray(self.array), self, summary=getattr(self, "summary", None))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def mousePressEvent(self, event) -> None:
        self.clicked.emit(self.key)
        super().mousePressEvent(event)


class FlowLayout(QLayout):
    """Left to right, wrapping to a new line when the width runs out (Qt's flow-layout example)."""

    def __init__(self, parent=None, spacing: int = 8):
        super().__init__(parent)
        self._items = []
        self._spacing = spacing

    def addItem(self, item):
        self._items.append(item)

    def count(self):
        return len(self._items)

    def itemAt(self, index):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self):
        return True

    def heightForWidth(self, width):
        return self._do_layout(QRect(0, 0, width, 0), True)

    def setGeometry(self, rect):
        super().setGeometry(rect)
        self._do_layout(rect, False)

    def sizeHint(self):
        return self.minimumSize()

    def minimumSize(self):
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _do_layout(self, rect, test_only: bool) -> int:
        m = self.contentsMargins()
        x, y = rect.x() + m.left(), rect.y() + m.top()
        right = rect.right() - m.right()
        line = 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > right and line > 0:
                x = rect.x() + m.left()
                y += line + self._spacing
                line = 0
            if not test_only:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()

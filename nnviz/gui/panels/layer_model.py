"""The Qt table model behind ``layerTable``: one row per layer spec.

Columns: layer name, type, the editable columns of :data:`nnviz.lab.stack.COLUMNS`
(cells that do not apply to a row's type are blank and read-only), output
shape and parameter count. Rows are reordered by drag and drop (MIME data
carries the row numbers as JSON) or by :meth:`move_row`.
"""

from __future__ import annotations

import json

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QStyle

from nnviz.lab import stack

from ..style import ERROR_BG, ERROR_FG

MIME_TYPE = "application/x-nnviz-layer-rows"

NAME_COL = 0
TYPE_COL = 1
FIRST_FIELD_COL = 2
FIELD_KEYS = [c.key for c in stack.COLUMNS]
OUTPUT_COL = FIRST_FIELD_COL + len(FIELD_KEYS)
PARAMS_COL = OUTPUT_COL + 1
NUMERIC_FIELDS = ("units", "kernel", "stride", "padding", "keep_prob")
HEADERS = ["Layer", "Type"] + [c.header for c in stack.COLUMNS] + ["Output", "Params"]


def field_of(column: int) -> str | None:
    i = column - FIRST_FIELD_COL
    return FIELD_KEYS[i] if 0 <= i < len(FIELD_KEYS) else None


def column_of(field: str) -> int:
    return FIRST_FIELD_COL + FIELD_KEYS.index(field)


class LayerTableModel(QAbstractTableModel):
    specsChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._specs: list[dict] = []
        self._report = stack.StackReport()
        # "Units" becomes "Units / filters" once a Conv2D row exists
        self.specsChanged.connect(lambda: self.headerDataChanged.emit(Qt.Horizontal, FIRST_FIELD_COL,
                                                                      FIRST_FIELD_COL))

    # --- specs ------------------------------------------------------------------
    def specs(self) -> list[dict]:
        return [dict(s) for s in self._specs]

    def set_specs(self, specs: list[dict]) -> None:
        self.beginResetModel()
        self._specs = [dict(s) for s in specs]
        self._report = stack.StackReport(rows=[stack.RowReport(n) for n in stack.layer_names(self._specs)])
        self.endResetModel()
        self.specsChanged.emit()

    def set_report(self, report: stack.StackReport) -> None:
        self._report = report
        if self._specs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._specs) - 1, PARAMS_COL))

    @property
    def report(self) -> stack.StackReport:
        return self._report

    def insert_spec(self, row: int, spec: dict) -> None:
        row = max(0, min(row, len(self._specs)))
        self.beginInsertRows(QModelIndex(), row, row)
        self._specs.insert(row, dict(spec))
        self._report.rows.insert(row, stack.RowReport(""))
        self.endInsertRows()
        self.specsChanged.emit()

    def removeRows(self, row, count, parent=QModelIndex()):
        if parent.isValid() or row < 0 or count <= 0 or row + count > len(self._specs):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del self._specs[row:row + count]
        del self._report.rows[row:row + count]
        self.endRemoveRows()
        self.specsChanged.emit()
        return True

    def move_row(self, source: int, target: int) -> bool:
        """Move row ``source`` so that it ends up at index ``target``."""
        n = len(self._specs)
        if not (0 <= source < n and 0 <= target < n) or source == target:
            return False
        dest = target + 1 if target > source else target      # Qt counts the destination before removal
        if not self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), dest):
            return False
        self._specs.insert(target, self._specs.pop(source))
        self._report.rows.insert(target, self._report.rows.pop(source))
        self.endMoveRows()
        self.specsChanged.emit()
        return True

    # --- Qt model API ---------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._specs)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal:
            if role == Qt.DisplayRole:
                if field_of(section) == "units" and not any(
                        stack.column_param(sp.get("type", ""), "units") == "filters" for sp in self._specs):
                    return "Units"
                return HEADERS[section]
            if role == Qt.ToolTipRole:
                key = field_of(section)
                if key:
                    return stack.COLUMN_BY_KEY[key].tooltip
                return {OUTPUT_COL: "Shape of one sample after this layer (batch axis left out)",
                        PARAMS_COL: "Trainable parameters (weights and biases) in this layer"}.get(section)
        elif role == Qt.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemIsDropEnabled
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled
        col = index.column()
        if col == TYPE_COL:
            return base | Qt.ItemIsEditable
        key = field_of(col)
        if key and stack.column_param(self._specs[index.row()].get("type", ""), key) is not None:
            return base | Qt.ItemIsEditable
        return base

    def _row_report(self, row: int) -> stack.RowReport | None:
        rows = self._report.rows
        return rows[row] if row < len(rows) else None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        spec = self._specs[row]
        rep = self._row_report(row)
        error = rep.error if rep else None
        if role == Qt.DisplayRole:
            return self._display(row, col, spec, rep)
        if role == Qt.EditRole:
            if col == TYPE_COL:
                return spec.get("type")
            key = field_of(col)
            if key:
                value = stack.get_cell(spec, key)
                if key == "init" and value is None:
                    return "default"
                if key == "stride" and value is None:
                    return 0
                return value
            return None
        if role == Qt.ToolTipRole:
            if error:
                return error
            key = field_of(col)
            if key and stack.column_param(spec.get("type", ""), key) is None:
                return f"{stack.COLUMN_BY_KEY[key].header} does not apply to {spec.get('type')} layers."
            return None
        if role == Qt.BackgroundRole:
            if error:
                return QBrush(QColor(ERROR_BG))
            key = field_of(col)
            if key and stack.column_param(spec.get("type", ""), key) is None:
                return QBrush(QColor("#f3f3f3"))
            return None
        if role == Qt.ForegroundRole and error:
            return QBrush(QColor(ERROR_FG))
        if role == Qt.DecorationRole and col == NAME_COL and error:
            return QApplication.style().standardIcon(QStyle.SP_MessageBoxWarning)
        if role == Qt.TextAlignmentRole and (col == PARAMS_COL or field_of(col) in NUMERIC_FIELDS):
            return Qt.AlignRight | Qt.AlignVCenter
        return None

    def _display(self, row, col, spec, rep):
        if col == NAME_COL:
            return rep.name if rep and rep.name else stack.layer_names(self._specs)[row]
        if col == TYPE_COL:
            return spec.get("type")
        if col == OUTPUT_COL:
            return stack.shape_text(rep.output_shape) if rep else "—"
        if col == PARAMS_COL:
            return "—" if rep is None or rep.params is None else f"{rep.params:,}"
        key = field_of(col)
        if key is None or stack.column_param(spec.get("type", ""), key) is None:
            return ""
        value = stack.get_cell(spec, key)
        if key == "init" and value is None:
            return "default"
        if key == "activation" and value is None:
            return "linear"
        if key == "stride" and value is None:
            return "= pool"
        if key == "keep_prob":
            return f"{float(value):g}"
        return str(value)

    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid():
            return False
        row, col = index.row(), index.column()
        old = self._specs[row]
        try:
            if col == TYPE_COL:
                if value == old.get("type"):
                    return False
                new = stack.new_spec(str(value), previous=old)
            else:
                key = field_of(col)
                if key is None:
                    return False
                if stack.get_cell(old, key) == value or (key == "init" and value == "default"
                                                         and stack.get_cell(old, key) is None):
                    return False
                new = stack.set_cell(old, key, value)
        except ValueError:
            return False
        self._specs[row] = new
        self.dataChanged.emit(self.index(row, 0), self.index(row, PARAMS_COL))
        self.specsChanged.emit()
        return True

    # --- drag and drop -----------------------------------------------------------
    def supportedDropActions(self):
        return Qt.MoveAction

    def supportedDragActions(self):
        return Qt.MoveAction

    def mimeTypes(self):
        return [MIME_TYPE]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(json.dumps(rows).encode("utf-8")))
        return mime

    def canDropMimeData(self, data, action, row, column, parent):
        return data is not None and data.hasFormat(MIME_TYPE) and action == Qt.MoveAction

    def dropMimeData(self, data, action, row, column, parent):
        """Move the dragged row to the drop position.

        The move is done here, and False is returned so that the view does
        not then delete the "source" rows as it would after a copy-style move.
        """
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            rows = json.loads(bytes(data.data(MIME_TYPE)).decode("utf-8"))
        except ValueError:
            return False
        if len(rows) != 1:
            return False
        source = int(rows[0])
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._specs)
        target = row - 1 if row > source else row
        self.move_row(source, min(target, len(self._specs) - 1))
        return False

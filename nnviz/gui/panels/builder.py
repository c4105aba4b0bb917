"""The network builder panel: ``layerTable`` and its buttons.

Editors commit on every keystroke or choice, so output shapes and
parameter counts follow as you type. Columns that no row uses (kernel,
stride, padding for a dense-only network) are hidden. Output and Params
are shown right after Type (the model's columns keep their order; only
the header's visual order changes), so the optional columns a Conv2D or
Dropout row brings never push them out of view: those scroll instead.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnviz.lab import stack

from ..style import ERROR_FG
from .layer_model import (
    FIRST_FIELD_COL,
    NAME_COL,
    OUTPUT_COL,
    PARAMS_COL,
    TYPE_COL,
    LayerTableModel,
    column_of,
    field_of,
)
from .widgets import lay_out_widgets

DEFAULT_NEW_LAYER = {"type": "Dense", "units": 16, "activation": "relu"}


class LayerDelegate(QStyledItemDelegate):
    """Combo boxes and spin boxes that write to the model as soon as they change."""

    def createEditor(self, parent, option, index):
        model = index.model()
        col = index.column()
        if col == TYPE_COL:
            editor = QComboBox(parent)
            editor.addItems(stack.layer_types())
            editor.currentTextChanged.connect(lambda _=None, e=editor: self.commitData.emit(e))
            return editor
        key = field_of(col)
        if key is None:
            return None
        spec = model.specs()[index.row()]
        param = stack.column_param(spec.get("type", ""), key)
        if key in ("activation", "init"):
            editor = QComboBox(parent)
            editor.addItems(list(stack.choices(key)))
            editor.currentTextChanged.connect(lambda _=None, e=editor: self.commitData.emit(e))
            return editor
        if key == "keep_prob":
            editor = QDoubleSpinBox(parent)
            editor.setRange(0.0, 1.0)
            editor.setDecimals(2)
            editor.setSingleStep(0.05)
        else:
            editor = QSpinBox(parent)
            editor.setRange(0, 100_000)
            if key == "stride" and stack.param_default(spec["type"], param) is None:
                editor.setSpecialValueText("= pool")
        editor.setKeyboardTracking(True)
        editor.valueChanged.connect(lambda _=None, e=editor: self.commitData.emit(e))
        return editor

    def setEditorData(self, editor, index):
        value = index.model().data(index, Qt.EditRole)
        if isinstance(editor, QComboBox):
            if editor.currentText() != str(value):
                editor.blockSignals(True)
                editor.setCurrentText(str(value))
                editor.blockSignals(False)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            if value is not None and editor.value() != value:
                editor.blockSignals(True)
                editor.setValue(value)
                editor.blockSignals(False)
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.EditRole)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.interpretText()
            model.setData(index, editor.value(), Qt.EditRole)
        else:
            super().setModelData(editor, model, index)


class LayerTable(QTableView):
    """The layer table: its preferred height is that of its rows (a compact settings column on a small
    screen; it still grows when there is room and scrolls when there is not)."""

    def sizeHint(self):
        hint = super().sizeHint()
        rows = self.model().rowCount() if self.model() is not None else 0
        height = (self.horizontalHeader().sizeHint().height()
                  + max(rows, 3) * self.verticalHeader().defaultSectionSize()
                  + 2 * self.frameWidth() + self.horizontalScrollBar().sizeHint().height())
        hint.setHeight(max(self.minimumHeight(), min(height, 420)))
        return hint

    def fit_rows(self) -> None:
        """Rows as tall as the text and a little padding."""
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.updateGeometry()


class BuilderPanel(QWidget):
    """Edit the layer stack; shows the input, each row's output, the total and the first error."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = LayerTableModel(self)
        self.inputLabel = QLabel(objectName="inputShapeLabel")
        self.inputLabel.setWordWrap(True)
        self.table = LayerTable(objectName="layerTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(LayerDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.SelectedClicked
                                   | QAbstractItemView.EditKeyPressed | QAbstractItemView.AnyKeyPressed)
        self.table.setDragEnabled(True)
        self.table.setAcceptDrops(True)
        self.table.setDropIndicatorShown(True)
        self.table.setDragDropMode(QAbstractItemView.InternalMove)
        self.table.setDragDropOverwriteMode(False)
        self.table.setDefaultDropAction(Qt.MoveAction)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        self.table.setToolTip("Double-click a cell to edit it; drag a row to move the layer.")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(32)
        header.setSectionsMovable(False)
        for visual, logical in enumerate((OUTPUT_COL, PARAMS_COL), start=FIRST_FIELD_COL):
            header.moveSection(header.visualIndex(logical), visual)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.table.verticalHeader().setVisible(False)
        self.table.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.table.setMinimumHeight(110)
        self.table.fit_rows()
        self.model.rowsInserted.connect(self.table.updateGeometry)
        self.model.rowsRemoved.connect(self.table.updateGeometry)
        self.model.modelReset.connect(self.table.updateGeometry)

        self.addButton = QPushButton("Add layer", objectName="addLayerButton")
        self.addButton.setToolTip("Insert a Dense layer after the selected one (before the output layer if none is selected)")
        self.removeButton = QPushButton("Remove", objectName="removeLayerButton")
        self.removeButton.setToolTip("Remove the selected layer")
        self.upButton = QPushButton("Move up", objectName="moveLayerUpButton")
        self.downButton = QPushButton("Move down", objectName="moveLayerDownButton")
        self.buttonGrid = buttons = QGridLayout()
        self.set_buttons_per_row(4)
        self.totalLabel = QLabel(objectName="totalParamsLabel")
        self.errorLabel = QLabel(objectName="stackErrorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setStyleSheet(f"color: {ERROR_FG};")
        self.errorLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.errorLabel.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.inputLabel)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.totalLabel)
        layout.addWidget(self.errorLabel)

        self.addButton.clicked.connect(self.add_layer)
        self.removeButton.clicked.connect(self.remove_layer)
        self.upButton.clicked.connect(lambda: self._move(-1))
        self.downButton.clicked.connect(lambda: self._move(+1))
        self.model.specsChanged.connect(self._on_specs_changed)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.installEventFilter(self)
        self._update_buttons()

    # --- public --------------------------------------------------------------------
    def specs(self) -> list[dict]:
        return self.model.specs()

    def set_specs(self, specs: list[dict]) -> None:
        self.model.set_specs(specs)

    def essential_width(self) -> int:
        """Width the table needs to show Layer, Type, Output and Params whole (the other columns scroll)."""
        header = self.table.horizontalHeader()
        return sum(header.sectionSize(c) for c in (NAME_COL, TYPE_COL, OUTPUT_COL, PARAMS_COL)) \
            + 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width() + 2

    def set_buttons_per_row(self, per_row: int) -> None:
        """All four buttons on a row (normal), or two (presentation fonts: a narrow column)."""
        lay_out_widgets(self.buttonGrid, (self.addButton, self.removeButton, self.upButton, self.downButton),
                        per_row)

    def set_input(self, shape, description: str = "") -> None:
        if shape is None:
            self.inputLabel.setText("Input: no dataset loaded")
        else:
            text = f"Input: <b>{stack.shape_text(shape)}</b>"
            if description:
                text += f" — {description}"
            self.inputLabel.setText(text)

    def set_report(self, report: stack.StackReport) -> None:
        self.model.set_report(report)
        if report.ok:
            self.totalLabel.setText(f"Total parameters: <b>{report.total_params:,}</b>")
            self.errorLabel.hide()
        else:
            self.totalLabel.setText("Total parameters: —")
            where = f"Row {report.error_row + 1}: " if report.error_row is not None else ""
            self.errorLabel.setText(f"⚠ {where}{report.error}")
            self.errorLabel.show()
        self.table.resizeColumnsToContents()

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)

    # --- actions -----------------------------------------------------------------
    def add_layer(self) -> None:
        n = self.model.rowCount()
        row = self.selected_row()
        at = row + 1 if row is not None else max(0, n - 1)   # before the output layer by default
        self.model.insert_spec(at, stack.new_spec(DEFAULT_NEW_LAYER["type"]) | DEFAULT_NEW_LAYER)
        self.select_row(at)

    def remove_layer(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.model.removeRows(row, 1)
        self.select_row(min(row, self.model.rowCount() - 1))

    def _move(self, delta: int) -> None:
        row = self.selected_row()
        if row is None:
            return
        if self.model.move_row(row, row + delta):
            self.select_row(row + delta)

    # --- internals -------------------------------------------------------------------
    def _on_specs_changed(self) -> None:
        used = stack.columns_in_use(self.model.specs())
        for key in [c.key for c in stack.COLUMNS]:
            self.table.setColumnHidden(column_of(key), key not in used)
        self._update_buttons()
        self.changed.emit()

    def _update_buttons(self, *args) -> None:
        row = self.selected_row()
        n = self.model.rowCount()
        self.removeButton.setEnabled(row is not None)
        self.upButton.setEnabled(row is not None and row > 0)
        self.downButton.setEnabled(row is not None and row < n - 1)

    def eventFilter(self, obj, event):
        if obj is self.table and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Delete \
                and self.table.state() != QAbstractItemView.EditingState:
            self.remove_layer()
            return True
        return super().eventFilter(obj, event)


__all__ = ["BuilderPanel", "LayerDelegate", "NAME_COL", "TYPE_COL", "FIRST_FIELD_COL", "OUTPUT_COL",
           "PARAMS_COL"]

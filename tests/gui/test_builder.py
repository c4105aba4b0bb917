"""The layer table: editing, live shapes and counts, reordering by buttons and by drag and drop."""

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox

from nnviz.gui.panels.layer_model import (
    MIME_TYPE,
    OUTPUT_COL,
    PARAMS_COL,
    TYPE_COL,
    LayerTableModel,
    column_of,
)

from .helpers import wait_for_dataset

SPECS = [{"type": "Dense", "units": 4, "activation": "relu"},
         {"type": "Dropout", "keep_prob": 0.5},
         {"type": "Dense", "units": 1, "activation": "sigmoid"}]


def types(model):
    return [s["type"] for s in model.specs()]


def test_cells_that_do_not_apply_are_blank_and_read_only(qtbot):
    model = LayerTableModel()
    model.set_specs(SPECS)
    units, keep = column_of("units"), column_of("keep_prob")
    assert model.data(model.index(0, units)) == "4"
    assert model.flags(model.index(0, units)) & Qt.ItemIsEditable
    assert model.data(model.index(1, units)) == ""
    assert not model.flags(model.index(1, units)) & Qt.ItemIsEditable
    assert "does not apply to Dropout" in model.data(model.index(1, units), Qt.ToolTipRole)
    assert model.data(model.index(1, keep)) == "0.5"
    assert model.data(model.index(0, column_of("init"))) == "default"
    assert model.headerData(units, Qt.Horizontal) == "Units"


def test_type_change_keeps_what_applies(qtbot):
    model = LayerTableModel()
    model.set_specs(SPECS)
    assert model.setData(model.index(0, TYPE_COL), "Dropout")
    assert model.specs()[0] == {"type": "Dropout", "keep_prob": 0.8}
    assert model.setData(model.index(0, TYPE_COL), "Dense")
    assert model.specs()[0]["units"] == 16 and model.specs()[0]["activation"] == "relu"


def test_drag_and_drop_moves_a_row(qtbot):
    model = LayerTableModel()
    model.set_specs(SPECS)
    mime = model.mimeData([model.index(0, c) for c in range(model.columnCount())])
    assert mime.hasFormat(MIME_TYPE)
    assert model.canDropMimeData(mime, Qt.MoveAction, 3, 0, QModelIndex())
    # dropped below the last row; False tells the view not to delete a "source" copy
    assert model.dropMimeData(mime, Qt.MoveAction, 3, 0, QModelIndex()) is False
    assert types(model) == ["Dropout", "Dense", "Dense"]
    assert model.specs()[2]["units"] == 4
    mime = model.mimeData([model.index(2, 0)])
    model.dropMimeData(mime, Qt.MoveAction, 0, 0, QModelIndex())      # back to the top
    assert model.specs() == SPECS
    mime = model.mimeData([model.index(0, 0)])
    model.dropMimeData(mime, Qt.MoveAction, -1, -1, model.index(2, 0))  # dropped onto row 3
    assert types(model) == ["Dropout", "Dense", "Dense"] and model.specs()[1]["units"] == 4
    assert not model.canDropMimeData(mime, Qt.CopyAction, 0, 0, QModelIndex())


def test_panel_add_remove_move_and_live_counts(window, qtbot):
    w = window
    b = w.builder
    model = b.model
    total = w.findChild(QLabel, "totalParamsLabel")
    assert "5,226" in total.text()
    b.select_row(1)
    qtbot.mouseClick(w.findChild(QPushButton, "addLayerButton"), Qt.LeftButton)
    assert model.rowCount() == 6 and b.selected_row() == 2
    assert model.specs()[2] == {"type": "Dense", "units": 16, "activation": "relu"}
    # dense_2 (50) → new dense_3 (16) → dense_4 (50): 25·50+50 + 50·16+16 + 16·50+50 ...
    assert model.data(model.index(2, OUTPUT_COL)) == "(16,)"
    assert model.data(model.index(2, PARAMS_COL)) == f"{50 * 16 + 16:,}"
    assert model.data(model.index(3, PARAMS_COL)) == f"{16 * 50 + 50:,}"
    new_total = 5226 - (50 * 50 + 50) + (50 * 16 + 16) + (16 * 50 + 50)
    assert f"{new_total:,}" in total.text()
    qtbot.mouseClick(w.findChild(QPushButton, "moveLayerUpButton"), Qt.LeftButton)
    assert b.selected_row() == 1 and model.specs()[1]["units"] == 16
    qtbot.mouseClick(w.findChild(QPushButton, "removeLayerButton"), Qt.LeftButton)
    assert model.rowCount() == 5 and "5,226" in total.text()


def test_editor_commits_as_you_type(window, qtbot):
    w = window
    table = w.builder.table
    index = w.builder.model.index(0, column_of("units"))
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.indexWidget(index) or table.findChild(QSpinBox)
    assert isinstance(editor, QSpinBox)
    editor.setValue(7)                 # no Enter, no focus change
    assert w.builder.model.specs()[0]["units"] == 7
    assert w.builder.model.data(w.builder.model.index(0, PARAMS_COL)) == f"{2 * 7 + 7:,}"
    assert w.builder.model.data(w.builder.model.index(1, PARAMS_COL)) == f"{7 * 50 + 50:,}"


def test_type_editor_lists_the_engine_layers(window):
    w = window
    table = w.builder.table
    index = w.builder.model.index(0, TYPE_COL)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.findChild(QComboBox)
    names = [editor.itemText(i) for i in range(editor.count())]
    assert names[0] == "Dense" and "Dropout" in names and "Flatten" in names
    editor.setCurrentText("Dropout")
    assert w.builder.model.specs()[0]["type"] == "Dropout"
    assert not w.builder.table.isColumnHidden(column_of("keep_prob"))
    assert w.builder.table.isColumnHidden(column_of("kernel"))


@pytest.mark.parametrize("key", ["kernel", "stride", "padding"])
def test_conv_columns_hidden_for_dense_networks(window, key):
    assert window.builder.table.isColumnHidden(column_of(key))


def test_conv_rows_show_kernel_stride_padding(window, qtbot):
    w = window
    model = w.builder.model
    assert model.setData(model.index(0, TYPE_COL), "Conv2D")
    table = w.builder.table
    for key in ("kernel", "stride", "padding"):
        assert not table.isColumnHidden(column_of(key))
    assert model.headerData(column_of("units"), Qt.Horizontal) == "Units / filters"
    assert model.specs()[0] == {"type": "Conv2D", "filters": 25, "kernel_size": 3, "stride": 1, "padding": 0,
                                "activation": "relu"}
    # moons points are flat: the engine says why a convolution cannot take them, on that row
    assert model.report.error_row == 0 and "conv_1:" in model.report.error
    assert model.setData(model.index(0, TYPE_COL), "Dense")
    assert table.isColumnHidden(column_of("kernel"))


def test_mnist_cnn_preset_fills_the_builder(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir)
    combo = w.findChild(QComboBox, "presetCombo")
    idx = combo.findData("mnist-cnn")
    combo.setCurrentIndex(idx)
    combo.activated.emit(idx)
    wait_for_dataset(w, qtbot)
    assert w.dataset is not None and tuple(w.dataset.input_shape) == (1, 28, 28)
    model = w.builder.model
    assert [model.data(model.index(r, OUTPUT_COL)) for r in range(model.rowCount())] == [
        "(4, 26, 26)", "(4, 13, 13)", "(16, 11, 11)", "(16, 5, 5)", "(400,)", "(256,)", "(128,)", "(10,)"]
    # conv: filters·(in_channels·k·k + 1); dense: in·out + out
    expected = [4 * (1 * 9 + 1), 0, 16 * (4 * 9 + 1), 0, 0, 400 * 256 + 256, 256 * 128 + 128, 128 * 10 + 10]
    assert [model.data(model.index(r, PARAMS_COL)) for r in range(8)] == [f"{n:,}" for n in expected]
    assert f"{sum(expected):,}" in w.findChild(QLabel, "totalParamsLabel").text()
    assert model.data(model.index(1, column_of("kernel"))) == "2"
    assert model.data(model.index(1, column_of("stride"))) == "= pool"
    assert w.findChild(QPushButton, "trainButton").isEnabled()
    boundary = w.findChild(QLabel, "boundaryMessage")
    assert "2 input features" in boundary.text() and "784" in boundary.text()

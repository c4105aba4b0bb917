"""Settings between launches, model save/load, plot export."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QPushButton, QSpinBox

from nnviz.gui.settings import AppSettings
from nnviz.gui.views import CostView


def test_settings_reject_unknown_keys(settings):
    s = AppSettings(settings)
    with pytest.raises(KeyError, match="unknown setting 'presett'"):
        s.get("presett")
    with pytest.raises(KeyError, match="unknown setting"):
        s.set("colour", "red")
    s.set("lastFileDir", "/tmp/lessons")
    assert AppSettings(QSettings(settings.fileName(), QSettings.IniFormat)).get("lastFileDir") == "/tmp/lessons"
    with pytest.raises(KeyError):           # presentation mode is a session choice, not a setting (issue 14)
        s.get("presentation")


def test_settings_are_kept_between_launches(make_window, settings, tmp_path):
    w = make_window()
    combo = w.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("circles"))
    w.presentationAction.setChecked(True)
    w.resize(1280, 800)
    w.close()
    settings.sync()
    assert settings.value("dataset") == "circles"
    assert tmp_path.joinpath("nnviz-test.ini").is_file()

    again = make_window(settings=QSettings(settings.fileName(), QSettings.IniFormat))
    assert again.findChild(QComboBox, "datasetCombo").currentData() == "circles"
    assert not again.presentationAction.isChecked()     # issue 14: presentation mode is not remembered
    assert not again.settingsPanel.isHidden() and again.settingsPanel.width() > 0
    assert again.findChild(QComboBox, "presetCombo").currentData() == "moons"


def test_default_settings_location_is_overridden_in_tests(make_window, isolated_settings):
    w = make_window(settings=None)
    assert str(isolated_settings) in w.settings.location


def test_save_and_load_model_round_trip(window, qtbot, tmp_path):
    w = window
    w.findChild(QSpinBox, "epochsSpin").setValue(25)
    w.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.2)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    path = tmp_path / "moons.h5"
    assert w.save_model_file(path)
    weights = w.model.layers[2].params["W"].copy()
    cost = list(w.model.history.cost)

    qtbot.mouseClick(w.findChild(QPushButton, "resetButton"), Qt.LeftButton)
    w.findChild(QSpinBox, "epochsSpin").setValue(99)
    assert w.model.history.epochs_done == 0
    assert w.load_model_file(path)
    assert np.array_equal(w.model.layers[2].params["W"], weights)
    assert w.model.history.cost == cost
    assert w.findChild(QSpinBox, "epochsSpin").value() == 25          # settings saved with the model
    assert w.findChild(QDoubleSpinBox, "learningRateSpin").value() == pytest.approx(0.2)
    x, y = w.findChild(CostView, "costPlot").train_curve.getOriginalDataset()
    assert np.allclose(y, cost)
    # training continues the loaded history
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    assert w.model.history.epochs_done == 50


def test_export_plots(window, tmp_path):
    from PIL import Image
    w = window
    for view in w.views:
        png = tmp_path / f"{view.objectName()}.png"
        assert w.export_plot(view, png), w.banner.text()
        with Image.open(png) as im:
            assert im.size[0] > 100 and im.size[1] > 100
    svg = tmp_path / "cost.svg"
    assert w.export_plot(w.findChild(CostView, "costPlot"), svg)
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_save_dialogs_propose_the_last_folder_and_add_the_suffix(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    asked = []

    def fake_dialog(parent, title, default, filters):
        asked.append(default)
        return str(tmp_path / "sub" / "lesson"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    window.settings.set("lastFileDir", str(tmp_path))
    assert window._ask_save("Save run", "run.h5", "Runs (*.h5)") == str(tmp_path / "sub" / "lesson.h5")
    assert asked == [str(tmp_path / "run.h5")]
    assert window.settings.get("lastFileDir") == str(tmp_path / "sub")       # the next dialog opens there
    path = window._ask_save("Export", "boundary.gif", "GIF (*.gif)", suffixes=(".gif",))
    assert path == str(tmp_path / "sub" / "lesson.gif") and asked[-1] == str(tmp_path / "sub" / "boundary.gif")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    assert window._ask_save("Save model", "model.h5", "Models (*.h5)") is None             # cancelled

"""Bad input in the panels: each is refused with a sentence saying what is wrong, and Train waits."""

import h5py
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QSpinBox,
)

from .helpers import wait_for_dataset


def train_button(w):
    return w.findChild(QPushButton, "trainButton")


@pytest.mark.parametrize("lr", [0.0, -0.01])
def test_learning_rate_must_be_positive(window, lr):
    w = window
    spin = w.findChild(QDoubleSpinBox, "learningRateSpin")
    spin.setValue(lr)
    assert spin.value() == lr
    assert not train_button(w).isEnabled()
    expected = f"Learning rate must be a positive number. Received: {lr:g}."
    assert expected in train_button(w).toolTip()
    assert spin.toolTip() == expected and "background" in spin.styleSheet()
    assert expected in w.findChild(QLabel, "trainBlockedLabel").text()
    spin.setValue(0.01)
    assert train_button(w).isEnabled() and spin.styleSheet() == ""


def test_learning_rate_typed_with_an_exponent(window, qtbot):
    w = window
    spin = w.findChild(QDoubleSpinBox, "learningRateSpin")
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "3e-4")
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Return)
    assert spin.value() == pytest.approx(3e-4)
    assert spin.text() == "0.0003"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(5e-4)      # 1-2-5 steps
    spin.stepBy(-2)
    assert spin.value() == pytest.approx(1e-4)   # 5e-4 → 2e-4 → 1e-4


def test_zero_epochs(window):
    w = window
    w.findChild(QSpinBox, "epochsSpin").setValue(0)
    assert not train_button(w).isEnabled()
    assert "Epochs must be a positive whole number. Received: 0." in train_button(w).toolTip()
    assert not w.findChild(QPushButton, "stepButton").isEnabled()


def test_zero_units(window):
    w = window
    model = w.builder.model
    model.setData(model.index(2, 2), 0)          # third layer, "Units" column
    assert not train_button(w).isEnabled()
    assert "dense_3: units must be a positive integer. Received: units=0" in train_button(w).toolTip()
    assert model.report.error_row == 2


def test_invalid_generated_dataset_options(window):
    w = window
    w.findChild(QSpinBox, "samplesSpin").setValue(3)
    assert not train_button(w).isEnabled()
    assert "Samples must be at least 10. Received: 3." in train_button(w).toolTip()


def _no_data_anywhere(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.delenv("NNVIZ_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return empty


def test_missing_cats_files_say_where_nnviz_looked(make_window, monkeypatch, tmp_path, qtbot, optional_data_dir):
    empty = _no_data_anywhere(monkeypatch, tmp_path)
    w = make_window(data_dir=empty)
    combo = w.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("cats"))
    wait_for_dataset(w, qtbot)
    assert w.dataset is None
    error = w.findChild(QLabel, "datasetErrorLabel")
    assert error.isVisible()
    text = error.text()
    assert "train_catvnoncat.h5" in text
    assert str(empty) in text
    assert "Open dataset file" in text
    button = w.findChild(QPushButton, "openDatasetButton")
    assert button.isVisible()
    assert not train_button(w).isEnabled()
    assert train_button(w).toolTip().startswith("Cannot train: No dataset:")

    real = optional_data_dir
    if real is None or not (real / "train_catvnoncat.h5").is_file():
        pytest.skip("the real cats files are not on this machine")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(real / "train_catvnoncat.h5"), "")))
    qtbot.mouseClick(button, Qt.LeftButton)
    wait_for_dataset(w, qtbot)
    assert w.dataset is not None and tuple(w.dataset.input_shape) == (3, 64, 64)
    assert not error.isVisible()
    # the moons network cannot take images: the builder says so on the first row
    assert "add a Flatten layer" in train_button(w).toolTip()
    assert w.settings.get("dataDir") == str(real)


def test_loading_a_file_that_is_not_a_model(window, tmp_path, monkeypatch):
    w = window
    text_file = tmp_path / "notes.h5"
    text_file.write_text("these are lecture notes, not a model")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(text_file), "")))
    model_before = w.model
    w.loadModelAction.trigger()
    assert w.banner.level == "error"
    assert "notes.h5" in w.banner.text() and "not an nnviz model file" in w.banner.text()
    assert w.model is model_before

    other = tmp_path / "data.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    assert not w.load_model_file(other)
    assert "data.h5" in w.banner.text() and "not an nnviz model file" in w.banner.text()
    assert not w.load_model_file(tmp_path / "missing.h5")
    assert "no such model file" in w.banner.text()


def test_a_preset_name_too_long_for_a_file_name_still_starts_the_app(make_window, settings):
    settings.setValue("preset", "x" * 300)
    w = make_window()
    assert w.lab.preset_name == "moons" and w.model is not None
    assert "unknown preset" in w.banner.text()


def test_a_huge_layer_is_refused_from_its_sizes_without_allocating(window, monkeypatch):
    w = window
    config = w.current_config()
    config.layers = [{"type": "Dense", "units": 100_000, "activation": "relu"},
                     {"type": "Dense", "units": 100_000, "activation": "relu"},
                     {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    import nnviz.engine.model as engine_model

    built = []
    original = engine_model.Sequential.__init__
    monkeypatch.setattr(engine_model.Sequential, "__init__",
                        lambda self, *a, **k: (built.append(len(a[0]) if a else 0), original(self, *a, **k))[1])
    w.apply_config(config)
    assert built == []                                   # checked from the sizes alone
    reason = w.train_block_reason()
    assert "10,000,400,101 parameters" not in reason and "memory budget" in reason, reason
    assert "dense_2" in reason and not w.trainButton.isEnabled()


@pytest.mark.parametrize("name", ["hostile_segfault_1.h5", "hostile_segfault_2.h5", "hostile_loop_1.h5",
                                  "hostile_loop_2.h5"])
def test_a_crafted_model_file_is_refused_and_the_unsaved_run_stays(window, qtbot, name):
    """Files that crash or hang libhdf5 when parsed: one sentence in the banner, the app alive, nothing lost."""
    import time
    from pathlib import Path

    w = window
    w.findChild(QSpinBox, "epochsSpin").setValue(15)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(train_button(w), Qt.LeftButton)
    model, cost = w.model, list(w.model.history.cost)
    start = time.perf_counter()
    assert not w.load_model_file(Path(__file__).resolve().parents[1] / "data" / name)
    assert time.perf_counter() - start < 10
    assert w.banner.level == "error" and name in w.banner.text() and "Traceback" not in w.banner.text()
    assert w.model is model and list(w.model.history.cost) == cost and w.model.history.epochs_done == 15


def test_a_model_for_other_inputs_blocks_training_with_a_sentence(window, tmp_path):
    from nnviz.engine import Dense, Flatten, Sequential, save_model

    digits = Sequential([Flatten(), Dense(10, activation="softmax")], input_shape=(1, 28, 28),
                        loss="categorical_crossentropy")
    path = tmp_path / "digits.h5"
    save_model(digits, path)                              # no settings saved with it: the moons data stay
    w = window
    assert w.load_model_file(path)
    reason = w.train_block_reason()
    assert "(1, 28, 28)" in reason and "(2,)" in reason, reason
    assert not train_button(w).isEnabled()


def test_the_window_keeps_painting_while_a_slow_file_is_read(window, monkeypatch, tmp_path):
    """A stranger's file is parsed in a child process (seconds for a hostile one): the GUI thread waits in
    an event loop, its widgets disabled, instead of freezing."""
    import time

    from PySide6.QtCore import QTimer

    import nnviz.lab.lab as lab_module
    from nnviz.engine.io import ModelFileError

    w = window
    seen = {"ticks": 0, "disabled": False}

    def slow_load(path, **kwargs):
        time.sleep(0.6)
        raise ModelFileError(f"{path}: a slow and broken file.")

    def tick():
        seen["ticks"] += 1
        seen["disabled"] |= not w.centralWidget().isEnabled()

    monkeypatch.setattr(lab_module, "load_model", slow_load)
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    model = w.model
    assert not w.load_model_file(tmp_path / "slow.h5")
    timer.stop()
    assert seen["ticks"] >= 10 and seen["disabled"]          # the event loop ran while the file was read
    assert w.centralWidget().isEnabled() and w.menuBar().isEnabled()
    assert "a slow and broken file" in w.banner.text() and w.model is model

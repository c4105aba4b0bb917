"""The window shows what the lab holds: the preset combo, and views that never touch a network in training."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QSpinBox

from nnviz.engine import Sequential
from nnviz.engine.layers.base import Layer


def test_setting_the_preset_index_in_code_applies_it_and_trains_that_network(make_window, qtbot):
    w = make_window(preset="moons")
    combo = w.findChild(QComboBox, "presetCombo")
    with qtbot.assertNotEmitted(combo.activated):
        combo.setCurrentIndex(combo.findData("moons-overfit"))    # as a test or an accessibility tool does
    assert combo.currentData() == "moons-overfit"
    assert w.lab.preset_name == "moons-overfit"
    assert [s.get("units") for s in w.builder.specs()] == [100, 100, 100, 1]
    w.findChild(QSpinBox, "epochsSpin").setValue(20)
    assert combo.currentText().endswith("(modified)")                # an edited field marks the combo
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    trained = [layer.params["W"].shape[1] for layer in w.model.layers if "W" in layer.params]
    assert trained == [100, 100, 100, 1]
    assert w.model.history.epochs_done == 20
    assert w.lab.runs.records[-1].settings["name"] == "moons-overfit"
    assert [s["units"] for s in w.lab.runs.records[-1].settings["layers"]] == [100, 100, 100, 1]

    w.findChild(QSpinBox, "epochsSpin").setValue(1500)                # back to the preset's own value
    assert combo.currentText() == w.lab.preset_config.title


def test_views_never_touch_the_network_being_trained(make_window, qtbot, monkeypatch):
    """During a run, anything read from the live network outside the training thread is a failure."""
    w = make_window(preset="moons")
    w.findChild(QSpinBox, "epochsSpin").setValue(100_000)
    live: dict = {}
    touched: list[str] = []
    gui_thread = threading.current_thread()

    def guard(cls):
        original = cls.__getattribute__

        def checked(self, name):
            obj = live.get("model")
            if obj is not None and threading.current_thread() is gui_thread and live.get("on") \
                    and (self is obj or any(self is layer for layer in object.__getattribute__(obj, "layers"))):
                touched.append(f"{cls.__name__}.{name}")
            return original(self, name)

        monkeypatch.setattr(cls, "__getattribute__", checked)

    for cls in (Sequential, Layer):
        guard(cls)

    def on_started(_record):
        live["model"] = w.lab.model
        live["on"] = True

    w.lab.events.run_started.connect(on_started)
    qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    assert live.get("on"), "the run did not start"
    # every view gets snapshots; the prediction, feature-map and gradient-check views are asked for work too
    qtbot.waitUntil(lambda: w.snapshots_drawn >= 5, timeout=30_000)
    for tab in range(w.viewTabs.count()):
        w.viewTabs.setCurrentIndex(tab)
        qtbot.wait(50)
    w.view("gradCheckView").gradCheckButton.click()
    qtbot.waitUntil(lambda: w.view("gradCheckView").checks_done >= 1, timeout=60_000)
    w.view("boundaryPlot").show_snapshot(w.lab.snapshot() or _last_snapshot(w, qtbot))
    clean = list(touched)
    w.lab.model.history            # the guard itself works: this read from the GUI thread is caught
    assert touched[len(clean):] == ["Sequential.history"]
    del touched[len(clean):]
    live["on"] = False
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000):
        w.stop()
    assert touched == [], f"the GUI thread read the network in training: {sorted(set(touched))[:10]}"


def _last_snapshot(w, qtbot):
    with qtbot.waitSignal(w.runner.snapshot, timeout=30_000) as blocker:
        pass
    return blocker.args[0]


@pytest.mark.parametrize("dataset", ["circles", "xor"])
def test_a_generated_dataset_loads_at_once_and_a_new_network_follows(make_window, dataset):
    w = make_window(preset="moons")
    combo = w.findChild(QComboBox, "datasetCombo")
    generation = w.lab.generation
    combo.setCurrentIndex(combo.findData(dataset))
    assert not w.lab.dataset_loading and w.dataset.name == dataset
    assert w.lab.generation > generation                 # an untrained network is rebuilt for the new data
    assert np.asarray(w.dataset.X_train).shape[1] == 2

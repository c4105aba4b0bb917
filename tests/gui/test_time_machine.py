"""The time machine in the window: scrubbing rewinds the views exactly, replay, branching, bad input."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSlider, QSpinBox

from nnviz.engine import Sequential, load_model, save_model
from nnviz.engine.safe_h5 import seal_file
from nnviz.lab.boundary import boundary_frame


def train(w, qtbot, epochs: int):
    w.findChild(QSpinBox, "epochsSpin").setValue(epochs)
    with qtbot.waitSignal(w.trainingFinished, timeout=120_000) as blocker:
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    return blocker.args[0]


def model_from_snapshot(w, snap, tmp_path):
    """An independent model with the snapshot's weights, written to a file and loaded back with the engine."""
    model = Sequential.from_config(w.lab.model.get_config())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key][...] = snap.weights[f"{layer.name}.{key}"]
    path = tmp_path / "snapshot.h5"
    save_model(model, path)
    return load_model(path)


def test_scrubbing_rewinds_the_boundary_and_the_cost_cursor_to_a_snapshot_exactly(make_window, qtbot, tmp_path):
    w = make_window(preset="moons")
    train(w, qtbot, 40)
    bar, slider = w.timeBar, w.findChild(QSlider, "timeSlider")
    assert slider.isEnabled() and slider is bar.timeSlider
    snaps = w.lab.timeline.snapshots
    assert [s.epoch for s in snaps][:4] == [0, 1, 2, 3] and snaps[-1].epoch == 40
    boundary, cost = w.view("boundaryPlot"), w.view("costPlot")
    index = next(i for i, s in enumerate(snaps) if s.epoch == 8)
    slider.setValue(index)                           # as a drag or a key press does
    snap = snaps[index]
    assert w.lab.moment is snap and bar.timeLabel.text() == "epoch 8 of 40"
    loaded = model_from_snapshot(w, snap, tmp_path)
    reference = boundary_frame(loaded.predict, boundary.grid)
    assert np.array_equal(boundary.frame.probs, reference.probs)          # exact
    ds = w.lab.dataset                                # the numbers by the cursor are the loaded model's
    X, y = loaded.check_inputs(ds.X_train, ds.y_train)
    train_cost, _ = loaded.cost_and_gradients(X, loaded.targets(y))
    test = loaded.evaluate(ds.X_test, ds.y_test)
    assert snap.cost == train_cost and snap.test_accuracy == test["accuracy"]
    assert snap.test_cost == pytest.approx(test["loss"], rel=1e-12)
    assert f"train cost {train_cost:.4f}" in cost.summary.text()
    assert f"test accuracy {test['accuracy']:.1%}" in cost.summary.text()
    assert not np.array_equal(boundary.frame.probs, boundary_frame(w.model.predict, boundary.grid).probs)
    assert boundary.heading.text().endswith("epoch 8")
    assert cost.cursor_x == 8.0 and all(c.isVisible() and c.value() == 8.0 for c in cost.cursors)
    assert len(cost.cost) == 40                       # the curves stay whole
    assert "Time machine at epoch 8" in cost.summary.text()
    # the moment's cost: what training those weights computes (full batch: the cost of epoch 9)
    assert snap.cost == w.model.history.cost[8]
    # back to the end: the network as it is now, no cursor
    slider.setValue(slider.maximum())
    assert w.lab.moment is None and cost.cursor_x is None and not cost.cursors[0].isVisible()
    assert np.array_equal(boundary.frame.probs, boundary_frame(w.model.predict, boundary.grid).probs)


def test_replay_plays_every_snapshot_then_stops_at_now(make_window, qtbot):
    w = make_window(preset="moons")
    train(w, qtbot, 20)
    bar = w.timeBar
    bar.speedCombo.setCurrentIndex(2)
    shown = bar.frames_shown
    qtbot.mouseClick(bar.playButton, Qt.LeftButton)
    assert bar.playing
    qtbot.waitUntil(lambda: not bar.playing, timeout=30_000)
    # one frame per position after the first (the slider starts at 0, itself a frame)
    assert bar.frames_shown - shown == len(bar.positions)
    assert bar.timeSlider.value() == bar.timeSlider.maximum() and w.lab.moment is None


def test_scrubbing_while_training_is_disabled_and_harmless(make_window, qtbot):
    w = make_window(preset="moons")
    train(w, qtbot, 10)
    w.timeBar.timeSlider.setValue(2)
    assert w.lab.moment is not None
    w.findChild(QSpinBox, "epochsSpin").setValue(100_000)
    with qtbot.waitSignal(w.runner.snapshot, timeout=30_000):
        w.train()                                     # a run starts while the views show a snapshot
    slider = w.timeBar.timeSlider
    assert w.lab.state == "running" and w.lab.moment is None
    assert not slider.isEnabled() and "finished run" in slider.toolTip()
    assert not w.timeBar.continueButton.isEnabled() and not w.timeBar.playButton.isEnabled()
    slider.setValue(0)                                # a script or an accessibility tool moves it anyway
    w.timeBar.show_position(0)
    w.timeBar.play()
    assert w.lab.moment is None and not w.timeBar.playing
    assert w.view("costPlot").cursor_x is None
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000):
        w.stop()
    assert w.timeBar.timeSlider.isEnabled()


def test_continue_from_here_branches_a_new_run_listed_in_compare_runs(make_window, qtbot):
    w = make_window(preset="moons")
    train(w, qtbot, 30)
    bar = w.timeBar
    snaps = w.lab.timeline.snapshots
    index = next(i for i, s in enumerate(snaps) if s.epoch == 16)
    bar.timeSlider.setValue(index)
    w.learningRateSpin.setValue(0.05)
    w.findChild(QSpinBox, "epochsSpin").setValue(5)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(bar.continueButton, Qt.LeftButton)
    record = w.lab.runs.records[-1]
    assert record.branched_from == (1, 16) and "branched from run 1 at epoch 16" in record.title
    assert record.history["cost"][16] == snaps[index].cost          # its first cost is the snapshot's
    assert record.epochs_done == 21 and w.lab.optimizer.lr == 0.05
    labels = w.comparison_view.legend.items
    assert any("branched from run 1 at epoch 16" in label.text for _, label in labels)


def test_a_run_file_with_snapshots_cut_short_loads_the_rest_and_says_what_was_dropped(make_window, qtbot,
                                                                                     tmp_path):
    w = make_window(preset="moons")
    train(w, qtbot, 12)
    count = len(w.lab.timeline)
    path = tmp_path / "run.h5"
    assert w.save_run_file(path)
    with h5py.File(path, "r+") as f:                 # another program cut one stack short, and sealed it again
        data = f["arrays/timeline/dense_2/W"][:4]
        del f["arrays/timeline/dense_2/W"]
        f.create_dataset("arrays/timeline/dense_2/W", data=data)
    seal_file(path)
    assert w.open_run_file(path)
    text = w.banner.text()
    assert "timeline/dense_2/W holds 4" in text and f"dropped the last {count - 4}" in text
    assert len(w.lab.timeline) == 4 and w.model.history.epochs_done == 12
    assert w.timeBar.timeSlider.maximum() == 4       # four snapshots, then the network as it is now


def test_the_memory_budget_is_a_setting_said_in_the_bar(make_window, qtbot, settings):
    w = make_window(preset="moons")
    train(w, qtbot, 6)
    bar = w.timeBar
    n = len(w.lab.timeline)
    per = w.lab.timeline.snapshots[0].nbytes
    text = bar.budgetButton.text().strip()                  # "Time machine: 7 snapshots, 0.1 MB of 200 MB"
    assert text.startswith(f"Time machine: {n} snapshots, ") and text.endswith(" MB of 200 MB")
    assert float(text.split(", ")[1].split(" MB")[0]) == pytest.approx(per * n / (1 << 20), abs=0.05)
    bar.budgetButton.menu().actions()[0].trigger()          # "Keep at most 50 MB of snapshots"
    assert w.settings.get("timeMachineMB") == "50" and w.lab.timeline.budget == 50 << 20
    assert bar.budgetButton.text().strip().endswith("of 50 MB")
    w.reset()                                               # a new network keeps the budget
    assert w.lab.timeline.budget == 50 << 20 and len(w.lab.timeline) == 0
    again = make_window(preset="moons")                     # so does the next launch
    assert again.lab.timeline.budget == 50 << 20


def test_big_networks_compute_the_moment_on_a_task_and_replay_still_ends(make_window, qtbot, tmp_path,
                                                                        monkeypatch):
    from nnviz.gui import time_bar

    monkeypatch.setattr(time_bar, "HEAVY_PARAMS", 0)          # treat the moons net as a big one
    w = make_window(preset="moons")
    train(w, qtbot, 12)
    bar, boundary = w.timeBar, w.view("boundaryPlot")
    snaps = w.lab.timeline.snapshots
    shown = bar.frames_shown
    bar.timeSlider.setValue(3)
    assert bar.task.active or bar.frames_shown == shown + 1
    qtbot.waitUntil(lambda: bar.frames_shown == shown + 1 and not bar.task.active, timeout=30_000)
    reference = boundary_frame(model_from_snapshot(w, snaps[3], tmp_path).predict, boundary.grid)
    assert np.array_equal(boundary.frame.probs, reference.probs)
    assert w.view("costPlot").cursor_x == float(snaps[3].epoch)
    bar.play()
    qtbot.waitUntil(lambda: not bar.playing and not bar.task.active, timeout=60_000)
    assert bar.timeSlider.value() == bar.timeSlider.maximum() and w.lab.moment is None
    bar.timeSlider.setValue(1)                                # closing while a moment is computed

"""In front of a class: honest run records and labels, a reopened run as it was, stepping, divergence."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QPushButton, QSpinBox

from nnviz.gui.views import CostView
from nnviz.gui.views.comparison import coinciding
from nnviz.lab.runs import RunLog


def _set(w, epochs=None, lr=None, optimizer=None):
    if optimizer is not None:
        combo = w.findChild(QComboBox, "optimizerCombo")
        combo.setCurrentIndex(combo.findData(optimizer))
    if epochs is not None:
        w.findChild(QSpinBox, "epochsSpin").setValue(epochs)
    if lr is not None:
        w.findChild(QDoubleSpinBox, "learningRateSpin").setValue(lr)


def _train(w, qtbot):
    with qtbot.waitSignal(w.trainingFinished, timeout=120_000) as blocker:
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    return blocker.args[0]


def test_runs_are_labelled_with_the_settings_they_trained_with(make_window, qtbot):
    w = make_window(preset="moons")
    w.reset()
    _set(w, epochs=30, lr=0.5)                              # changed after Reset, before Train
    _train(w, qtbot)
    assert w.lab.runs.records[-1].settings["optimizer"] == {"name": "sgd", "lr": 0.5}

    w.lab.runs.clear()
    for optimizer, lr in (("sgd", 0.01), ("sgd", 0.1), ("adam", 0.01)):
        w.reset()
        _set(w, epochs=20, lr=lr, optimizer=optimizer)
        _train(w, qtbot)
    view = w.view("comparisonView")
    records = view.checked_records()
    assert [(r.settings["optimizer"]["name"], r.settings["optimizer"]["lr"]) for r in records] == [
        ("sgd", 0.01), ("sgd", 0.1), ("adam", 0.01)]
    labels = [label.text for _, label in view.legend.items]
    assert labels == ["optimizer sgd, lr 0.01", "optimizer sgd, lr 0.1", "optimizer adam, lr 0.01"]
    colors = [view._colors[r.id] for r in records]
    assert len(set(colors)) == 3


def test_training_further_with_a_new_rate_is_a_new_record_that_says_so(make_window, qtbot):
    w = make_window(preset="moons")
    _set(w, epochs=10)
    _train(w, qtbot)
    first = w.lab.runs.records[-1]
    _train(w, qtbot)                                        # the same settings: the same record goes on
    assert w.lab.runs.records[-1] is first and first.epochs_done == 20
    _set(w, lr=0.2)
    _train(w, qtbot)
    second = w.lab.runs.records[-1]
    assert second is not first and f"(continues run {first.id})" in second.title
    assert second.settings["optimizer"]["lr"] == 0.2 and second.epochs_done == 30


def test_curves_that_hide_each_other_are_named(make_window, qtbot):
    log = RunLog()
    a, b, c = log.add("zeros", {}), log.add("small", {}), log.add("he", {})
    a.history["cost"] = [0.6931472, 0.6931462]
    b.history["cost"] = [0.6931472, 0.6931460]
    c.history["cost"] = [0.76, 0.3]
    assert coinciding([a, b, c]) == {1: 0}

    w = make_window(preset="moons")
    view = w.view("comparisonView")
    with qtbot.waitSignal(view.series_runner.seriesFinished, timeout=120_000):
        assert view.run_series("compare-init", epochs=30)
    assert "init small lies on init zeros" in view.caption.text()
    assert view.curveCombo.currentData() == "train"         # four runs: the training set only, at first


def test_a_reopened_run_shows_its_preset_history_and_progress(make_window, qtbot, tmp_path):
    w = make_window(preset="moons")
    _set(w, epochs=40)
    _train(w, qtbot)
    path = tmp_path / "lesson.h5"
    assert w.save_run_file(path)

    again = make_window(preset="moons-overfit")
    assert again.open_run_file(path)
    combo = again.findChild(QComboBox, "presetCombo")
    assert combo.currentData() == "moons" and again.presetDescription.text().startswith("Seed 001")
    assert "epoch 40" in again.progressBar.format()
    cost = again.findChild(CostView, "costPlot")
    (x0, x1), _ = cost.cost_plot.viewRange()
    assert x1 < 60                                          # the 40 epochs fill the axis, not 0–10,040
    assert not again.export_boundary_animation(tmp_path / "film.gif")
    assert "arrived already trained" in again.banner.text()


def test_step_shows_the_first_points(make_window, qtbot):
    w = make_window(preset="moons")
    w.stepUnitCombo.setCurrentIndex(w.stepUnitCombo.findData("epoch"))
    cost = w.findChild(CostView, "costPlot")
    for _ in range(3):
        with qtbot.waitSignal(w.runner.snapshot, timeout=30_000,
                              check_params_cb=lambda s: s.reason == "paused"):
            w.step()
    (x0, x1), _ = cost.cost_plot.viewRange()
    assert x1 < 10, (x0, x1)                                 # not 0–10,000: the three epochs are visible
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000):
        w.stop()


def test_divergence_keeps_the_curve_readable(make_window, qtbot):
    w = make_window(preset="moons")
    _set(w, epochs=300, lr=50.0)
    result = _train(w, qtbot)
    assert result.status in ("diverged", "completed")
    cost = w.findChild(CostView, "costPlot")
    first = float(cost.cost.values[0])
    _, (y0, y1) = cost.cost_plot.viewRange()
    assert y1 <= 10 * first * 1.3                           # not up to 1e19
    text = cost.summary.text()
    assert not re.search(r"\d{7,}", text), text            # no 19-digit readout
    assert np.isfinite(first)


def test_the_boundary_fills_its_plot_at_any_window_shape(make_window, qtbot):
    from nnviz.gui.views import BoundaryView

    w = make_window(preset="moons")
    view = w.findChild(BoundaryView, "boundaryPlot")
    for size in ((1600, 1000), (1280, 720), (1000, 1000)):
        w.resize(*size)
        qtbot.waitUntil(lambda: abs(view._plot_aspect() - view.grid.rect[3] / view.grid.rect[2])
                        < 0.1 * view._plot_aspect(), timeout=5_000)
        (x0, x1), (y0, y1) = view.plot.viewRange()
        left, bottom, width, height = view.grid.rect
        # the shading covers what the plot shows (a few per cent of slack at the edges at most)
        assert left <= x0 + 0.03 * (x1 - x0) and left + width >= x1 - 0.03 * (x1 - x0), size
        assert bottom <= y0 + 0.03 * (y1 - y0) and bottom + height >= y1 - 0.03 * (y1 - y0), size
    assert view.plot_widget.renderHints() & view.plot_widget.renderHints().SmoothPixmapTransform


def test_new_points_show_at_once_on_a_trained_network(make_window, qtbot):
    from nnviz.gui.views import BoundaryView

    w = make_window(preset="moons")
    _set(w, epochs=20)
    _train(w, qtbot)
    view = w.findChild(BoundaryView, "boundaryPlot")
    before = np.concatenate([item.getData()[0] for item in view.scatter_items])
    w.findChild(QDoubleSpinBox, "noiseSpin").setValue(0.35)
    after = np.concatenate([item.getData()[0] for item in view.scatter_items])
    assert not np.array_equal(before, after)                 # the new points, without Reset
    assert w.model.history.epochs_done == 20                 # still the trained network


def test_the_first_epochs_reach_the_boundary(make_window, qtbot):
    from nnviz.gui.views import BoundaryView

    w = make_window(preset="moons")
    epochs = []
    view = w.findChild(BoundaryView, "boundaryPlot")
    w.runner.snapshot.connect(lambda s: "boundary" in s.probes and epochs.append(s.epoch))
    _set(w, epochs=200)
    _train(w, qtbot)
    assert epochs and epochs[0] <= 4, epochs[:5]              # the first bends, not the cost at 0.3 already
    assert view.frames_drawn >= 3

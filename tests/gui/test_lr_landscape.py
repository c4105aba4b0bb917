"""The schedule combo, the lr under the cost curve, the LR finder tab and the loss landscape tab."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import Schedule
from nnviz.lab.landscape import weight_vector


def _train(w, qtbot, epochs: int, lr: float | None = None):
    w.epochsSpin.setValue(epochs)
    if lr is not None:
        w.learningRateSpin.setValue(lr)
    with qtbot.waitSignal(w.trainingFinished, timeout=300_000) as blocker:
        w.trainButton.click()
    return blocker.args[0]


def test_schedule_combo_reaches_the_run_and_the_cost_view(make_window, qtbot):
    w = make_window(preset="moons")
    panel = w.training_panel
    panel.scheduleCombo.setCurrentIndex(panel.scheduleCombo.findData("cosine"))
    panel.schedule.valueSpin.setValue(0.1)
    assert w.lab.config.schedule == {"name": "cosine", "final": 0.1}
    assert w.lab.modified
    cost = w.view("costPlot")
    assert not cost.lr_curve.visible               # a constant rate draws no lr plot
    result = _train(w, qtbot, 40, lr=0.05)
    assert result.status == "completed"
    expected = Schedule("cosine", final=0.1).sequence(0.05, 40)
    np.testing.assert_allclose(w.lab.model.history.lr, expected, rtol=1e-12)
    qtbot.waitUntil(lambda: cost.lr_curve.visible)
    x, y = cost.lr_curve.curve.getData()
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert "lr 0.005" in cost.summary.text()       # the last step used lr_min = 0.1 × 0.05
    assert w.optimizer.lr == 0.05                  # the base rate again


def test_step_schedule_fields_and_bad_values(make_window, qtbot):
    w = make_window(preset="moons")
    panel = w.training_panel
    panel.scheduleCombo.setCurrentIndex(panel.scheduleCombo.findData("step"))
    assert panel.schedule.stepSpin.isVisible() and panel.schedule.label.text() == "Every"
    panel.schedule.stepSpin.setValue(7)
    panel.schedule.valueSpin.setValue(0.25)
    assert w.lab.config.schedule == {"name": "step", "step_size": 7, "gamma": 0.25}
    panel.scheduleCombo.setCurrentIndex(panel.scheduleCombo.findData("constant"))
    assert not panel.schedule.stepSpin.isVisible() and not panel.schedule.valueSpin.isVisible()
    assert w.lab.config.schedule == {"name": "constant"}
    # an old configuration without the field loads as constant; a bad one is named
    from nnviz.lab.config import RunConfig
    old = w.lab.config.to_dict()
    old.pop("schedule")
    assert RunConfig.from_dict(old).schedule == {"name": "constant"}
    bad = w.lab.config.copy()
    bad.schedule = {"name": "exponential", "gamma": 3.0}
    w.lab.apply(bad)
    assert "γ must be in" in w.lab.problems["schedule"]
    assert not w.trainButton.isEnabled()


def _finder(w, qtbot):
    w.lrFinderAction.trigger()
    dialog = w.lrFinderDialog
    qtbot.waitExposed(dialog)
    assert dialog.objectName() == "lrFinderDialog" and dialog.view.objectName() == "lrFinderView"
    return dialog.view


def test_lr_finder_finds_and_uses_a_rate(make_window, qtbot):
    w = make_window(preset="moons")
    view = _finder(w, qtbot)
    before = weight_vector(w.lab.model)
    view.iterationsSpin.setValue(60)
    view.findButton.click()
    assert view.task.active and not view.findButton.isEnabled()
    qtbot.waitUntil(lambda: not view.task.active, timeout=120_000)
    r = view.result
    assert r is not None and r.suggestion is not None
    assert "Suggested learning rate" in view.status.text()
    x, y = view.smooth_curve.getData()
    assert len(y) == r.iterations
    np.testing.assert_array_equal(weight_vector(w.lab.model), before)      # the shown network is untouched
    assert view.useButton.isEnabled()
    view.useButton.click()
    lr = float(f"{r.suggestion:.2g}")
    assert w.learningRateSpin.value() == pytest.approx(lr)
    assert w.lab.config.lr == pytest.approx(lr)
    assert w.lab.modified


def test_lr_finder_cancel_and_closing_the_window_mid_search(make_window, qtbot):
    w = make_window(preset="moons")
    view = _finder(w, qtbot)
    view.iterationsSpin.setValue(2000)
    view.findButton.click()
    qtbot.waitUntil(lambda: view.result is not None, timeout=60_000)      # the first partial result
    view.cancelButton.click()
    qtbot.waitUntil(lambda: not view.task.active, timeout=60_000)
    assert "Cancelled" in view.status.text()
    view.findButton.click()           # and again: closing the window stops and joins it
    assert view.task.active
    w.close()
    assert not view.task.active


def test_landscape_after_training_has_its_path_ending_at_the_centre(make_window, qtbot):
    w = make_window(preset="moons")
    view = w.view("landscapeView")
    view.resolutionCombo.setCurrentIndex(view.resolutionCombo.findData(21))
    _train(w, qtbot, 60, lr=0.3)
    w.viewTabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.landscape is not None and view.landscape.complete and not view.task.active,
                    timeout=120_000)
    ls = view.landscape
    assert ls.mode == "pca" and ls.cost.shape == (21, 21)
    ds = w.lab.dataset
    assert ls.centre_cost == w.lab.model.evaluate(ds.X_train, ds.y_train, batch_size=len(ds.y_train))["loss"]
    np.testing.assert_allclose(ls.path[-1], [0, 0], atol=1e-12)
    assert ls.path_iterations[-1] == w.lab.model.history.iterations_done == 60
    assert "Cost at the centre" in view.message.text()
    x, y = view.path_curve.getData()
    assert len(x) == len(ls.path)
    # the random directions, computed on the view's task again
    view.modeCombo.setCurrentIndex(view.modeCombo.findData("random"))
    qtbot.waitUntil(lambda: view.landscape.mode == "random" and view.landscape.complete and not view.task.active,
                    timeout=120_000)
    assert view.landscape.centre_cost == ls.centre_cost


def test_landscape_during_a_run_and_of_a_diverged_network(make_window, qtbot):
    w = make_window(preset="moons")
    view = w.view("landscapeView")
    view.resolutionCombo.setCurrentIndex(view.resolutionCombo.findData(21))
    w.viewTabs.setCurrentWidget(view)
    frames = []
    w.runner.snapshot.connect(lambda s: frames.append(s.probes.get("landscape")))
    _train(w, qtbot, 300, lr=0.1)
    live = [f for f in frames if f is not None]
    assert live, "the worker sent no landscape during the run"
    assert all(f.path is not None for f in live)
    qtbot.waitUntil(lambda: not view.task.active, timeout=120_000)
    # a diverged network: one clear sentence, no crash
    w.lab.model.layers[0].params["W"][0, 0] = np.nan
    w.lab._copy = None
    view.reset(w.lab.view_context())
    qtbot.waitUntil(lambda: not view.task.active and "diverged" in view.message.text(), timeout=60_000)
    assert view.landscape is None

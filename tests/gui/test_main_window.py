"""The real main window, driven through its objectNames (offscreen)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
)

from nnviz.gui.views import BoundaryView, CostView

RUN_TIMEOUT = 120_000


def find(w, cls, name):
    child = w.findChild(cls, name)
    assert child is not None, f"no {cls.__name__} named {name!r}"
    return child


def choose(combo: QComboBox, data) -> None:
    idx = combo.findData(data)
    assert idx >= 0, f"{combo.objectName()} has no item {data!r}"
    combo.setCurrentIndex(idx)
    combo.activated.emit(idx)


def quick_moons(w, qtbot, epochs=800, lr=0.3):
    """The moons preset, with fewer epochs and a larger learning rate so a test takes seconds."""
    choose(find(w, QComboBox, "presetCombo"), "moons")
    find(w, QSpinBox, "epochsSpin").setValue(epochs)
    find(w, QDoubleSpinBox, "learningRateSpin").setValue(lr)
    assert find(w, QPushButton, "trainButton").isEnabled()


def train_and_wait(w, qtbot, timeout=RUN_TIMEOUT):
    with qtbot.waitSignal(w.trainingFinished, timeout=timeout) as blocker:
        qtbot.mouseClick(find(w, QPushButton, "trainButton"), Qt.LeftButton)
    return blocker.args[0]


def start_long_run(w, qtbot, frames=1):
    """Start a moons run far too long to finish during the test; return once ``frames`` snapshots are drawn."""
    quick_moons(w, qtbot, epochs=100_000)
    qtbot.mouseClick(find(w, QPushButton, "trainButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: w.snapshots_drawn >= frames, timeout=30_000)


def stop_and_wait(w, qtbot):
    """Press Stop and return the run's result once ``trainingFinished`` arrives."""
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000) as blocker:
        qtbot.mouseClick(find(w, QPushButton, "stopButton"), Qt.LeftButton)
    return blocker.args[0]


def cost_curve(w):
    view = find(w, CostView, "costPlot")
    x, y = view.train_curve.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))


def boundary_accuracy(w):
    """Share of training points on the right side of 0.5 in the boundary *image* (not the model)."""
    view = find(w, BoundaryView, "boundaryPlot")
    image = np.asarray(view.image_item.image)
    rect = view.image_rect
    ds = w.dataset
    ny, nx = image.shape
    i = np.clip(((ds.X_train[:, 0] - rect.left()) / rect.width() * nx).astype(int), 0, nx - 1)
    j = np.clip(((ds.X_train[:, 1] - rect.top()) / rect.height() * ny).astype(int), 0, ny - 1)
    predicted = image[j, i] > 0.5
    return float(np.mean(predicted == (ds.y_train == 1)))


def test_starts_ready_with_moons_and_no_dialog(window):
    w = window
    assert QApplication.activeModalWidget() is None
    assert w.windowTitle().startswith("nnviz")
    assert not w.windowIcon().isNull()
    assert find(w, QComboBox, "presetCombo").currentData() == "moons"
    assert find(w, QComboBox, "datasetCombo").currentData() == "moons"
    assert w.builder.model.rowCount() == 5
    assert find(w, QPushButton, "trainButton").isEnabled()
    for name in ("pauseButton", "stopButton"):
        assert not find(w, QPushButton, name).isEnabled()
    for name in ("layerTable", "addLayerButton", "removeLayerButton", "learningRateSpin", "epochsSpin",
                 "batchSizeSpin", "optimizerCombo", "stepButton", "resetButton", "progressBar",
                 "costPlot", "boundaryPlot"):
        assert w.findChild(object, name) is not None, name
    # the boundary pane is not empty before training: it shows the untrained network and the data
    view = find(w, BoundaryView, "boundaryPlot")
    assert view.frames_drawn == 1 and len(view.scatter_items) >= 2
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus[0] == "File" and "View" in menus and menus[-1] == "Help"


def test_moons_trains_and_the_views_show_it(window, qtbot):
    w = window
    quick_moons(w, qtbot)
    view = find(w, BoundaryView, "boundaryPlot")
    before = np.array(view.image_item.image, copy=True)
    result = train_and_wait(w, qtbot)
    assert result.status == "completed"
    assert result.epochs_done == 800
    x, y = cost_curve(w)
    assert x.size == 800 and y.size == 800
    assert x[0] == 1 and x[-1] == 800
    assert y[-1] < y[0]
    assert np.allclose(y, w.model.history.cost)
    after = np.asarray(view.image_item.image)
    assert after.shape == before.shape and not np.allclose(after, before)
    assert boundary_accuracy(w) >= 0.9
    assert view.frame is not None and view.frame.contour_x.size > 0
    bar = find(w, QProgressBar, "progressBar")
    assert bar.value() == bar.maximum()
    assert "800" in bar.format()
    assert w.snapshots_drawn >= 2
    assert find(w, QPushButton, "trainButton").isEnabled()


def test_reset_then_second_run_starts_from_epoch_zero(window, qtbot):
    w = window
    quick_moons(w, qtbot, epochs=60)
    initial_weights = w.model.layers[0].params["W"].copy()
    train_and_wait(w, qtbot)
    assert w.model.history.epochs_done == 60
    first_cost = w.model.history.cost[:]
    qtbot.mouseClick(find(w, QPushButton, "resetButton"), Qt.LeftButton)
    assert w.model.history.epochs_done == 0
    assert cost_curve(w)[0].size == 0
    snaps = []
    w.runner.snapshot.connect(snaps.append)
    result = train_and_wait(w, qtbot)
    assert result.epochs_done == 60
    assert snaps[0].run_start_epoch == 0 and snaps[0].epoch_offset == 0
    x, _ = cost_curve(w)
    assert x[0] == 1 and x[-1] == 60 and x.size == 60
    # same seed, same data: the reset network starts from the same weights and learns the same way
    assert w.model.history.cost == pytest.approx(first_cost)
    assert initial_weights.shape == w.model.layers[0].params["W"].shape


def test_train_again_without_reset_continues_the_history(window, qtbot):
    w = window
    quick_moons(w, qtbot, epochs=30)
    train_and_wait(w, qtbot)
    train_and_wait(w, qtbot)
    assert w.model.history.epochs_done == 60
    x, _ = cost_curve(w)
    assert x.size == 60 and x[-1] == 60


def test_stop_mid_run(window, qtbot):
    w = window
    start_long_run(w, qtbot, frames=2)
    assert find(w, QPushButton, "stopButton").isEnabled()
    assert not find(w, QPushButton, "trainButton").isEnabled()
    result = stop_and_wait(w, qtbot)
    assert result.status == "stopped"
    assert 0 < result.epochs_done < 100_000
    assert not w.runner.active
    assert find(w, QPushButton, "trainButton").isEnabled()
    assert "stopped" in find(w, QProgressBar, "progressBar").format()


def test_pause_step_resume(window, qtbot):
    w = window
    start_long_run(w, qtbot)
    paused = []
    w.runner.snapshot.connect(lambda s: s.reason == "paused" and paused.append(s))
    qtbot.mouseClick(find(w, QPushButton, "pauseButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(paused) == 1, timeout=30_000)
    assert find(w, QPushButton, "trainButton").text() == "Resume"
    at = paused[0].epoch
    assert w.model.history.epochs_done == at
    qtbot.mouseClick(find(w, QPushButton, "stepButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(paused) == 2, timeout=30_000)
    assert paused[1].epoch == at + 1 and w.model.history.epochs_done == at + 1
    assert "paused" in find(w, QProgressBar, "progressBar").format()
    qtbot.mouseClick(find(w, QPushButton, "trainButton"), Qt.LeftButton)     # resume
    qtbot.waitUntil(lambda: w.model.history.epochs_done > at + 5, timeout=30_000)
    stop_and_wait(w, qtbot)


def test_step_from_idle_runs_one_iteration(window, qtbot):
    w = window
    quick_moons(w, qtbot, epochs=100)
    paused = []
    w.runner.snapshot.connect(lambda s: s.reason == "paused" and paused.append(s))
    qtbot.mouseClick(find(w, QPushButton, "stepButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(paused) == 1, timeout=30_000)
    assert w.model.history.iterations_done == 1
    assert cost_curve(w)[0].size == 1
    stop_and_wait(w, qtbot)


def test_learning_rate_applies_live(window, qtbot):
    w = window
    start_long_run(w, qtbot)
    w.findChild(object, "learningRateSpin").setValue(0.05)
    qtbot.waitUntil(lambda: w.optimizer.lr == 0.05, timeout=30_000)
    assert "applied now" in w.statusBar().currentMessage()
    stop_and_wait(w, qtbot)


def test_structural_change_while_training_asks_to_reset(window, qtbot):
    w = window
    start_long_run(w, qtbot)
    qtbot.mouseClick(find(w, QPushButton, "addLayerButton"), Qt.LeftButton)
    assert w.builder.model.rowCount() == 6
    assert "Reset" in w.banner.actionButton.text() and "new network" in w.banner.text()
    assert w.runner.active                     # the run goes on with its own network
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000):
        qtbot.mouseClick(w.banner.actionButton, Qt.LeftButton)   # "Reset now": stops, then resets
    qtbot.waitUntil(lambda: w.model is not None and w.model.history.epochs_done == 0, timeout=10_000)
    assert len(w.model.layers) == 6


def test_close_mid_run_stops_and_joins_the_worker(make_window, qtbot):
    w = make_window()
    start_long_run(w, qtbot)
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000) as blocker:
        w.close()
    assert blocker.args[0].status == "stopped"
    assert not w.runner.active
    # the autouse no_dangling_qthreads fixture also fails this test if any QThread still runs


def test_close_while_paused(make_window, qtbot):
    w = make_window()
    quick_moons(w, qtbot, epochs=100_000)
    qtbot.mouseClick(find(w, QPushButton, "stepButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: w.model.history.iterations_done == 1, timeout=30_000)
    w.close()
    assert not w.runner.active


def test_invalid_stack_disables_train_with_the_reason(window, qtbot):
    w = window
    model = w.builder.model
    units_col = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Horizontal) == "Units")
    model.setData(model.index(1, units_col), 0)
    train = find(w, QPushButton, "trainButton")
    assert not train.isEnabled()
    message = "dense_2: units must be a positive integer. Received: units=0"
    assert message in train.toolTip()
    blocked = find(w, QLabel, "trainBlockedLabel")
    assert blocked.isVisible() and message in blocked.text()
    assert message in find(w, QLabel, "stackErrorLabel").text()
    assert model.data(model.index(1, 0), Qt.ToolTipRole) == message
    assert model.data(model.index(1, 0), Qt.BackgroundRole) is not None
    assert model.data(model.index(0, 0), Qt.BackgroundRole) is None
    assert not find(w, QPushButton, "stepButton").isEnabled()
    model.setData(model.index(1, units_col), 50)
    assert train.isEnabled() and not blocked.isVisible()


def test_output_layer_that_does_not_fit_the_loss_is_flagged(window):
    w = window
    model = w.builder.model
    model.setData(model.index(4, 1), "Dropout")   # the output layer becomes a Dropout
    train = find(w, QPushButton, "trainButton")
    assert not train.isEnabled()
    assert "dropout_1: binary_crossentropy needs a Dense(1, 'sigmoid') output" in train.toolTip()
    assert model.data(model.index(4, 0), Qt.ToolTipRole).startswith("dropout_1:")


def test_worker_exception_is_reported_in_the_window(window, qtbot, monkeypatch):
    from nnviz.engine.model import Sequential

    def broken(self, X, Y):
        raise RuntimeError("backward pass exploded")

    monkeypatch.setattr(Sequential, "cost_and_gradients", broken)
    w = window
    quick_moons(w, qtbot, epochs=10)
    result = train_and_wait(w, qtbot, timeout=30_000)
    assert result.status == "error"
    assert "RuntimeError: backward pass exploded" in result.message
    assert "backward pass exploded" in w.banner.text() and w.banner.level == "error"
    assert "Training failed" in w.statusBar().currentMessage()
    assert "Traceback" in result.details
    assert find(w, QPushButton, "trainButton").isEnabled()
    assert not w.runner.active


def test_divergence_is_reported(window, qtbot):
    w = window
    quick_moons(w, qtbot, epochs=200, lr=1e6)
    result = train_and_wait(w, qtbot, timeout=60_000)
    assert result.status == "diverged"
    assert "smaller learning rate" in w.banner.text()


def test_presentation_mode_enlarges_fonts_and_lines(window):
    w = window
    cost = find(w, CostView, "costPlot")
    normal_font = w.font().pointSize()
    normal_width = cost.train_curve.opts["pen"].widthF()
    w.presentationAction.trigger()
    assert w.presentationAction.isChecked()
    assert w.font().pointSize() >= 16 > normal_font
    assert cost.train_curve.opts["pen"].widthF() > normal_width
    boundary = find(w, BoundaryView, "boundaryPlot")
    assert boundary.heading.font().pointSize() >= 20
    assert w.settingsPanel.isHidden()             # the plots get the room; F9 shows the panel again
    w.settingsPanelAction.trigger()
    assert not w.settingsPanel.isHidden()
    w.settingsPanelAction.trigger()
    w.presentationAction.trigger()
    assert w.font().pointSize() == normal_font
    assert not w.settingsPanel.isHidden()


def test_log_scale_toggle(window, qtbot):
    w = window
    quick_moons(w, qtbot, epochs=20)
    train_and_wait(w, qtbot)
    cost = find(w, CostView, "costPlot")
    cost.logCheck.setChecked(True)
    assert cost.cost_plot.getViewBox().state["logMode"][1]
    x, y = cost.train_curve.getOriginalDataset()
    assert np.all(np.asarray(y) > 0)
    cost.axisCombo.setCurrentIndex(cost.axisCombo.findData("iteration"))
    assert cost.train_curve.getOriginalDataset()[0].size == w.model.history.iterations_done

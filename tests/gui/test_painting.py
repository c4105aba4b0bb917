"""Painting 2-D data on the boundary plot with the mouse, training on it, and the multiclass boundary."""

from __future__ import annotations

import colorsys

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from nnviz.lab.painted import PAINTED

CENTRES = [(-0.8, -0.6), (0.8, -0.6), (0.0, 0.8)]


def start_drawing(w, qtbot):
    bar = w.view("boundaryPlot").paint_bar
    qtbot.mouseClick(bar.drawButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.lab.config.dataset == PAINTED and w.lab.dataset is not None)
    assert bar.drawing
    return bar


def click(qtbot, bar, x, y, modifier=Qt.NoModifier):
    qtbot.mouseClick(bar.plot_widget.viewport(), Qt.LeftButton, modifier, bar.widget_pos(x, y))


def settle(qtbot, bar):
    """Clicks reach the lab once the mouse rests: wait for that."""
    qtbot.waitUntil(lambda: not bar.pending, timeout=5000)


def paint_blobs(qtbot, bar, per_class=10, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    for k in range(classes):
        bar.classCombo.setCurrentIndex(k)
        for x, y in rng.normal(CENTRES[k], 0.12, size=(per_class, 2)):
            click(qtbot, bar, x, y)
    settle(qtbot, bar)


def dominant_hues(image, min_share=0.03) -> int:
    """How many separate hue clusters (20° bins, neighbours merged) hold at least ``min_share`` of the
    coloured pixels (saturation > 0.15) of an RGB image (h, w, 3) uint8."""
    px = image.reshape(-1, 3).astype(float) / 255
    hsv = np.array([colorsys.rgb_to_hsv(*p) for p in px[:: max(1, len(px) // 40000)]])
    hues = hsv[hsv[:, 1] > 0.15, 0] * 360
    counts = np.bincount((hues // 20).astype(int) % 18, minlength=18)
    strong = counts >= min_share * max(1, len(hues))
    # clusters of neighbouring strong bins on the hue circle
    starts = [i for i in range(18) if strong[i] and not strong[i - 1]]
    return len(starts) if not strong.all() else 1


def grab_rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def test_painting_three_classes_trains_a_softmax_network_and_shows_three_colours(make_window, qtbot, tmp_path,
                                                                                 monkeypatch):
    w = make_window(preset="moons")
    bar = start_drawing(w, qtbot)
    view = w.view("boundaryPlot")
    paint_blobs(qtbot, bar)
    lab = w.lab
    assert lab.painted.counts() == [10, 10, 10]
    np.testing.assert_allclose(lab.painted.X.mean(axis=0), np.mean(CENTRES, axis=0), atol=0.1)  # where we clicked
    counts = w.dataset_panel.countsLabel.text()
    assert "class 1:&nbsp;<b>10</b>" in counts and "class 3:&nbsp;<b>10</b>" in counts
    # a one-unit sigmoid output cannot take 3 classes: Train says why
    assert not w.trainButton.isEnabled() and "labels must be in 0..1" in w.controls.blockedLabel.text()

    config = lab.config.copy()
    config.layers = [{"type": "Dense", "units": 8, "activation": "tanh"},
                     {"type": "Dense", "units": 3, "activation": "softmax"}]
    config.loss, config.epochs = "categorical_crossentropy", 300
    config = config.with_optimizer("adam", 0.05)
    w.apply_config(config)
    assert w.dataset.name == PAINTED and len(w.dataset.y_train) + len(w.dataset.y_test) == 30
    assert w.trainButton.isEnabled()
    with qtbot.waitSignal(w.trainingFinished, timeout=120_000) as blocker:
        qtbot.mouseClick(w.trainButton, Qt.LeftButton)
    assert blocker.args[0].status == "completed"
    ds = w.dataset
    accuracy = w.model.evaluate(ds.X_train, ds.y_train)["accuracy"]
    print(f"painted 3 classes × 10 points: training accuracy {accuracy:.4f}")
    assert accuracy >= 0.95
    assert view.frame is not None and view.frame.probs.shape[2] == 3
    # the drawn shading: three colours, one per class
    image = view.image_item.image
    assert image.ndim == 3 and image.shape[2] == 3
    assert dominant_hues(image) == 3            # the shading alone, without the points
    hues = dominant_hues(grab_rgb(view.plot_widget))
    print(f"dominant hues in the drawn boundary: {hues}")
    assert hues == 3
    winners = np.argmax(view.frame.probs, axis=2)
    assert set(np.unique(winners).tolist()) == {0, 1, 2}

    # save through the Save button, clear, load through Load: the very same points
    path = tmp_path / "points.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before_X, before_y = lab.painted.X.copy(), lab.painted.y.copy()
    qtbot.mouseClick(bar.saveButton, Qt.LeftButton)
    assert path.read_text().splitlines()[0] == "x1,x2,label"
    qtbot.mouseClick(bar.clearButton, Qt.LeftButton)
    assert len(lab.painted) == 0 and len(w.dataset.y_train) == 0
    qtbot.mouseClick(bar.loadButton, Qt.LeftButton)
    assert lab.painted.X.tobytes() == before_X.tobytes() and lab.painted.y.tolist() == before_y.tolist()


def test_shift_drag_erases_and_one_class_blocks_training(make_window, qtbot):
    w = make_window(preset="moons")
    bar = start_drawing(w, qtbot)
    for x in (-0.5, -0.4, 0.9):
        click(qtbot, bar, x, 0.0)
    assert len(bar.preview.data) == 3 and len(w.lab.painted) == 0     # shown at once, then handed over
    settle(qtbot, bar)
    assert len(bar.preview.data) == 0
    assert len(w.lab.painted) == 3
    assert not w.trainButton.isEnabled()
    reason = w.controls.blockedLabel.text()
    assert "Paint points of at least two classes" in reason and "'class 1'" in reason
    w.train()                                   # F5 or the Run menu: nothing starts
    qtbot.keyClick(w, Qt.Key_F5)
    assert w.lab.state == "idle" and w.model.history.epochs_done == 0 and not w.trainAction.isEnabled()
    viewport = bar.plot_widget.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, Qt.ShiftModifier, bar.widget_pos(-0.6, 0.0))
    qtbot.mouseMove(viewport, bar.widget_pos(-0.45, 0.0))
    qtbot.mouseMove(viewport, bar.widget_pos(-0.3, 0.0))
    qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.ShiftModifier, bar.widget_pos(-0.3, 0.0))
    settle(qtbot, bar)
    assert w.lab.painted.X[:, 0].tolist() == [0.9] or np.allclose(w.lab.painted.X[:, 0], [0.9], atol=0.02)


def test_a_malformed_points_file_is_named_in_the_banner(make_window, qtbot, tmp_path, monkeypatch):
    w = make_window(preset="moons")
    bar = start_drawing(w, qtbot)
    click(qtbot, bar, 0.2, 0.3)
    settle(qtbot, bar)
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,class 1\n0.3,abc,class 2\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    qtbot.mouseClick(bar.loadButton, Qt.LeftButton)
    assert "bad.csv, row 3, column x2: expected a finite number, received 'abc'." in w.banner.text()
    assert len(w.lab.painted) == 1


def test_blobs_with_four_classes_get_four_shades(make_window, qtbot):
    w = make_window(preset="moons")
    config = w.lab.config.copy()
    config.dataset, config.dataset_options = "blobs", {"n_samples": 400, "noise": 0.2, "test_fraction": 0.2,
                                                       "seed": 0, "classes": 4}
    config.layers = [{"type": "Dense", "units": 4, "activation": "softmax"}]
    config.loss, config.epochs = "categorical_crossentropy", 200
    w.apply_config(config.with_optimizer("adam", 0.05))
    assert w.dataset_panel.classesSpin.value() == 4 and w.dataset_panel.classesSpin.isEnabled()
    with qtbot.waitSignal(w.trainingFinished, timeout=120_000):
        qtbot.mouseClick(w.trainButton, Qt.LeftButton)
    view = w.view("boundaryPlot")
    assert dominant_hues(grab_rgb(view.plot_widget)) == 4
    assert "blob 4" in view.caption.text()


def test_feature_checkboxes_and_the_class_count_set_the_configuration(make_window, qtbot):
    w = make_window(preset="moons")
    panel = w.dataset_panel
    panel.datasetCombo.setCurrentIndex(panel.datasetCombo.findData("circles"))
    assert w.lab.config.dataset == "circles" and w.lab.config.features == []
    assert "(2,)" in w.builder.inputLabel.text()
    assert panel.featuresButton.text() == "Inputs: x₁, x₂"
    for name in ("x1^2", "x2^2"):
        panel.findChild(type(panel.featureChecks.checks["x1"]), f"featureCheck_{name}").click()
    assert panel.featuresButton.text() == "Inputs: 4 features"
    assert w.lab.config.features == ["x1", "x2", "x1^2", "x2^2"]
    assert "(4,)" in w.builder.inputLabel.text() and "x₁²" in w.builder.inputLabel.text()
    assert w.lab.report.ok and w.lab.report.rows[0].params == 4 * 25 + 25
    w.reset()
    assert type(w.model.layers[0]).__name__ == "InputFeatures" and w.model.input_shape == (2,)
    assert w.view("boundaryPlot").frame is not None          # still drawn over the (x1, x2) plane
    config = w.lab.config.copy()
    config.features = ["x1^2", "sin(x2)"]
    w.apply_config(config)                                   # a configuration fills the drop-down too
    assert panel.featuresButton.text() == "Inputs: x₁², sin x₂" and w.lab.config.features == ["x1^2", "sin(x2)"]
    panel.featureChecks.set_features(["x1", "x2", "x1^2", "x2^2"])
    w._on_edited("features")
    for name in ("x1^2", "x2^2"):
        panel.featureChecks.checks[name].click()
    assert w.lab.config.features == []                       # x1, x2 alone: the raw inputs, no layer
    # the class count: only for blobs and spiral
    assert not panel.classesSpin.isEnabled() and not panel.classesSpin.isVisible()
    panel.datasetCombo.setCurrentIndex(panel.datasetCombo.findData("spiral"))
    assert panel.classesSpin.isEnabled() and panel.classesSpin.isVisible() and panel.classesSpin.value() == 2
    panel.classesSpin.setValue(5)
    assert w.lab.config.dataset_options["classes"] == 5 and w.dataset.n_classes == 5
    assert "arm 5:&nbsp;<b>200</b>" in panel.countsLabel.text()

"""Drag-and-drop prediction on the real main window (offscreen): digits, cats, and every kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from predict_helpers import train, write_digit_png, write_rgb_png
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from nnviz.data import array_to_mnist_input, load_dataset
from nnviz.lab.prediction import NO_MODEL_MESSAGE, frozen_copy

LOAD_TIMEOUT = 60_000


def drop_files(target, paths) -> None:
    """Drag ``paths`` over ``target`` and drop them, as Qt delivers a drop from a file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = target.rect().center()
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the drag was refused"
    drop = QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted(), "the drop was refused"


def only_item(view):
    assert len(view.items) == 1
    return next(iter(view.items.values()))


def wait_loaded(qtbot, view, timeout=LOAD_TIMEOUT):
    qtbot.waitUntil(lambda: not view.busy and all(i.loaded is not None or i.error for i in view.items.values()),
                    timeout=timeout)


def test_dropped_digit_png_is_named(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    assert train(qtbot, window, epochs=1).status == "completed"
    probs = window.model.predict(ds.X_test)
    right = np.flatnonzero((probs.argmax(axis=1) == ds.y_test) & (probs.max(axis=1) > 0.95))
    i = int(right[0])      # a digit this model gets right in the test set, so the check means something
    digit = ds.class_names[ds.y_test[i]]
    path = tmp_path / "digit.png"
    write_digit_png(path, ds.X_test[i, 0])

    view = window.prediction_view
    drop_files(window, [path])
    assert window.viewTabs.currentWidget() is view
    qtbot.waitUntil(lambda: "%" in view.predictionLabel.text(), timeout=LOAD_TIMEOUT)

    assert view.predictionLabel.text().startswith(f"{digit} — ")
    item = only_item(view)
    # Inverted, enlarged 5× and brought back: the network sees (almost) the original MNIST digit.
    assert item.loaded.x.shape == (1, 28, 28)
    assert np.corrcoef(item.loaded.x.ravel(), ds.X_test[i].ravel())[0, 1] > 0.9
    expected = window.model.predict(item.loaded.x[None])[0]
    np.testing.assert_allclose(item.prediction.probs, expected, rtol=1e-5, atol=1e-7)
    assert view.predictionLabel.text() == f"{digit} — {expected.max():.1%}"


def test_cat_photo_shows_two_probabilities(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("cats", data_dir=real_data_dir)
    window = make_window("cats-deep", data_dir=real_data_dir)
    assert train(qtbot, window, epochs=300).status == "completed"
    i = int(np.flatnonzero(ds.y_test == 1)[0])
    path = tmp_path / "cat.png"
    write_rgb_png(path, ds.X_test[i])

    view = window.prediction_view
    cost_plot = window.findChild(QWidget, "costPlot")
    drop_files(cost_plot.graphics.viewport(), [path])     # dropped on a plot: still reaches the window
    qtbot.waitUntil(lambda: "%" in view.predictionLabel.text(), timeout=LOAD_TIMEOUT)

    item = only_item(view)
    np.testing.assert_allclose(item.loaded.x, ds.X_test[i], atol=1e-6)   # 64×64 RGB, as in the h5 file
    p_cat = float(window.model.predict(ds.X_test[i:i + 1])[0, 0])
    probs = item.prediction.probs
    assert probs.shape == (2,) and probs.sum() == pytest.approx(1.0)
    assert probs[1] == pytest.approx(p_cat, rel=1e-5)
    assert item.prediction.names == ["non-cat", "cat"]
    top = "cat" if p_cat >= 0.5 else "non-cat"
    assert view.predictionLabel.text() == f"{top} — {max(p_cat, 1 - p_cat):.1%}"
    assert len(view.bars.opts["width"]) == 2


def test_several_files_are_listed_and_selectable(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    paths = []
    for k in range(3):
        paths.append(tmp_path / f"d{k}.png")
        write_digit_png(paths[-1], ds.X_test[k, 0], scale=2)
    view = window.prediction_view
    drop_files(window, paths)
    wait_loaded(qtbot, view)
    assert view.fileList.count() == 3
    assert view.fileList.currentRow() == 0
    view.fileList.setCurrentRow(2)
    shown = view.input_image.image
    np.testing.assert_allclose(shown, list(view.items.values())[2].loaded.x[0])


def test_non_image_file_says_so(make_window, qtbot, tmp_path):
    window = make_window("mnist-dense")
    path = tmp_path / "notes.png"
    path.write_text("these are notes, not a picture")
    drop_files(window, [path])
    view = window.prediction_view
    qtbot.waitUntil(lambda: only_item(view).error is not None, timeout=LOAD_TIMEOUT)
    assert "notes.png is not an image nnviz can read" in view.predictionLabel.text()


def test_corrupt_png_says_so(make_window, qtbot, tmp_path):
    window = make_window("mnist-dense")
    path = tmp_path / "broken.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    drop_files(window, [path])
    view = window.prediction_view
    qtbot.waitUntil(lambda: only_item(view).error is not None, timeout=LOAD_TIMEOUT)
    text = view.predictionLabel.text()
    assert "broken.png" in text and "damaged or truncated" in text


def test_huge_image_is_read_without_freezing_the_window(make_window, qtbot, real_data_dir, tmp_path):
    path = tmp_path / "huge.png"
    img = Image.new("L", (10_000, 10_000), 255)
    ImageDraw.Draw(img).line([(5000, 1500), (5000, 8500)], fill=0, width=900)      # a big "1"
    img.save(path, compress_level=1)
    del img
    window = make_window("mnist-dense", data_dir=real_data_dir)
    view = window.prediction_view
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(view.busy))
    timer.start(5)

    drop_files(window, [path])
    # The drop has returned and nothing is decoded yet: the file is being read in a pool thread.
    assert view.busy and only_item(view).loaded is None
    assert view.predictionLabel.text() == "Reading huge.png…"
    wait_loaded(qtbot, view)
    timer.stop()

    assert any(ticks), "the event loop did not run while the image was being read"
    item = only_item(view)
    assert item.error is None and item.loaded.size == (10_000, 10_000)
    assert item.loaded.x.shape == (1, 28, 28)
    rows = np.flatnonzero(item.loaded.x[0].max(axis=1) > 0.5)
    assert rows.size >= 18        # the bar fills the 20-pixel box, as MNIST digits do


def test_drop_while_training_uses_a_copy_of_the_weights(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    path = tmp_path / "digit.png"
    write_digit_png(path, ds.X_test[0, 0])
    view = window.prediction_view
    window.epochsSpin.setValue(20)
    window.train()
    assert window.runner.active
    qtbot.waitUntil(lambda: window.model.history.iterations_done > 5, timeout=LOAD_TIMEOUT)
    drop_files(window, [path])
    qtbot.waitUntil(lambda: "%" in view.predictionLabel.text(), timeout=LOAD_TIMEOUT)

    assert window.runner.active, "the run should still be going"
    assert view.last_model is not None and view.last_model is not window.model
    assert "Live: weights from iteration" in view.detailLabel.text()
    with qtbot.waitSignal(window.trainingFinished, timeout=LOAD_TIMEOUT):
        window.stop()
    # Once the run has ended, the prediction is made again with the final weights.
    item = only_item(view)
    final = window.model.predict(item.loaded.x[None])[0]
    np.testing.assert_allclose(item.prediction.probs, final, rtol=1e-5, atol=1e-7)
    assert item.prediction.iterations == window.model.history.iterations_done


def test_drop_on_untrained_network_asks_for_training(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    path = tmp_path / "digit.png"
    write_digit_png(path, ds.X_test[0, 0])
    drop_files(window, [path])
    view = window.prediction_view
    wait_loaded(qtbot, view)
    assert "Train a model first, or load one with File → Load model…" in view.predictionLabel.text()
    assert only_item(view).prediction is None


def test_drop_without_any_model_asks_for_one(make_window, qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(empty))
    monkeypatch.setenv("XDG_DATA_HOME", str(empty))
    monkeypatch.chdir(empty)
    window = make_window("mnist-dense", data_dir=empty)
    assert window.model is None and window.dataset is None
    path = tmp_path / "digit.png"
    Image.new("L", (50, 50), 255).save(path)
    drop_files(window, [path])
    view = window.prediction_view
    wait_loaded(qtbot, view)
    assert view.predictionLabel.text() == NO_MODEL_MESSAGE
    assert only_item(view).error is None and only_item(view).loaded.size == (50, 50)


def test_photo_on_moons_model_explains_it_takes_points(make_window, qtbot, tmp_path):
    window = make_window("moons")
    train(qtbot, window, epochs=20)
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(path)
    drop_files(window, [path])
    text = window.prediction_view.predictionLabel.text()
    assert "takes 2-D points (x, y), not images" in text
    assert not window.prediction_view.busy      # nothing was even read


def test_drawing_pad_predicts_live(make_window, qtbot, real_data_dir):
    window = make_window("mnist-dense", data_dir=real_data_dir)
    assert train(qtbot, window, epochs=1).status == "completed"
    view = window.prediction_view
    window.viewTabs.setCurrentWidget(view)
    assert view.padBox.isVisible()
    pad = view.pad
    # A stroke drawn with the mouse...
    qtbot.mousePress(pad, Qt.LeftButton, pos=QPoint(pad.width() // 2, pad.height() // 5))
    for k in range(1, 11):
        qtbot.mouseMove(pad, QPoint(pad.width() // 2, pad.height() // 5 + k * pad.height() // 17))
    qtbot.mouseRelease(pad, Qt.LeftButton, pos=QPoint(pad.width() // 2, pad.height() * 4 // 5))
    assert not pad.is_empty()
    qtbot.waitUntil(lambda: "%" in view.predictionLabel.text(), timeout=5000)
    np.testing.assert_allclose(view._pad_x, array_to_mnist_input(pad.ink()))
    assert view.predictionLabel.text().startswith("1 — ")      # a vertical bar is a one
    expected = frozen_copy(window.model).predict(view._pad_x[None])[0]
    np.testing.assert_allclose(view._pad_prediction.probs, expected, rtol=1e-5)
    view.padClearButton.click()
    assert pad.is_empty() and "%" not in view.predictionLabel.text()

"""Feature maps: one image per channel of every conv/pool layer, checked against scipy, live and browsable."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from scipy.signal import correlate

from nnviz.engine import Conv2D, MaxPool2D
from nnviz.gui.views import FeatureMapView


def feature_view(w) -> FeatureMapView:
    view = w.findChild(FeatureMapView, "featureMapView")
    w.viewTabs.setCurrentWidget(view)
    return view


def train(qtbot, w, timeout=60_000):
    with qtbot.waitSignal(w.trainingFinished, timeout=timeout) as blocker:
        w.train()
    assert blocker.args[0].status == "completed", blocker.args[0].message
    return blocker.args[0]


def test_mnist_cnn_maps_one_image_per_channel(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = feature_view(w)
    w.epochsSpin.setValue(1)
    drawn_before = view.frames_drawn
    train(qtbot, w)
    assert view.frames_drawn >= drawn_before + 2        # updated during the run, not only at its end
    images = view.map_images()
    layers = [layer for layer in w.model.layers if isinstance(layer, (Conv2D, MaxPool2D))]
    assert list(images) == [layer.name for layer in layers] == ["conv_1", "maxpool_1", "conv_2", "maxpool_2"]
    for layer, shape in zip(w.model.layers, w.model.output_shapes):
        if layer.name in images:
            c, h, width = shape
            assert len(images[layer.name]) == c
            assert all(img.shape == (h, width) for img in images[layer.name])
    assert [len(images[n]) for n in images] == [4, 4, 16, 16]
    filters = view.filter_images()
    assert [len(filters[n]) for n in filters] == [4, 16] and filters["conv_2"][0].shape == (3, 3)

    # The drawn maps are the network's: conv_1 recomputed with scipy from the trained weights.
    x = w.dataset.X_test[0, 0].astype(np.float64)
    conv = w.model.layers[0]
    W, b = conv.params["W"].astype(np.float64), conv.params["b"].astype(np.float64)
    for d in range(4):
        np.testing.assert_allclose(images["conv_1"][d], correlate(x, W[d, 0], mode="valid") + b[d],
                                   rtol=1e-4, atol=1e-4)
    pooled = images["maxpool_1"][2]
    np.testing.assert_allclose(pooled, images["conv_1"][2][:26, :26].reshape(13, 2, 13, 2).max(axis=(1, 3)))
    np.testing.assert_allclose(filters["conv_2"][5], w.model.layers[2].params["W"][5].mean(axis=0), rtol=1e-6)
    assert "test sample 1" in view.inputCaption.text() and "network says" in view.inputCaption.text()


def test_browse_samples_and_give_an_input(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = feature_view(w)
    first = view.map_images()["conv_1"][0].copy()
    view.nextButton.click()
    qtbot.waitUntil(lambda: "test sample 2" in view.inputCaption.text())
    second = view.map_images()["conv_1"][0]
    assert not np.allclose(first, second)
    true = w.dataset.class_names[w.dataset.y_test[1]]
    assert f"true class: <b>{true}</b>" in view.inputCaption.text()
    view.prevButton.click()
    qtbot.waitUntil(lambda: "test sample 1" in view.inputCaption.text())
    np.testing.assert_allclose(view.map_images()["conv_1"][0], first)

    # one colour scale per layer, or each map stretched to its own range
    items = view.blocks["conv_2"].maps.items
    shared = np.concatenate([it.image.ravel() for it in items])
    assert all(tuple(it.getLevels()) == pytest.approx((shared.min(), shared.max())) for it in items)
    view.sharedScaleCheck.setChecked(False)
    assert all(tuple(it.getLevels()) == pytest.approx((it.image.min(), it.image.max())) for it in items)
    assert "own range" in view.blocks["conv_2"].heading.text()
    view.sharedScaleCheck.setChecked(True)

    blank = np.zeros((1, 28, 28), dtype=np.float32)
    assert view.set_input(blank[None], "a blank drawing")
    qtbot.waitUntil(lambda: "a blank drawing" in view.inputCaption.text())
    bias = w.model.layers[0].params["b"]
    for d, img in enumerate(view.map_images()["conv_1"]):
        np.testing.assert_allclose(img, np.full((26, 26), bias[d]), atol=1e-6)
    with pytest.raises(ValueError, match=r"input shape \(1, 28, 28\).*\(3, 28, 28\)"):
        view.set_input(np.zeros((3, 28, 28)), "wrong")


def test_browsing_while_paused_recomputes_in_the_worker(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = feature_view(w)
    w.epochsSpin.setValue(1)
    with qtbot.waitSignal(w.runner.snapshot, timeout=30_000, check_params_cb=lambda s: s.reason == "paused"):
        w.step()                          # one iteration, then the worker waits paused
    assert w.runner.active
    with qtbot.waitSignal(w.runner.snapshot, timeout=30_000, check_params_cb=lambda s: s.reason == "paused"):
        view.sampleSpin.setValue(7)
    assert "test sample 7" in view.inputCaption.text()
    with qtbot.waitSignal(w.trainingFinished, timeout=30_000):
        w.stop()


def test_a_dense_network_says_it_has_no_feature_maps(make_window):
    w = make_window(preset="moons")
    view = feature_view(w)
    assert not view.available
    assert view.stack.currentWidget() is view.message
    assert "no convolutional layers" in view.message.text() and "mnist-cnn" in view.message.text()
    assert view.set_input(np.zeros(2), "x") is False
    assert view.map_images() == {}


def test_colour_photos_show_colour_filters_and_maps(make_window, real_data_dir, qtbot):
    w = make_window(data_dir=real_data_dir, preset="cats-deep")
    config = w.current_config()
    config.layers = [{"type": "Conv2D", "filters": 6, "kernel_size": 4, "stride": 2, "activation": "relu"},
                     {"type": "MaxPool2D", "pool_size": 2},
                     {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
                     {"type": "Flatten"}, {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    w.apply_config(config)
    assert w.model is not None, w.train_block_reason()
    view = feature_view(w)
    maps, filters = view.map_images(), view.filter_images()
    assert [len(maps[n]) for n in maps] == [6, 6, 4]
    assert maps["conv_1"][0].shape == (31, 31) and maps["maxpool_1"][0].shape == (15, 15)
    assert maps["conv_2"][0].shape == (13, 13)
    W = w.model.layers[0].params["W"]                        # (6, 3, 4, 4)
    assert filters["conv_1"][0].shape == (4, 4, 3)         # first layer on RGB photos: colour filters
    scale = np.abs(W).max()
    np.testing.assert_allclose(filters["conv_1"][2], 0.5 + np.transpose(W[2], (1, 2, 0)) / (2 * scale), rtol=1e-6)
    assert filters["conv_2"][0].shape == (3, 3)             # deeper: averaged over the 6 input maps
    assert view.input_grid.images()[0].shape == (64, 64, 3)
    assert "cat" in view.inputCaption.text()


def test_a_dropped_image_reaches_the_feature_maps(make_window, real_data_dir, qtbot, tmp_path):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    w = make_window(data_dir=real_data_dir, preset="mnist-cnn")
    view = w.findChild(FeatureMapView, "featureMapView")
    ink = np.clip(w.dataset.X_test[5, 0] * 255, 0, 255).astype(np.uint8)
    path = tmp_path / "digit.png"
    Image.fromarray(255 - ink, "L").resize((140, 140), Image.BICUBIC).save(path)   # dark on light, like a scan
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = w.rect().center()
    QApplication.sendEvent(w, QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(w, QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))

    def caption():
        view.map_images()              # draws what the hidden tab has received
        return view.inputCaption.text()

    assert "test sample 1" in caption()
    qtbot.waitUntil(lambda: "test sample" not in caption(), timeout=60_000)
    item = next(iter(w.prediction_view.items.values()))
    x = item.loaded.x[0].astype(np.float64)                 # what the network sees: (28, 28)
    conv = w.model.layers[0]
    W, b = conv.params["W"].astype(np.float64), conv.params["b"].astype(np.float64)
    for d, img in enumerate(view.map_images()["conv_1"]):
        np.testing.assert_allclose(img, correlate(x, W[d, 0], mode="valid") + b[d], rtol=1e-4, atol=1e-4)

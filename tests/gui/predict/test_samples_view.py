"""Item 11 of issue 14: image datasets get test images, predictions and per-class accuracy in the Training tab."""

from __future__ import annotations

import numpy as np
import pytest
from predict_helpers import train

from nnviz.data import load_dataset


def test_mnist_training_tab_shows_test_samples_and_per_class_accuracy(make_window, qtbot, real_data_dir):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-dense", data_dir=real_data_dir)
    view, boundary = window.view("samplesView"), window.view("boundaryPlot")
    assert view.isVisible() and not boundary.isVisible()      # the left half is not an empty message
    assert train(qtbot, window, epochs=1).status == "completed"
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.epoch == 1, timeout=30_000)
    frame = view.frame

    # what the engine computes directly on the test set, with the trained weights
    probs = window.model.predict(ds.X_test)
    pred = probs.argmax(axis=1)
    expected = np.array([np.mean(pred[ds.y_test == k] == k) for k in range(10)])
    np.testing.assert_allclose(frame.class_accuracy, expected)
    np.testing.assert_allclose(view.accuracy_heights(), expected)
    assert frame.accuracy == pytest.approx(np.mean(pred == ds.y_test))
    assert f"{frame.accuracy:.1%}" in view.accuracy_title.text()

    # the images shown are test images, with the network's probabilities for them
    idx = frame.indices
    assert len(idx) == 8 and len(set(idx.tolist())) == 8
    np.testing.assert_allclose(frame.images, ds.X_test[idx])
    np.testing.assert_allclose(frame.probs, probs[idx], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(frame.true, ds.y_test[idx])
    np.testing.assert_allclose(view.picture.input_image.image, ds.X_test[idx[0], 0])
    np.testing.assert_allclose(view.picture.bars.opts["width"], probs[idx[0]], rtol=1e-5, atol=1e-7)
    assert f"#{idx[0]:,}" in view.caption.text() and ds.class_names[ds.y_test[idx[0]]] in view.caption.text()
    tiles = view.strip.images()
    assert len(tiles) == 8
    np.testing.assert_allclose(tiles[3], ds.X_test[idx[3], 0])
    caption = view.strip.captions[3].textItem.toPlainText()
    assert caption.startswith(f"{ds.class_names[ds.y_test[idx[3]]]}→{ds.class_names[pred[idx[3]]]}")


def test_moons_keeps_the_boundary_and_hides_the_samples(make_window):
    window = make_window("moons")
    assert window.view("boundaryPlot").isVisible()
    assert not window.view("samplesView").isVisible()
    assert window.view("samplesView").probes(window.lab.view_context()) == []

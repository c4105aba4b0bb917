"""Item 11 of issue 14: image datasets get test images, predictions and per-class accuracy in the Training tab."""

from __future__ import annotations

import numpy as np
import pytest
from predict_helpers import train

from nnviz.data import load_dataset
from nnviz.lab.prediction import class_probabilities
from nnviz.lab.samples import SamplesProbe, per_class_accuracy


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
    assert caption.startswith(f"{ds.class_names[ds.y_test[idx[3]]]} → {ds.class_names[pred[idx[3]]]}")


def test_moons_keeps_the_boundary_and_hides_the_samples(make_window):
    window = make_window("moons")
    assert window.view("boundaryPlot").isVisible()
    assert not window.view("samplesView").isVisible()
    assert window.view("samplesView").probes(window.lab.view_context()) == []


def test_probe_cycles_through_the_test_set_and_counts_per_class():
    class Half:
        """A 'network' that says class 1 for bright images and class 0 for dark ones."""
        class history:
            epochs_done, iterations_done = 1, 10

        def predict(self, X):
            p = (X.reshape(len(X), -1).mean(axis=1) > 0.5).astype(float)
            return np.stack([1 - p, p], axis=1)

    X = np.concatenate([np.zeros((6, 1, 4, 4)), np.ones((4, 1, 4, 4))])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    probe = SamplesProbe(X, y, 2, count=3)
    first, second = probe.compute(Half()), probe.compute(Half())
    assert second.cursor == first.cursor + 1
    np.testing.assert_array_equal(second.indices[:2], first.indices[1:])
    acc, counts = per_class_accuracy(y, (X.reshape(10, -1).mean(1) > 0.5).astype(int), 2)
    np.testing.assert_allclose(first.class_accuracy, acc)
    np.testing.assert_array_equal(counts, [3, 7])
    np.testing.assert_allclose(acc, [1.0, 4 / 7])
    assert first.accuracy == pytest.approx(7 / 10)
    np.testing.assert_allclose(first.probs, [class_probabilities(r) for r in Half().predict(X[first.indices])])

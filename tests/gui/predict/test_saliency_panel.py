"""The Prediction tab's "Why did it say that?" panel: saliency maps of a dropped digit, the nearest training
examples, an untrained network, a diverged one."""

from __future__ import annotations

import numpy as np
from predict_helpers import train, write_digit_png
from test_prediction_view import drop_files, only_item, wait_loaded

from nnviz.data import load_dataset
from nnviz.engine import Sequential
from nnviz.engine.layers import Conv2D, Dense, Flatten
from nnviz.lab.saliency import UNTRAINED_NOTE, hidden_features, score_gradient

TIMEOUT = 60_000


def wait_explained(qtbot, panel, neighbours=True):
    qtbot.waitUntil(lambda: not panel.busy and (panel.saliency is not None or panel.error is not None)
                    and (not neighbours or panel.neighbours is not None or panel.error is not None), timeout=TIMEOUT)


def test_dropped_digit_gets_saliency_maps_and_its_nearest_training_digits(make_window, qtbot, real_data_dir,
                                                                          tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-cnn", data_dir=real_data_dir)
    assert train(qtbot, window, epochs=1).status == "completed"
    path = tmp_path / "digit.png"
    write_digit_png(path, ds.X_test[0, 0])
    view = window.prediction_view
    panel = view.explainPanel
    drop_files(window, [path])
    wait_loaded(qtbot, view)
    wait_explained(qtbot, panel)
    x = only_item(view).loaded.x
    sal = panel.saliency
    # the same gradient, computed here on another copy of the trained network
    grad, top, score = score_gradient(window.model.copy(), x)
    assert sal.top == top == only_item(view).prediction.top
    np.testing.assert_allclose(sal.gradient, grad, rtol=1e-5, atol=1e-7)
    # one picture per kind, each the input's size, and the caption says which
    pictures = {}
    for i in range(panel.kindCombo.count()):
        panel.kindCombo.setCurrentIndex(i)
        pictures[panel.kind] = panel.overlay_image().copy()
        assert pictures[panel.kind].shape == (28, 28, 3)
        assert panel.kindCombo.currentText().split()[0] in panel.caption.text()
    assert not np.array_equal(pictures["gradient"], pictures["occlusion"])
    assert "before softmax" in panel.caption.text() or "Occlusion" in panel.caption.text()
    # the nearest training examples: brute force over the whole training set
    near = panel.neighbours
    features = hidden_features(window.model.copy(), ds.X_train)
    f = hidden_features(window.model.copy(), x[None])[0]
    d = np.linalg.norm(features.astype(np.float64) - f, axis=1)
    np.testing.assert_array_equal(near.indices, np.argsort(d, kind="stable")[:5])
    np.testing.assert_allclose(near.distances, np.sort(d)[:5], rtol=1e-5)
    np.testing.assert_array_equal(near.labels, ds.y_train[near.indices])
    assert panel.neighboursGrid.isVisible()
    assert [t.split("\n")[0] for t in panel.neighboursGrid._texts] == [ds.class_names[y] for y in near.labels]
    assert "dense_2 (128 values)" in panel.neighboursTitle.text()
    np.testing.assert_array_equal(panel.neighboursGrid.images()[0], ds.X_train[near.indices[0], 0])
    # a second digit: the training set's activations are not computed again
    path2 = tmp_path / "digit2.png"
    write_digit_png(path2, ds.X_test[1, 0])
    drop_files(window, [path2])
    qtbot.waitUntil(lambda: panel._x is not None and not np.array_equal(panel._x, x), timeout=TIMEOUT)
    wait_explained(qtbot, panel)
    assert panel.features.computed == 1


def test_untrained_network_is_explained_and_says_it_is_untrained(make_window, qtbot, real_data_dir, tmp_path):
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    window = make_window("mnist-cnn", data_dir=real_data_dir)
    path = tmp_path / "digit.png"
    write_digit_png(path, ds.X_test[3, 0])
    view = window.prediction_view
    panel = view.explainPanel
    assert panel.isHidden()                  # nothing to explain before an image arrives
    drop_files(window, [path])
    wait_loaded(qtbot, view)
    wait_explained(qtbot, panel)
    assert not panel.isHidden()
    assert panel.error is None
    assert not panel.saliency.trained and UNTRAINED_NOTE in panel.caption.text()
    assert all(np.all(np.isfinite(m)) for m in panel.saliency.maps.values())
    assert np.all(np.isfinite(panel.overlay_image()))
    assert "not been trained" in view.predictionLabel.text()


def test_diverged_network_gets_one_sentence(qtbot):
    from nnviz.gui.views.prediction_explain import ExplanationPanel

    panel = ExplanationPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    model = Sequential([Conv2D(2, 3, activation="relu"), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(1, 8, 8), loss="categorical_crossentropy")
    model.layers[0].params["W"][:] = np.nan
    with qtbot.waitSignal(panel.explained, timeout=TIMEOUT) as blocker:
        panel.explain(np.ones((1, 8, 8), np.float32), model, names=["a", "b", "c"])
    assert "not a finite number" in blocker.args[0] and "diverged" in blocker.args[0]
    assert panel.overlay_image() is None and panel.saliency is None
    qtbot.waitUntil(lambda: not panel.busy, timeout=TIMEOUT)
    panel.shutdown()


def test_colour_photos_show_colour_neighbours_and_a_sigmoid_score(qtbot):
    from types import SimpleNamespace

    from nnviz.gui.views.prediction_explain import ExplanationPanel

    panel = ExplanationPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    model = Sequential([Flatten(), Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(3, 8, 8))
    rng = np.random.default_rng(0)
    data = SimpleNamespace(X_train=rng.random((30, 3, 8, 8)).astype(np.float32), y_train=rng.integers(0, 2, 30))
    x = rng.random((3, 8, 8)).astype(np.float32)
    panel.explain(x, model, data, names=["non-cat", "cat"])
    wait_explained(qtbot, panel)
    near = panel.neighbours
    assert [img.shape for img in panel.neighboursGrid.images()] == [(8, 8, 3)] * 5
    np.testing.assert_array_equal(panel.neighboursGrid.images()[0], data.X_train[near.indices[0]].transpose(1, 2, 0))
    assert "sigmoid" in panel.caption.text()
    assert panel.overlay_image().shape == (8, 8, 3)
    panel.shutdown()

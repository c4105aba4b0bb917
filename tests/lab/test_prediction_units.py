"""The Qt-free parts behind the prediction and comparison views: weight copies, probabilities, labels."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import Dense, Sequential
from nnviz.lab.prediction import (
    WeightsProbe,
    as_display_image,
    class_names_for,
    class_probabilities,
    frozen_copy,
    image_input_problem,
    predict_one,
)
from nnviz.lab.presets import load_preset
from nnviz.lab.runs import RunLog, architecture, comparison_labels


def small_model():
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(3,), seed=1)
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    model.fit(X, (X[:, 0] > 0).astype(int), epochs=3)
    return model, X


def test_frozen_copy_predicts_the_same_and_is_independent():
    model, X = small_model()
    twin = frozen_copy(model)
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
    assert twin.history.to_dict() == model.history.to_dict()
    for layer in model.layers:
        for value in layer.params.values():
            value += 1.0          # the training thread goes on updating the live arrays in place
    assert not np.allclose(twin.predict(X), model.predict(X))
    assert all(a is not b for la, lb in zip(twin.layers, model.layers)
               for a, b in zip(la.params.values(), lb.params.values()))


def test_sigmoid_output_becomes_two_class_probabilities():
    np.testing.assert_allclose(class_probabilities([0.8]), [0.2, 0.8])
    np.testing.assert_allclose(class_probabilities([0.1, 0.7, 0.2]), [0.1, 0.7, 0.2])
    model, X = small_model()
    p = float(model.predict(X[:1])[0, 0])
    prediction = predict_one(model, X[0], ["no", "yes"])
    np.testing.assert_allclose(prediction.probs, [1 - p, p], rtol=1e-6)
    assert prediction.text() == f"{'yes' if p >= 0.5 else 'no'} — {max(p, 1 - p):.1%}"


def test_class_names_fall_back_to_numbers():
    class Data:
        class_names = ["non-cat", "cat"]

    assert class_names_for(2, Data()) == ["non-cat", "cat"]
    assert class_names_for(3, Data()) == ["class 0", "class 1", "class 2"]


@pytest.mark.parametrize("shape, problem", [((2,), "takes 2-D points (x, y), not images"),
                                            ((5,), "cannot turn an image into this model's input"),
                                            ((3, 64, 64), None), ((1, 28, 28), None), ((784,), None)])
def test_which_models_take_images(shape, problem):
    text = image_input_problem(shape)
    assert (text is None) if problem is None else (problem.lower() in text.lower() and text[0].isupper())


def test_display_images():
    assert as_display_image(np.zeros(784)).shape == (28, 28)
    rgb = np.arange(3 * 64 * 64, dtype=np.float32).reshape(3, 64, 64)
    np.testing.assert_array_equal(as_display_image(rgb.ravel()), rgb.transpose(1, 2, 0))
    assert as_display_image(np.zeros((1, 28, 28))).shape == (28, 28)


def test_weights_probe_copies_at_most_once_per_interval():
    now = [0.0]
    probe = WeightsProbe(interval=0.5, clock=lambda: now[0])
    model, _ = small_model()
    assert probe.compute(model) is not None
    now[0] = 0.3
    assert probe.compute(model) is None
    now[0] = 0.6
    assert probe.compute(model) is not None


def test_comparison_labels_name_only_what_differs():
    moons = load_preset("moons").to_dict()
    log = RunLog()
    a = log.add("a", {**moons, "init": "he"})
    b = log.add("b", {**moons, "init": "xavier"})
    assert comparison_labels([a, b]) == ["init he", "init xavier"]
    c = log.add("c", {**moons, "dataset": "circles"})
    assert comparison_labels([a, c]) == ["data moons", "data circles"]
    wide = {**moons, "layers": [{"type": "Dense", "units": 8, "activation": "relu"},
                                {"type": "Dense", "units": 1, "activation": "sigmoid"}]}
    assert architecture(wide["layers"]) == "8-1"
    d = log.add("d", wide)
    assert comparison_labels([a, d]) == ["net 25-50-50-25-1", "net 8-1"]
    e = log.add("e", dict(moons))
    assert comparison_labels([a, e]) == ["a", "e"]          # nothing differs: the titles


def test_run_log_follows_a_model_trained_further():
    model, X = small_model()
    log = RunLog()
    first = log.record_model(model, load_preset("moons").to_dict(), "run 1")
    model.fit(X, (X[:, 0] > 0).astype(int), epochs=2)
    again = log.record_model(model, load_preset("moons").to_dict(), "run 2")
    assert again is first and len(log) == 1 and first.epochs_done == 5
    other, _ = small_model()
    assert log.record_model(other, load_preset("moons").to_dict(), "run 3") is not first

"""Layer statistics: dead and saturated units on hand-built nets, update ratios by hand, vanishing gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.engine import SGD, Sequential
from nnviz.engine.layers import Conv2D, Dense, Flatten
from nnviz.lab.layer_stats import (
    PERCENTILES,
    LayerStatsRecorder,
    dead_units,
    due_epochs,
    measure,
    sample_of,
    saturated_units,
)


def hand_built_relu_net() -> Sequential:
    """2 → 4 ReLU → 1 sigmoid; on inputs in [0, 1]², units 1 and 3 can never be positive."""
    model = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], input_shape=(2,), seed=0, dtype="float64")
    first = model.layers[0]
    first.params["W"][...] = np.array([[1.0, -1.0, 0.5, -2.0], [1.0, -0.5, -0.3, -1.0]])
    first.params["b"][...] = np.array([0.1, -0.01, 0.0, -0.5])
    return model


def test_dead_relu_share_is_exact_on_a_hand_built_net():
    model = hand_built_relu_net()
    X = np.random.default_rng(1).uniform(0, 1, size=(300, 2))
    row = measure(model, X, epoch=0)
    stats = row.layers["dense_1"]
    # unit 0: 1·x1 + 1·x2 + 0.1 > 0 always; unit 1: −x1 − 0.5·x2 − 0.01 < 0 always;
    # unit 2: 0.5·x1 − 0.3·x2 is positive for some points; unit 3: −2·x1 − x2 − 0.5 < 0 always.
    assert stats.dead == 0.5 and stats.units == 4
    assert math.isnan(stats.saturated)
    a = np.maximum(X @ model.layers[0].params["W"] + model.layers[0].params["b"], 0)
    np.testing.assert_array_equal(dead_units(a), [False, True, False, True])
    np.testing.assert_allclose(stats.activations, np.percentile(a, PERCENTILES))
    np.testing.assert_allclose(stats.weights, np.percentile(model.layers[0].params["W"], PERCENTILES))
    assert math.isnan(row.layers["dense_2"].dead)       # a sigmoid output: neither dead nor "saturated"
    assert math.isnan(row.layers["dense_2"].saturated)


def test_a_conv_channel_is_dead_when_no_position_of_any_sample_is_positive():
    a = np.zeros((3, 2, 4, 4))
    a[2, 0, 3, 3] = 0.2          # channel 0 fires once, at one position of one sample
    np.testing.assert_array_equal(dead_units(a), [False, True])
    model = Sequential([Conv2D(2, 3, activation="relu"), Flatten(), Dense(1, "sigmoid")], input_shape=(1, 5, 5), seed=0,
                       dtype="float64")
    conv = model.layers[0]
    conv.params["W"][1] = -1.0          # channel 1: negative kernel, negative bias, positive inputs
    conv.params["b"][...] = np.array([0.0, -0.1]).reshape(conv.params["b"].shape)
    conv.params["W"][0] = 1.0
    X = np.random.default_rng(0).uniform(0.1, 1, size=(5, 1, 5, 5))
    assert measure(model, X, epoch=0).layers["conv_1"].dead == 0.5


def test_saturated_sigmoid_and_tanh_units_are_counted_in_hidden_layers():
    sig = np.array([[0.001, 0.5, 0.999], [0.0001, 0.4, 0.995]] * 20)
    np.testing.assert_array_equal(saturated_units(sig, "sigmoid"), [True, False, True])
    tanh = np.array([[-0.999, 0.2], [0.995, 0.9]] * 10)
    np.testing.assert_array_equal(saturated_units(tanh, "tanh"), [True, False])
    model = Sequential([Dense(3, "sigmoid"), Dense(1, "sigmoid")], input_shape=(2,), seed=0, dtype="float64")
    model.layers[0].params["W"][...] = np.array([[40.0, 0.01, -40.0], [40.0, 0.01, -40.0]])
    X = np.random.default_rng(2).uniform(0.5, 1, size=(100, 2))
    assert measure(model, X, epoch=0).layers["dense_1"].saturated == pytest.approx(2 / 3)


def test_the_update_ratio_is_the_last_step_of_the_epoch_by_hand():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 2)), (rng.uniform(size=40) > 0.5).astype(np.int64)
    model = Sequential([Dense(5, "tanh"), Dense(1, "sigmoid")], input_shape=(2,), seed=1, dtype="float64")
    recorder = LayerStatsRecorder(sample_of(X))
    seen = {}

    class LastStep:
        """Records W and dW after every step: W_before = W_after + lr·dW for plain SGD without L2."""

        def on_batch_end(self, m, info):
            seen[info["iteration"]] = {layer.name: (layer.params["W"].copy(), layer.grads["W"].copy())
                                       for layer in m.layers}

    lr = 0.3
    model.fit(X, y, optimizer=SGD(lr), epochs=3, batch_size=16, callbacks=[LastStep(), recorder])
    assert [r.epoch for r in recorder.rows] == [1, 2, 3]
    for row in recorder.rows:
        last_iteration = row.epoch * 3          # 40 samples in batches of 16: 3 steps per epoch
        for name, stats in row.layers.items():
            W, dW = seen[last_iteration][name]
            expected = np.linalg.norm(lr * dW) / np.linalg.norm(W + lr * dW)
            assert stats.update_ratio == pytest.approx(expected, rel=1e-9)
            np.testing.assert_allclose(stats.grads, np.percentile(np.abs(dW), PERCENTILES))


def test_full_batch_runs_measure_the_first_epoch_too():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(30, 2)), (rng.uniform(size=30) > 0.5).astype(np.int64)
    model = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")], input_shape=(2,), seed=2, dtype="float64")
    recorder = LayerStatsRecorder(sample_of(X))
    model.fit(X, y, optimizer=SGD(0.1), epochs=2, callbacks=[recorder])
    assert all(np.isfinite(r.layers["dense_1"].update_ratio) for r in recorder.rows)


def test_rows_are_dense_early_and_spread_later_always_ending_with_the_last_epoch():
    due = due_epochs(0, 10_000)
    assert set(range(1, 17)) <= due and 10_000 in due and len(due) <= 16 + 201
    assert due_epochs(100, 5) == {101, 102, 103, 104, 105}


def test_the_probe_hands_each_row_over_once():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(20, 2)), (rng.uniform(size=20) > 0.5).astype(np.int64)
    model = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")], input_shape=(2,), seed=2)
    recorder = LayerStatsRecorder(sample_of(X))
    idle = recorder.compute(model)          # before any run: the model as it is, no gradients
    assert len(idle) == 1 and np.isnan(idle[0].layers["dense_1"].grads).all()
    model.fit(X, y, optimizer=SGD(0.1), epochs=4, callbacks=[recorder])
    assert [r.epoch for r in recorder.compute(model)] == [1, 2, 3, 4]
    assert recorder.compute(model) == []


def test_vanishing_gradients_series_starves_the_sigmoid_nets_first_layer(real_data_dir):
    """The series' two networks: the first layer's median |∂J/∂W| is ≥ 100× smaller with sigmoid."""
    from nnviz.lab import datasets
    from nnviz.lab.series import series_presets

    _series, runs = series_presets("vanishing-gradients")
    ds = datasets.load(runs[0].dataset, runs[0].dataset_options, real_data_dir)
    medians = []
    for config in runs:
        model = config.build_model(ds.input_shape)
        recorder = LayerStatsRecorder(sample_of(ds.X_test))
        model.fit(ds.X_train, ds.y_train, optimizer=config.build_optimizer(), epochs=100,
                  batch_size=config.batch_size, callbacks=[recorder])
        first = next(layer.name for layer in model.layers if "W" in layer.params)
        medians.append(recorder.rows[-1].layers[first].grads[2])
    sigmoid, relu = medians
    print(f"first layer median |dW| after 100 epochs: sigmoid {sigmoid:.3g}, ReLU {relu:.3g}, "
          f"ratio {relu / sigmoid:,.0f}×")
    assert relu >= 100 * sigmoid

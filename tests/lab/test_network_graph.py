"""The network graph's worker half: columns, top-k units and per-neuron maps, checked against the engine."""

import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.layers import Dense, Dropout, Flatten
from nnviz.lab.boundary import make_grid
from nnviz.lab.network_graph import (
    NetworkGraphProbe,
    graph_columns,
    network_frame,
    sample_columns,
    select_units,
)


def _moons_like(seed=0, widths=(5, 4)):
    layers = [Dense(w, "relu") for w in widths] + [Dense(1, "sigmoid")]
    return Sequential(layers, input_shape=(2,), seed=seed)


def _by_hand(model, X):
    """Each Dense layer's output computed here with plain NumPy in float64."""
    a, outs = np.asarray(X, dtype=np.float64), []
    for layer in model.layers:
        z = a @ layer.params["W"].astype(np.float64) + layer.params["b"].astype(np.float64)
        a = np.maximum(z, 0) if layer.activation_name == "relu" else 1 / (1 + np.exp(-z))
        outs.append(a)
    return outs


def test_columns_cover_inputs_and_every_dense_layer_but_skip_dropout():
    model = Sequential([Dense(3, "relu"), Dropout(0.5), Dense(1, "sigmoid")], input_shape=(2,), seed=0)
    cols = graph_columns(model)
    assert [c.units for c in cols] == [2, 3, 1]
    assert [c.dense for c in cols] == [False, True, True]
    assert [c.layer_index for c in cols] == [-1, 0, 2]


def test_image_models_have_no_graph_columns_but_sample_columns():
    model = Sequential([Flatten(), Dense(4, "relu"), Dense(3, "softmax")], input_shape=(1, 5, 5),
                       loss="categorical_crossentropy", seed=0)
    assert graph_columns(model) == []
    assert [c.units for c in sample_columns(model)] == [4, 3]


def test_maps_equal_the_layers_activations_on_the_grid():
    model = _moons_like()
    X = np.random.default_rng(1).normal(size=(50, 2)).astype(np.float32)
    grid = make_grid(X, n=30)
    cols = graph_columns(model)
    shown = select_units(model, cols, limit=64)
    frame = NetworkGraphProbe(cols, shown, grid=grid).compute(model)
    ny, nx = grid.shape
    ref = [np.asarray(grid.points, np.float64)] + _by_hand(model, grid.points)
    assert len(frame.maps) == len(cols)
    for k, c in enumerate(cols):
        assert frame.maps[k].shape == (c.units, ny, nx)
        for u in range(c.units):
            direct = ref[k][:, u].reshape(ny, nx)
            assert np.max(np.abs(frame.maps[k][u] - direct)) < 1e-6
    # weights and biases are copies of the layers'
    assert np.array_equal(frame.weights[1], model.layers[0].params["W"])
    assert np.array_equal(frame.biases[2], model.layers[1].params["b"])
    assert frame.weights[0] is None


def test_top_k_keeps_the_most_strongly_wired_units_and_counts_the_rest():
    model = Sequential([Dense(2000, "relu"), Dense(1, "sigmoid")], input_shape=(2,), seed=0)
    cols = graph_columns(model)
    shown = select_units(model, cols, limit=40)
    assert [len(s) for s in shown] == [2, 40, 1]
    W1 = np.abs(model.layers[0].params["W"].astype(np.float64))
    W2 = np.abs(model.layers[1].params["W"].astype(np.float64))
    score = W1.sum(axis=0) + W2.sum(axis=1)
    assert set(shown[1]) == set(np.argsort(-score)[:40])
    frame = network_frame(model, cols, shown, grid=make_grid(np.array([[0, 0], [1, 1.0]]), n=10))
    assert frame.hidden_counts == [0, 1960, 0]
    assert frame.weights[1].shape == (2, 40)
    assert np.array_equal(frame.weights[2][:, 0], model.layers[1].params["W"][shown[1], 0])
    with pytest.raises(ValueError, match="at least 1"):
        select_units(model, cols, limit=0)


def test_sample_mode_values_are_the_layers_outputs():
    model = Sequential([Flatten(), Dense(4, "relu"), Dense(3, "softmax")], input_shape=(1, 5, 5),
                       loss="categorical_crossentropy", seed=0)
    x = np.random.default_rng(2).random((1, 5, 5)).astype(np.float32)
    cols = sample_columns(model)
    probe = NetworkGraphProbe(cols, [np.arange(c.units) for c in cols])
    assert probe.compute(model) is None          # no sample yet
    probe.set_input(x, tag="sample 0")
    frame = probe.compute(model)
    a = x.reshape(1, -1).astype(np.float64)
    h = np.maximum(a @ model.layers[1].params["W"] + model.layers[1].params["b"], 0)
    z = h @ model.layers[2].params["W"] + model.layers[2].params["b"]
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.allclose(frame.values[0], h[0], atol=1e-6)
    assert np.allclose(frame.values[1], p[0], atol=1e-6)
    assert frame.tag == "sample 0"
    probe.set_active(False)
    assert probe.compute(model) is None


def test_a_focused_neuron_is_computed_on_its_own_grid():
    model = _moons_like(seed=4)
    X = np.random.default_rng(3).normal(size=(30, 2))
    cols = graph_columns(model)
    probe = NetworkGraphProbe(cols, select_units(model, cols), grid=make_grid(X, n=12))
    big = make_grid(X, n=50, aspect=1.3)
    probe.set_focus(1, 2, big)                  # dense_2's third unit
    focus = probe.compute(model).focus
    direct = _by_hand(model, big.points)[1][:, 2].reshape(big.shape)
    assert focus.values.shape == big.shape and np.max(np.abs(focus.values - direct)) < 1e-6
    assert (focus.layer_index, focus.unit, focus.label, focus.output) == (1, 2, "dense_2 unit 3", False)
    other = make_grid(X, n=20, aspect=0.5)     # the large picture changed shape
    probe.set_focus_grid(other)
    assert probe.compute(model).focus.values.shape == other.shape
    probe.set_focus(None)
    assert probe.compute(model).focus is None

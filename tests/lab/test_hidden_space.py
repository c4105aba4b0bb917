"""The hidden-space probe: mapped points are the layer's activations; PCA agrees with NumPy's SVD."""

import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.layers import Dense
from nnviz.lab.hidden_space import HiddenSpaceProbe, grid_lines, pca_axes
from nnviz.lab.network_graph import graph_columns


def _model():
    return Sequential([Dense(6, "tanh"), Dense(5, "relu"), Dense(1, "sigmoid")], input_shape=(2,), seed=3)


def _layer_by_hand(model, X, upto):
    a = np.asarray(X, np.float64)
    for layer in model.layers[:upto + 1]:
        z = a @ layer.params["W"].astype(np.float64) + layer.params["b"].astype(np.float64)
        a = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[layer.activation_name](z)
    return a


def _probe(model, X):
    lines = grid_lines(X, n_lines=5, samples=7)
    return HiddenSpaceProbe(X, lines, 7, graph_columns(model)), lines


def test_points_on_two_units_are_the_layers_activations():
    model = _model()
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    probe, lines = _probe(model, X)
    probe.choose(1, "units", (4, 2))
    frame = probe.compute(model)
    H = _layer_by_hand(model, X, 1)
    assert np.max(np.abs(frame.points - H[:, [4, 2]])) < 1e-6
    L = _layer_by_hand(model, lines, 1)[:, [4, 2]]
    assert frame.lines.shape == (10, 7, 2)
    assert np.max(np.abs(frame.lines.reshape(-1, 2) - L)) < 1e-6
    assert frame.axis_names == ("dense_2 unit 5", "dense_2 unit 3")


def test_pca_projection_equals_numpys_svd_projection():
    model = _model()
    X = np.random.default_rng(1).normal(size=(60, 2)).astype(np.float32)
    probe, _ = _probe(model, X)
    probe.choose(0, "pca")
    frame = probe.compute(model)
    H = _layer_by_hand(model, X, 0)
    C = H - H.mean(axis=0)
    U, s, Vt = np.linalg.svd(C, full_matrices=False)
    ref = U[:, :2] * s[:2]              # the scores: C @ Vt[:2].T
    for i in range(2):                  # a direction's sign is a convention: compare up to it
        sign = np.sign(ref[:, i] @ frame.points[:, i])
        assert np.max(np.abs(frame.points[:, i] - sign * ref[:, i])) < 1e-5
    assert frame.explained == pytest.approx(s[:2] ** 2 / np.sum(s ** 2))
    # the convention: each axis's largest component is positive on a first frame
    _, axes, _ = pca_axes(H)
    assert all(a[np.argmax(np.abs(a))] > 0 for a in axes)


def test_pca_signs_follow_the_previous_frame():
    H = np.random.default_rng(2).normal(size=(30, 4))
    _, axes, _ = pca_axes(H)
    _, again, _ = pca_axes(H, previous=-axes)
    assert np.allclose(again, -axes)


def test_bad_choices_are_refused_in_a_sentence():
    model = _model()
    probe, _ = _probe(model, np.zeros((3, 2), np.float32) + np.arange(3)[:, None])
    with pytest.raises(ValueError, match="dense_1 has units 1 to 6"):
        probe.choose(0, "units", (0, 6))
    with pytest.raises(ValueError, match="no flat output"):
        probe.choose(7)
    with pytest.raises(ValueError, match="2-D points"):
        grid_lines(np.zeros((4, 3)))

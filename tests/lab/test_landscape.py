"""The loss landscape: centre = the model's cost, the path ends at the centre, filter-normalised directions,
projections against NumPy's least squares and SVD, a diverged network, cancelling."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import SGD, Conv2D, Dense, Flatten, Sequential
from nnviz.lab import datasets
from nnviz.lab.landscape import (
    LandscapeError,
    PathRecorder,
    compute_landscape,
    pca_directions,
    project_least_squares,
    random_directions,
    set_weights,
    weight_vector,
)
from nnviz.lab.presets import load_preset


@pytest.fixture(scope="module")
def trained_moons():
    cfg = load_preset("moons")
    ds = datasets.load(cfg.dataset, cfg.dataset_options, None)
    model = cfg.build_model(ds.input_shape)
    path = PathRecorder()
    model.fit(ds.X_train, ds.y_train, optimizer=SGD(0.3), epochs=60, callbacks=[path])
    return model, ds, path


def test_centre_is_the_models_cost_exactly(trained_moons):
    model, ds, path = trained_moons
    before = weight_vector(model)
    ls = compute_landscape(model, ds.X_train, ds.y_train, "random", 5, *path.path())
    m = len(ds.y_train)
    assert ls.centre_cost == model.evaluate(ds.X_train, ds.y_train, batch_size=m)["loss"]
    assert ls.cost[2, 2] == ls.centre_cost and ls.alphas[2] == 0.0 and ls.betas[2] == 0.0
    assert ls.centre_cost == pytest.approx(model.evaluate(ds.X_train, ds.y_train)["loss"], rel=1e-6)
    np.testing.assert_array_equal(weight_vector(model), before)        # the shown network is untouched


def test_a_grid_point_is_the_cost_of_the_moved_weights(trained_moons):
    model, ds, _ = trained_moons
    ls = compute_landscape(model, ds.X_train, ds.y_train, "random", 5, seed=3)
    d1, d2 = random_directions(model, 3)
    twin = model.copy()
    set_weights(twin, weight_vector(model) + ls.alphas[4] * d1 + ls.betas[1] * d2)
    expected = twin.evaluate(ds.X_train, ds.y_train)["loss"]
    assert ls.cost[1, 4] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("mode", ["random", "pca"])
def test_on_moons_the_path_ends_at_the_centre(trained_moons, mode):
    model, ds, path = trained_moons
    points, iterations = path.path()
    assert iterations[0] == 0 and iterations[-1] == model.history.iterations_done
    ls = compute_landscape(model, ds.X_train, ds.y_train, mode, 5, points, iterations)
    assert ls.path.shape == (len(points), 2)
    np.testing.assert_allclose(ls.path[-1], [0.0, 0.0], atol=1e-12)
    assert np.linalg.norm(ls.path[0]) > (0.01 if mode == "pca" else 0.0)    # it started elsewhere
    # the slice covers the whole path
    assert np.all(np.abs(ls.path[:, 0]) <= ls.alphas[-1]) and np.all(np.abs(ls.path[:, 1]) <= ls.betas[-1])


def test_directions_are_filter_normalised_with_zero_biases():
    model = Sequential([Conv2D(3, 3, activation="relu"), Flatten(), Dense(4, activation="relu"),
                        Dense(1, activation="sigmoid")], input_shape=(1, 6, 6), seed=4)
    d1, d2 = random_directions(model, seed=1)
    assert not np.allclose(d1, d2)
    pos = 0
    for _, layer, key in model.parameters():
        w = layer.params[key].astype(np.float64)
        for d in (d1, d2):
            part = d[pos:pos + w.size].reshape(w.shape)
            if w.ndim == 1:
                assert np.all(part == 0), f"{layer.name}.{key} should be zero in the directions"
            elif w.ndim == 4:       # one norm per output channel
                for i in range(w.shape[0]):
                    assert np.linalg.norm(part[i]) == pytest.approx(np.linalg.norm(w[i]), rel=1e-9)
            else:                   # Dense (in, out): one norm per neuron (column)
                for j in range(w.shape[1]):
                    assert np.linalg.norm(part[:, j]) == pytest.approx(np.linalg.norm(w[:, j]), rel=1e-9)
        pos += w.size
    assert pos == d1.size


def test_projections_against_numpy():
    rng = np.random.default_rng(0)
    P, k = 50, 9
    centre, d1, d2 = rng.normal(size=P), rng.normal(size=P), rng.normal(size=P)
    points = rng.normal(size=(k, P))
    ours = project_least_squares(points, centre, d1, d2)
    theirs = np.linalg.lstsq(np.stack([d1, d2], 1), (points - centre).T, rcond=None)[0].T
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    u1, u2, explained = pca_directions(points, centre)
    _, s, vt = np.linalg.svd(points - centre, full_matrices=False)
    assert abs(u1 @ vt[0]) == pytest.approx(1.0, abs=1e-10) and abs(u2 @ vt[1]) == pytest.approx(1.0, abs=1e-10)
    assert explained == pytest.approx((s[0] ** 2 / (s ** 2).sum(), s[1] ** 2 / (s ** 2).sum()), rel=1e-10)


def test_a_diverged_network_gets_a_sentence():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    model.layers[0].params["W"][0, 0] = np.nan
    X = np.zeros((4, 2), np.float32)
    with pytest.raises(LandscapeError, match="diverged.*not finite"):
        compute_landscape(model, X, np.array([0, 1, 0, 1]), "random", 5)
    with pytest.raises(LandscapeError, match="odd whole number"):
        model.layers[0].params["W"][0, 0] = 0.1
        compute_landscape(model, X, np.array([0, 1, 0, 1]), "random", 4)


def test_cancel_and_progress():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    seen = []
    calls = iter(range(10**6))
    with pytest.raises(InterruptedError):
        compute_landscape(model, X, y, "random", 9, should_stop=lambda: next(calls) > 30,
                          report=seen.append, report_every=0.0)
    assert seen and not seen[-1].complete and np.isnan(seen[-1].cost).any()
    assert seen[0].cost[4, 4] == seen[0].cost[4, 4]          # the middle row comes first


def test_path_recorder_thins_and_keeps_the_ends():
    model = Sequential([Dense(2), Dense(1, activation="sigmoid")], input_shape=(2,))
    rec = PathRecorder(max_points=10)
    for it in range(100):
        model.layers[0].params["b"][:] = it
        rec.record(model, it)
    rec.record(model, 100, force=True)
    points, its = rec.path()
    assert len(points) <= 10 and its[0] == 0 and its[-1] == 100
    assert np.all(np.diff(its) > 0)

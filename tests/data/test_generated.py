"""Generated point datasets: moons against scikit-learn, geometry, splits, argument checks."""

import math

import numpy as np
import pytest

from nnviz.data import DATASETS, load_dataset
from nnviz.data.generated import make_circles, make_moons, make_spiral, make_xor

POINT_SETS = ["moons", "circles", "xor", "spiral"]


def test_moons_equal_scikit_learn_when_installed():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    for n, noise, seed in [(1000, 0.2, 100), (7, 0.0, 3), (1001, 0.5, 5)]:
        X, y = sklearn_datasets.make_moons(n, noise=noise, random_state=seed)
        ours_X, ours_y = make_moons(n, noise, seed)
        np.testing.assert_array_equal(ours_X, X)
        np.testing.assert_array_equal(ours_y, y)
        X, y = sklearn_datasets.make_circles(n, noise=noise, random_state=seed, factor=0.5)
        ours_X, ours_y = make_circles(n, noise, seed)
        np.testing.assert_array_equal(ours_X, X)
        np.testing.assert_array_equal(ours_y, y)
    X, y = sklearn_datasets.make_moons(1000, noise=0.2, random_state=100)
    X_train, X_test, y_train, y_test = model_selection.train_test_split(X, y, test_size=0.1, random_state=42)
    ds = load_dataset("moons", n_samples=1000, noise=0.2, test_fraction=0.1, seed=100)
    np.testing.assert_array_equal(ds.X_train, X_train.astype(np.float32))
    np.testing.assert_array_equal(ds.X_test, X_test.astype(np.float32))
    np.testing.assert_array_equal(ds.y_train, y_train)
    np.testing.assert_array_equal(ds.y_test, y_test)


# Printed by scikit-learn 1.9.1: make_moons(1000, noise=0.2, random_state=100) and
# train_test_split(X, y, test_size=0.1, random_state=42), the moons seed's data.
SKLEARN_MOONS_FIRST_ROWS = [[2.2490706926908948e-05, 1.0727582480097542],
                            [-0.05590373765584977, 0.42524128246424875],
                            [0.0240944878915794, 0.40806580172748075]]
SKLEARN_MOONS_FIRST_LABELS = [0, 0, 1, 0, 1, 0, 0, 1, 1, 1]
SKLEARN_MOONS_SUM = [494.1160377390805, 248.24238982559342]
SKLEARN_MOONS_SUM_SQ = [1040.1350737748005, 339.01078146308885]
SKLEARN_TEST_FIRST_ROWS = [[2.155220929630234, -0.12400719878895446],
                           [0.4686466199878023, -0.35161567149951845],
                           [-0.09597387569489108, 1.239645406614631]]
SKLEARN_TEST_FIRST_LABELS = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1]
SKLEARN_TEST_SUM = [55.211745006521944, 27.070006246723082]
# make_circles(200, noise=0.1, random_state=7, factor=0.5)
SKLEARN_CIRCLES_FIRST_ROWS = [[0.8282882796006387, -0.7465262962375863],
                              [0.04816351238982175, 0.4542998288648051],
                              [0.27995084913993706, 0.809493660950882]]
SKLEARN_CIRCLES_FIRST_LABELS = [0, 1, 0, 0, 1, 0, 1, 0, 0, 0]
SKLEARN_CIRCLES_SUM = [-1.0407400361398904, -2.8183203997758413]


def test_moons_match_values_printed_by_scikit_learn():
    X, y = make_moons(1000, 0.2, 100)
    np.testing.assert_allclose(X[:3], SKLEARN_MOONS_FIRST_ROWS, rtol=0, atol=1e-12)
    assert y[:10].tolist() == SKLEARN_MOONS_FIRST_LABELS
    np.testing.assert_allclose(X.sum(axis=0), SKLEARN_MOONS_SUM, rtol=1e-12)
    np.testing.assert_allclose((X**2).sum(axis=0), SKLEARN_MOONS_SUM_SQ, rtol=1e-12)
    ds = load_dataset("moons", n_samples=1000, noise=0.2, test_fraction=0.1, seed=100)
    np.testing.assert_allclose(ds.X_test[:3], SKLEARN_TEST_FIRST_ROWS, rtol=0, atol=1e-6)
    assert ds.y_test[:10].tolist() == SKLEARN_TEST_FIRST_LABELS
    np.testing.assert_allclose(ds.X_test.sum(axis=0, dtype=np.float64), SKLEARN_TEST_SUM, rtol=1e-6)


def test_circles_match_values_printed_by_scikit_learn():
    X, y = make_circles(200, 0.1, 7)
    np.testing.assert_allclose(X[:3], SKLEARN_CIRCLES_FIRST_ROWS, rtol=0, atol=1e-12)
    assert y[:10].tolist() == SKLEARN_CIRCLES_FIRST_LABELS
    np.testing.assert_allclose(X.sum(axis=0), SKLEARN_CIRCLES_SUM, rtol=1e-10)


@pytest.mark.parametrize("n", [2, 3, 10, 1001])
def test_moons_without_noise_lie_on_the_two_half_circles(n):
    X, y = make_moons(n, 0.0, 0)
    outer, inner = X[y == 0], X[y == 1]
    assert len(outer) == n // 2 and len(inner) == n - n // 2
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-12)
    assert (outer[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, atol=1e-12)
    assert (inner[:, 1] <= 0.5 + 1e-12).all()
    # the angles are evenly spaced over [0, π], end points included
    angles = np.sort(np.arctan2(outer[:, 1], outer[:, 0]) % (2 * np.pi))
    if len(angles) > 1:
        np.testing.assert_allclose(angles, np.linspace(0, np.pi, len(outer)), atol=1e-9)


def test_moons_noise_has_the_requested_spread():
    clean, y0 = make_moons(20000, 0.0, 1)
    noisy, y1 = make_moons(20000, 0.3, 1)
    # same shuffle (noise is drawn after it), so the difference is the noise alone
    np.testing.assert_array_equal(y0, y1)
    diff = noisy - clean
    assert abs(diff.std() - 0.3) < 0.01 and abs(diff.mean()) < 0.01


def test_circles_xor_spiral_geometry():
    X, y = make_circles(101, 0.0, 0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.5, atol=1e-12)
    X, y = make_xor(500, 0.0, 0)
    assert (np.abs(X) <= 1).all()
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) == np.sign(X[:, 1])).astype(np.int64))
    assert 200 < y.sum() < 300
    X, y = make_spiral(400, 0.0, 0)
    r = np.hypot(*X.T)
    assert r.min() == pytest.approx(0.1) and r.max() == pytest.approx(1.0)
    # the second arm is the first turned by π
    arm0 = X[y == 0][np.argsort(r[y == 0])]
    arm1 = X[y == 1][np.argsort(r[y == 1])]
    np.testing.assert_allclose(arm1, -arm0, atol=1e-12)


@pytest.mark.parametrize("name", POINT_SETS)
def test_point_datasets_shapes_types_split_and_seed(name):
    ds = load_dataset(name, n_samples=300, noise=0.1, test_fraction=0.2, seed=3)
    assert ds.X_train.dtype == np.float32 and ds.X_test.dtype == np.float32
    assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert ds.X_train.shape == (240, 2) and ds.X_test.shape == (60, 2)
    assert ds.input_shape == (2,) and ds.source == "generated" and ds.name == name
    assert ds.class_names == list(DATASETS[name].class_names) and ds.n_classes == 2
    # the split is a partition of the generated points
    X, y = {"moons": make_moons, "circles": make_circles, "xor": make_xor, "spiral": make_spiral}[name](300, 0.1, 3)
    both = np.vstack([ds.X_train, ds.X_test])
    assert sorted(map(tuple, both.tolist())) == sorted(map(tuple, X.astype(np.float32).tolist()))
    assert np.concatenate([ds.y_train, ds.y_test]).sum() == y.sum()
    again = load_dataset(name, n_samples=300, noise=0.1, test_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again.X_train, ds.X_train)
    other = load_dataset(name, n_samples=300, noise=0.1, test_fraction=0.2, seed=4)
    assert not np.array_equal(other.X_train, ds.X_train)


def test_defaults_come_from_the_registry():
    default = load_dataset("moons")
    explicit = load_dataset("moons", n_samples=1000, noise=0.2, test_fraction=0.1, seed=100)
    np.testing.assert_array_equal(default.X_train, explicit.X_train)
    assert len(load_dataset("circles").y_train) == math.floor(0.9 * 1000)


@pytest.mark.parametrize("kwargs, word", [
    ({"n_samples": 1}, "n_samples"), ({"n_samples": 2.5}, "n_samples"), ({"n_samples": True}, "n_samples"),
    ({"n_samples": -10}, "n_samples"), ({"n_samples": 10**9}, "n_samples"),
    ({"noise": -0.1}, "noise"), ({"noise": float("nan")}, "noise"), ({"noise": "lots"}, "noise"),
    ({"test_fraction": 0}, "test_fraction"), ({"test_fraction": 1.0}, "test_fraction"),
    ({"test_fraction": 1.5}, "test_fraction"), ({"seed": -1}, "seed"), ({"seed": "a"}, "seed"),
    ({"n_samples": 2, "test_fraction": 0.9}, "both need at least one"),
])
def test_bad_generator_arguments_raise_clear_value_errors(kwargs, word):
    with pytest.raises(ValueError, match=word) as info:
        load_dataset("moons", **kwargs)
    assert "moons" in str(info.value)


def test_unknown_name_and_file_only_options():
    with pytest.raises(ValueError, match="unknown dataset 'mooons'.*moons, circles"):
        load_dataset("mooons")
    with pytest.raises(ValueError, match="n_samples only apply to generated datasets"):
        load_dataset("cats", n_samples=10)

"""InputFeatures: Playground's x1, x2, x1², x2², x1·x2, sin x1, sin x2 as a parameter-free layer."""

import numpy as np
import pytest

from nnviz.engine import Dense, InputFeatures, Sequential, load_model, save_model

ALL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def points(m=7, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=(m, 2))


def test_forward_matches_the_formulas():
    X = points()
    out = InputFeatures(ALL).forward(X)
    a, b = X[:, 0], X[:, 1]
    expected = np.column_stack([a, b, a ** 2, b ** 2, a * b, np.sin(a), np.sin(b)])
    np.testing.assert_array_equal(out, expected)
    # the order is the order given
    np.testing.assert_array_equal(InputFeatures(["sin(x2)", "x1"]).forward(X), np.column_stack([np.sin(b), a]))


@pytest.mark.parametrize("names", [ALL, ["x1^2"], ["x1*x2", "sin(x1)"]])
def test_input_gradient_matches_finite_differences(names):
    layer = InputFeatures(names)
    X = points(m=5, seed=1)
    G = np.random.default_rng(2).standard_normal((5, len(names)))   # dL/d(features) of L = sum(G * f(X))
    layer.forward(X)
    analytic = layer.backward(G)
    numeric = np.zeros_like(X)
    eps = 1e-6
    for i in range(X.shape[0]):
        for j in range(2):
            up, down = X.copy(), X.copy()
            up[i, j] += eps
            down[i, j] -= eps
            numeric[i, j] = (np.sum(G * layer.forward(up)) - np.sum(G * layer.forward(down))) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-8)
    assert layer.backward(G, need_input_grad=False) is None


def test_shapes_config_copy_and_file(tmp_path):
    model = Sequential([InputFeatures(["x1^2", "x2^2", "x1*x2"]), Dense(3, activation="tanh"),
                        Dense(1, activation="sigmoid")], input_shape=(2,), seed=3)
    assert model.output_shapes[0] == (3,) and model.input_shape == (2,)
    assert model.layers[0].name == "features_1" and model.layers[0].params == {}
    assert model.layers[1].params["W"].shape == (3, 3)
    X = points(m=9).astype(np.float32)
    twin = Sequential.from_config(model.get_config())
    assert twin.layers[0].names == ["x1^2", "x2^2", "x1*x2"]
    np.testing.assert_array_equal(model.copy().predict(X), model.predict(X))
    save_model(model, tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert isinstance(loaded.layers[0], InputFeatures)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert "x₁²" in model.summary()


def test_bad_names_and_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown input feature 'x3'"):
        InputFeatures(["x1", "x3"])
    with pytest.raises(ValueError, match="listed twice"):
        InputFeatures(["x1", "x1"])
    with pytest.raises(ValueError, match="at least one"):
        InputFeatures([])
    with pytest.raises(ValueError, match=r"features_1: input features are computed from 2-D points.*\(3, 8, 8\)"):
        Sequential([InputFeatures(["x1"]), Dense(1, activation="sigmoid")], input_shape=(3, 8, 8))

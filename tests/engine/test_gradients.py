"""Every layer × activation × loss passes a float64 gradient check below 1e-7."""

import numpy as np
import pytest

from nnviz.engine import BatchNorm, Dense, Dropout, Sequential, gradient_check

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
THRESHOLD = 1e-7


def data(m=16, n=3, k=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = rng.integers(0, k, m)
    y[:k] = np.arange(k)  # every class present
    return X, y


def output_for(loss):
    if loss == "binary_crossentropy":
        return Dense(1, activation="sigmoid"), 2
    if loss == "categorical_crossentropy":
        return Dense(3, activation="softmax"), 3
    return Dense(3, activation="sigmoid"), 3  # mse on one-hot targets


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy", "mse"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_activation_loss(activation, loss):
    out, k = output_for(loss)
    model = Sequential([Dense(5, activation=activation), Dense(4, activation=activation), out],
                       input_shape=(3,), loss=loss, init="xavier", seed=1, dtype="float64")
    X, y = data(k=k)
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.passed(THRESHOLD), r.per_parameter
    assert sum(r.kinks.values()) == 0
    assert set(r.per_parameter) == {"dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b", "dense_3.W", "dense_3.b"}


@pytest.mark.parametrize("output_activation", ["softmax", "tanh", "linear", "relu", "leaky_relu"])
def test_mse_with_other_output_activations(output_activation):
    model = Sequential([Dense(6, activation="tanh"), Dense(3, activation=output_activation)],
                       input_shape=(3,), loss="mse", init="xavier", seed=2, dtype="float64")
    X, y = data(k=3)
    assert gradient_check(model, X, y, epsilon=1e-6).passed(THRESHOLD)


def test_unfused_softmax_in_hidden_position():
    # softmax's Jacobian-vector product is exercised when it is not fused with the loss
    model = Sequential([Dense(4, activation="softmax"), Dense(1, activation="sigmoid")],
                       input_shape=(3,), seed=3, dtype="float64")
    X, y = data()
    assert gradient_check(model, X, y, epsilon=1e-6).passed(THRESHOLD)


def test_dropout_with_fixed_mask():
    model = Sequential([Dense(8, activation="tanh"), Dropout(0.6), Dense(6, activation="relu"), Dropout(0.8),
                        Dense(1, activation="sigmoid")], input_shape=(3,), seed=4, dtype="float64")
    X, y = data(m=20)
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.passed(THRESHOLD), r.per_parameter
    # the mask really drops units: with it the check sees a different function than without
    full = model.evaluate(X, y)["loss"]
    a = model.copy().forward(model.check_inputs(X), training=True)
    assert a.shape == (20, 1) and np.isfinite(full)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_batchnorm_dense(activation):
    model = Sequential([Dense(6, activation="linear"), BatchNorm(), Dense(5, activation=activation),
                        BatchNorm(), Dense(3, activation="softmax")],
                       input_shape=(3,), loss="categorical_crossentropy", seed=5, dtype="float64")
    X, y = data(m=24, k=3)
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.passed(THRESHOLD), r.per_parameter
    # dense_1.b feeds BatchNorm, which removes any constant: its true gradient is 0,
    # and the check says so instead of dividing rounding noise by rounding noise
    assert r.zero_gradient == ["dense_1.b"]
    idx, analytic, numerical = r.samples["dense_1.b"]
    assert np.max(np.abs(analytic)) < 1e-12 and np.max(np.abs(numerical)) < 1e-8


def test_l2_enters_gradients():
    model = Sequential([Dense(5, activation="tanh"), Dense(1, activation="sigmoid")],
                       input_shape=(3,), l2=0.7, seed=6, dtype="float64")
    X, y = data()
    assert gradient_check(model, X, y, epsilon=1e-6).passed(THRESHOLD)
    # λ/(2m)·ΣW² by hand
    W = [layer.params["W"] for layer in model.layers]
    assert model.regularization_cost(16) == pytest.approx(0.7 / 32 * sum(np.sum(w * w) for w in W))


def test_sampled_coordinates_cover_every_tensor():
    model = Sequential([Dense(40, activation="relu"), Dense(30, activation="relu"), Dense(1, activation="sigmoid")],
                       input_shape=(10,), seed=7, dtype="float64")
    X, y = data(m=32, n=10)
    r = gradient_check(model, X, y, epsilon=1e-6, max_coords=60, seed=3)
    assert r.coords_checked <= 60
    assert all(len(r.samples[name][0]) >= 1 for name in r.per_parameter)
    assert r.passed(THRESHOLD)


def test_check_catches_a_wrong_gradient():
    model = Sequential([Dense(5, activation="tanh"), Dense(1, activation="sigmoid")],
                       input_shape=(3,), seed=8, dtype="float64")
    X, y = data()

    def buggy(mdl, xb, yb):  # forgets the 1/m of the bias gradient
        cost, a = mdl.cost_and_gradients(xb, yb)
        mdl.layers[0].grads["b"] *= xb.shape[0]
        return cost, a

    r = gradient_check(model, X, y, epsilon=1e-6, backward=buggy)
    assert r.per_parameter["dense_1.b"] > 1e-3
    assert r.per_parameter["dense_1.W"] < THRESHOLD
    assert not r.passed()


def test_relu_kink_is_detected_not_blamed():
    # a dead first layer makes the next bias sit exactly on ReLU's kink
    model = Sequential([Dense(3, activation="relu"), Dense(2, activation="relu"), Dense(1, activation="sigmoid")],
                       input_shape=(2,), seed=9, dtype="float64")
    model.layers[0].params["W"][...] = -1.0
    X = np.abs(data(n=2)[0])  # positive inputs: every unit of layer 1 is off
    y = data(n=2)[1]
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.kinks["dense_2.b"] == 2
    assert np.isnan(r.per_parameter["dense_2.b"])


def test_model_is_untouched_by_the_check():
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(3,), seed=10)
    before = {k: l.params[k2].copy() for k, l, k2 in model.parameters()}
    gradient_check(model, *data(), epsilon=1e-6)
    assert model.dtype == np.float32
    for name, layer, key in model.parameters():
        np.testing.assert_array_equal(layer.params[key], before[name])


def test_extended_precision_check_of_tiny_gradients():
    # the cat seed's regime: ×0.01 weights, MSE; float64 differences drown in rounding
    rng = np.random.default_rng(11)
    X = rng.random((16, 200))
    y = rng.integers(0, 2, 16)
    model = Sequential([Dense(4, activation="tanh"), Dense(3, activation="tanh"), Dense(1, activation="sigmoid")],
                       input_shape=(200,), loss="mse", init="small", seed=11, dtype="float64")
    r = gradient_check(model, X, y, epsilon=1e-5, max_coords=200, numeric_dtype="longdouble")
    if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps:
        assert r.passed(THRESHOLD), r.per_parameter


@pytest.mark.parametrize("names", [["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
                                   ["x1^2", "x2^2"], ["sin(x2)", "x1*x2"]])
def test_input_features_inside_the_stack(names):
    # InputFeatures after a Dense(2): the first layer's gradients flow through the features' input gradient
    from nnviz.engine import InputFeatures
    model = Sequential([Dense(2, activation="tanh"), InputFeatures(names), Dense(4, activation="tanh"),
                        Dense(3, activation="softmax")], input_shape=(3,), loss="categorical_crossentropy",
                       init="xavier", seed=9, dtype="float64")
    X, y = data(m=20, k=3)
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.passed(THRESHOLD), r.per_parameter
    assert set(r.per_parameter) == {"dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b", "dense_3.W", "dense_3.b"}


def test_input_features_as_first_layer():
    from nnviz.engine import InputFeatures
    model = Sequential([InputFeatures(["x1", "x2", "x1^2", "x2^2"]), Dense(1, activation="sigmoid")],
                       input_shape=(2,), seed=10, dtype="float64")
    X, y = data(m=16, n=2)
    r = gradient_check(model, X, y, epsilon=1e-6)
    assert r.passed(THRESHOLD), r.per_parameter

"""Forward values, losses and shape errors against hand-computed references."""

import numpy as np
import pytest
from scipy.special import expit, log_softmax, softmax

from nnviz.engine import BatchNorm, Dense, Dropout, Flatten, Sequential
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.losses import get_loss


def test_activations_match_scipy():
    z = np.linspace(-30, 30, 61).reshape(-1, 1) * np.ones((1, 3)) + np.arange(3)
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(z), expit(z), rtol=1e-14)
    np.testing.assert_allclose(ACTIVATIONS["softmax"].forward(z), softmax(z, axis=1), rtol=1e-13)
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].forward(np.array([-2.0, 3.0])), [-0.02, 3.0])
    assert np.all(np.isfinite(ACTIVATIONS["sigmoid"].forward(np.array([-1000.0, 1000.0]))))


def test_losses_by_hand():
    a = np.array([[0.8], [0.3]])
    z = np.log(a / (1 - a))
    Y = np.array([[1.0], [0.0]])
    bce = get_loss("binary_crossentropy")
    expected = -(np.log(0.8) + np.log(0.7)) / 2
    assert bce.cost(a, z, Y, fused=True) == pytest.approx(expected, rel=1e-12)
    assert bce.cost(a, z, Y, fused=False) == pytest.approx(expected, rel=1e-12)
    mse = get_loss("mse")  # the cat seed's (1/m)·Σ ½(a−y)²
    assert mse.cost(a, z, Y, fused=False) == pytest.approx((0.5 * 0.04 + 0.5 * 0.09) / 2)
    zs = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    Ys = np.eye(3)[[1, 2]]
    cce = get_loss("categorical_crossentropy")
    ref = -(log_softmax(zs, axis=1) * Ys).sum() / 2
    assert cce.cost(softmax(zs, axis=1), zs, Ys, fused=True) == pytest.approx(ref, rel=1e-12)


def test_dense_forward_by_hand():
    model = Sequential([Dense(2, activation="relu")], input_shape=(2,), loss="mse", dtype="float64")
    layer = model.layers[0]
    layer.params["W"][...] = [[1.0, -1.0], [2.0, 0.5]]
    layer.params["b"][...] = [0.5, -3.0]
    out = model.predict(np.array([[1.0, 1.0]]))
    np.testing.assert_allclose(out, [[3.5, 0.0]])


def test_summary_and_shapes_before_data():
    model = Sequential([Flatten(), Dense(20, activation="relu"), Dropout(0.5), BatchNorm(),
                        Dense(1, activation="sigmoid")], input_shape=(3, 8, 8))
    assert model.output_shapes == [(192,), (20,), (20,), (20,), (1,)]
    assert model.count_params() == 192 * 20 + 20 + 40 + 21
    text = model.summary()
    assert "dense_1" in text and "3,921" in text and "(None, 192)" in text


def test_dense_on_images_is_refused_with_the_layer_named():
    with pytest.raises(ValueError, match=r"dense_1: expects flat input \(features,\), but receives shape \(3, 8, 8\)"):
        Sequential([Dense(4), Dense(1, activation="sigmoid")], input_shape=(3, 8, 8))


def test_zero_units_refused():
    with pytest.raises(ValueError, match="units must be a positive integer. Received: units=0"):
        Dense(0)


def test_loss_and_output_must_fit():
    with pytest.raises(ValueError, match="binary_crossentropy needs a Dense\\(1, 'sigmoid'\\) output"):
        Sequential([Dense(3, activation="softmax")], input_shape=(2,), loss="binary_crossentropy")
    with pytest.raises(ValueError, match="categorical_crossentropy needs"):
        Sequential([Dense(1, activation="sigmoid")], input_shape=(2,), loss="categorical_crossentropy")


def test_wrong_input_shape_names_layer_and_shapes():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    with pytest.raises(ValueError, match=r"dense_1: expected input of shape \(m, 2\), but received data of shape \(5, 3\)"):
        model.predict(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="labels must be in 0..1"):
        model.evaluate(np.zeros((2, 2)), np.array([0, 4]))


def test_batchnorm_inference_uses_running_statistics():
    model = Sequential([BatchNorm(momentum=0.0), Dense(1, activation="sigmoid")], input_shape=(2,), dtype="float64")
    X = np.array([[1.0, 10.0], [3.0, 30.0]])
    bn = model.layers[0]
    out = bn.forward(X, training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_mean"], [2.0, 20.0])
    np.testing.assert_allclose(bn.buffers["running_var"], [1.0, 100.0])
    np.testing.assert_allclose(bn.forward(np.array([[2.0, 20.0]]), training=False), [[0.0, 0.0]], atol=1e-12)


def test_inverted_dropout_keeps_the_expectation():
    layer = Dropout(0.25, seed=0)
    layer.build((10000,), np.random.default_rng(0), np.float64)
    x = np.ones((4, 10000))
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, 4.0}
    assert abs(y.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_float32_default_and_float64_on_request():
    X = np.random.default_rng(0).standard_normal((4, 2))
    m32 = Sequential([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,))
    m64 = Sequential([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,), dtype="float64")
    assert m32.predict(X).dtype == np.float32 and m64.predict(X).dtype == np.float64
    assert m32.layers[0].params["W"].dtype == np.float32

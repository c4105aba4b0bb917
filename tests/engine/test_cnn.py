"""Whole CNNs: BatchNorm on (m, C, H, W), a full conv net's gradients, training, save/load."""

import numpy as np
import pytest

from nnviz.engine import (
    Adam,
    BatchNorm,
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    Sequential,
    gradient_check,
    load_model,
)


def small_cnn(dtype="float64", seed=0):
    return Sequential([
        Conv2D(3, 3, padding=1), BatchNorm(), Conv2D(3, 1, activation="relu"), MaxPool2D(2),
        Conv2D(4, 3, activation="tanh"), MaxPool2D(2), Flatten(), Dense(3, activation="softmax"),
    ], input_shape=(2, 10, 10), loss="categorical_crossentropy", init="xavier", seed=seed, dtype=dtype)


def test_batchnorm_normalizes_each_channel_over_batch_and_pixels():
    layer = BatchNorm()
    layer.build((3, 4, 5), np.random.default_rng(0), np.float64)
    layer.params["gamma"][:] = [1.0, 2.0, 0.5]
    layer.params["beta"][:] = [0.0, -1.0, 3.0]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3, 4, 5)) * [[[2.0]], [[0.5]], [[4.0]]] + [[[1.0]], [[-3.0]], [[0.0]]]
    out = layer.forward(x, training=True)
    for c in range(3):
        xc = x[:, c]
        ref = (xc - xc.mean()) / np.sqrt(xc.var() + layer.epsilon) * layer.params["gamma"][c] + layer.params["beta"][c]
        assert np.max(np.abs(out[:, c] - ref)) < 1e-12
        assert layer.buffers["running_mean"][c] == pytest.approx(0.1 * xc.mean())
        assert layer.buffers["running_var"][c] == pytest.approx(0.9 + 0.1 * xc.var())


def assert_gradients_right(result):
    """Every tensor below 1e-7. conv_1.b feeds BatchNorm, which subtracts the channel mean, so its
    true gradient is exactly zero: the check must report it as agreeing zeros, not as noise/noise."""
    _, analytic, numerical = result.samples["conv_1.b"]
    assert np.max(np.abs(analytic)) < 1e-12 and np.max(np.abs(numerical)) < 1e-6
    assert result.zero_gradient == ["conv_1.b"]
    assert result.passed(1e-7), result.per_parameter


def test_conv_batchnorm_gradient_check():
    """conv -> BN -> relu conv -> dense: BN's (m, C, H, W) input gradient reaches the first conv."""
    model = Sequential([Conv2D(3, 3), BatchNorm(), Conv2D(2, 3, activation="relu"), Flatten(),
                        Dense(3, activation="softmax")],
                       input_shape=(2, 7, 7), loss="categorical_crossentropy", init="xavier", seed=2,
                       dtype="float64")
    model.layers[1].params["gamma"][:] = [0.5, 1.5, -1.0]
    model.layers[1].params["beta"][:] = [0.1, -0.2, 0.3]
    rng = np.random.default_rng(4)
    result = gradient_check(model, rng.standard_normal((5, 2, 7, 7)), rng.integers(0, 3, 5))
    assert_gradients_right(result)
    assert "batchnorm_1.gamma" in result.per_parameter


def test_whole_small_cnn_gradient_check():
    model = small_cnn()
    rng = np.random.default_rng(6)
    result = gradient_check(model, rng.standard_normal((6, 2, 10, 10)), rng.integers(0, 3, 6))
    assert_gradients_right(result)
    assert len(result.per_parameter) == 10  # 3 convs + BN + dense, two tensors each


def test_small_cnn_learns_a_pixel_pattern_in_float32():
    """Three classes: a bright spot in the top-left, centre or bottom-right quadrant, plus noise."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 240)
    X = rng.standard_normal((240, 2, 10, 10)).astype(np.float32) * 0.3
    for i, label in enumerate(y):
        r = 1 + 3 * label
        X[i, :, r:r + 2, r:r + 2] += 2.0
    model = small_cnn(dtype="float32", seed=1)
    history = model.fit(X[:200], y[:200], optimizer=Adam(0.01), epochs=8, batch_size=32,
                        validation_data=(X[200:], y[200:]))
    assert history.status == "completed"
    assert history.test_accuracy[-1] >= 0.95
    assert model.predict(X[:5]).dtype == np.float32


def test_save_and_load_keep_a_cnn(tmp_path):
    model = small_cnn(dtype="float32")
    X = np.random.default_rng(1).random((4, 2, 10, 10), dtype=np.float32)
    model.fit(X, np.array([0, 1, 2, 0]), optimizer=Adam(0.01), epochs=1)
    model.save(tmp_path / "cnn.h5")
    again = load_model(tmp_path / "cnn.h5")
    assert [layer.describe() for layer in again.layers] == [layer.describe() for layer in model.layers]
    assert np.array_equal(again.predict(X), model.predict(X))

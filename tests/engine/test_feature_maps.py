"""Feature maps against scipy convolutions, filter pictures, confusion matrices against plain loops."""

import numpy as np
import pytest
from scipy.signal import correlate

from nnviz.engine import Conv2D, Dense, Flatten, MaxPool2D, Sequential
from nnviz.engine.feature_maps import feature_maps, filter_images, image_layers
from nnviz.engine.metrics import (
    confident_mistakes,
    confusion_matrix,
    prediction_confidence,
)


def small_cnn(channels=1):
    return Sequential([Conv2D(3, 3, activation="relu"), MaxPool2D(2), Conv2D(5, 2), Flatten(),
                       Dense(4, activation="softmax")],
                      input_shape=(channels, 9, 9), loss="categorical_crossentropy", seed=3)


def test_feature_maps_match_scipy_and_manual_pooling():
    model = small_cnn()
    x = np.random.default_rng(0).random((1, 9, 9)).astype(np.float32)
    fm = feature_maps(model, x)
    assert [lm.name for lm in fm.layers] == ["conv_1", "maxpool_1", "conv_2"]
    W, b = model.layers[0].params["W"], model.layers[0].params["b"]
    conv1 = np.maximum(np.array([correlate(x[0], W[d, 0], mode="valid") + b[d] for d in range(3)]), 0)
    np.testing.assert_allclose(fm.layers[0].maps, conv1, rtol=1e-5, atol=1e-6)
    assert fm.layers[0].maps.shape == (3, 7, 7)
    pooled = conv1[:, :6, :6].reshape(3, 3, 2, 3, 2).max(axis=(2, 4))
    np.testing.assert_allclose(fm.layers[1].maps, pooled, rtol=1e-5, atol=1e-6)
    W2, b2 = model.layers[2].params["W"], model.layers[2].params["b"]
    conv2 = np.array([sum(correlate(pooled[c], W2[d, c], mode="valid") for c in range(3)) + b2[d]
                      for d in range(5)])
    np.testing.assert_allclose(fm.layers[2].maps, conv2, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fm.output, model.predict(x[None])[0], rtol=1e-5)
    np.testing.assert_array_equal(fm.layers[0].weights, W)
    assert fm.layers[1].weights is None
    assert fm.input.shape == (1, 9, 9)


def test_feature_maps_are_copies_and_take_a_batch_of_one():
    model = small_cnn()
    x = np.ones((1, 1, 9, 9), dtype=np.float32)
    fm = feature_maps(model, x)
    fm.layers[0].weights[...] = 0
    assert np.any(model.layers[0].params["W"] != 0)
    with pytest.raises(ValueError, match="one sample at a time"):
        feature_maps(model, np.ones((2, 1, 9, 9)))
    with pytest.raises(ValueError, match="expected input of shape"):
        feature_maps(model, np.ones((1, 8, 8)))


def test_image_layers_of_a_dense_network_is_empty():
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    assert image_layers(model) == []
    assert len(image_layers(small_cnn())) == 3


def test_filter_images():
    W = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    mean = filter_images(W)
    assert len(mean) == 2 and mean[0].shape == (2, 2)
    np.testing.assert_allclose(mean[1], (W[1, 0] + W[1, 1] + W[1, 2]) / 3)
    rgb = filter_images(W, rgb=True)
    assert rgb[0].shape == (2, 2, 3)
    assert rgb[1][0, 1, 2] == W[1, 2, 0, 1]
    one = filter_images(W[:, :1])
    np.testing.assert_array_equal(one[0], W[0, 0])
    with pytest.raises(ValueError, match="filters, channels"):
        filter_images(W[0])


def test_confusion_matrix_against_loops():
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = np.zeros((4, 4), dtype=int)
    for a, b in zip(t, p):
        expected[a, b] += 1
    cm = confusion_matrix(t, p, 4)
    np.testing.assert_array_equal(cm, expected)
    assert cm.sum() == 200
    assert confusion_matrix(np.array([0, 0]), np.array([0, 0]), 3).shape == (3, 3)
    with pytest.raises(ValueError, match="predicted classes must be in 0..1"):
        confusion_matrix(np.array([0, 1]), np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_confident_mistakes_order_and_limit():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.3, 0.7]])
    y = np.array([1, 1, 1, 0, 1])
    # wrong: 0 (conf .9), 2 (.6), 3 (.95)
    np.testing.assert_array_equal(confident_mistakes(probs, y), [3, 0, 2])
    np.testing.assert_array_equal(confident_mistakes(probs, y, limit=2), [3, 0])
    sig = np.array([[0.9], [0.2], [0.4]])
    np.testing.assert_allclose(prediction_confidence(sig), [0.9, 0.8, 0.6])
    np.testing.assert_array_equal(confident_mistakes(sig, np.array([0, 0, 1])), [0, 2])

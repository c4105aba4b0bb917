"""One backward signature on every layer; one way to rebuild and copy a model."""

import inspect
from pathlib import Path

import numpy as np
import pytest

from nnviz.engine import (
    Adam,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Sequential,
    gradient_check,
)
from nnviz.engine.bugs import BACKPROP_BUGS
from nnviz.engine.layers import LAYER_TYPES

ENGINE = Path(__file__).resolve().parents[2] / "nnviz" / "engine"


@pytest.mark.parametrize("name", sorted(LAYER_TYPES))
def test_every_layer_has_one_backward_signature(name):
    params = list(inspect.signature(LAYER_TYPES[name].backward).parameters)
    assert params == ["self", "grad", "need_input_grad"]


def test_no_cached_activation_is_read_outside_its_layer():
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("._z", "_preactivation_grad", "from_logits", "._mask", "copy.deepcopy"):
            hits = [line for line in text.splitlines() if needle in line and "self." + needle.lstrip(".") not in line]
            assert not hits, f"{path.name} reaches into {needle}: {hits}"


def cnn(loss="categorical_crossentropy", dtype="float32"):
    out = Dense(3, activation="softmax") if loss == "categorical_crossentropy" else Dense(1, activation="sigmoid")
    return Sequential([Conv2D(2, 3, padding=1, activation="relu"), MaxPool2D(2), Flatten(), Dropout(0.8),
                       Dense(5, activation="tanh"), BatchNorm(), out],
                      input_shape=(1, 6, 6), loss=loss, seed=2, dtype=dtype)


@pytest.mark.parametrize("loss,act,fused", [
    ("binary_crossentropy", "sigmoid", True),
    ("categorical_crossentropy", "softmax", True),
    ("mse", "sigmoid", False),
])
def test_the_model_tells_its_output_layer_once_that_the_loss_is_fused(loss, act, fused):
    units = 1 if loss == "binary_crossentropy" else 3
    model = Sequential([Dense(4, activation="relu"), Dense(units, activation=act)], input_shape=(2,), loss=loss)
    assert model.fused_output is fused
    assert model.layers[-1].fused_with_loss is fused
    assert model.layers[0].fused_with_loss is False


def test_fused_output_backward_takes_dl_dz():
    rng = np.random.default_rng(0)
    model = Sequential([Dense(3, activation="softmax")], input_shape=(2,), loss="categorical_crossentropy",
                       dtype="float64")
    X, y = rng.standard_normal((5, 2)), np.array([0, 1, 2, 0, 1])
    Y = model.targets(y)
    a = model.forward(X, training=True)
    dz = model.output_gradient(a, Y)
    np.testing.assert_allclose(dz, (a - Y) / 5)
    layer = model.layers[0]
    layer.backward(dz)
    np.testing.assert_allclose(layer.grads["W"], X.T @ dz)
    assert layer.preactivation.shape == (5, 3)


def test_from_config_rebuilds_the_architecture():
    model = cnn()
    again = Sequential.from_config(model.get_config())
    assert again.get_config() == model.get_config()
    assert again.summary() == model.summary()
    with pytest.raises(ValueError, match="lacks 'loss'"):
        Sequential.from_config({k: v for k, v in model.get_config().items() if k != "loss"})
    with pytest.raises(ValueError, match="unknown layer type 'Lambda'"):
        Sequential.from_config({**model.get_config(), "layers": [{"class_name": "Lambda", "config": {}}]})


def test_copy_is_independent_and_complete():
    rng = np.random.default_rng(1)
    X = rng.random((24, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 3, 24)
    model = cnn()
    model.fit(X, y, optimizer=Adam(0.01), epochs=2, batch_size=8)
    twin = model.copy()
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
    assert twin.history.cost == model.history.cost and twin.history is not model.history
    assert model.copy(with_history=False).history.epochs_done == 0
    for mine, theirs in zip(twin.layers, model.layers):
        for key in theirs.params:
            assert not np.shares_memory(mine.params[key], theirs.params[key])
        for key in theirs.buffers:
            np.testing.assert_array_equal(mine.buffers[key], theirs.buffers[key])
    # same dropout generator state: both draw the same next masks
    np.testing.assert_array_equal(twin.forward(twin.check_inputs(X), training=True),
                                  model.forward(model.check_inputs(X), training=True))
    model.layers[0].params["W"] += 1
    assert not np.array_equal(twin.layers[0].params["W"], model.layers[0].params["W"])


@pytest.mark.parametrize("dtype", ["float64", "longdouble"])
def test_copy_converts_dtype(dtype):
    model = cnn()
    twin = model.copy(dtype=dtype)
    assert twin.dtype == np.dtype(dtype)
    assert all(v.dtype == np.dtype(dtype) for layer in twin.layers for v in layer.params.values())
    np.testing.assert_array_equal(twin.layers[0].params["W"], model.layers[0].params["W"].astype(dtype))
    with pytest.raises(ValueError, match="floating-point"):
        model.copy(dtype="int32")


@pytest.mark.parametrize("bug", sorted(BACKPROP_BUGS))
def test_bugs_run_through_the_public_layer_api(bug):
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, activation="tanh"), Dense(4, activation="relu"), Dense(1, activation="sigmoid")],
                       input_shape=(4,), seed=1, dtype="float64")
    X, y = rng.standard_normal((12, 4)), rng.integers(0, 2, 12)
    result = gradient_check(model, X, y, epsilon=1e-6, backward=BACKPROP_BUGS[bug][0])
    assert not result.passed(1e-7)

"""Shared by the export tests: briefly trained preset networks and importing an exported file."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from nnviz.data import load_dataset
from nnviz.engine import Sequential
from nnviz.engine.layers import (
    FEATURES,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    InputFeatures,
    MaxPool2D,
)
from nnviz.lab.presets import load_preset

#: preset → (training samples, epochs): a few seconds each, enough to move the weights off their init
BRIEF = {"moons": (None, 200), "cats-deep": (None, 30), "mnist-cnn": (1500, 1)}
_counter = itertools.count()


def trained_preset(name: str, data_dir):
    """(preset, dataset, model): the preset's network trained briefly on its data (a subset for MNIST)."""
    preset = load_preset(name)
    if preset.dataset in ("moons", "circles", "xor", "spiral"):
        ds = load_dataset(preset.dataset, **preset.dataset_options)
    else:
        if data_dir is None:
            pytest.skip(f"the {name} preset needs the real {preset.dataset} files (set NNVIZ_DATA_DIR)")
        try:
            ds = load_dataset(preset.dataset, data_dir=str(data_dir))
        except Exception as exc:  # noqa: BLE001  the files of this dataset are not there
            pytest.skip(f"the {preset.dataset} files are not in {data_dir}: {exc}")
    model = preset.build_model(ds.input_shape)
    subset, epochs = BRIEF[name]
    X, y = ds.X_train[:subset], ds.y_train[:subset]
    before = model.predict(ds.X_test[:100])
    model.fit(X, y, optimizer=preset.build_optimizer(), epochs=epochs, batch_size=preset.batch_size)
    assert np.abs(model.predict(ds.X_test[:100]) - before).max() > 1e-3, "training did not move the weights"
    return preset, ds, model


def every_layer_model(dtype="float32", seed=3):
    """A small image network with every layer type and activation the engine has, trained a few steps
    (so batch norm's running averages are not their start values), and its data."""
    rng = np.random.default_rng(seed)
    X = rng.random((60, 2, 9, 9)).astype(dtype)
    y = rng.integers(0, 3, 60)
    layers = [
        Conv2D(3, 3, stride=2, padding="same", activation="leaky_relu"),   # 9x9 -> 5x5, 1 zero on each side
        BatchNorm(momentum=0.8),
        Conv2D(4, (2, 3), padding="same", activation="tanh"),              # asymmetric: 0 top, 1 bottom
        MaxPool2D(2, stride=1),
        Conv2D(2, 1, padding=(1, 0), activation="sigmoid"),
        Flatten(),
        Dropout(0.7),
        Dense(7, activation="relu"),
        BatchNorm(),
        Dense(5),                                                          # linear
        Dense(3, activation="softmax"),
    ]
    model = Sequential(layers, input_shape=(2, 9, 9), loss="categorical_crossentropy", dtype=dtype, seed=seed)
    from nnviz.engine import Adam
    model.fit(X, y, optimizer=Adam(0.01), epochs=5, batch_size=20)
    for layer in model.layers:
        if isinstance(layer, BatchNorm):
            assert np.abs(layer.buffers["running_var"] - 1).max() > 1e-3
    return model, X


def _train_briefly(model, X, y, X_check, epochs, batch_size=None):
    from nnviz.engine import Adam

    before = model.predict(X_check)
    model.fit(X, y, optimizer=Adam(0.02), epochs=epochs, batch_size=batch_size)
    assert np.abs(model.predict(X_check) - before).max() > 1e-3, "training did not move the weights"
    return model


def features_model(kind: str):
    """(dataset, model) with an InputFeatures first layer, as the lab builds it (``features_1``), trained briefly.

    ``"all"``: every feature, a hidden layer, on moons; ``"circles"``: x1², x2² straight into a sigmoid unit, on
    circles (issue 12's example: a straight line in (x1², x2²) is a circle in the plane)."""
    if kind == "all":
        ds = load_dataset("moons", n_samples=400, seed=2)
        layers = [InputFeatures(list(FEATURES), name="features_1"), Dense(6, activation="tanh"),
                  Dense(1, activation="sigmoid")]
    else:
        ds = load_dataset("circles", n_samples=400, seed=2)
        layers = [InputFeatures(["x1^2", "x2^2"], name="features_1"), Dense(1, activation="sigmoid")]
    model = Sequential(layers, input_shape=(2,), seed=4)
    return ds, _train_briefly(model, ds.X_train, ds.y_train, ds.X_test, epochs=30)


def blobs_model():
    """(dataset, model): 4-class blobs, a softmax output trained briefly with categorical cross-entropy."""
    ds = load_dataset("blobs", classes=4, n_samples=400, seed=3)
    model = Sequential([Dense(8, activation="relu"), Dense(4, activation="softmax")], input_shape=(2,),
                       loss="categorical_crossentropy", seed=6)
    assert sorted(set(ds.y_train.tolist())) == [0, 1, 2, 3]
    return ds, _train_briefly(model, ds.X_train, ds.y_train, ds.X_test, epochs=20, batch_size=32)


def table_model(folder):
    """(raw test rows float64 (m, 3), dataset, model, extra): a CSV table of 3 columns on very different scales
    (so standardisation matters), read by nnviz, a network trained briefly on it, and the ``extra`` the app saves
    with it (``Lab.save_model``: class names, standardization)."""
    from nnviz.data.dataset import train_test_split
    from nnviz.data.table import read_table

    rng = np.random.default_rng(11)
    m = 150
    raw = np.column_stack([rng.normal(170, 12, m), rng.normal(0.002, 0.001, m), rng.normal(-5e3, 800, m)])
    score = (raw[:, 0] - 170) / 12 + (raw[:, 1] - 0.002) / 0.001
    y = np.digitize(score, [-0.8, 0.8])                          # 3 classes
    names = ["high", "low", "mid"]                              # nnviz sorts class names: codes 0, 1, 2
    lines = ["height,ratio,depth,kind"] + [f"{a!r},{b!r},{c!r},{names[k]}" for (a, b, c), k in zip(raw.tolist(), y)]
    path = folder / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    ds = read_table(path, header=True)
    _, _, raw_test, y_test = train_test_split(raw, y, 0.2, 0)    # read_table's split (defaults 0.2, seed 0)
    np.testing.assert_array_equal(y_test, ds.y_test)
    model = Sequential([Dense(6, activation="tanh"), Dense(3, activation="softmax")], input_shape=(3,),
                       loss="categorical_crossentropy", seed=8)
    _train_briefly(model, ds.X_train, ds.y_train, ds.X_test, epochs=30)
    extra = {"app": "nnviz", "dataset": "table", "class_names": list(ds.class_names),
             "standardization": {"features": list(ds.feature_names), "mean": ds.feature_mean.tolist(),
                                 "std": ds.feature_std.tolist()}}
    return raw_test, ds, model, extra


def import_file(path, name: str | None = None):
    """Import a generated Python file as a fresh module."""
    name = name or f"exported_{Path(path).stem.replace('-', '_')}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

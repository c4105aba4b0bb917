"""Shared by the export tests: briefly trained preset networks and importing an exported file."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from nnviz.data import load_dataset
from nnviz.engine import Sequential
from nnviz.engine.layers import BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D
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


def import_file(path, name: str | None = None):
    """Import a generated Python file as a fresh module."""
    name = name or f"exported_{Path(path).stem.replace('-', '_')}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

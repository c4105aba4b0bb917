"""Tables and image folders through the Lab (no Qt): opening, options, augmentation, saved statistics."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from nnviz.data.augment import Augmenter
from nnviz.lab import Lab, RunConfig, datasets
from nnviz.lab.config import checked_config

IRIS = Path(__file__).parents[1] / "data" / "tables" / "iris.csv"
IRIS_NET = [{"type": "Dense", "units": 8, "activation": "relu"}, {"type": "Dense", "units": 3, "activation": "softmax"}]


def _folder(tmp_path, per_class=6) -> Path:
    rng = np.random.default_rng(0)
    root = tmp_path / "shapes"
    for k, name in enumerate(("bars", "dots")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = (rng.random((20, 20)) * 60).astype(np.uint8)
            if k == 0:
                img[:, 8:12] = 255
            else:
                img[8:12, 8:12] = 255
            Image.fromarray(img, "L").save(root / name / f"{i}.png")
    return root


def test_opening_a_table_reads_it_with_the_panel_options(tmp_path):
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(IRIS)
    assert lab.config.dataset == "table"
    assert lab.config.dataset_options == {"path": str(IRIS), **datasets.TABLE_DEFAULTS}
    assert lab.dataset.input_shape == (4,) and lab.dataset.n_classes == 3
    # the moons network had one sigmoid output: it now has one unit per class, and trains
    assert lab.config.layers[-1] == {"type": "Dense", "units": 3, "activation": "softmax"}
    assert lab.config.layers[:-1] == lab.preset_config.layers[:-1]
    assert lab.config.loss == "categorical_crossentropy" and lab.train_block_reason() is None
    assert lab.model is not None and lab.model.output_units == 3
    config = lab.config.copy()
    config.layers, config.loss = IRIS_NET, "categorical_crossentropy"
    config.dataset_options = {**config.dataset_options, "test_fraction": 0.3, "seed": 5}
    lab.edit(config, "dataset")
    assert len(lab.dataset.y_test) == 45 and lab.train_block_reason() is None


def test_the_output_layer_is_only_widened_when_too_narrow():
    config = RunConfig(layers=[{"type": "Dense", "units": 4, "activation": "relu"},
                               {"type": "Dense", "units": 1, "activation": "sigmoid"}], loss="binary_crossentropy")
    assert datasets.output_for_classes(config, 2) is None                  # one sigmoid unit: two classes
    wide = datasets.output_for_classes(config, 5)
    assert wide.layers[-1]["units"] == 5 and wide.loss == "categorical_crossentropy"
    assert config.layers[-1]["units"] == 1                                   # the original is untouched
    assert datasets.output_for_classes(wide, 3) is None                     # 5 ≥ 3
    assert datasets.output_for_classes(RunConfig(layers=[{"type": "Flatten"}]), 3) is None


def test_a_saved_table_model_keeps_the_training_statistics(tmp_path):
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(IRIS)
    config = lab.config.copy()
    config.layers, config.loss, config.epochs = IRIS_NET, "categorical_crossentropy", 2
    lab.edit(config, "layers")
    path = tmp_path / "iris.h5"
    lab.save_model(path)
    with h5py.File(path, "r") as f:
        extra = json.loads(f.attrs["extra"])
    saved = extra["standardization"]
    assert saved["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    np.testing.assert_allclose(saved["mean"], lab.dataset.feature_mean)
    np.testing.assert_allclose(saved["std"], lab.dataset.feature_std)
    assert extra["class_names"] == ["setosa", "versicolor", "virginica"]


def test_opening_a_folder_follows_the_network_and_keeps_options(tmp_path):
    root = _folder(tmp_path)
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(root)           # points network: the folder's defaults
    assert lab.config.dataset == "folder" and lab.config.dataset_options["size"] == 32
    assert lab.dataset.input_shape == (3, 32, 32) and lab.dataset.class_names == ["bars", "dots"]
    config = lab.config.copy()
    config.layers = [{"type": "Conv2D", "filters": 2, "kernel_size": 3}, {"type": "Flatten"},
                     {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    config.dataset_options = {**config.dataset_options, "size": 28, "color": "grey"}
    lab.edit(config, "dataset")
    assert lab.dataset.input_shape == (1, 28, 28)
    other = _folder(tmp_path / "again")
    lab.open_dataset_file(other)          # the same kind again: size and colour stay
    assert lab.config.dataset_options["size"] == 28 and lab.config.dataset_options["color"] == "grey"


def test_augmentation_reaches_the_engine_for_images_only(tmp_path, monkeypatch):
    root = _folder(tmp_path)
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(root)
    config = lab.config.copy()
    config.layers = [{"type": "Flatten"}, {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    config.augment, config.epochs, config.batch_size = ["flip", "rotate"], 1, 4
    lab.edit(config, "layers")
    lab.edit(config, "augment")
    assert not lab.problems
    session = lab.start_run(emit=lambda snap: None)
    assert session.augment == Augmenter(flip=True, rotate=10.0)
    seen = []
    original = session.augment
    session.augment = lambda X, rng: seen.append(X.shape) or original(X, rng)
    lab.run_finished(session.run())
    assert seen and all(s[1:] == (3, 32, 32) for s in seen)
    assert lab.run_record.settings["augment"] == ["flip", "rotate"]
    # a table ignores it (there is nothing to flip)
    lab.open_dataset_file(IRIS)
    config = lab.config.copy()
    config.layers, config.loss = IRIS_NET, "categorical_crossentropy"
    lab.edit(config, "layers")
    session = lab.start_run(emit=lambda snap: None)
    assert session.augment is None
    lab.run_finished(session.run())


@pytest.mark.parametrize("value", [["zoom"], "flip", [1]])
def test_augment_settings_from_files_are_checked(value):
    with pytest.raises(ValueError, match="augment"):
        checked_config({"augment": value}, "run.h5")
    assert "augment" in RunConfig(augment=["zoom"]).problems()


def test_a_bad_folder_is_a_dataset_error_in_the_lab(tmp_path):
    (tmp_path / "empty").mkdir()
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(tmp_path / "empty")
    assert lab.dataset is None and "expected one sub-folder of images" in lab.dataset_error
    assert lab.train_block_reason().startswith("No dataset:")

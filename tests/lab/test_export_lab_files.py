"""Model files the Lab saves (input features, a table) exported with ``nnviz export``: the exports predict what
nnviz predicts, on the rows a user has (raw table rows, 2-D points)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.lab import Lab, RunConfig

from .export_helpers import import_file

IRIS = Path(__file__).parents[1] / "data" / "tables" / "iris.csv"


def _run(lab: Lab):
    result = lab.start_run(emit=lambda snap: None).run()
    lab.run_finished(result)
    assert result.status == "completed", result.message


def _torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed: the PyTorch export checks need it")


def test_a_lab_table_model_file_exports_for_raw_rows(tmp_path, capsys):
    lab = Lab()
    lab.apply_preset("moons")
    lab.open_dataset_file(IRIS)
    config = lab.config.copy()
    config.layers = [{"type": "Dense", "units": 8, "activation": "relu"},
                     {"type": "Dense", "units": 3, "activation": "softmax"}]
    config.loss, config.epochs = "categorical_crossentropy", 20
    lab.edit(config, "layers")
    _run(lab)
    lab.save_model(tmp_path / "iris.h5")
    model, ds = lab.model, lab.dataset
    # every raw row of the file, read independently of nnviz, standardised by hand with the saved statistics
    raw = np.genfromtxt(IRIS, delimiter=",", skip_header=1, usecols=(0, 1, 2, 3), dtype=np.float64)
    expected = model.predict(((raw - ds.feature_mean) / ds.feature_std).astype(np.float32))
    assert expected.shape == (150, 3)

    assert main(["export", "numpy", str(tmp_path / "iris.h5"), str(tmp_path / "iris_net.py")]) == 0
    script = import_file(tmp_path / "iris_net.py")
    np.testing.assert_array_equal(script.predict(raw), expected)
    assert script.CLASS_NAMES == ["setosa", "versicolor", "virginica"]
    capsys.readouterr()

    _torch_or_skip()
    assert main(["export", "pytorch", str(tmp_path / "iris.h5"), str(tmp_path / "out")]) == 0   # with the data
    capsys.readouterr()
    exported = import_file(tmp_path / "out" / "model.py")
    difference = np.abs(exported.predict(raw) - expected).max()
    with capsys.disabled():
        print(f"iris through the Lab: 150 raw rows, max |PyTorch - nnviz| = {difference:.1e}, "
              f"script exact")
    assert difference < 1e-5
    with np.load(tmp_path / "out" / "data.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["X_test"], ds.X_test)


def test_a_lab_model_file_with_input_features_exports(tmp_path, capsys):
    lab = Lab()
    lab.apply(RunConfig(name="", dataset="circles", dataset_options={"n_samples": 400, "noise": 0.1,
                                                                     "test_fraction": 0.2, "seed": 0},
                        features=["x1^2", "x2^2"], layers=[{"type": "Dense", "units": 1, "activation": "sigmoid"}],
                        loss="binary_crossentropy", init="xavier", optimizer={"name": "adam", "lr": 0.05},
                        epochs=30))
    _run(lab)
    lab.save_model(tmp_path / "circles.h5")
    X = lab.dataset.X_test
    expected = lab.model.predict(X)
    assert main(["export", "numpy", str(tmp_path / "circles.h5"), str(tmp_path / "circles_net.py")]) == 0
    np.testing.assert_array_equal(import_file(tmp_path / "circles_net.py").predict(X), expected)
    capsys.readouterr()

    _torch_or_skip()
    assert main(["export", "pytorch", str(tmp_path / "circles.h5"), str(tmp_path / "out")]) == 0
    capsys.readouterr()
    exported = import_file(tmp_path / "out" / "model.py")
    difference = np.abs(exported.predict(X) - expected).max()
    with capsys.disabled():
        print(f"circles with x1², x2² through the Lab: max |PyTorch - nnviz| = {difference:.1e}")
    assert difference < 1e-5
    with np.load(tmp_path / "out" / "data.npz", allow_pickle=False) as data:   # the 2-D points, as nnviz has them
        np.testing.assert_array_equal(data["X_test"], X)

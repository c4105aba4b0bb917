"""Export as PyTorch: model.py + weights predict what nnviz predicts; train.py trains (also under torchrun).

Needs torch (the ``bench`` extra); every test here is skipped with a message without it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the PyTorch export checks need it "
                                            "(pip install '.[bench]')")

from nnviz.engine import get_optimizer, save_model
from nnviz.lab.export import ExportError, export_pytorch, settings_from_config
from nnviz.lab.export.pytorch import FILES

from .export_helpers import (
    blobs_model,
    every_layer_model,
    features_model,
    import_file,
    table_model,
    trained_preset,
)

#: what the exported model.py may differ from nnviz by (float32 sums in another order)
TOLERANCE = 1e-5


def _subprocess_env():
    """The test's environment for train.py, one BLAS/OpenMP thread per process (a shared machine)."""
    return dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


@pytest.mark.parametrize("name", ["moons", "cats-deep", "mnist-cnn"])
def test_exported_model_predicts_what_nnviz_predicts(name, optional_data_dir, tmp_path):
    preset, ds, model = trained_preset(name, optional_data_dir)
    files = export_pytorch(model, tmp_path / "out", settings=settings_from_config(preset), dataset=ds)
    assert sorted(f.name for f in files) == sorted(FILES)
    exported = import_file(tmp_path / "out" / "model.py")
    net = exported.load_model()
    assert isinstance(net, torch.nn.Sequential) and not net.training
    X = np.concatenate([ds.X_test, ds.X_train])[:100]   # 100 inputs: cats has only 50 test images
    expected = model.predict(X)
    with torch.no_grad():
        got = net(torch.as_tensor(X, dtype=exported.DTYPE)).numpy()
    assert got.shape == expected.shape           # (100, 1) for a sigmoid output, (100, 10) for softmax
    difference = np.abs(got.astype(np.float64) - expected).max()
    print(f"{name}: 100 inputs, max |PyTorch - nnviz| = {difference:.1e}")
    assert difference < TOLERANCE
    np.testing.assert_allclose(exported.predict(X, net), expected, atol=TOLERANCE, rtol=0)
    with np.load(tmp_path / "out" / "data.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["X_test"], ds.X_test)
        np.testing.assert_array_equal(data["y_train"], ds.y_train)
        assert list(data["class_names"]) == list(ds.class_names)


def test_every_layer_type_exports_to_pytorch(tmp_path):
    for dtype in ("float32", "float64"):
        model, X = every_layer_model(dtype)
        export_pytorch(model, tmp_path / dtype)
        exported = import_file(tmp_path / dtype / "model.py")
        net = exported.load_model()
        kinds = [type(m).__name__ for m in net]
        for kind in ("Conv2d", "ZeroPad2d", "BatchNorm2d", "BatchNorm1d", "MaxPool2d", "Dropout", "Flatten",
                     "Linear", "LeakyReLU", "Tanh", "Sigmoid", "ReLU", "Softmax"):
            assert kind in kinds
        got = exported.predict(X, net)
        assert got.dtype == np.dtype(dtype)
        difference = np.abs(got - model.predict(X)).max()
        print(f"every layer type, {dtype}: max |PyTorch - nnviz| = {difference:.1e}")
        assert difference < (1e-12 if dtype == "float64" else TOLERANCE)


def _three_runs():
    """(label, model, settings, dataset): full-batch runs covering each loss, L2 and four optimizers."""
    from nnviz.data import load_dataset
    from nnviz.engine import Sequential
    from nnviz.engine.layers import Dense
    from nnviz.lab.export import TrainingSettings

    preset, ds, _ = trained_preset("moons", None)
    small = load_dataset("moons", n_samples=400, noise=0.2, test_fraction=0.25, seed=3)
    mse = Sequential([Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], input_shape=(2,), loss="mse",
                     l2=0.5, seed=4)
    softmax = Sequential([Dense(12, activation="leaky_relu"), Dense(2, activation="softmax")], input_shape=(2,),
                         loss="categorical_crossentropy", l2=0.1, seed=5)
    return [("moons preset: sgd, binary cross-entropy", preset.build_model(ds.input_shape),
             settings_from_config(preset), ds),
            ("mse + L2, rmsprop", mse, TrainingSettings({"name": "rmsprop", "lr": 0.01, "rho": 0.9}, 40), small),
            ("softmax + L2, adam", softmax, TrainingSettings({"name": "adam", "lr": 0.01}, 40), small)]


@pytest.mark.slow
def test_train_py_starts_where_nnviz_started_and_follows_it(tmp_path):
    """Full-batch training is deterministic: train.py from the exported initial weights lands on nnviz's own
    run (the same loss, L2 term, gradient and optimizer update), for each loss and several optimizers."""
    for i, (label, model, settings, ds) in enumerate(_three_runs()):
        out = tmp_path / f"run{i}"
        export_pytorch(model, out, settings=settings, dataset=ds)
        epochs = 60 if i == 0 else settings.epochs
        model.fit(ds.X_train, ds.y_train, optimizer=get_optimizer(settings.optimizer), epochs=epochs)
        result = subprocess.run([sys.executable, "train.py", "--epochs", str(epochs), "--cpu", "--save",
                                 "trained.npz"], cwd=out, capture_output=True, text=True, timeout=300,
                                env=_subprocess_env(), check=False)
        assert result.returncode == 0, result.stderr
        assert "BATCH_SIZE = None" in (out / "train.py").read_text()
        exported = import_file(out / "model.py")
        net = exported.load_model(out / "trained.npz")
        difference = np.abs(exported.predict(ds.X_test, net) - model.predict(ds.X_test)).max()
        print(f"{label}, {epochs} epochs: max |train.py - nnviz| = {difference:.1e}")
        assert difference < 1e-4
        printed = float(re.search(r"^test accuracy: (\d\.\d{4})$", result.stdout, re.MULTILINE).group(1))
        assert printed == pytest.approx(model.evaluate(ds.X_test, ds.y_test)["accuracy"], abs=0.011)


@pytest.mark.slow
def test_torchrun_trains_with_two_processes_on_cpu(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed beside this Python")
    preset, ds, model = trained_preset("moons", None)
    export_pytorch(model, tmp_path / "out", settings=settings_from_config(preset), dataset=ds)
    # --standalone: a free port of its own (several test runs may share the machine)
    process = subprocess.Popen([torchrun, "--standalone", "--nproc_per_node=2", "train.py", "--epochs", "1", "--cpu"],
                               cwd=tmp_path / "out", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=_subprocess_env(), start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)   # torchrun and both workers
        stdout, stderr = process.communicate()
        pytest.fail(f"torchrun did not finish in 600 s:\n{stdout}\n{stderr}")
    assert process.returncode == 0, stdout + stderr
    print(stdout)
    assert "2 process(es) on cpu (gloo)" in stdout
    accuracy = float(re.search(r"^test accuracy: (\d\.\d{4})$", stdout, re.MULTILINE).group(1))
    assert 0.0 <= accuracy <= 1.0
    assert stdout.count("test accuracy:") == 1   # printed by rank 0 only


def test_cli_exports_a_saved_model_with_its_data(tmp_path, capsys):
    from nnviz.cli import main

    _, ds, model = trained_preset("moons", None)
    save_model(model, tmp_path / "moons.h5", extra={"preset": "moons", "dataset": "moons",
                                                    "class_names": list(ds.class_names)})
    assert main(["export", "pytorch", str(tmp_path / "moons.h5"), str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    exported = import_file(tmp_path / "out" / "model.py")
    assert exported.CLASS_NAMES == list(ds.class_names)
    np.testing.assert_allclose(exported.predict(ds.X_test), model.predict(ds.X_test), atol=TOLERANCE, rtol=0)
    with np.load(tmp_path / "out" / "data.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["X_test"], ds.X_test)   # the preset's dataset, same options
    train = (tmp_path / "out" / "train.py").read_text()
    assert "EPOCHS = 10000" in train and "OPTIMIZER = 'sgd'" in train and "BATCH_SIZE = None" in train
    capsys.readouterr()

    save_model(model, tmp_path / "bare.h5")   # a file that names no dataset
    assert main(["export", "pytorch", str(tmp_path / "bare.h5"), str(tmp_path / "bare")]) == 2
    err = capsys.readouterr().err
    assert "the file does not say which dataset" in err and "--dataset NAME" in err and err.count("\n") == 1
    assert main(["export", "pytorch", str(tmp_path / "bare.h5"), str(tmp_path / "bare"), "--no-data"]) == 0
    assert not (tmp_path / "bare" / "data.npz").exists()
    assert main(["export", "pytorch", str(tmp_path / "bare.h5"), str(tmp_path / "bare2"), "--dataset", "moons"]) == 0
    assert (tmp_path / "bare2" / "data.npz").exists()
    (tmp_path / "afile").write_text("x")
    assert main(["export", "pytorch", str(tmp_path / "moons.h5"), str(tmp_path / "afile")]) == 2
    assert "it is a file; expected a folder name" in capsys.readouterr().err


def test_a_dataset_that_does_not_fit_is_refused_before_writing(tmp_path):
    _, ds, _ = trained_preset("moons", None)
    model_img, _ = every_layer_model()
    with pytest.raises(ExportError, match=r"the dataset moons has inputs of shape \(2,\), but the network takes "
                                          r"\(2, 9, 9\)"):
        export_pytorch(model_img, tmp_path / "out", dataset=ds)
    assert not (tmp_path / "out").exists()


def test_a_new_layer_type_with_its_own_module_class_exports(tmp_path, monkeypatch):
    """How a layer type is added: one export function in EXPORTERS (and, when PyTorch has no module for it,
    its class in TORCH_HELPERS)."""
    from nnviz.engine import Sequential
    from nnviz.engine.layers import LAYER_TYPES, Dense, Layer
    from nnviz.lab.export import EXPORTERS
    from nnviz.lab.export.layers import TORCH_HELPERS, LayerCode

    class Squares(Layer):
        kind = "squares"

        def forward(self, x, training=False):
            return x * x

    def export_squares(layer, ctx):
        return LayerCode(torch_modules=[(ctx.name, "Squares()")], torch_helpers=("Squares",),
                         numpy_lines=["a = a * a"])

    monkeypatch.setitem(EXPORTERS, "Squares", export_squares)
    monkeypatch.setitem(LAYER_TYPES, "Squares", Squares)    # an engine layer is registered there
    monkeypatch.setitem(TORCH_HELPERS, "Squares", '''

class Squares(nn.Module):
    """x -> x * x, element by element."""

    def forward(self, x):
        return x * x
''')
    model = Sequential([Squares(), Dense(3, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,),
                       seed=2)
    export_pytorch(model, tmp_path / "out")
    X = np.random.default_rng(2).normal(size=(20, 2)).astype(np.float32)
    exported = import_file(tmp_path / "out" / "model.py")
    assert np.abs(exported.predict(X) - model.predict(X)).max() < TOLERANCE


@pytest.mark.parametrize("kind", ["all", "circles"])
def test_a_network_with_input_features_exports_to_pytorch(kind, tmp_path):
    ds, model = features_model(kind)
    export_pytorch(model, tmp_path / "out", dataset=ds)
    exported = import_file(tmp_path / "out" / "model.py")
    net = exported.load_model()
    first = net[0]
    assert type(first).__name__ == "InputFeatures" and first.names == model.layers[0].names
    assert len(list(first.parameters())) == 0
    X = np.concatenate([ds.X_test, ds.X_train])[:100]
    # the module's features, against the engine's layer
    with torch.no_grad():
        features = first(torch.as_tensor(X)).numpy()
    difference = np.abs(features - model.layers[0].forward(X)).max()
    assert difference < TOLERANCE
    expected = model.predict(X)
    got = exported.predict(X, net)
    assert got.shape == expected.shape
    difference = np.abs(got.astype(np.float64) - expected).max()
    print(f"features {first.names}: 100 inputs, max |PyTorch - nnviz| = {difference:.1e}")
    assert difference < TOLERANCE
    # the untrained start point too (train.py starts there)
    initial = import_file(tmp_path / "out" / "model.py").load_model(tmp_path / "out" / "initial_weights.npz")
    from nnviz.lab.export.pytorch import initial_model

    assert np.abs(exported.predict(X, initial) - initial_model(model).predict(X)).max() < TOLERANCE


@pytest.mark.slow
def test_train_py_trains_a_network_with_input_features_as_nnviz_does(tmp_path):
    """Full batch, SGD: train.py from the exported initial weights lands where nnviz's own run lands."""
    from nnviz.lab.export import TrainingSettings
    from nnviz.lab.export.pytorch import initial_model

    ds, trained = features_model("circles")
    model = initial_model(trained)
    before = model.predict(ds.X_test)
    settings = TrainingSettings({"name": "sgd", "lr": 0.5}, 40)
    export_pytorch(model, tmp_path / "out", settings=settings, dataset=ds)
    model.fit(ds.X_train, ds.y_train, optimizer=get_optimizer(settings.optimizer), epochs=40)
    assert np.abs(model.predict(ds.X_test) - before).max() > 1e-2, "40 epochs did not move the weights"
    result = subprocess.run([sys.executable, "train.py", "--cpu", "--save", "trained.npz"], cwd=tmp_path / "out",
                            capture_output=True, text=True, timeout=300, env=_subprocess_env(), check=False)
    assert result.returncode == 0, result.stderr
    exported = import_file(tmp_path / "out" / "model.py")
    net = exported.load_model(tmp_path / "out" / "trained.npz")
    difference = np.abs(exported.predict(ds.X_test, net) - model.predict(ds.X_test)).max()
    print(f"x1², x2² on circles, 40 full-batch SGD epochs: max |train.py - nnviz| = {difference:.1e}")
    assert difference < 1e-4


def test_a_softmax_network_on_four_blobs_exports_to_pytorch(tmp_path):
    ds, model = blobs_model()
    export_pytorch(model, tmp_path / "out", dataset=ds)
    exported = import_file(tmp_path / "out" / "model.py")
    X = np.concatenate([ds.X_test, ds.X_train])[:100]
    expected = model.predict(X)
    got = exported.predict(X)
    assert got.shape == expected.shape == (100, 4)
    difference = np.abs(got - expected).max()
    print(f"blobs, 4 classes: max |PyTorch - nnviz| = {difference:.1e}")
    assert difference < TOLERANCE
    assert exported.CLASS_NAMES == [str(c) for c in ds.class_names]
    assert "FROM_LOGITS = True" in (tmp_path / "out" / "train.py").read_text()   # F.cross_entropy on the logits


def test_a_table_network_model_py_standardises_raw_rows(tmp_path, capsys):
    from nnviz.cli import main
    from nnviz.lab.export.pytorch import STANDARDIZATION_FILE

    raw_test, ds, model, extra = table_model(tmp_path)
    expected = model.predict(ds.X_test)
    # the app's export: the dataset carries the standardisation
    export_pytorch(model, tmp_path / "app", dataset=ds)
    out = tmp_path / "app"
    assert (out / STANDARDIZATION_FILE).exists()
    with np.load(out / STANDARDIZATION_FILE, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["mean"], ds.feature_mean)
        np.testing.assert_array_equal(f["std"], ds.feature_std)
        assert list(f["features"]) == ["height", "ratio", "depth"]
    with np.load(out / "data.npz", allow_pickle=False) as data:      # train.py trains on standardised rows
        np.testing.assert_array_equal(data["X_test"], ds.X_test)
    assert "standardization.npz" in (out / "README.txt").read_text()
    exported = import_file(out / "model.py")
    np.testing.assert_array_equal(exported.standardize(raw_test), ds.X_test)
    difference = np.abs(exported.predict(raw_test) - expected).max()
    with capsys.disabled():
        print(f"table: {len(raw_test)} raw rows, max |PyTorch - nnviz| = {difference:.1e}")
    assert difference < TOLERANCE
    assert np.abs(exported.predict(ds.X_test, standardized=True) - expected).max() < TOLERANCE

    # nnviz export pytorch on the saved model file (its extra["standardization"]), without the data
    save_model(model, tmp_path / "table.h5", extra=extra)
    assert main(["export", "pytorch", str(tmp_path / "table.h5"), str(tmp_path / "cli"), "--no-data"]) == 0
    capsys.readouterr()
    assert (tmp_path / "cli" / STANDARDIZATION_FILE).exists()
    exported = import_file(tmp_path / "cli" / "model.py")
    assert exported.CLASS_NAMES == ["high", "low", "mid"]
    assert np.abs(exported.predict(raw_test) - expected).max() < TOLERANCE
    # other networks get no standardisation file and no standardize step
    ds_blobs, blobs = blobs_model()
    export_pytorch(blobs, tmp_path / "plain", dataset=ds_blobs)
    assert not (tmp_path / "plain" / STANDARDIZATION_FILE).exists()
    assert "def standardize" not in (tmp_path / "plain" / "model.py").read_text()

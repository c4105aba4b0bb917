"""File → Export as PyTorch… / Export as NumPy script…: the current window's network, its run settings and data."""

from __future__ import annotations

import importlib.util

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QSpinBox


def _import(path):
    spec = importlib.util.spec_from_file_location(f"menu_export_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _answer_dialogs(monkeypatch, answer, asked):
    def fake(parent, title, default, filters):
        asked.append((title, default))
        return str(answer), filters
    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)


def test_file_menu_exports_the_current_network(window, qtbot, tmp_path, monkeypatch):
    w = window
    w.findChild(QSpinBox, "epochsSpin").setValue(30)
    with qtbot.waitSignal(w.trainingFinished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QPushButton, "trainButton"), Qt.LeftButton)
    model, ds = w.lab.model, w.lab.dataset
    assert model.history.epochs_done == 30
    menu_texts = [a.text() for a in w.menuBar().actions()[0].menu().actions()]
    assert "Export as PyTorch…" in menu_texts and "Export as NumPy script…" in menu_texts

    asked = []
    _answer_dialogs(monkeypatch, tmp_path / "moons-pytorch", asked)
    w.exportPytorchAction.trigger()
    assert asked[-1][1].endswith("moons-pytorch-epoch-30")       # the proposed folder name
    out = tmp_path / "moons-pytorch"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["model.py", "weights.npz", "initial_weights.npz", "train.py", "data.npz", "README.txt"])
    with np.load(out / "weights.npz", allow_pickle=False) as weights:   # this network's weights, as PyTorch keeps them
        for i, layer in enumerate(model.layers, start=1):
            np.testing.assert_array_equal(weights[f"dense_{i}.weight"], layer.params["W"].T)
            np.testing.assert_array_equal(weights[f"dense_{i}.bias"], layer.params["b"])
    with np.load(out / "data.npz", allow_pickle=False) as data:        # this window's data
        np.testing.assert_array_equal(data["X_train"], ds.X_train)
        np.testing.assert_array_equal(data["y_test"], ds.y_test)
    assert "EPOCHS = 30" in (out / "train.py").read_text()            # the run's settings as defaults
    assert "PyTorch export written to" in w.statusBar().currentMessage()
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        exported = _import(out / "model.py")
        X = ds.X_test[:100]
        assert np.abs(exported.predict(X) - model.predict(X)).max() < 1e-5

    _answer_dialogs(monkeypatch, tmp_path / "moons_net", asked)     # the suffix is added
    w.exportNumpyAction.trigger()
    assert asked[-1][1].endswith("moons_network_epoch_30.py")
    script = _import(tmp_path / "moons_net.py")
    assert script.CLASS_NAMES == list(ds.class_names)
    np.testing.assert_array_equal(script.predict(ds.X_test), model.predict(ds.X_test))
    assert "moons_net.npz" in w.statusBar().currentMessage()


def test_export_without_a_network_says_why(window, tmp_path, monkeypatch):
    w = window
    config = w.lab.config.copy()
    config.layers = [{"type": "Dense", "units": 3, "activation": "relu"}]   # no sigmoid output: no network
    w.lab.edit(config, "layers")
    w.lab.new_model(quiet=True)
    assert w.lab.model is None
    asked = []
    _answer_dialogs(monkeypatch, tmp_path / "out", asked)
    w.exportPytorchAction.trigger()
    assert "There is no network to export" in w.banner.text()
    w.exportNumpyAction.trigger()
    assert "There is no network to export" in w.banner.text()
    assert list(tmp_path.glob("out*")) == []


def test_export_errors_go_to_the_banner(window, tmp_path):
    w = window
    assert not w.files.export_pytorch_folder(tmp_path / "missing" / "out")
    assert f"cannot export to {tmp_path / 'missing' / 'out'}: the folder {tmp_path / 'missing'} does not exist" \
        in w.banner.text()
    assert not w.files.export_numpy_script(tmp_path / "missing" / "net.py")
    assert "the folder" in w.banner.text() and "does not exist" in w.banner.text()


def test_a_table_network_exports_for_raw_rows(window, qtbot, tmp_path):
    """A network on a table: the exported script and model.py take the table's raw rows (the window's
    standardisation goes with them)."""
    from pathlib import Path

    from .helpers import wait_for_dataset

    iris = Path(__file__).parents[1] / "data" / "tables" / "iris.csv"
    w = window
    assert w.files.open_dataset_file(iris)
    wait_for_dataset(w, qtbot)
    model, ds = w.lab.model, w.lab.dataset
    assert model is not None and ds.feature_mean is not None
    raw = np.genfromtxt(iris, delimiter=",", skip_header=1, usecols=(0, 1, 2, 3), dtype=np.float64)
    expected = model.predict(((raw - ds.feature_mean) / ds.feature_std).astype(np.float32))
    assert w.files.export_numpy_script(tmp_path / "iris_net.py")
    script = _import(tmp_path / "iris_net.py")
    np.testing.assert_array_equal(script.predict(raw), expected)
    assert w.files.export_pytorch_folder(tmp_path / "iris-pytorch")
    assert (tmp_path / "iris-pytorch" / "standardization.npz").exists()
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    exported = _import(tmp_path / "iris-pytorch" / "model.py")
    assert np.abs(exported.predict(raw) - expected).max() < 1e-5

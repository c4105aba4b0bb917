"""Export as a NumPy script: the script's predictions are nnviz's, for every layer type (no torch needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nnviz.engine import Sequential, save_model
from nnviz.engine.layers import Dense, Layer
from nnviz.lab.export import EXPORTERS, ExportError, export_numpy
from nnviz.lab.export.layers import LayerCode

from .export_helpers import (
    blobs_model,
    every_layer_model,
    features_model,
    import_file,
    table_model,
    trained_preset,
)


@pytest.mark.parametrize("name", ["moons", "cats-deep", "mnist-cnn"])
def test_numpy_script_predicts_what_nnviz_predicts(name, optional_data_dir, tmp_path):
    _, ds, model = trained_preset(name, optional_data_dir)
    files = export_numpy(model, tmp_path / "net.py", class_names=ds.class_names, title=name)
    assert [f.name for f in files] == ["net.py", "net.npz"]
    script = import_file(files[0])
    X = np.concatenate([ds.X_test, ds.X_train])[:100]   # 100 inputs: cats has only 50 test images
    expected = model.predict(X)
    got = script.predict(X)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)   # the same operations in the same order: equal
    np.testing.assert_array_equal(script.predict_classes(X),
                                  np.argmax(expected, 1) if expected.shape[1] > 1 else (expected[:, 0] > 0.5))
    # forward() on one batch is the network too (predict only batches it; BLAS rounds by batch shape)
    np.testing.assert_array_equal(script.forward(X[:7].astype(script.DTYPE), script.load_weights()),
                                  model.predict(X[:7]))
    print(f"{name}: 100 inputs, max |script - nnviz| = {np.abs(got - expected).max():.1e}")


def test_numpy_script_handles_every_layer_type(tmp_path):
    for dtype in ("float32", "float64"):
        model, X = every_layer_model(dtype)
        path = export_numpy(model, tmp_path / f"every_{dtype}.py")[0]
        text = path.read_text()
        for helper in ("def conv2d", "def maxpool2d", "def leaky_relu", "def tanh", "def sigmoid", "def relu",
                       "def softmax"):
            assert helper in text
        assert "import torch" not in text
        script = import_file(path)
        expected = model.predict(X)
        got = script.predict(X)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 if dtype == "float64" else 1e-6)
        print(f"every layer type, {dtype}: max |script - nnviz| = {np.abs(got - expected).max():.2e}")


def test_numpy_script_runs_as_a_program_on_npy_and_npz(tmp_path):
    model, X = every_layer_model()
    script = export_numpy(model, tmp_path / "every.py", class_names=["a", "b", "c"])[0]
    np.save(tmp_path / "x.npy", X[:10])
    np.savez(tmp_path / "data.npz", X_train=X[:3], X_test=X[10:20])
    expected = model.predict(X)
    for source, rows in (("x.npy", slice(0, 10)), ("data.npz", slice(10, 20))):
        out = tmp_path / f"{source}.probs.npy"
        result = subprocess.run([sys.executable, str(script), str(tmp_path / source), "--save", str(out)],
                                capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        names = np.array(["a", "b", "c"])[np.argmax(expected[rows], 1)]
        assert [line.split(" ")[1] for line in lines] == list(names)
        np.testing.assert_allclose(np.load(out), expected[rows], atol=1e-6, rtol=0)
    bad = subprocess.run([sys.executable, str(script), str(tmp_path / "data.npz"), "--key", "nope"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode != 0 and "X_train, X_test" in bad.stderr and "Traceback" not in bad.stderr
    np.save(tmp_path / "wrong.npy", np.zeros((4, 3)))
    bad = subprocess.run([sys.executable, str(script), str(tmp_path / "wrong.npy")], capture_output=True,
                         text=True, timeout=120, check=False)
    assert "expected input of shape (m, 2, 9, 9), got (4, 3)" in bad.stderr and "Traceback" not in bad.stderr


def test_a_sigmoid_network_matches_a_hand_computed_forward(tmp_path):
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(3,), seed=5)
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    script = import_file(export_numpy(model, tmp_path / "tiny.py")[0])
    (W1, b1), (W2, b2) = [(layer.params["W"].astype(float), layer.params["b"].astype(float))
                          for layer in model.layers]
    hand = 1 / (1 + np.exp(-(np.maximum(X @ W1 + b1, 0) @ W2 + b2)))
    np.testing.assert_allclose(script.predict(X), hand, rtol=1e-6)
    assert script.predict(X).shape == (6, 1)


class Squares(Layer):
    """A layer the exporter does not know: x -> x²."""

    kind = "squares"

    def forward(self, x, training=False):
        return x * x


def test_an_unknown_layer_is_named_and_nothing_is_written(tmp_path):
    model = Sequential([Squares(name="squares_1"), Dense(1, activation="sigmoid")], input_shape=(2,))
    with pytest.raises(ExportError) as info:
        export_numpy(model, tmp_path / "net.py")
    message = str(info.value)
    assert message.startswith("squares_1: nnviz cannot export Squares layers yet")
    assert "Dense" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_adding_a_layer_type_is_one_function(tmp_path, monkeypatch):
    def export_squares(layer, ctx):
        return LayerCode(torch_modules=[(ctx.name, "Squares()")], torch_helpers=("Squares",),
                         numpy_lines=["a = a * a"])

    monkeypatch.setitem(EXPORTERS, "Squares", export_squares)
    model = Sequential([Squares(), Dense(1, activation="sigmoid")], input_shape=(2,), seed=1)
    X = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    script = import_file(export_numpy(model, tmp_path / "net.py")[0])
    np.testing.assert_array_equal(script.predict(X), model.predict(X))


def test_diverged_weights_are_refused(tmp_path):
    model = Sequential([Dense(2, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,))
    model.layers[1].params["W"][0, 0] = np.nan
    with pytest.raises(ExportError, match=r"dense_2: its W contains NaN or infinity"):
        export_numpy(model, tmp_path / "net.py")
    assert list(tmp_path.iterdir()) == []


def test_cli_exports_a_saved_model_as_numpy(tmp_path, capsys):
    from nnviz.cli import main

    model, X = every_layer_model()
    save_model(model, tmp_path / "m.h5", extra={"class_names": ["a", "b", "c"], "dataset": "blobs"})
    assert main(["export", "numpy", str(tmp_path / "m.h5"), str(tmp_path / "out.py")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'out.py'}" in out and f"wrote {tmp_path / 'out.npz'}" in out
    script = import_file(tmp_path / "out.py")
    assert script.CLASS_NAMES == ["a", "b", "c"]
    np.testing.assert_allclose(script.predict(X), model.predict(X), atol=1e-6, rtol=0)

    assert main(["export", "numpy", str(tmp_path / "missing.h5"), str(tmp_path / "o.py")]) == 2
    assert capsys.readouterr().err.strip() == f"nnviz: error: {tmp_path / 'missing.h5'}: no such model file."
    assert main(["export", "numpy", str(tmp_path / "m.h5"), str(tmp_path / "nowhere" / "o.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nnviz: error: cannot save to {tmp_path / 'nowhere' / 'o.py'}: the folder") and "\n" == err[-1]


def test_layer_names_that_are_not_python_names_still_export(tmp_path):
    layers = [Dense(4, activation="tanh", name="1st layer"), Dense(4, activation="relu", name="a.b"),
              Dense(1, activation="sigmoid", name="a_b")]
    layers.insert(2, Dense(4, activation="relu", name='x"""\n\\y'))   # a name from a file may hold anything
    model = Sequential(layers, input_shape=(3,), seed=7)
    X = np.random.default_rng(7).normal(size=(9, 3)).astype(np.float32)
    script = import_file(export_numpy(model, tmp_path / "net.py")[0])
    assert sorted(script.load_weights()) == ["a_b.W", "a_b.b", "a_b_2.W", "a_b_2.b", "layer_1st_layer.W",
                                             "layer_1st_layer.b", "x_y.W", "x_y.b"]
    np.testing.assert_array_equal(script.predict(X), model.predict(X))


@pytest.mark.parametrize("kind", ["all", "circles"])
def test_a_network_with_input_features_exports_as_numpy(kind, tmp_path):
    ds, model = features_model(kind)
    path = export_numpy(model, tmp_path / "net.py", class_names=ds.class_names)[0]
    text = path.read_text()
    assert "x1, x2 = a[:, 0], a[:, 1]" in text
    script = import_file(path)
    X = np.concatenate([ds.X_test, ds.X_train])[:100]
    expected = model.predict(X)
    np.testing.assert_array_equal(script.predict(X), expected)   # the same operations in the same order
    # an independent forward pass in float64: the features from a hand-written table, then the dense layers
    x1, x2 = X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
    hand = {"x1": x1, "x2": x2, "x1^2": x1 ** 2, "x2^2": x2 ** 2, "x1*x2": x1 * x2, "sin(x1)": np.sin(x1),
            "sin(x2)": np.sin(x2)}
    names = model.layers[0].names
    assert names == (list(hand) if kind == "all" else ["x1^2", "x2^2"])
    a = np.stack([hand[n] for n in names], axis=1)
    for layer in model.layers[1:]:
        a = a @ layer.params["W"].astype(np.float64) + layer.params["b"]
        a = np.tanh(a) if layer.activation_name == "tanh" else 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(script.predict(X), a, rtol=1e-5, atol=1e-7)
    print(f"features {names}: 100 inputs, max |script - nnviz| = {np.abs(script.predict(X) - expected).max():.1e}")


def test_a_softmax_network_on_four_blobs_exports_as_numpy(tmp_path):
    ds, model = blobs_model()
    script = import_file(export_numpy(model, tmp_path / "blobs.py", class_names=ds.class_names)[0])
    X = np.concatenate([ds.X_test, ds.X_train])[:100]
    expected = model.predict(X)
    assert expected.shape == (100, 4)
    np.testing.assert_array_equal(script.predict(X), expected)
    np.testing.assert_array_equal(script.predict_classes(X), expected.argmax(axis=1))
    assert script.CLASS_NAMES == [str(c) for c in ds.class_names]
    print(f"blobs, 4 classes: max |script - nnviz| = {np.abs(script.predict(X) - expected).max():.1e}")


def test_a_table_network_script_standardises_raw_rows(tmp_path, capsys):
    from nnviz.cli import main

    raw_test, ds, model, extra = table_model(tmp_path)
    # raw rows standardised by hand with the training rows' mean and std are the dataset's rows
    np.testing.assert_array_equal(((raw_test - ds.feature_mean) / ds.feature_std).astype(np.float32), ds.X_test)
    save_model(model, tmp_path / "table.h5", extra=extra)
    assert main(["export", "numpy", str(tmp_path / "table.h5"), str(tmp_path / "tab.py")]) == 0
    capsys.readouterr()
    text = (tmp_path / "tab.py").read_text()
    assert "def standardize(X, w)" in text and "height, ratio, depth" in text
    script = import_file(tmp_path / "tab.py")
    assert script.STANDARDIZE is True and script.CLASS_NAMES == ["high", "low", "mid"]
    w = script.load_weights()
    np.testing.assert_array_equal(w["standardize.mean"], ds.feature_mean)
    np.testing.assert_array_equal(w["standardize.std"], ds.feature_std)
    expected = model.predict(ds.X_test)
    np.testing.assert_array_equal(script.predict(raw_test), expected)                      # raw rows: exact
    np.testing.assert_array_equal(script.predict(ds.X_test, standardized=True), expected)
    assert np.abs(script.predict(ds.X_test) - expected).max() > 0.01   # standardising twice is not the network
    # as a program, on raw rows in a .npy
    np.save(tmp_path / "raw.npy", raw_test)
    result = subprocess.run([sys.executable, str(tmp_path / "tab.py"), str(tmp_path / "raw.npy")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == \
        [["high", "low", "mid"][k] for k in expected.argmax(axis=1)]
    difference = np.abs(script.predict(raw_test) - expected).max()
    with capsys.disabled():
        print(f"table: {len(raw_test)} raw rows, max |script - nnviz| = {difference:.1e}")

    # the app's own export (no model file): the dataset's standardisation
    from nnviz.lab.export.standardization import from_dataset

    path = export_numpy(model, tmp_path / "app.py", standardization=from_dataset(ds))[0]
    np.testing.assert_array_equal(import_file(path).predict(raw_test), expected)
    # a network without standardisation keeps taking its rows as they are
    plain = import_file(export_numpy(model, tmp_path / "plain.py")[0])
    assert plain.STANDARDIZE is False
    np.testing.assert_array_equal(plain.predict(ds.X_test), expected)


def test_a_standardisation_that_does_not_fit_is_refused(tmp_path):
    from nnviz.lab.export.standardization import from_extra

    raw_test, ds, model, extra = table_model(tmp_path)
    bad = {"standardization": {**extra["standardization"], "std": [1.0, 0.0, 2.0]}}
    with pytest.raises(ExportError, match=r"m.h5: its standardization std holds 0.0; expected positive numbers"):
        from_extra(bad, "m.h5")
    short = from_extra({"standardization": {"mean": [0.0, 1.0], "std": [1.0, 1.0]}}, "m.h5")
    with pytest.raises(ExportError, match=r"the table's standardisation has 2 columns, but the network takes "
                                          r"inputs of shape \(3,\)"):
        export_numpy(model, tmp_path / "out" / "net.py", standardization=short)
    assert from_extra({}, "m.h5") is None

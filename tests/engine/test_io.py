"""HDF5 save/load: round trip, atomic saves, refusing files that are not models."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.engine import Adam, BatchNorm, Dense, Dropout, Sequential, load_model
from nnviz.engine.io import ModelFileError


def trained(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    model = Sequential([Dense(6, activation="relu"), BatchNorm(), Dropout(0.9), Dense(3, activation="softmax")],
                       input_shape=(3,), loss="categorical_crossentropy", l2=0.01, seed=4)
    opt = Adam(0.01)
    model.fit(X, y, optimizer=opt, epochs=5, batch_size=16)
    return model, opt, X, y


def test_round_trip(tmp_path):
    model, opt, X, y = trained(tmp_path)
    path = tmp_path / "m.h5"
    model.save(path, optimizer=opt)
    again, opt2 = load_model(path, with_optimizer=True)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.history.cost == model.history.cost
    assert again.summary() == model.summary()
    assert opt2.iterations == opt.iterations and opt2.lr == opt.lr
    w = model.layers[0].params["W"]
    np.testing.assert_array_equal(opt2.state_for(again.layers[0].params["W"])["m"], opt.state_for(w)["m"])
    # training continues identically from the restored optimizer state
    model.fit(X, y, optimizer=opt, epochs=2, batch_size=16)
    again.fit(X, y, optimizer=opt2, epochs=2, batch_size=16)
    np.testing.assert_allclose(again.predict(X), model.predict(X), rtol=1e-5)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    model, opt, X, y = trained(tmp_path)
    path = tmp_path / "m.h5"
    model.save(path)
    before = path.read_bytes()

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(model.history), "to_dict", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.h5"]  # no temporary left behind


def test_not_a_model(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="notes.h5: not an nnviz model file"):
        load_model(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(ModelFileError, match="other.h5: not an nnviz model file"):
        load_model(other)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.h5")


def test_damaged_weights_are_named(tmp_path):
    model, opt, X, y = trained(tmp_path)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        del f["weights/dense_2/W"]
        f["weights/dense_2/W"] = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(ModelFileError, match=r"weights/dense_2/W has shape \(2, 2\), expected \(6, 3\)"):
        load_model(path)


def test_no_pickle_anywhere():
    import nnviz

    root = Path(nnviz.__file__).parent
    for source in root.rglob("*.py"):
        text, name = source.read_text(encoding="utf-8"), source.name
        assert "import pickle" not in text and "allow_pickle=True" not in text, name

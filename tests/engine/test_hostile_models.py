"""Model files from others (issue 13): crashes, loops, links, external data, bombs and odd metadata.

Every case must end in a ModelFileError sentence naming the file, quickly,
with nothing read from outside the file.
"""

import json
import os
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.engine import Adam, BatchNorm, Dense, Sequential, load_model, safe_h5
from nnviz.engine.budget import estimate_model_memory, memory_budget
from nnviz.engine.io import ModelFileError

HOSTILE = sorted((Path(__file__).resolve().parents[1] / "data").glob("hostile_*.h5"))


def small_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3)).astype(np.float32)
    y = rng.integers(0, 2, 32)
    model = Sequential([Dense(4, activation="relu"), BatchNorm(), Dense(1, activation="sigmoid")], input_shape=(3,))
    opt = Adam(0.01)
    model.fit(X, y, optimizer=opt, epochs=2)
    return model, opt


def unsealed(tmp_path, name="m.h5", edit=None, attrs=None):
    """A saved model copied into a plain HDF5 file (no seal, like files from older nnviz or other tools)."""
    model, opt = small_model()
    sealed = tmp_path / f"sealed-{name}"
    model.save(sealed, optimizer=opt)
    out = tmp_path / name
    with h5py.File(sealed, "r") as src, h5py.File(out, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            src.copy(key, dst)
        for key, value in (attrs or {}).items():
            if value is None:
                del dst.attrs[key]
            else:
                dst.attrs[key] = value
        if edit:
            edit(dst)
    return out


def refused(path, match):
    start = time.monotonic()
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path, with_optimizer=True, with_extra=True)
    assert time.monotonic() - start < 10
    assert str(path) in str(info.value) or Path(path).name in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.name for p in HOSTILE])
def test_crafted_files_that_crash_or_hang_libhdf5_are_refused(path):
    kind = "crashed|did not finish|damaged"
    refused(path, kind)


def test_there_are_crafted_files_of_both_kinds():
    names = {p.name.split("_")[1] for p in HOSTILE}
    assert names == {"segfault", "loop"}


def test_saved_files_are_sealed_and_load(tmp_path):
    model, opt = small_model()
    path = tmp_path / "m.h5"
    model.save(path, optimizer=opt)
    assert path.read_bytes().startswith(safe_h5.SEAL_MAGIC)
    again = load_model(path)
    np.testing.assert_array_equal(again.layers[0].params["W"], model.layers[0].params["W"])


def test_a_flipped_byte_in_a_sealed_file_is_refused(tmp_path):
    model, opt = small_model()
    path = tmp_path / "m.h5"
    model.save(path, optimizer=opt)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x40
    path.write_bytes(bytes(data))
    refused(path, "SHA-256")


def test_unsealed_files_still_load(tmp_path):
    model = load_model(unsealed(tmp_path))
    assert model.count_params() > 0


def test_external_storage_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"TOP-SECRET-PASSWORD!" * 2)

    def edit(f):
        del f["weights/dense_1/b"]
        f.create_dataset("weights/dense_1/b", shape=(4,), dtype="f4", external=[(str(secret), 0, 16)])

    text = refused(unsealed(tmp_path, edit=edit), "external files")
    assert "TOP-SECRET" not in text


@pytest.mark.parametrize("how", ["soft", "loop", "dangling", "external"])
def test_links_are_refused(tmp_path, how):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["W"] = np.zeros((3, 4), np.float32)

    def edit(f):
        del f["weights/dense_1/W"]
        target = {"soft": "/weights/dense_2/W", "loop": "/weights/dense_1/W", "dangling": "/nowhere"}
        if how == "external":
            f["weights/dense_1/W"] = h5py.ExternalLink(str(other), "/W")
        else:
            f["weights/dense_1/W"] = h5py.SoftLink(target[how])

    refused(unsealed(tmp_path, edit=edit), "link")


def test_virtual_datasets_are_refused(tmp_path):
    def edit(f):
        layout = h5py.VirtualLayout(shape=(3, 4), dtype="f4")
        layout[0:1, 0:1] = h5py.VirtualSource(".", "weights/dense_2/W", shape=(4, 1))[0:1, 0:1]
        del f["weights/dense_1/W"]
        f.create_virtual_dataset("weights/dense_1/W", layout, fillvalue=0)

    refused(unsealed(tmp_path, edit=edit), "virtual dataset")


def test_compound_weights_are_refused(tmp_path):
    def edit(f):
        del f["weights/dense_1/b"]
        f["weights/dense_1/b"] = np.zeros(4, dtype=[("a", "f4"), ("b", "i4")])

    refused(unsealed(tmp_path, edit=edit), "compound.*expected numbers")


def test_a_huge_declared_weight_is_refused_before_reading(tmp_path):
    def edit(f):
        del f["weights/dense_1/W"]
        f.create_dataset("weights/dense_1/W", shape=(100_000, 100_000), dtype="f4", chunks=(100, 100))

    refused(unsealed(tmp_path, edit=edit), r"declares|has shape \(100000, 100000\)")


def test_a_huge_architecture_is_sized_before_it_is_built(tmp_path):
    config = {"input_shape": [100_000], "loss": "binary_crossentropy", "init": "he", "l2": 0.0, "seed": 0,
              "dtype": "float32", "layers": [{"class_name": "Dense", "config": {"units": 100_000}},
                                             {"class_name": "Dense", "config": {"units": 2**200}}]}
    text = refused(unsealed(tmp_path, attrs={"config": json.dumps(config)}), "memory budget")
    assert "parameters" in text


@pytest.mark.parametrize("attrs, match", [
    ({"format_version": np.array([1, 2])}, "format version should be a whole number"),
    ({"history": "5"}, "history should be a JSON object"),
    ({"history": json.dumps({"cost": 3})}, "'cost' should be a list of numbers"),
    ({"optimizer": json.dumps({"name": "adam", "warp": 9})}, "optimizer settings are damaged"),
    ({"optimizer": json.dumps({"name": "adam", "lr": "fast"})}, "optimizer settings are damaged"),
    ({"config": "{" * 100_000}, "nested too deeply|not valid JSON"),
    ({"config": json.dumps([1, 2])}, "configuration should be a JSON object"),
    ({"config": "not json"}, "not valid JSON"),
    ({"format": np.array([1.5])}, "not an nnviz model file"),
    ({"extra": json.dumps([1])}, "extra.*should be a JSON object"),
    ({"rng_states": json.dumps({"dropout_1": 5})}, None),
    ({"config": None}, "attribute 'config' is missing"),
])
def test_odd_metadata_becomes_a_sentence(tmp_path, attrs, match):
    path = unsealed(tmp_path, attrs=attrs)
    if match is None:
        load_model(path)  # no such layer: ignored, loads
        return
    refused(path, match)


def test_a_missing_optimizer_group_is_named(tmp_path):
    def edit(f):
        del f["optimizer_state"]

    refused(unsealed(tmp_path, edit=edit), "optimizer_state.*missing")


def test_a_damaged_layer_config_is_named(tmp_path):
    config = {"input_shape": 3, "loss": "mse", "init": "he", "l2": 0, "seed": 2**200, "dtype": "float32",
              "layers": [{"class_name": "Dense", "config": {"units": 2, "bogus": 1}}]}
    refused(unsealed(tmp_path, attrs={"config": json.dumps(config)}), "cannot be rebuilt")


def test_permission_denied_is_not_called_not_hdf5(tmp_path, monkeypatch):
    path = unsealed(tmp_path)

    def denied(p):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(safe_h5, "_digests", denied)
    text = refused(path, "permission denied")
    assert "not HDF5" not in text and "not an HDF5" not in text


def test_estimate_matches_the_built_model():
    layers = [{"class_name": "Dense", "config": {"units": 25}}, {"class_name": "Dense", "config": {"units": 1}}]
    est = estimate_model_memory(layers, (2,))
    model = Sequential([Dense(25), Dense(1, activation="sigmoid")], input_shape=(2,))
    assert est.params == model.count_params() == 101
    assert est.param_bytes == 404 and est.activation_bytes == 26 * 4
    assert est.verdict(32) == "ok"
    huge = estimate_model_memory([{"class_name": "Dense", "config": {"units": 10**6}}] * 2, (10**4,))
    assert huge.verdict() == "refuse" and huge.load_bytes() > memory_budget()
    builder = estimate_model_memory([{"type": "Dense", "units": 100_000}, {"type": "Dense", "units": 100_000}],
                                    (784,))  # the two rows of 100,000 units, sized without allocating
    assert builder.params == 784 * 100_000 + 100_000 + 100_000 * 100_000 + 100_000
    assert builder.verdict(32) == "refuse"


def test_the_budget_can_be_set_and_is_stated(monkeypatch):
    from nnviz.engine.budget import describe_budget

    monkeypatch.setenv("NNVIZ_MEMORY_BUDGET", str(300 << 20))
    assert memory_budget() == 300 << 20
    assert "300.0 MiB" in describe_budget()


def test_the_child_has_no_core_dumps_and_limits(tmp_path):
    if not HOSTILE:
        pytest.skip("no crafted files")
    before = set(os.listdir(Path.cwd()))
    with pytest.raises(ModelFileError):
        load_model(next(p for p in HOSTILE if "segfault" in p.name))
    assert not {n for n in set(os.listdir(Path.cwd())) - before if n.startswith("core")}

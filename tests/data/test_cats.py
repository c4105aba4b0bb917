"""The cats HDF5 files: real data, layout conversion, broken files, opening one file."""

import h5py
import numpy as np
import pytest

from nnviz.data import DatasetError, load_dataset, load_dataset_file


def test_real_cats_files(real_data_dir):
    ds = load_dataset("cats", data_dir=real_data_dir)
    with h5py.File(real_data_dir / "train_catvnoncat.h5", "r") as f:
        raw_x, raw_y = f["train_set_x"][()], f["train_set_y"][()]
    with h5py.File(real_data_dir / "test_catvnoncat.h5", "r") as f:
        raw_tx, raw_ty = f["test_set_x"][()], f["test_set_y"][()]
    assert ds.X_train.shape == (209, 3, 64, 64) and ds.X_test.shape == (50, 3, 64, 64)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert 0.0 <= ds.X_train.min() and ds.X_train.max() <= 1.0
    assert ds.class_names == ["non-cat", "cat"] and ds.input_shape == (3, 64, 64)
    # pixel (row 10, column 20) of image 5, each channel: (m, C, H, W) from (m, H, W, C)
    for c in range(3):
        assert ds.X_train[5, c, 10, 20] == np.float32(raw_x[5, 10, 20, c]) / np.float32(255)
    np.testing.assert_array_equal(ds.X_test * 255, np.round(raw_tx.transpose(0, 3, 1, 2).astype(np.float32)))
    np.testing.assert_array_equal(ds.y_train, raw_y)
    np.testing.assert_array_equal(ds.y_test, raw_ty)
    assert ds.source == str(real_data_dir)


def test_open_one_cats_file_finds_its_partner(tmp_path, files):
    written = files.write_cats(tmp_path / "d")
    for chosen in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        ds = load_dataset_file(tmp_path / "d" / chosen)
        np.testing.assert_array_equal(ds.X_test * 255, written["test"][0].transpose(0, 3, 1, 2))
        assert len(ds.y_train) == 6
    assert len(load_dataset(str(tmp_path / "d" / "train_catvnoncat.h5")).y_test) == 4


def test_open_one_cats_file_without_partner(tmp_path, files):
    files.write_cats(tmp_path / "d")
    (tmp_path / "d" / "test_catvnoncat.h5").unlink()
    with pytest.raises(DatasetError, match="partner test_catvnoncat.h5 is not beside it"):
        load_dataset_file(tmp_path / "d" / "train_catvnoncat.h5")


def _write(path, **arrays):
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f[key] = value


@pytest.mark.parametrize("arrays, message", [
    ({"train_set_x": np.zeros((3, 64, 64, 3), np.uint8)}, "has no train_set_y"),
    ({"something": np.zeros(3)}, "has no train_set_x or train_set_y"),
    ({"train_set_x": np.zeros((3, 3, 64, 64), np.uint8), "train_set_y": np.zeros(3, np.int64)},
     r"should be uint8 images of shape \(m, 64, 64, 3\). Received: uint8 \(3, 3, 64, 64\)"),
    ({"train_set_x": np.zeros((3, 64, 64, 3), np.float64), "train_set_y": np.zeros(3, np.int64)},
     "Received: float64"),
    ({"train_set_x": np.zeros((3, 64, 64, 3), np.uint8), "train_set_y": np.zeros(4, np.int64)},
     "holds 3 images but train_set_y holds 4 labels"),
    ({"train_set_x": np.zeros((3, 64, 64, 3), np.uint8), "train_set_y": np.array([0, 1, 7])},
     "labels 0 .non-cat. and 1 .cat."),
])
def test_broken_cats_files_are_named_with_what_is_wrong(tmp_path, files, arrays, message):
    files.write_cats(tmp_path)
    _write(tmp_path / "train_catvnoncat.h5", **arrays)
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset("cats", data_dir=tmp_path)
    assert "train_catvnoncat.h5" in str(info.value)


def test_a_cats_file_that_is_not_hdf5(tmp_path, files):
    files.write_cats(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"<html>404 not found</html>")
    with pytest.raises(DatasetError, match="train_catvnoncat.h5 is not a readable HDF5 file"):
        load_dataset("cats", data_dir=tmp_path)
    with pytest.raises(DatasetError, match="not a dataset file nnviz can read"):
        load_dataset_file(tmp_path / "train_catvnoncat.h5")


def test_a_truncated_cats_file(tmp_path, files):
    files.write_cats(tmp_path)
    path = tmp_path / "test_catvnoncat.h5"
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(DatasetError, match="test_catvnoncat.h5"):
        load_dataset("cats", data_dir=tmp_path)

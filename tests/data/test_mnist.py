"""load_dataset("mnist") / ("mnist-10k") from IDX, .mat and .npz; opening one MNIST file."""

import gzip
import struct

import numpy as np
import pytest
import scipy.io

from nnviz.data import DatasetError, load_dataset, load_dataset_file


def _reference_idx(path):
    """An independent IDX reader for the check: struct + gzip, straight from the format's description."""
    data = gzip.decompress(path.read_bytes())
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data[16:], np.uint8).reshape(n, rows, cols)
    return np.frombuffer(data[8:], np.uint8)


def test_real_mnist_10k_split(real_data_dir):
    if not (real_data_dir / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not on this machine")
    ds = load_dataset("mnist-10k", data_dir=real_data_dir)
    images = _reference_idx(real_data_dir / "t10k-images-idx3-ubyte.gz")
    labels = _reference_idx(real_data_dir / "t10k-labels-idx1-ubyte.gz")
    assert ds.X_train.shape == (8000, 1, 28, 28) and ds.X_test.shape == (2000, 1, 28, 28)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.X_train[:, 0] * 255, images[:8000].astype(np.float32))
    np.testing.assert_array_equal(ds.X_test[:, 0], images[8000:] / np.float32(255))
    np.testing.assert_array_equal(ds.y_train, labels[:8000])
    np.testing.assert_array_equal(ds.y_test, labels[8000:])
    assert ds.class_names == [str(d) for d in range(10)] and ds.input_shape == (1, 28, 28)
    assert ds.X_train.max() == 1.0 and ds.X_train.min() == 0.0


def test_mnist_when_only_t10k_exists_says_so(real_data_dir):
    if not (real_data_dir / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not on this machine")
    if (real_data_dir / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("this machine has the full MNIST")
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist", data_dir=real_data_dir)
    message = str(info.value)
    assert "Only MNIST's 10,000 test images" in message and str(real_data_dir) in message
    assert "mnist-10k" in message and "nnviz data fetch mnist" in message


def test_mnist_when_only_t10k_exists_synthetic(tmp_path, files):
    files.write_mnist_idx(tmp_path, n_train=None, n_test=8005)
    with pytest.raises(DatasetError, match="Only MNIST's 10,000 test images.*'mnist-10k'.*nnviz data fetch mnist"):
        load_dataset("mnist", data_dir=tmp_path)


def test_full_mnist_from_idx_files(tmp_path, files):
    written = files.write_mnist_idx(tmp_path, n_train=30, n_test=12)
    ds = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(ds.X_train[:, 0] * 255, written["train"][0].astype(np.float32))
    np.testing.assert_array_equal(ds.y_test, written["t10k"][1])
    assert ds.source == f"IDX files in {tmp_path}"


def test_uncompressed_and_kaggle_style_idx_names(tmp_path, files):
    x, y = files.fake_mnist(8010)
    files.write_idx(tmp_path / "t10k-images.idx3-ubyte", x)
    files.write_idx(tmp_path / "t10k-labels-idx1-ubyte", y)
    ds = load_dataset("mnist-10k", data_dir=tmp_path)
    np.testing.assert_array_equal(ds.y_test, y[8000:])


def test_mnist_10k_from_too_few_images(tmp_path, files):
    files.write_mnist_idx(tmp_path, n_train=None, n_test=100)
    with pytest.raises(DatasetError, match="needs more than 8,000 test images.*Received: 100"):
        load_dataset("mnist-10k", data_dir=tmp_path)


def test_mnist_from_npz_keeps_the_official_order(tmp_path, files):
    x, y = files.fake_mnist(8050)
    np.savez(tmp_path / "mnist.npz", x_train=x[:40], y_train=y[:40], x_test=x, y_test=y)
    full = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(full.y_train, y[:40])
    small = load_dataset("mnist-10k", data_dir=tmp_path)
    np.testing.assert_array_equal(small.y_train, y[:8000])
    np.testing.assert_array_equal(small.X_test[:, 0] * 255, x[8000:].astype(np.float32))
    assert full.source == str(tmp_path / "mnist.npz")


def test_mnist_from_mat_is_shuffled_deterministically(tmp_path):
    rng = np.random.default_rng(1)
    content = {f"{part}{d}": rng.integers(0, 256, size=(5 if part == "train" else 900, 784), dtype=np.uint8)
               for part in ("train", "test") for d in range(10)}
    scipy.io.savemat(tmp_path / "mnist_all.mat", content)
    ds = load_dataset("mnist", data_dir=tmp_path)
    assert np.bincount(ds.y_train).tolist() == [5] * 10
    assert not (np.diff(ds.y_train) >= 0).all()  # no longer grouped by digit
    # every image keeps its label
    for i in range(0, 50, 7):
        digit = ds.y_train[i]
        rows = content[f"train{digit}"].astype(np.float32) / 255
        assert (np.abs(rows - ds.X_train[i].reshape(784)) < 1e-7).all(axis=1).any()
    again = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(again.y_train, ds.y_train)
    small = load_dataset("mnist-10k", data_dir=tmp_path)
    assert len(small.y_train) == 8000 and len(small.y_test) == 1000


def test_idx_files_are_preferred_to_npz_in_the_same_folder(tmp_path, files):
    written = files.write_mnist_idx(tmp_path, n_train=10, n_test=10)
    x, y = files.fake_mnist(5, seed=9)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    ds = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(ds.y_train, written["train"][1])


def test_missing_mnist_message(tmp_path, isolated_places):
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist", data_dir=tmp_path / "nowhere")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and "mnist_all.mat" in message
    assert str(tmp_path / "nowhere") in message and str(isolated_places.user) in message
    assert "nnviz data fetch mnist" in message


def test_open_an_idx_file_gives_the_dataset_its_partners_make(tmp_path, files):
    files.write_mnist_idx(tmp_path / "a", n_train=None, n_test=8010)
    ds = load_dataset_file(tmp_path / "a" / "t10k-labels-idx1-ubyte.gz")
    assert ds.name == "mnist-10k"
    files.write_mnist_idx(tmp_path / "b", n_train=20, n_test=10)
    ds = load_dataset_file(tmp_path / "b" / "train-images-idx3-ubyte.gz")
    assert ds.name == "mnist" and len(ds.y_train) == 20
    (tmp_path / "b" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="missing: t10k-labels-idx1-ubyte.gz"):
        load_dataset_file(tmp_path / "b" / "train-images-idx3-ubyte.gz")


def test_open_npz_and_mat_files_by_content_not_name(tmp_path, files):
    x, y = files.fake_mnist(6)
    np.savez(tmp_path / "digits.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    (tmp_path / "digits.npz").rename(tmp_path / "renamed.bin")
    assert load_dataset_file(tmp_path / "renamed.bin").name == "mnist"
    scipy.io.savemat(tmp_path / "m.mat", {f"{p}{d}": x.reshape(6, 784) for p in ("train", "test") for d in range(10)})
    assert len(load_dataset_file(tmp_path / "m.mat").y_train) == 60


def test_open_files_that_are_not_datasets(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="notes.txt is not a dataset file nnviz can read"):
        load_dataset_file(tmp_path / "notes.txt")
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset_file(tmp_path / "missing.npz")
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(str(tmp_path / "missing.npz"))
    with pytest.raises(DatasetError, match="is a folder"):
        load_dataset_file(tmp_path)


def test_a_lone_images_file_is_reported_with_its_missing_partner(tmp_path, files):
    files.write_mnist_idx(tmp_path, n_train=None, n_test=8010)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="found t10k-images-idx3-ubyte.gz in .* but not its partner "
                                           "t10k-labels-idx1-ubyte.gz"):
        load_dataset("mnist-10k", data_dir=tmp_path)

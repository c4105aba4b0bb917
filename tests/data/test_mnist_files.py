"""MNIST file readers: IDX (gzip or raw), mnist_all.mat, mnist.npz, and every kind of bad file."""

import gzip

import numpy as np
import pytest
import scipy.io

from nnviz.data import DatasetError
from nnviz.data.mnist_files import read_idx, read_idx_pair, read_mat, read_npz


@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"])
def test_idx_round_trip_gzip_and_raw(tmp_path, files, name):
    x, y = files.fake_mnist(7)
    files.write_idx(tmp_path / name, x)
    files.write_idx(tmp_path / "labels", y)
    images, labels = read_idx_pair(tmp_path / name, tmp_path / "labels")
    np.testing.assert_array_equal(images, x)
    np.testing.assert_array_equal(labels, y)


def test_truncated_gzip(tmp_path, files):
    x, _ = files.fake_mnist(20)
    path = files.write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", x)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz is a damaged or truncated gzip file"):
        read_idx(path, 2051)


def test_wrong_magic_number(tmp_path, files):
    _, y = files.fake_mnist(5)
    labels = files.write_idx(tmp_path / "labels.gz", y)
    with pytest.raises(DatasetError, match="labels.gz is not an IDX images file: its magic number is 2049 "
                                           r"\(a labels file\), expected 2051"):
        read_idx(labels, 2051)
    other = files.write_idx(tmp_path / "other", np.zeros((2, 2)), magic=0x0D03)
    with pytest.raises(DatasetError, match="magic number is 3331, expected 2051"):
        read_idx(other, 2051)


def test_header_size_against_data_length(tmp_path, files):
    x, _ = files.fake_mnist(3)
    path = files.write_idx(tmp_path / "raw-images", x)
    path.write_bytes(path.read_bytes()[:-28])
    with pytest.raises(DatasetError, match=r"announces 3 × 28 × 28 = 2,352 bytes of data but the file holds 2,324"):
        read_idx(path, 2051)
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(DatasetError, match="ends inside its 16-byte header"):
        read_idx(path, 2051)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(DatasetError, match="too short"):
        read_idx(path, 2051)
    # too much data is as wrong as too little
    path.write_bytes(gzip.compress((2049).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(4)))
    with pytest.raises(DatasetError, match="holds 4"):
        read_idx(path, 2049)


def test_image_and_label_counts_differ(tmp_path, files):
    x, y = files.fake_mnist(6)
    files.write_idx(tmp_path / "i.gz", x)
    files.write_idx(tmp_path / "l.gz", y[:5])
    with pytest.raises(DatasetError, match="i.gz holds 6 images but .*l.gz holds 5 labels"):
        read_idx_pair(tmp_path / "i.gz", tmp_path / "l.gz")


def test_bad_label_values_and_image_sizes(tmp_path, files):
    files.write_idx(tmp_path / "i.gz", np.zeros((2, 28, 28)))
    files.write_idx(tmp_path / "l.gz", np.array([3, 12]))
    with pytest.raises(DatasetError, match="digits 0–9. Received a label 12"):
        read_idx_pair(tmp_path / "i.gz", tmp_path / "l.gz")
    files.write_idx(tmp_path / "small.gz", np.zeros((2, 16, 16)))
    with pytest.raises(DatasetError, match="28 × 28 pixels. Received: 16 × 16"):
        read_idx_pair(tmp_path / "small.gz", tmp_path / "l.gz")


def _mat_content(n=3, seed=0):
    rng = np.random.default_rng(seed)
    return {f"{part}{d}": rng.integers(0, 256, size=(n + d, 784), dtype=np.uint8)
            for part in ("train", "test") for d in range(10)}


def test_mat_file_is_read_grouped_by_digit(tmp_path):
    content = _mat_content()
    scipy.io.savemat(tmp_path / "mnist_all.mat", content)
    x_train, y_train, x_test, y_test = read_mat(tmp_path / "mnist_all.mat")
    assert x_train.shape == (sum(3 + d for d in range(10)), 28, 28)
    np.testing.assert_array_equal(np.bincount(y_train), [3 + d for d in range(10)])
    np.testing.assert_array_equal(x_train[:3].reshape(3, 784), content["train0"])
    np.testing.assert_array_equal(x_test[-12:].reshape(12, 784), content["test9"])


def test_mat_file_without_the_expected_keys(tmp_path):
    content = _mat_content()
    del content["test7"], content["train2"]
    content["junk"] = np.zeros(3)
    scipy.io.savemat(tmp_path / "mnist_all.mat", content)
    with pytest.raises(DatasetError, match="is not mnist_all.mat: it lacks the variables train2, test7"):
        read_mat(tmp_path / "mnist_all.mat")


def test_mat_file_with_wrong_rows_or_garbage(tmp_path):
    content = _mat_content()
    content["train3"] = np.zeros((2, 100))
    scipy.io.savemat(tmp_path / "a.mat", content)
    with pytest.raises(DatasetError, match=r"train3 should be images of shape \(n, 28, 28\) or \(n, 784\)"):
        read_mat(tmp_path / "a.mat")
    (tmp_path / "b.mat").write_bytes(b"MATLAB 5.0 MAT-file, but then nothing useful" + bytes(100))
    with pytest.raises(DatasetError, match="b.mat is not a readable MATLAB .mat file"):
        read_mat(tmp_path / "b.mat")


def test_npz_file(tmp_path, files):
    x, y = files.fake_mnist(9)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x[:4], y_test=y[:4])
    x_train, y_train, x_test, y_test = read_npz(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, x)
    np.testing.assert_array_equal(y_test, y[:4])


def test_npz_without_keys_or_with_wrong_shapes(tmp_path, files):
    x, y = files.fake_mnist(4)
    np.savez(tmp_path / "a.npz", x_train=x, y_train=y)
    with pytest.raises(DatasetError, match="lacks x_test, y_test"):
        read_npz(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", x_train=x, y_train=y[:3], x_test=x, y_test=y)
    with pytest.raises(DatasetError, match="y_train should be 4 integer labels"):
        read_npz(tmp_path / "b.npz")
    np.save(tmp_path / "c.npy", x)
    with pytest.raises(DatasetError, match="holds a single array"):
        read_npz(tmp_path / "c.npy")
    (tmp_path / "d.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match="d.npz is not a readable .npz archive"):
        read_npz(tmp_path / "d.npz")


class Canary:
    """Unpickling this object would record it: the test checks it never happens."""

    unpickled = 0

    def __init__(self):
        self.tag = "canary"

    def __setstate__(self, state):
        Canary.unpickled += 1


def test_npz_with_object_arrays_is_refused_never_unpickled(tmp_path, files):
    x, y = files.fake_mnist(4)
    objects = np.empty(4, dtype=object)
    objects[:] = [Canary() for _ in range(4)]
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x, y_train=objects, x_test=x, y_test=y)  # savez pickles object arrays
    # check that the file really holds a pickle (so the refusal is tested for real)
    with np.load(path, allow_pickle=True) as archive:
        assert archive["y_train"].dtype == object
    assert Canary.unpickled == 4
    Canary.unpickled = 0
    with pytest.raises(DatasetError, match="y_train holds Python objects.*refuses to unpickle"):
        read_npz(path)
    assert Canary.unpickled == 0


def test_a_bare_pickle_named_npz_is_refused(tmp_path):
    import pickle
    path = tmp_path / "mnist.npz"
    path.write_bytes(pickle.dumps({"x_train": Canary()}))
    Canary.unpickled = 0
    with pytest.raises(DatasetError, match="never unpickles"):
        read_npz(path)
    assert Canary.unpickled == 0

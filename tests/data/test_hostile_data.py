"""Dataset and image files from others (issue 13): sized before allocating, clear sentences, no litter."""

import gzip
import io
import os
import struct
import time
import zipfile
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.data import (
    DatasetError,
    ImageError,
    load_dataset_file,
    load_image,
    mnist_files,
)
from nnviz.data.cats import read_cats_file
from nnviz.data.mnist_files import IMAGES_MAGIC, read_idx, read_mat, read_npz


def npy_bytes(array=None, header_shape=None, dtype="|u1"):
    """The bytes of a .npy file; ``header_shape`` makes its header lie about the shape."""
    buffer = io.BytesIO()
    if header_shape is None:
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    header = {"descr": dtype, "fortran_order": False, "shape": header_shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def write_npz(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(f"{name}.npy", data)


def mnist_members(files, n=4):
    x, y = files.fake_mnist(n)
    return {"x_train": npy_bytes(x), "y_train": npy_bytes(y), "x_test": npy_bytes(x), "y_test": npy_bytes(y)}


def test_npz_member_declaring_a_huge_array_is_refused_before_loading(tmp_path, files):
    members = mnist_members(files)
    members["x_train"] = npy_bytes(header_shape=(1_000_000, 28, 28))  # 784 MB declared, no data
    write_npz(tmp_path / "mnist.npz", members)
    start = time.monotonic()
    with pytest.raises(DatasetError, match=r"x_train declares shape \(1000000, 28, 28\).*more than"):
        read_npz(tmp_path / "mnist.npz")
    assert time.monotonic() - start < 2


def test_a_truncated_npz_member_is_called_truncated_not_pickled(tmp_path, files):
    members = mnist_members(files)
    members["x_test"] = members["x_test"][:-50]
    write_npz(tmp_path / "mnist.npz", members)
    with pytest.raises(DatasetError, match="x_test is truncated or damaged") as info:
        read_npz(tmp_path / "mnist.npz")
    assert "unpickle" not in str(info.value) and "Python objects" not in str(info.value)


def test_mat_variables_are_sized_from_their_headers(tmp_path, files, monkeypatch):
    import scipy.io

    x, _ = files.fake_mnist(20)
    content = {f"{part}{d}": x.reshape(20, 784) for part in ("train", "test") for d in range(10)}
    scipy.io.savemat(tmp_path / "mnist_all.mat", content, do_compression=True)
    assert len(read_mat(tmp_path / "mnist_all.mat")[0]) == 200
    monkeypatch.setattr(mnist_files, "MAX_IDX_BYTES", 10_000)
    with pytest.raises(DatasetError, match=r"the variable train0 declares 20 × 784 uint8 \(15,680 bytes\)"):
        read_mat(tmp_path / "mnist_all.mat")
    loaded = []
    monkeypatch.setattr(scipy.io, "loadmat", lambda *a, **k: loaded.append(1))
    with pytest.raises(DatasetError, match="declares"):
        mnist_files.mat_task(str(tmp_path / "mnist_all.mat"), 10_000)  # what the quarantine child runs
    assert loaded == []  # refused before loading


def test_a_mat_file_that_crashes_scipy_is_refused(tmp_path):
    crafted = Path(__file__).resolve().parent / "hostile_mat_segfault.mat"
    start = time.monotonic()
    with pytest.raises(DatasetError, match="hostile_mat_segfault.mat: SciPy's MATLAB reader crashed .SIGSEGV."):
        read_mat(crafted)
    assert time.monotonic() - start < 10


def test_an_overflowing_idx_header_is_named(tmp_path):
    header = struct.pack(">IIII", IMAGES_MAGIC, 2**31, 2**31, 4)  # 2**64 bytes: 0 in int64
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(header)
    with pytest.raises(DatasetError, match="announces 2147483648 × 2147483648 × 4") as info:
        read_idx(path, IMAGES_MAGIC)
    assert "reshape" not in str(info.value)


def test_a_cats_file_declaring_millions_of_images_is_refused_before_reading(tmp_path):
    path = tmp_path / "train_catvnoncat.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("train_set_x", shape=(10_000_000, 64, 64, 3), dtype="u1", chunks=(1, 64, 64, 3))
        f["train_set_y"] = np.zeros(10_000_000, np.int64)[:3]
    assert path.stat().st_size < 100_000
    start = time.monotonic()
    with pytest.raises(DatasetError, match="train_catvnoncat.h5.*(declares|10,000,000)"):
        read_cats_file(path, "train")
    assert time.monotonic() - start < 10


def test_a_cats_file_with_an_external_link_is_refused(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.zeros((2, 64, 64, 3), np.uint8)
    path = tmp_path / "train_catvnoncat.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"] = h5py.ExternalLink(str(other), "/x")
        f["train_set_y"] = np.zeros(2, np.int64)
    with pytest.raises(DatasetError, match="external link"):
        load_dataset_file(path)


def _png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(1, 100_000_000), (11_000, 11_000)])
def test_images_above_the_stated_limit_are_refused_from_the_header(tmp_path, size):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png(*size))
    start = time.monotonic()
    with pytest.raises(ImageError, match=r"bomb.png is too large to open safely: it is .* pixels.*; nnviz decodes"):
        load_image(path)
    assert time.monotonic() - start < 1


def test_gzip_bomb_idx_is_capped(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", IMAGES_MAGIC, 1000, 28, 28) + bytes(784_000))
    with pytest.raises(DatasetError, match="unpacks to more than 100,000 bytes"):
        mnist_files.read_bytes(path, limit=100_000)


def test_no_temp_files_are_left_by_refusals(tmp_path, files):
    members = mnist_members(files)
    members["x_test"] = members["x_test"][:-50]
    folder = tmp_path / "files"
    folder.mkdir()
    write_npz(folder / "mnist.npz", members)
    with pytest.raises(DatasetError):
        read_npz(folder / "mnist.npz")
    assert os.listdir(folder) == ["mnist.npz"]

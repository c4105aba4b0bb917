"""Fixtures for nnviz.data tests: isolated data folders, small fake dataset files."""

from __future__ import annotations

import gzip
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def isolated_places(request, monkeypatch, tmp_path):
    """Hide the machine's data folders: no $NNVIZ_DATA_DIR, an empty ./data and user data folder.

    ``real_data_dir`` (tests/conftest.py) is resolved first, while
    $NNVIZ_DATA_DIR is still visible to it.
    """
    if "real_data_dir" in request.fixturenames:
        request.getfixturevalue("real_data_dir")
    monkeypatch.delenv("NNVIZ_DATA_DIR", raising=False)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "localappdata"))
    monkeypatch.chdir(cwd)
    from nnviz.data import user_data_dir
    return SimpleNamespace(cwd=cwd, cwd_data=cwd / "data", user=user_data_dir())


def write_idx(path: Path, array: np.ndarray, magic: int | None = None, compress: bool | None = None) -> Path:
    """Write ``array`` (uint8) as an IDX file, written here from the format description, not nnviz's code."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    if compress is None:
        compress = str(path).endswith(".gz")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def fake_mnist(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n, dtype=np.uint8)


def write_mnist_idx(folder: Path, n_train: int | None, n_test: int, seed: int = 0) -> dict:
    """Fake MNIST IDX files in ``folder`` (no train files when ``n_train`` is None); returns the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    parts = [("t10k", n_test)] + ([("train", n_train)] if n_train is not None else [])
    for i, (part, n) in enumerate(parts):
        x, y = fake_mnist(n, seed + i)
        write_idx(folder / f"{part}-images-idx3-ubyte.gz", x)
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", y)
        out[part] = (x, y)
    return out


def write_cats(folder: Path, n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict:
    """Small fake cats files with the real files' layout (NHWC uint8)."""
    import h5py

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for part, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8)
        y = np.arange(n) % 2
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = x
            f[f"{part}_set_y"] = y
            f["list_classes"] = np.array([b"non-cat", b"cat"])
        out[part] = (x, y)
    return out


@pytest.fixture
def files():
    """The helpers above (write_idx, write_mnist_idx, write_cats, fake_mnist), for tests to call."""
    return SimpleNamespace(write_idx=write_idx, write_mnist_idx=write_mnist_idx, write_cats=write_cats,
                           fake_mnist=fake_mnist)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Downloads in these tests go to servers on 127.0.0.1: never through a proxy of the machine's."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

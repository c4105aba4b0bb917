"""The MNIST-10k split for benchmarks: ``nnviz.data`` when present, else a tiny IDX reader.

The split (see shared/data/README.md): the first 8,000 images of the
official t10k files train, the last 2,000 test. X is (m, 1, 28, 28)
float32 in [0, 1], y is (m,) int64.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def data_dir(explicit=None) -> Path:
    """The directory holding t10k-*.gz: explicit, $NNVIZ_DATA_DIR, or ../shared/data beside the checkout."""
    for candidate in (explicit, os.environ.get("NNVIZ_DATA_DIR"), HERE.parent.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "t10k-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    raise FileNotFoundError("t10k-images-idx3-ubyte.gz not found: pass --data-dir or set NNVIZ_DATA_DIR.")


def read_idx(path: Path, magic: int) -> np.ndarray:
    """An IDX array (big-endian int32 header: magic, then one int32 per dimension; uint8 data)."""
    raw = gzip.decompress(path.read_bytes())
    found, = np.frombuffer(raw, ">i4", 1)
    if found != magic:
        raise ValueError(f"{path}: IDX magic {found}, expected {magic}.")
    ndim = magic & 0xFF
    dims = np.frombuffer(raw, ">i4", ndim, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist_10k(explicit_dir=None):
    """(X_train, y_train, X_test, y_test) of the MNIST-10k split."""
    try:
        from nnviz.data import load_dataset
    except ImportError:
        folder = data_dir(explicit_dir)
        images = read_idx(folder / "t10k-images-idx3-ubyte.gz", 2051)
        labels = read_idx(folder / "t10k-labels-idx1-ubyte.gz", 2049).astype(np.int64)
        X = (images.reshape(-1, 1, 28, 28) / np.float32(255)).astype(np.float32)
        return X[:8000], labels[:8000], X[8000:], labels[8000:]
    ds = load_dataset("mnist-10k", data_dir=explicit_dir)
    return ds.X_train, ds.y_train, ds.X_test, ds.y_test

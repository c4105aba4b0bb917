"""The MNIST-10k split for the benchmarks, found beside the checkout as the tests find it.

The split (see shared/data/README.md): the first 8,000 images of the
official t10k files train, the last 2,000 test. X is (m, 1, 28, 28)
float32 in [0, 1], y is (m,) int64.
"""

from __future__ import annotations

import os
from pathlib import Path

from nnviz.data import load_dataset

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def load_mnist_10k(data_dir=None):
    """(X_train, y_train, X_test, y_test); data_dir, else $NNVIZ_DATA_DIR, else ../shared/data if it
    exists, else nnviz.data's own search places (./data, the user data folder)."""
    if data_dir is None and not os.environ.get("NNVIZ_DATA_DIR") and SHARED.is_dir():
        data_dir = SHARED
    ds = load_dataset("mnist-10k", data_dir=data_dir)
    return ds.X_train, ds.y_train, ds.X_test, ds.y_test

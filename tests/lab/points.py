"""Small shared test data for the Qt-free session tests."""

import numpy as np


def xor_points(m=64, seed=0):
    """(m, 2) float32 normal points and their XOR-of-signs labels (m,)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X, y

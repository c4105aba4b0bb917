"""Accuracy from network outputs."""

from __future__ import annotations

import numpy as np


def predicted_classes(a: np.ndarray) -> np.ndarray:
    """(m, 1) probabilities -> 0/1 at 0.5; (m, k) -> argmax. Returns (m,) ints."""
    if a.shape[1] == 1:
        return (a[:, 0] > 0.5).astype(np.int64)
    return np.argmax(a, axis=1)


def count_correct(a: np.ndarray, y: np.ndarray) -> int:
    return int(np.count_nonzero(predicted_classes(a) == y))

"""The ``Dataset`` container and a seeded train/test split."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """A dataset split into training and test parts, batch-first.

    Attributes
    ----------
    X_train : ndarray, float32, shape (m_train, *input_shape)
        Points are (m, 2); images are (m, C, H, W) with values in [0, 1].
    y_train : ndarray, int64, shape (m_train,)
        Class indices into ``class_names``.
    X_test, y_test : the same for the test part, m_test rows.
    class_names : list of str, one per class.
    input_shape : tuple of int, the shape of one sample, e.g. (2,) or (3, 64, 64).
    name : the dataset's name ("moons", "cats", "mnist", ...).
    source : where the data came from: "generated", or the folder or file read.
    feature_names : for tables, the name of each input feature (n,), else None.
    feature_mean, feature_std : for tables, float64 (n,): the training split's statistics the
        features were standardised with (``(raw - mean) / std``); prediction and export reuse them.
    notes : sentences about how the data was read (e.g. images that were skipped).
    details : reader-specific facts for the panels (a table's columns, an image folder's options).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    input_shape: tuple[int, ...]
    name: str
    source: str = "generated"
    feature_names: list[str] | None = None
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        self.input_shape = tuple(int(d) for d in self.input_shape)
        self.class_names = [str(c) for c in self.class_names]
        for part in ("train", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X.shape[1:] != self.input_shape:
                raise ValueError(f"dataset {self.name!r}: X_{part} samples should have shape "
                                 f"{self.input_shape}. Received: X_{part}.shape={X.shape}")
            if y.shape != (X.shape[0],):
                raise ValueError(f"dataset {self.name!r}: y_{part} should have shape ({X.shape[0]},) "
                                 f"to match X_{part}. Received: y_{part}.shape={y.shape}")

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_kind(self) -> str:
        """"image" for (C, H, W) images, "points" for 2-D points (2,), "table" for other feature vectors (n,)."""
        if len(self.input_shape) == 3:
            return "image"
        return "points" if self.input_shape == (2,) else "table"

    def summary(self) -> str:
        """One line: name, sizes, shape, classes and source."""
        return (f"{self.name}: {len(self.y_train)} train + {len(self.y_test)} test samples of shape "
                f"{self.input_shape}, classes {', '.join(self.class_names)} ({self.source})")


def split_sizes(n_samples: int, test_fraction: float) -> tuple[int, int]:
    """(n_train, n_test) with n_test = ceil(test_fraction * n_samples), as scikit-learn does."""
    n_test = math.ceil(test_fraction * n_samples)
    n_train = n_samples - n_test
    if n_train < 1 or n_test < 1:
        raise ValueError(f"test_fraction={test_fraction} of n_samples={n_samples} leaves "
                         f"{n_train} training and {n_test} test samples; both need at least one")
    return n_train, n_test


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int | None):
    """Shuffle and split (X, y) into (X_train, y_train, X_test, y_test).

    The test part is the first ``ceil(test_fraction * m)`` indices of
    ``RandomState(seed).permutation(m)`` and the training part the rest: the
    same split as scikit-learn's ``train_test_split(test_size=test_fraction,
    random_state=seed)``.
    """
    m = len(y)
    _, n_test = split_sizes(m, test_fraction)
    order = np.random.RandomState(seed).permutation(m)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]

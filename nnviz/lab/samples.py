"""Test images as the network learns them, without Qt: the worker half of the samples view.

For image datasets the Training tab shows, live, a few test images with
what the network says about each (all class probabilities) and its test
accuracy class by class. :class:`SamplesProbe` computes that in the
training thread between two steps: it predicts the whole test set (the
per-class accuracy needs it), and hands out copies of a window of
``count`` test images that moves one image on at every frame, through the
test set in a fixed shuffled order, so the class sees the network at work
on ever new images.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from nnviz.engine.metrics import predicted_classes

from .prediction import class_probabilities


@dataclass
class SamplesFrame:
    """Copies, for the GUI thread.

    ``indices`` (n,) test-set indices shown, the first one the current
    sample; ``images`` (n, …) those test inputs; ``probs`` (n, k) the
    network's class probabilities for them; ``true`` (n,) their labels;
    ``class_accuracy`` (k,) the fraction of each class's test images
    classified right (NaN for a class with none), ``class_counts`` (k,)
    how many there are; ``accuracy`` over the whole test set; ``cursor``
    the position in the cycling order of the first image.
    """

    indices: np.ndarray
    images: np.ndarray
    probs: np.ndarray
    true: np.ndarray
    class_accuracy: np.ndarray
    class_counts: np.ndarray
    accuracy: float
    cursor: int
    epoch: int
    iteration: int = 0

    @property
    def predicted(self) -> np.ndarray:
        return np.argmax(self.probs, axis=1)


def per_class_accuracy(y_true, y_pred, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(k,) fraction right per true class (NaN where a class has no sample) and (k,) counts."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    counts = np.bincount(y_true, minlength=n_classes)[:n_classes]
    right = np.bincount(y_true[y_true == y_pred], minlength=n_classes)[:n_classes]
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(counts > 0, right / np.maximum(counts, 1), np.nan)
    return acc, counts


def cycle_order(n: int, seed: int = 0) -> np.ndarray:
    """The fixed shuffled order the samples view walks the test set in."""
    return np.random.default_rng(seed).permutation(n)


class SamplesProbe:
    """Predicts the test set and hands out a moving window of ``count`` test samples (key ``samples``)."""

    key = "samples"
    #: the window moves one image a second at most; the test set is predicted as often
    min_interval = 1.0

    def __init__(self, X, y, n_classes: int, count: int = 8, cursor: int = 0, order=None):
        self.X, self.y = X, np.asarray(y).astype(np.int64).ravel()
        self.n_classes = max(2, int(n_classes))
        self.count = max(1, min(int(count), len(self.y))) if len(self.y) else 0
        self.order = np.asarray(order) if order is not None else cycle_order(len(self.y))
        self._lock = threading.Lock()
        self._cursor = int(cursor) % max(1, len(self.y))
        self._first = True

    @property
    def cursor(self) -> int:
        with self._lock:
            return self._cursor

    def compute(self, model) -> SamplesFrame | None:
        if self.count == 0:
            return None
        with self._lock:
            if not self._first:
                self._cursor = (self._cursor + 1) % len(self.y)
            self._first = False
            cursor = self._cursor
        out = model.predict(self.X, batch_size=2048)    # few, large products: the cheapest way through
        pred = predicted_classes(out)
        acc, counts = per_class_accuracy(self.y, pred, self.n_classes)
        idx = self.order[(cursor + np.arange(self.count)) % len(self.y)]
        probs = np.stack([class_probabilities(row) for row in out[idx]])
        return SamplesFrame(indices=idx.copy(), images=np.array(self.X[idx], dtype=np.float32), probs=probs,
                            true=self.y[idx].copy(), class_accuracy=acc, class_counts=counts,
                            accuracy=float(np.mean(pred == self.y)), cursor=cursor,
                            epoch=model.history.epochs_done, iteration=model.history.iterations_done)


__all__ = ["SamplesFrame", "SamplesProbe", "cycle_order", "per_class_accuracy"]

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


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class.

    ``y_true`` and ``y_pred`` are (m,) class indices in 0..n_classes-1; the
    matrix sums to m.
    """
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"true and predicted classes must have the same length. "
                         f"Received {y_true.size} and {y_pred.size}.")
    n = int(n_classes)
    for what, v in (("true", y_true), ("predicted", y_pred)):
        if v.size and (v.min() < 0 or v.max() >= n):
            raise ValueError(f"{what} classes must be in 0..{n - 1}. Received values from {v.min()} to {v.max()}.")
    return np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def confident_mistakes(probs: np.ndarray, y_true: np.ndarray, limit: int = 32) -> np.ndarray:
    """Indices of misclassified samples, the most confidently wrong first, at most ``limit``.

    ``probs`` is the network output (m, 1) or (m, k); confidence is the
    probability given to the predicted class.
    """
    probs = np.asarray(probs)
    pred = predicted_classes(probs)
    wrong = np.flatnonzero(pred != np.asarray(y_true).ravel())
    conf = prediction_confidence(probs)[wrong]
    order = np.argsort(-conf, kind="stable")
    return wrong[order[:max(0, int(limit))]]


def prediction_confidence(probs: np.ndarray) -> np.ndarray:
    """(m,) probability the network gives to the class it predicts."""
    probs = np.asarray(probs)
    if probs.shape[1] == 1:
        p = probs[:, 0]
        return np.where(p > 0.5, p, 1 - p)
    return probs.max(axis=1)

"""Worker-side halves of the "inside the network" views, without Qt.

A probe's ``compute(model)`` runs in the training thread between two
steps (or in the GUI thread when no run is active), so it sees a model
whose weights are not changing, and it returns copies the GUI thread may
keep. Inputs a view changes while a run goes on (the sample to look at, a
gradient-check request) are guarded by a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.engine.feature_maps import FeatureMaps, feature_maps
from nnviz.engine.metrics import (
    confident_mistakes,
    confusion_matrix,
    predicted_classes,
    prediction_confidence,
)


# --- feature maps ---------------------------------------------------------------------------------
@dataclass
class FeatureFrame:
    """Feature maps for one input, with the ``tag`` the view gave that input (its caption)."""

    maps: FeatureMaps
    tag: Any
    epoch: int
    iteration: int = 0


class FeatureMapProbe:
    """Runs the chosen input through the network and keeps every conv/pool output (key ``feature_maps``)."""

    key = "feature_maps"
    #: feature maps change slowly to the eye; a few frames a second is plenty
    min_interval = 0.2

    def __init__(self, x=None, tag=None):
        self._lock = threading.Lock()
        self._x = None if x is None else np.array(x)
        self._tag = tag

    def set_input(self, x, tag=None) -> None:
        """The next computation uses sample ``x`` (C, H, W); ``tag`` comes back with the result."""
        with self._lock:
            self._x, self._tag = np.array(x), tag

    def compute(self, model) -> FeatureFrame | None:
        with self._lock:
            x, tag = self._x, self._tag
        if x is None:
            return None
        return FeatureFrame(maps=feature_maps(model, x), tag=tag, epoch=model.history.epochs_done,
                            iteration=model.history.iterations_done)


# --- evaluation -----------------------------------------------------------------------------------
@dataclass
class EvaluationFrame:
    """The network on the test set: confusion counts and its most confident mistakes.

    ``matrix`` is (k, k), row = true class, column = predicted class.
    ``mistakes`` are test-set indices; ``predicted``, ``true`` and
    ``confidence`` are (n,) for them; ``images`` is (n, C, H, W) for image
    datasets, else None.
    """

    matrix: np.ndarray
    accuracy: float
    mistakes: np.ndarray
    predicted: np.ndarray
    true: np.ndarray
    confidence: np.ndarray
    images: np.ndarray | None
    epoch: int
    iteration: int = 0

    @property
    def total(self) -> int:
        return int(self.matrix.sum())


class EvaluationProbe:
    """Predicts the whole test set (key ``evaluation``); the session keeps it under its time budget."""

    key = "evaluation"
    min_interval = 1.0

    def __init__(self, X, y, n_classes: int, images: bool, limit: int = 32):
        self.X, self.y = X, np.asarray(y).astype(np.int64)
        self.n_classes = int(n_classes)
        self.images = bool(images)
        self.limit = int(limit)

    def compute(self, model) -> EvaluationFrame | None:
        if model.history.epochs_done == 0 and model.history.iterations_done == 0:
            return None       # an untrained network: nothing to evaluate yet
        probs = model.predict(self.X)
        pred = predicted_classes(probs)
        wrong = confident_mistakes(probs, self.y, self.limit)
        return EvaluationFrame(
            matrix=confusion_matrix(self.y, pred, self.n_classes),
            accuracy=float(np.mean(pred == self.y)) if self.y.size else float("nan"),
            mistakes=wrong, predicted=pred[wrong], true=self.y[wrong],
            confidence=prediction_confidence(probs)[wrong],
            images=np.array(self.X[wrong], dtype=np.float32) if self.images else None,
            epoch=model.history.epochs_done, iteration=model.history.iterations_done)


# --- gradient check -------------------------------------------------------------------------------
@dataclass
class ModelCopy:
    """A copy of the network taken between two training steps, for a gradient check in its own thread."""

    model: Any
    epoch: int
    reason: str       # "asked" (the button) or "scheduled" (every N epochs)


class ModelCopyProbe:
    """Hands out a copy of the model when a check is asked for, or every ``every`` epochs (key ``gradcheck_model``).

    Taking the copy here, in the training thread between two steps, gives a
    consistent set of weights; the check then runs on the copy in its own
    thread while training goes on. While ``busy`` (a check still running)
    scheduled copies are skipped.
    """

    key = "gradcheck_model"

    def __init__(self):
        self._lock = threading.Lock()
        self._asked = False
        self._every = 0
        self._next_epoch = 0
        self._busy = False

    def ask(self) -> None:
        with self._lock:
            self._asked = True

    def set_every(self, epochs: int, epochs_done: int = 0) -> None:
        """Copy every ``epochs`` epochs (0: never), starting at the next multiple after ``epochs_done``."""
        with self._lock:
            self._every = max(0, int(epochs))
            self._next_epoch = (epochs_done // self._every + 1) * self._every if self._every else 0

    def set_busy(self, busy: bool) -> None:
        with self._lock:
            self._busy = bool(busy)

    def compute(self, model) -> ModelCopy | None:
        done = model.history.epochs_done
        with self._lock:
            if self._asked:
                reason = "asked"
            elif self._every and not self._busy and done >= self._next_epoch:
                reason = "scheduled"
            else:
                return None
            self._asked = False
            if self._every:
                self._next_epoch = (done // self._every + 1) * self._every
            self._busy = True
        return ModelCopy(model=model.copy(), epoch=done, reason=reason)


__all__ = ["FeatureFrame", "FeatureMapProbe", "EvaluationFrame", "EvaluationProbe", "ModelCopy",
           "ModelCopyProbe"]

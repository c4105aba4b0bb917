"""Is a dropped picture like the training images at all? An out-of-distribution hint, without Qt.

A network answers every input with a confident-looking class: a cat photo
on an MNIST model comes out "4 — 99.2 %". This module scores how unlike
the training images an input is, so the prediction view can say so in words.

The score. Each picture, as the network sees it (after the drop's
preprocessing), is summarised by a few image statistics: mean brightness,
contrast, the fractions of blank, full and mid-tone pixels, edge strength,
how much of the inked bounding box is filled, and colour saturation. Two
tests on them, either of which fires the hint:

- the Mahalanobis distance of the statistics from the training images'
  (their mean and covariance), above ``MARGIN`` × the test set's
  ``QUANTILE`` quantile of the same distance. The margin is there because a
  dropped file goes through the drop's preprocessing (rescaling,
  re-centring, stroke thickening), which moves even a true test digit a
  little away from the stored test images;
- one statistic lying more than ``EXCESS_LIMIT`` training standard
  deviations beyond every training image's (a digit on white paper is
  brighter than any of the 209 cat-set photos). No test image of either
  dataset is that far out.

Measured (tests/lab/test_ood.py, MNIST-10k and the cats files, files
dropped as PNGs): scores from the network itself did not separate: after a
short epoch of mnist-cnn the energy −logsumexp(logits), the max-softmax
probability, the 10-NN cosine distance and the class-conditional Mahalanobis
distance in every layer's activations (and in pixel space) put 0 or 1 of 10
cat photos above the test set's 99th percentile, because the MNIST
preprocessing turns a photo into a centred, digit-sized blob the network
maps among the digits. The image statistics flag all 10 cat photos (12–28 ×
over the threshold), none of 20 dropped t10k digits (at most 0.81 of it),
1 of the 2,000 stored MNIST test digits; on the cats model all 20 dropped
digits and none of its 50 test photos.

The statistics do not depend on the weights, so one calibration serves every
network trained on a dataset; it takes well under a second (MNIST-10k) and is
made in the image loader's thread (:class:`OODCache`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

#: the test-set quantile the threshold starts from
QUANTILE = 0.99
#: threshold = MARGIN × that quantile (room for the drop's preprocessing, see the module docstring)
MARGIN = 2.5
#: or: one statistic more than this many training standard deviations beyond every training image's
EXCESS_LIMIT = 4.0
#: what the prediction view says when the hint fires
OOD_MESSAGE = "This looks unlike the training images: the answer means little."
INK = 0.1           # a pixel darker (after inversion) than this is blank
FULL = 0.9          # and brighter than this is full ink
STAT_NAMES = ("brightness", "contrast", "blank fraction", "full fraction", "mid-tone fraction", "edge strength",
              "bounding-box fill", "saturation")
#: the same, said for a class
STAT_WORDS = ("brightness", "contrast", "share of blank pixels", "share of full-ink pixels", "share of grey pixels",
              "edge strength", "share of the inked box that is filled", "colourfulness")


def _as_images(X, image_shape=None) -> np.ndarray:
    """A batch of samples → (m, C, H, W) float64. Flat samples take ``image_shape`` (C, H, W) when its size
    fits, else 784 → 1 × 28 × 28 and 12,288 → 3 × 64 × 64; any other flat sample is one row of pixels."""
    X = np.asarray(X)
    m = X.shape[0]
    if X.ndim == 4:
        return X.astype(np.float64, copy=False)
    n = int(np.prod(X.shape[1:]))
    if image_shape is not None and len(image_shape) == 3 and int(np.prod(image_shape)) == n:
        shape = tuple(int(d) for d in image_shape)
    elif n == 28 * 28:
        shape = (1, 28, 28)
    elif n == 3 * 64 * 64:
        shape = (3, 64, 64)
    elif X.ndim == 3:
        shape = (1, *X.shape[1:])
    else:
        shape = (1, 1, n)
    return X.reshape(m, *shape).astype(np.float64, copy=False)


def image_statistics(X, image_shape=None) -> np.ndarray:
    """(m, …) pictures in [0, 1] → (m, 8) statistics, in the order of :data:`STAT_NAMES`."""
    images = _as_images(X, image_shape)
    m = images.shape[0]
    gray = images.mean(axis=1)                                   # (m, H, W)
    flat = gray.reshape(m, -1)
    inked = flat > INK
    edges = np.zeros(m)
    if gray.shape[2] > 1:
        edges += np.abs(np.diff(gray, axis=2)).mean(axis=(1, 2))
    if gray.shape[1] > 1:
        edges += np.abs(np.diff(gray, axis=1)).mean(axis=(1, 2))
    rows = (gray > INK).any(axis=2).sum(axis=1)
    cols = (gray > INK).any(axis=1).sum(axis=1)
    fill = inked.sum(axis=1) / np.maximum(1, rows * cols)
    saturation = (images.max(axis=1) - images.min(axis=1)).reshape(m, -1).mean(axis=1)
    return np.stack([flat.mean(axis=1), flat.std(axis=1), (~inked).mean(axis=1), (flat > FULL).mean(axis=1),
                     (inked & (flat < FULL)).mean(axis=1), edges, fill, saturation], axis=1)


@dataclass(frozen=True)
class OODResult:
    """One input against a calibration: ``unusual`` when the Mahalanobis ``score`` is over ``threshold`` or
    one statistic lies more than ``excess_limit`` training standard deviations beyond every training image's."""

    score: float
    threshold: float
    #: how far (in training standard deviations) the most extreme statistic lies beyond the training range
    excess: float = 0.0
    excess_limit: float = float("inf")
    #: the name of that statistic (see :data:`STAT_NAMES`)
    statistic: str = ""
    #: +1 when it lies above the training range, -1 below
    direction: int = 0

    @property
    def unusual(self) -> bool:
        return bool(self.score > self.threshold or self.excess > self.excess_limit)

    @property
    def ratio(self) -> float:
        """How far over its limit the stronger of the two tests is: above 1 the hint fires."""
        a = self.score / self.threshold if self.threshold > 0 else float("inf")
        b = self.excess / self.excess_limit if self.excess_limit > 0 else float("inf")
        return max(a, b)

    def message(self) -> str:
        """:data:`OOD_MESSAGE` when unusual, else ""."""
        return OOD_MESSAGE if self.unusual else ""

    def explanation(self) -> str:
        """The message and why, for a class ("" when not unusual)."""
        if not self.unusual:
            return ""
        if self.excess > self.excess_limit:
            words = STAT_WORDS[STAT_NAMES.index(self.statistic)] if self.statistic in STAT_NAMES else self.statistic
            why = f"its {words} is far {'higher' if self.direction > 0 else 'lower'} than in any training image"
        else:
            why = "its brightness, contrast, edges and colours together are unlike the training images'"
        return f"{OOD_MESSAGE} The network answers with one of the classes it knows, whatever it is shown; here {why}."


@dataclass(frozen=True)
class OODCalibration:
    """Mean and precision of the training images' statistics, and the threshold set on the test set."""

    mean: np.ndarray
    precision: np.ndarray
    threshold: float
    image_shape: tuple[int, ...] | None
    #: the test set's QUANTILE quantile, before the margin
    test_quantile: float = 0.0
    #: the training statistics' smallest and largest values and standard deviations
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    spread: np.ndarray | None = None
    excess_limit: float = EXCESS_LIMIT

    def scores(self, X) -> np.ndarray:
        """(m, …) pictures → (m,) squared Mahalanobis distances from the training images' statistics."""
        d = image_statistics(X, self.image_shape) - self.mean
        return np.einsum("ij,jk,ik->i", d, self.precision, d)

    def excesses(self, X) -> np.ndarray:
        """(m, …) pictures → (m, 8): how many training standard deviations each statistic lies beyond
        the training images' range: positive above it, negative below, 0 inside it."""
        stats = image_statistics(X, self.image_shape)
        if self.low is None:
            return np.zeros_like(stats)
        return (np.maximum(0.0, stats - self.high) - np.maximum(0.0, self.low - stats)) / self.spread

    def check(self, x) -> OODResult:
        """One sample (no batch axis) → its :class:`OODResult`."""
        batch = np.asarray(x)[None]
        signed = self.excesses(batch)[0]
        worst = int(np.argmax(np.abs(signed)))
        return OODResult(score=float(self.scores(batch)[0]), threshold=self.threshold,
                         excess=float(abs(signed[worst])), excess_limit=self.excess_limit,
                         statistic=STAT_NAMES[worst], direction=int(np.sign(signed[worst])))


def calibrate(X_train, X_test=None, image_shape=None, quantile: float = QUANTILE,
              margin: float = MARGIN) -> OODCalibration:
    """Fit the statistics' mean and covariance on ``X_train``; set the threshold from ``X_test``
    (or, with no test set, from the training set itself)."""
    stats = image_statistics(X_train, image_shape)
    mean = stats.mean(axis=0)
    cov = np.atleast_2d(np.cov(stats, rowvar=False)) if len(stats) > 1 else np.eye(stats.shape[1])
    cov = cov + 1e-6 * np.eye(cov.shape[0]) * max(float(np.trace(cov)) / cov.shape[0], 1e-12)
    precision = np.linalg.pinv(cov)
    held_out = X_test if X_test is not None and len(X_test) else X_train
    shape = tuple(int(d) for d in image_shape) if image_shape is not None else None
    partial = OODCalibration(mean=mean, precision=precision, threshold=np.inf, image_shape=shape)
    q = float(np.quantile(partial.scores(held_out), quantile))
    spread = np.maximum(stats.std(axis=0), 1e-6)
    return OODCalibration(mean=mean, precision=precision, threshold=margin * q, image_shape=shape, test_quantile=q,
                          low=stats.min(axis=0), high=stats.max(axis=0), spread=spread)


def calibration_for(dataset) -> OODCalibration | None:
    """The calibration for an image dataset (``X_train``, ``X_test``, ``input_shape``), or None for
    datasets of points (2-D inputs and the like) or an empty training set."""
    if dataset is None or not is_image_shape(getattr(dataset, "input_shape", ())):
        return None
    if len(dataset.X_train) == 0:
        return None
    return calibrate(dataset.X_train, dataset.X_test, dataset.input_shape)


def is_image_shape(shape) -> bool:
    """(C, H, W) with C in (1, 3), or a flat MNIST / cats sample."""
    shape = tuple(int(d) for d in shape)
    return (len(shape) == 3 and shape[0] in (1, 3) and min(shape[1:]) > 1) or shape in ((28 * 28,), (3 * 64 * 64,))


class OODCache:
    """One calibration per dataset, made on first use in whichever thread asks (the image loader's)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._dataset = None
        self._calibration: OODCalibration | None = None

    def get(self, dataset) -> OODCalibration | None:
        with self._lock:
            if dataset is self._dataset:
                return self._calibration
        calibration = calibration_for(dataset)     # outside the lock: peek() never waits for it
        with self._lock:
            self._dataset, self._calibration = dataset, calibration
        return calibration

    def peek(self, dataset) -> OODCalibration | None:
        """The calibration if it is made already (never computes: for the GUI thread)."""
        with self._lock:
            return self._calibration if dataset is self._dataset else None


__all__ = ["OOD_MESSAGE", "OODCache", "OODCalibration", "OODResult", "calibrate", "calibration_for",
           "image_statistics", "is_image_shape"]

"""Point datasets generated with NumPy: moons, circles, XOR (two classes); blobs and spiral (2 to 8).

Each generator returns ``X`` float64 (n, 2) and ``y`` int64 (n,), shuffled.
``make_moons`` and ``make_circles`` follow scikit-learn's functions of the
same name step by step (same ``RandomState`` calls in the same order), so
``make_moons(1000, 0.2, seed=100)`` gives the points the moons seed got from
``sklearn.datasets.make_moons(1000, noise=0.2, random_state=100)``.
``make_blobs`` follows ``sklearn.datasets.make_blobs`` with the centres
given (K points on the unit circle) and ``cluster_std=noise``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .dataset import Dataset, split_sizes, train_test_split
from .registry import DATASETS

MAX_SAMPLES = 1_000_000


def _shuffled_with_noise(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.RandomState):
    """Shuffle rows (as sklearn.utils.shuffle does), then add N(0, noise²) to every coordinate."""
    order = np.arange(len(y))
    rng.shuffle(order)
    X, y = X[order], y[order]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def _two_classes(n_out: int, n_in: int) -> np.ndarray:
    return np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])


def make_moons(n_samples: int, noise: float, seed: int | None):
    """Two interleaving half circles.

    Class 0: (cos t, sin t) for t in linspace(0, π, n//2); class 1:
    (1 − cos t, 1 − sin t − 0.5) for t in linspace(0, π, n − n//2).
    """
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    return _shuffled_with_noise(X, _two_classes(n_out, n_in), noise, np.random.RandomState(seed))


def make_circles(n_samples: int, noise: float, seed: int | None, factor: float = 0.5):
    """A large circle (class 0, radius 1) around a small one (class 1, radius ``factor``)."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), factor * np.cos(t_in)),
                   np.append(np.sin(t_out), factor * np.sin(t_in))]).T
    return _shuffled_with_noise(X, _two_classes(n_out, n_in), noise, np.random.RandomState(seed))


def make_xor(n_samples: int, noise: float, seed: int | None):
    """Points uniform in the square [−1, 1]²; class 1 where x·y > 0 (same signs), else 0.

    The label is given before the noise is added, so noise blurs the axes.
    """
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_spiral(n_samples: int, noise: float, seed: int | None, turns: float = 1.5, classes: int = 2):
    """``classes`` interleaved Archimedean spiral arms, arm k turned by 2πk/classes (two: the second by π).

    Along each arm t runs over linspace(0, 1): radius 0.1 + 0.9 t, angle
    2π·turns·t + 2πk/classes. Arm k has n // classes points, the last arm the
    remainder too (two arms: n // 2 and n − n // 2).
    """
    sizes = [n_samples // classes] * (classes - 1)
    sizes.append(n_samples - sum(sizes))
    parts = []
    for k, n in enumerate(sizes):
        t = np.linspace(0, 1, n)
        radius = 0.1 + 0.9 * t
        angle = 2 * np.pi * turns * t + k * (2 * np.pi / classes)
        parts.append(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    X = np.vstack(parts)
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    return _shuffled_with_noise(X, y, noise, np.random.RandomState(seed))


def blob_centres(classes: int) -> np.ndarray:
    """(classes, 2): the centres of :func:`make_blobs`, on the unit circle at angles 2πk/classes + π/2."""
    angle = np.pi / 2 + 2 * np.pi * np.arange(classes) / classes
    return np.column_stack([np.cos(angle), np.sin(angle)])


def make_blobs(n_samples: int, noise: float, seed: int | None, classes: int = 3):
    """Gaussian blobs of standard deviation ``noise`` around :func:`blob_centres`, as scikit-learn's
    ``make_blobs(n_samples, centers=blob_centres(classes), cluster_std=noise, random_state=seed)``:
    blob i has n // classes points (the first n % classes one more), drawn in turn, then shuffled."""
    rng = np.random.RandomState(seed)
    centres = blob_centres(classes)
    sizes = [n_samples // classes + (1 if i < n_samples % classes else 0) for i in range(classes)]
    X = np.vstack([rng.normal(loc=centres[i], scale=noise, size=(n, 2)) for i, n in enumerate(sizes)])
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    order = np.arange(n_samples)
    rng.shuffle(order)
    return X[order], y[order]


GENERATORS = {"moons": make_moons, "circles": make_circles, "xor": make_xor, "spiral": make_spiral,
              "blobs": make_blobs}
#: generators that take a class count, and its range
MULTICLASS = ("blobs", "spiral")
MIN_CLASSES, MAX_CLASSES = 2, 8


def class_names(name: str, classes: int | None) -> list[str]:
    """The class names of generated dataset ``name`` with ``classes`` classes (None: the registry's)."""
    if classes is None or name not in MULTICLASS:
        return list(DATASETS[name].class_names)
    word = "arm" if name == "spiral" else "blob"
    return [f"{word} {k + 1}" for k in range(classes)]


def check_generator_args(name: str, n_samples, noise, test_fraction, seed, split_seed=None,
                         classes=None) -> None:
    """Raise ValueError naming the argument if any is out of range."""
    def bad(what, expected, value):
        raise ValueError(f"dataset {name!r}: {what} must be {expected}. Received: {what}={value!r}")

    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        bad("n_samples", "an integer", n_samples)
    if not 2 <= n_samples <= MAX_SAMPLES:
        bad("n_samples", f"between 2 and {MAX_SAMPLES:,}", n_samples)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise) or noise < 0:
        bad("noise", "a number >= 0", noise)
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real)
            or not 0 < test_fraction < 1):
        bad("test_fraction", "a number strictly between 0 and 1", test_fraction)
    for what, value in (("seed", seed), ("split_seed", split_seed)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                                  or not 0 <= value < 2**32):
            bad(what, "None or an integer from 0 to 2**32 - 1", value)
    if classes is not None:
        if name not in MULTICLASS:
            bad("classes", f"left out: only {' and '.join(MULTICLASS)} take a class count", classes)
        if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) \
                or not MIN_CLASSES <= classes <= MAX_CLASSES:
            bad("classes", f"an integer from {MIN_CLASSES} to {MAX_CLASSES}", classes)
        if n_samples < classes:
            bad("n_samples", f"at least the number of classes ({classes})", n_samples)
    try:
        split_sizes(int(n_samples), float(test_fraction))
    except ValueError as exc:
        raise ValueError(f"dataset {name!r}: {exc}") from None


def generate(name: str, n_samples: int, noise: float, test_fraction: float, seed: int | None,
             split_seed: int | None = 42, classes: int | None = None) -> Dataset:
    """Generate the named point dataset and split it.

    Returns a Dataset with X float32 (m, 2) and y int64 (m,). The split is
    ``train_test_split(test_fraction, split_seed)``; 42 is what the moons
    seed used, so ``generate("moons", 1000, 0.2, 0.1, 100)`` is its data.
    ``classes`` (blobs and spiral only; None: the registry's default) sets the class count.
    """
    if name not in GENERATORS:
        raise ValueError(f"no point generator named {name!r}; choose one of {', '.join(GENERATORS)}")
    check_generator_args(name, n_samples, noise, test_fraction, seed, split_seed, classes)
    extra = {} if classes is None else {"classes": int(classes)}
    X, y = GENERATORS[name](int(n_samples), float(noise), None if seed is None else int(seed), **extra)
    X_train, y_train, X_test, y_test = train_test_split(X.astype(np.float32), y, float(test_fraction),
                                                        None if split_seed is None else int(split_seed))
    return Dataset(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
                   class_names=class_names(name, classes), input_shape=(2,), name=name, source="generated")

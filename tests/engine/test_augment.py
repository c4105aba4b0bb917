"""Training-time augmentation (nnviz.data.augment) and the engine's ``fit(augment=...)`` hook."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.augment import Augmenter, affine
from nnviz.engine import Dense, Flatten, Sequential


def _images(b=6, c=1, h=8, w=8, seed=0):
    return np.random.default_rng(seed).random((b, c, h, w)).astype(np.float32)


def test_affine_references():
    X = _images(c=2)
    zero = np.zeros(len(X))
    np.testing.assert_allclose(affine(X, zero, zero, zero), X, atol=1e-6)
    # a whole-pixel shift is a roll with zeros coming in
    shifted = affine(X, zero, np.full(len(X), 1.0), np.full(len(X), -2.0))
    expected = np.zeros_like(X)
    expected[:, :, 1:, :-2] = X[:, :, :-1, 2:]
    np.testing.assert_allclose(shifted, expected, atol=1e-6)
    # a quarter turn of a square image is np.rot90 clockwise (k=-1: clockwise as shown, rows downwards)
    turned = affine(X, np.full(len(X), np.pi / 2), zero, zero)
    np.testing.assert_allclose(turned, np.rot90(X, k=-1, axes=(2, 3)), atol=1e-5)
    # half a pixel to the right: the mean of the two neighbours (bilinear)
    half = affine(X, zero, zero, np.full(len(X), 0.5))
    np.testing.assert_allclose(half[..., 1:], (X[..., 1:] + X[..., :-1]) / 2, atol=1e-6)


def test_flip_and_ranges():
    X = _images(b=200)
    out = Augmenter(flip=True)(X, np.random.default_rng(1))
    same = np.all(out == X, axis=(1, 2, 3))
    mirrored = np.all(out == X[..., ::-1], axis=(1, 2, 3))
    assert np.all(same | mirrored) and 60 < mirrored.sum() < 140
    assert out.dtype == X.dtype and X is not out
    with pytest.raises(ValueError, match="unknown augmentation 'zoom'"):
        Augmenter.from_names(["zoom"])
    assert Augmenter.from_names([]) is None
    with pytest.raises(ValueError, match=r"\(b, C, H, W\)"):
        Augmenter(flip=True)(np.zeros((3, 4), np.float32), np.random.default_rng(0))


def _model(seed=3):
    return Sequential([Flatten(), Dense(3, activation="softmax")], input_shape=(1, 8, 8),
                      loss="categorical_crossentropy", seed=seed)


class Recorder:
    """An augmenter that records the batches it returns."""

    def __init__(self):
        self.inner = Augmenter.from_names(["flip", "shift", "rotate"])
        self.batches = []

    def __call__(self, X, rng):
        out = self.inner(X, rng)
        self.batches.append(out.copy())
        return out


def test_same_seed_gives_identical_batches_and_weights():
    X, y = _images(b=40), np.arange(40) % 3
    runs = []
    for _ in range(2):
        model, rec = _model(), Recorder()
        model.fit(X, y, epochs=3, batch_size=16, augment=rec)
        runs.append((rec.batches, [layer.params[k].copy() for _, layer, k in model.parameters()]))
    (b1, w1), (b2, w2) = runs
    assert len(b1) == 9
    for a, b in zip(b1, b2):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    # another seed: other batches
    rec = Recorder()
    _model().fit(X, y, epochs=1, batch_size=16, augment=rec, seed=99)
    assert not np.array_equal(rec.batches[0], b1[0])
    # the batches really were changed, and the validation data never is
    assert not any(np.array_equal(b, X[:16]) for b in b1)


def test_continuing_a_run_draws_as_one_long_run():
    """Epoch e's draws depend on (seed, e) only: 2 + 1 epochs give the batches of 3 epochs."""
    X, y = _images(b=32), np.arange(32) % 3
    long, rec = _model(), Recorder()
    long.fit(X, y, epochs=3, batch_size=16, augment=rec)
    split, rec2 = _model(), Recorder()
    split.fit(X, y, epochs=2, batch_size=16, augment=rec2)
    split.fit(X, y, epochs=1, batch_size=16, augment=rec2)
    for a, b in zip(rec.batches, rec2.batches):
        np.testing.assert_array_equal(a, b)


def test_augment_must_keep_the_shape():
    X, y = _images(b=8), np.arange(8) % 3
    model = _model()
    with pytest.raises(ValueError, match="same shape"):
        model.fit(X, y, epochs=1, augment=lambda xb, rng: xb[:, :, :4])

"""The samples probe (the worker half of the Training tab's test-image view for image data), without Qt."""

import numpy as np
import pytest

from nnviz.lab.prediction import class_probabilities
from nnviz.lab.samples import SamplesProbe, per_class_accuracy


def test_probe_cycles_through_the_test_set_and_counts_per_class():
    class Half:
        """A 'network' that says class 1 for bright images and class 0 for dark ones."""
        class history:
            epochs_done, iterations_done = 1, 10

        def predict(self, X, batch_size=256):
            p = (X.reshape(len(X), -1).mean(axis=1) > 0.5).astype(float)
            return np.stack([1 - p, p], axis=1)

    X = np.concatenate([np.zeros((6, 1, 4, 4)), np.ones((4, 1, 4, 4))])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    probe = SamplesProbe(X, y, 2, count=3)
    first, second = probe.compute(Half()), probe.compute(Half())
    assert second.cursor == first.cursor + 1
    np.testing.assert_array_equal(second.indices[:2], first.indices[1:])
    acc, counts = per_class_accuracy(y, (X.reshape(10, -1).mean(1) > 0.5).astype(int), 2)
    np.testing.assert_allclose(first.class_accuracy, acc)
    np.testing.assert_array_equal(counts, [3, 7])
    np.testing.assert_allclose(acc, [1.0, 4 / 7])
    assert first.accuracy == pytest.approx(7 / 10)
    np.testing.assert_allclose(first.probs, [class_probabilities(r) for r in Half().predict(X[first.indices])])

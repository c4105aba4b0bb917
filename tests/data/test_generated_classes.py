"""Class counts for the 2-D generators: blobs (2 to 8 Gaussian clusters) and spiral arms."""

import numpy as np
import pytest

from nnviz.data import load_dataset
from nnviz.data.generated import blob_centres, make_blobs, make_spiral


def test_two_arm_spiral_is_unchanged_by_the_class_count():
    X, y = make_spiral(401, 0.05, 7)
    X2, y2 = make_spiral(401, 0.05, 7, classes=2)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert np.bincount(y).tolist() == [200, 201]


@pytest.mark.parametrize("classes", [3, 5, 8])
def test_spiral_arms_are_turned_copies(classes):
    n = 60 * classes
    X, y = make_spiral(n, 0.0, 0, classes=classes)
    assert np.bincount(y).tolist() == [60] * classes
    r = np.hypot(X[:, 0], X[:, 1])
    arm0 = X[y == 0][np.argsort(r[y == 0])]
    for k in range(1, classes):
        a = 2 * np.pi * k / classes
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        armk = X[y == k][np.argsort(r[y == k])]
        np.testing.assert_allclose(armk, arm0 @ rot.T, atol=1e-12)


@pytest.mark.parametrize("classes", [2, 3, 8])
def test_blobs_are_gaussians_around_the_unit_circle(classes):
    n, sigma = 4000 * classes + 1, 0.2
    X, y = make_blobs(n, sigma, 3, classes=classes)
    counts = np.bincount(y, minlength=classes)
    assert counts.sum() == n and counts.max() - counts.min() <= 1 and counts[0] == 4001
    centres = blob_centres(classes)
    np.testing.assert_allclose(np.hypot(*centres.T), 1.0, atol=1e-12)
    for k in range(classes):
        pts = X[y == k]
        # the sample mean is within 5 standard errors of the centre; the spread is sigma within 5 %
        assert np.all(np.abs(pts.mean(axis=0) - centres[k]) < 5 * sigma / np.sqrt(len(pts)))
        np.testing.assert_allclose(pts.std(axis=0), sigma, rtol=0.05)
    X2, y2 = make_blobs(n, sigma, 3, classes=classes)
    np.testing.assert_array_equal(X, X2)          # the seed decides everything


def test_loaded_datasets_name_their_classes():
    ds = load_dataset("blobs", classes=5, n_samples=100)
    assert ds.class_names == ["blob 1", "blob 2", "blob 3", "blob 4", "blob 5"]
    assert set(np.concatenate([ds.y_train, ds.y_test]).tolist()) == set(range(5))
    assert load_dataset("blobs").n_classes == 3          # the default
    assert load_dataset("spiral", classes=4).class_names == ["arm 1", "arm 2", "arm 3", "arm 4"]
    assert load_dataset("spiral").class_names == ["arm 1", "arm 2"]


def test_bad_class_counts_are_named():
    with pytest.raises(ValueError, match=r"classes must be an integer from 2 to 8. Received: classes=9"):
        load_dataset("blobs", classes=9)
    with pytest.raises(ValueError, match="only blobs and spiral take a class count"):
        load_dataset("moons", classes=3)
    with pytest.raises(ValueError, match="classes only applies to generated datasets"):
        load_dataset("cats", classes=3)

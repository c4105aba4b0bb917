"""Saliency maps and nearest training examples (nnviz.lab.saliency), checked against independent references:
central differences of the score, occlusion drops recomputed patch by patch, distances by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import Sequential
from nnviz.engine.layers import BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from nnviz.lab.prediction import class_probabilities
from nnviz.lab.saliency import (
    UNTRAINED_NOTE,
    TrainingFeatures,
    compute_saliency,
    finite_difference_gradient,
    hidden_features,
    logits,
    nearest_examples,
    occlusion_geometry,
    occlusion_map,
    overlay,
    patch_starts,
    score_gradient,
)


def cnn(dtype="float64", seed=0):
    """A CNN with every layer kind the engine has, batch norm with non-trivial running statistics."""
    model = Sequential([Conv2D(4, 3, padding=1, activation="relu"), BatchNorm(), MaxPool2D(2),
                        Conv2D(3, 3, activation="tanh"), Flatten(), Dropout(0.8), Dense(7, activation="relu"),
                        Dense(3, activation="softmax")], input_shape=(1, 10, 10),
                       loss="categorical_crossentropy", dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 10)
    bn = model.layers[1]
    bn.buffers["running_var"][:] = rng.uniform(0.5, 2.0, 4)
    bn.buffers["running_mean"][:] = rng.normal(size=4)
    bn.params["gamma"][:] = rng.uniform(0.5, 1.5, 4)
    bn.params["beta"][:] = rng.normal(size=4) * 0.1
    return model


def sigmoid_net(bias: float, dtype="float64"):
    """Flatten → Dense(5, relu) → Dense(1, sigmoid) on (3, 6, 6) photos; ``bias`` pushes p above or below 0.5."""
    model = Sequential([Flatten(), Dense(5, activation="relu"), Dense(1, activation="sigmoid")],
                       input_shape=(3, 6, 6), dtype=dtype, seed=3)
    model.layers[-1].params["b"][:] = bias
    return model


def relative(a, b):
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences_in_float64(seed):
    model = cnn(seed=seed)
    x = np.random.default_rng(seed).random((1, 10, 10))
    grad, top, score = score_gradient(model, x)
    a, z = logits(model, x[None])
    assert top == int(np.argmax(a[0])) and score == pytest.approx(z[0, top], rel=1e-15)
    positions = np.random.default_rng(seed + 100).choice(x.size, 12, replace=False)
    numeric = finite_difference_gradient(model, x, top, positions, eps=1e-6)
    rel = relative(grad.ravel()[positions], numeric)
    print(f"CNN seed {seed}: largest relative difference over 12 pixels {rel.max():.2e}")
    assert rel.max() < 1e-5, rel


@pytest.mark.parametrize("bias, top", [(4.0, 1), (-4.0, 0)])
def test_one_unit_sigmoid_score_is_plus_or_minus_the_logit(bias, top):
    model = sigmoid_net(bias)
    x = np.random.default_rng(5).random((3, 6, 6))
    grad, t, score = score_gradient(model, x)
    a, z = logits(model, x[None])
    assert t == top
    assert score == pytest.approx(z[0, 0] if top == 1 else -z[0, 0], rel=1e-15)
    positions = np.random.default_rng(6).choice(x.size, 10, replace=False)
    numeric = finite_difference_gradient(model, x, t, positions)
    assert relative(grad.ravel()[positions], numeric).max() < 1e-5


def test_forcing_the_class_gives_that_class_logit_gradient():
    model = cnn()
    x = np.random.default_rng(9).random((1, 10, 10))
    for c in range(3):
        grad, t, _ = score_gradient(model, x, top=c)
        assert t == c
        positions = [3, 44, 71]
        assert relative(grad.ravel()[positions], finite_difference_gradient(model, x, c, positions)).max() < 1e-5


def test_gradient_leaves_the_batch_norm_statistics_alone():
    model = cnn()
    before = {k: v.copy() for k, v in model.layers[1].buffers.items()}
    score_gradient(model, np.random.default_rng(1).random((1, 10, 10)))
    for k, v in model.layers[1].buffers.items():
        np.testing.assert_array_equal(v, before[k])


def test_occlusion_geometry_and_patches_cover_the_image():
    assert occlusion_geometry(28, 28) == (4, 2)
    assert occlusion_geometry(64, 64) == (9, 4)
    for size, patch, stride in ((28, 4, 2), (64, 9, 4), (10, 3, 2)):
        starts = patch_starts(size, patch, stride)
        covered = np.zeros(size, bool)
        for s in starts:
            covered[s:s + patch] = True
        assert covered.all() and starts[-1] + patch == size


def test_occlusion_map_equals_drops_recomputed_patch_by_patch():
    model = cnn()
    x = np.random.default_rng(2).random((1, 10, 10))
    top = int(np.argmax(model.predict(x[None])[0]))
    occ, patch, stride = occlusion_map(model, x, top, patch=3, stride=2, fill=0.0)
    base = class_probabilities(model.predict(x[None])[0])[top]

    def drop(r, s):
        y = x.copy()
        y[:, r:r + 3, s:s + 3] = 0.0
        return base - class_probabilities(model.predict(y[None])[0])[top]

    starts = patch_starts(10, 3, 2)      # 0 2 4 6 7
    for (i, j) in [(0, 0), (2, 2), (5, 9), (7, 3)]:
        covering = [(r, s) for r in starts for s in starts if r <= i < r + 3 and s <= j < s + 3]
        expected = np.mean([drop(r, s) for r, s in covering])
        assert occ[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_compute_saliency_on_an_untrained_network_says_so_and_is_finite():
    model = cnn(dtype="float32")
    assert model.history.iterations_done == 0
    sal = compute_saliency(model, np.random.default_rng(3).random((1, 10, 10)).astype(np.float32),
                           names=["a", "b", "c"])
    assert UNTRAINED_NOTE in sal.notes and not sal.trained
    for kind, m in sal.maps.items():
        assert m.shape == (10, 10) and np.all(np.isfinite(m)), kind
    np.testing.assert_allclose(sal.gradient_x_input, sal.gradient * np.random.default_rng(3).random(
        (1, 10, 10)).astype(np.float32), rtol=1e-6)
    assert "logit of " in sal.score_text and "before softmax" in sal.score_text


def test_diverged_weights_give_one_sentence_not_a_nan_picture():
    model = cnn(dtype="float32")
    model.layers[0].params["W"][0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="not a finite number"):
        compute_saliency(model, np.ones((1, 10, 10), np.float32))


def test_dead_network_says_the_gradient_is_zero():
    model = sigmoid_net(1.0)
    model.layers[1].params["b"][:] = -1e3      # every hidden ReLU off
    sal = compute_saliency(model, np.random.default_rng(4).random((3, 6, 6)))
    assert not np.any(sal.gradient)
    assert any("zero everywhere" in n for n in sal.notes)


def test_overlay_is_an_rgb_picture_for_any_map():
    base = np.random.default_rng(0).random((5, 5))
    assert overlay(base, np.zeros((5, 5))).shape == (5, 5, 3)
    heat = np.zeros((5, 5))
    heat[1, 1], heat[3, 3] = 2.0, -2.0
    pic = overlay(base, heat)
    grey = 0.15 + 0.55 * base          # the dimmed picture under the map
    # the largest |value| is 85 % colour (red for +, blue for −) over 15 % picture; 0 leaves the picture
    np.testing.assert_allclose(pic[1, 1], 0.15 * grey[1, 1] + 0.85 * np.array([0.85, 0.1, 0.1]))
    np.testing.assert_allclose(pic[3, 3], 0.15 * grey[3, 3] + 0.85 * np.array([0.1, 0.35, 0.95]))
    np.testing.assert_allclose(pic[0, 0], [grey[0, 0]] * 3)
    assert np.all((pic >= 0) & (pic <= 1))


def test_nearest_examples_match_brute_force_and_the_cache_computes_once():
    model = Sequential([Flatten(), Dense(6, activation="relu"), Dense(4, activation="tanh"),
                        Dense(3, activation="softmax")], input_shape=(1, 4, 4), loss="categorical_crossentropy",
                       dtype="float64", seed=2)
    rng = np.random.default_rng(8)
    X = rng.random((300, 1, 4, 4))
    y = rng.integers(0, 3, 300)
    x = rng.random((1, 4, 4))
    # the reference: the last hidden layer's activations by hand
    W1, b1 = model.layers[1].params["W"], model.layers[1].params["b"]
    W2, b2 = model.layers[2].params["W"], model.layers[2].params["b"]
    hand = lambda A: np.tanh(np.maximum(A.reshape(len(A), -1) @ W1 + b1, 0) @ W2 + b2)  # noqa: E731
    np.testing.assert_allclose(hidden_features(model, X), hand(X), rtol=1e-6, atol=1e-7)
    cache = TrainingFeatures()
    features = cache.get(model, model.copy(), X)
    again = cache.get(model, model.copy(), X)
    assert again is features and cache.computed == 1
    near = nearest_examples(model, x, features, X, y, k=5)
    d = np.linalg.norm(hand(X) - hand(x[None]), axis=1)
    expected = np.argsort(d, kind="stable")[:5]
    np.testing.assert_array_equal(near.indices, expected)
    np.testing.assert_allclose(near.distances, d[expected], rtol=1e-6)
    np.testing.assert_array_equal(near.labels, y[expected])
    np.testing.assert_array_equal(near.images, X[expected].astype(np.float32))
    assert "dense_2" in near.space and "4 values" in near.space
    model.fit(X, y, epochs=1, batch_size=300)       # trained further: the cached features are stale
    assert cache.cached(model, X) is None


@pytest.mark.parametrize("preset, dataset, epochs", [("mnist-cnn", "mnist-10k", 1), ("cats-deep", "cats", 50)])
def test_gradient_of_the_shipped_networks_matches_central_differences(preset, dataset, epochs, real_data_dir):
    """The presets' own architectures in float64, trained a little on real images, at 10 pixels of a test image."""
    from nnviz.data import load_dataset
    from nnviz.lab.presets import load_preset

    cfg = load_preset(preset)
    cfg.dtype = "float64"
    ds = load_dataset(dataset, data_dir=real_data_dir)
    model = cfg.build_model(ds.input_shape)
    model.fit(ds.X_train[:256], ds.y_train[:256], optimizer=cfg.build_optimizer(), epochs=epochs,
              batch_size=cfg.batch_size, seed=0)
    # A raw digit's background is exactly 0, so many max-pool windows tie exactly: there the score has a kink
    # (the engine, like PyTorch, sends the gradient to the first maximum, and a central difference averages
    # the two one-sided slopes). A little noise breaks the ties; the score is then differentiable.
    x = ds.X_test[0].astype(np.float64) + 1e-3 * np.random.default_rng(0).random(ds.X_test[0].shape)
    grad, top, _ = score_gradient(model, x)
    flat = np.abs(grad.ravel())
    positions = np.argsort(flat)[-10:]          # the most salient pixels: far from zero, a meaningful ratio
    assert flat[positions].min() > 0
    numeric = finite_difference_gradient(model, x, top, positions, eps=1e-6)
    rel = relative(grad.ravel()[positions], numeric)
    print(f"{preset}: largest relative difference over 10 pixels {rel.max():.2e}")
    assert rel.max() < 1e-5, rel

"""Backprop in slow motion (issue 11, item 1), without Qt: the trace's numbers are the engine's, agree with
central differences in float64, and each injected bug is located at the first layer whose δ differs."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import load_dataset
from nnviz.engine import SGD, Sequential
from nnviz.engine.bugs import BACKPROP_BUGS, _misshaped_dense, get_bug
from nnviz.engine.layers import BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from nnviz.lab.presets import load_preset
from nnviz.lab.step_trace import steps_of, to_table, trace_step


def moons_model(epochs: int = 30, dtype: str = "float32"):
    preset = load_preset("moons")
    ds = load_dataset(preset.dataset, **dict(preset.dataset_options))
    preset.dtype = dtype
    model = preset.build_model(ds.input_shape)
    model.fit(ds.X_train, ds.y_train, optimizer=SGD(lr=0.05), epochs=epochs, batch_size=None, seed=0)
    return model, ds


def small_cnn(dtype="float64", keep_prob=0.7):
    layers = [Conv2D(3, 3, padding=1, activation="relu"), BatchNorm(), MaxPool2D(2), Flatten(),
              Dense(8, activation="tanh"), Dropout(keep_prob), Dense(3, activation="softmax")]
    return Sequential(layers, input_shape=(2, 6, 6), loss="categorical_crossentropy", seed=4, dtype=dtype)


def engine_grads(model, X, y, masks=None):
    """The engine's own training-step gradients for the batch X (one call of cost_and_gradients on a copy)."""
    net = model.copy()
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dropout) and masks and i in masks:
            layer.mask = masks[i]
            layer.freeze_mask(True)
    X, y = net.check_inputs(X, y)
    cost, _ = net.cost_and_gradients(X, net.targets(y))
    return cost, {f"{layer.name}.{k}": v.copy() for layer in net.layers for k, v in layer.grads.items()}


def trace_grads(trace):
    return {f"{s.name}.{k}": v for s in trace.layers for k, v in s.grads.items()}


def central_differences(model, X, y, masks=None, eps=1e-6):
    """Two-sided differences of the batch's cost for every weight (float64 model), written out here."""
    net = model.copy()
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dropout) and masks and i in masks:
            layer.mask = masks[i]
            layer.freeze_mask(True)
    X, y = net.check_inputs(X, y)
    Y = net.targets(y)

    def cost():
        a = net.forward(X, training=True)
        return float(net.data_cost(a, Y) + net.regularization_cost(X.shape[0]))

    out = {}
    for layer in net.layers:
        for key, p in layer.params.items():
            g = np.zeros_like(p)
            flat, gflat = p.reshape(-1), g.reshape(-1)
            for j in range(flat.size):
                old = flat[j]
                flat[j] = old + eps
                up = cost()
                flat[j] = old - eps
                down = cost()
                flat[j] = old
                gflat[j] = (up - down) / (2 * eps)
            out[f"{layer.name}.{key}"] = g
    return out


def rel(a, b):
    a, b = np.ravel(a), np.ravel(b)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_moons_trace_equals_the_engines_gradients_exactly(dtype):
    model, ds = moons_model(dtype=dtype)
    for i in (0, 17, 345):
        X, y = ds.X_train[i:i + 1], ds.y_train[i:i + 1]
        trace = trace_step(model, X, y, lr=0.01)
        cost, grads = engine_grads(model, X, y)
        assert trace.cost == cost
        mine = trace_grads(trace)
        assert list(mine) == list(grads)
        for name, g in grads.items():
            assert mine[name].dtype == g.dtype and np.array_equal(mine[name], g), name
        # the per-layer story holds together: Z = A_prev·W + b, A = g(Z), dW = A_prevᵀ·dZ, db = Σ dZ,
        # dA_prev = dZ·Wᵀ and the next layer's input is this layer's output (checked in float64 by hand)
        for k, s in enumerate(trace.layers):
            W, b = s.params["W"].astype(np.float64), s.params["b"].astype(np.float64)
            np.testing.assert_allclose(s.Z, s.A_prev.astype(np.float64) @ W + b, rtol=1e-5, atol=1e-6)
            dZ = s.dZ.astype(np.float64)
            np.testing.assert_allclose(s.grads["W"], s.A_prev.T.astype(np.float64) @ dZ, rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(s.grads["b"], dZ.sum(axis=0), rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(s.dA_prev, dZ @ W.T, rtol=1e-5, atol=1e-7)
            if k + 1 < len(trace.layers):
                assert np.array_equal(trace.layers[k + 1].A_prev, s.A)
                assert np.array_equal(trace.layers[k + 1].dA_prev, s.dA)
                # ReLU: dZ = dA ⊙ 1[Z > 0]
                assert np.array_equal(s.dZ, s.dA * (s.Z > 0))
                assert np.array_equal(s.gprime, (s.Z > 0).astype(s.Z.dtype))
        # the output layer is fused with the cross-entropy: dZ = (A − Y)/m and no dA
        last = trace.layers[-1]
        assert last.fused and last.dA is None
        np.testing.assert_allclose(last.dZ, (trace.output - y.reshape(-1, 1)), rtol=1e-6)
        # the update is W − lr·dW
        for s in trace.layers:
            for key in s.params:
                assert np.array_equal(s.updated[key], s.params[key] - s.params[key].dtype.type(0.01) * s.grads[key])


def test_the_update_is_one_engine_sgd_step():
    model, ds = moons_model(epochs=5)
    X, y = ds.X_train[3:4], ds.y_train[3:4]
    trace = trace_step(model, X, y, lr=0.1)
    net = model.copy()
    Xc, yc = net.check_inputs(X, y)
    net.cost_and_gradients(Xc, net.targets(yc))
    SGD(lr=0.1).step((layer.params[k], layer.grads[k]) for layer in net.layers for k in layer.params)
    for s, layer in zip(trace.layers, net.layers):
        for key in s.params:
            assert np.array_equal(s.updated[key], layer.params[key]), (s.name, key)
    assert "gradient-descent step" in trace.update_note


def test_moons_trace_equals_central_differences_in_float64():
    model, ds = moons_model(dtype="float64")
    for i in (5, 400):
        X, y = ds.X_train[i:i + 1], ds.y_train[i:i + 1]
        trace = trace_step(model, X, y)
        numeric = central_differences(model, X, y)
        for name, g in trace_grads(trace).items():
            assert g.dtype == np.float64
            r = rel(g, numeric[name])
            assert r < 1e-7, (i, name, r)
            assert np.max(np.abs(g - numeric[name])) < 1e-7, name


@pytest.mark.parametrize("m", [1, 2])
def test_cnn_trace_with_conv_pool_batchnorm_dropout(m):
    """Every kind of layer: the trace's gradients are the engine's (same dropout mask) and the numerical ones."""
    model = small_cnn()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 2, 6, 6))
    y = rng.integers(0, 3, size=m)
    trace = trace_step(model, X, y)
    masks = {s.index: s.mask for s in trace.layers if s.mask is not None}
    assert list(masks) == [5]           # one fixed dropout mask drawn and kept
    assert set(np.unique(masks[5])) <= {0.0, 1 / 0.7}
    cost, grads = engine_grads(model, X, y, masks)
    assert trace.cost == cost
    for name, g in grads.items():
        assert np.array_equal(trace_grads(trace)[name], g), name
    numeric = central_differences(model, X, y, masks)
    for name, g in trace_grads(trace).items():
        assert rel(g, numeric[name]) < 1e-7 or np.max(np.abs(g - numeric[name])) < 1e-9, name
    conv = trace.layers[0]
    assert conv.Z.shape == (m, 3, 6, 6) and conv.dZ.shape == conv.Z.shape and conv.dA_prev.shape == X.shape
    assert to_table(conv.params["W"]).shape == (3 * 3, 2 * 3)        # 3 rows of 2 kernels 3×3
    assert to_table(conv.A_prev[:1]).shape == (6, 2 * 6)             # two channels side by side
    # the model given is never changed
    assert all(layer.grads == {} or all(not np.any(g) for g in layer.grads.values()) for layer in model.layers)


def expected_first_difference(model, bug: str, m: int):
    """Where each bug first shows, derived from the bug's definition (not from the trace)."""
    L = len(model.layers)
    if bug == "cat-seed derivative":
        # the output layer is right; the first hidden layer below it gets the wrong slope in dZ
        return (max(i for i in range(L - 1) if model.layers[i].activation_name is not None), "dZ")
    if bug == "transposed weight":
        hit = max(i for i, layer in enumerate(model.layers) if i > 0 and _misshaped_dense(layer))
        return (hit, "dA_prev")
    if bug == "dropped 1/m":
        return None if m == 1 else (L - 1, "dZ")
    raise AssertionError(bug)


@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("bug", list(BACKPROP_BUGS))
def test_each_bug_is_located(bug, m):
    model, ds = moons_model()
    X, y = ds.X_train[10:10 + m], ds.y_train[10:10 + m]
    trace = trace_step(model, X, y, bug=bug)
    assert trace.bug == bug and not trace.bug_error
    assert trace.first_difference == expected_first_difference(model, bug, m)
    # the bugged gradients are the bug function's own (run straight on a copy)
    net = model.copy()
    Xc, yc = net.check_inputs(X, y)
    get_bug(bug)(net, Xc, net.targets(yc))
    for s, layer in zip(trace.layers, net.layers):
        for key, g in layer.grads.items():
            assert np.array_equal(s.bugged["grads"][key], g), (s.name, key)
    if trace.first_difference is not None:
        i, what = trace.first_difference
        # above it (earlier in backward order) everything agrees; there the named quantity differs
        for s in trace.layers[i + 1:]:
            assert s.differing == []
        assert trace.layers[i].differing[0] == what
        assert trace.layers[i].name in trace.first_difference_text()
    else:
        assert "m = 1" in trace.first_difference_text()
    # the correct half of the trace is unchanged by asking for a bug
    plain = trace_step(model, X, y)
    for a, b in zip(trace_grads(plain).values(), trace_grads(trace).values()):
        assert np.array_equal(a, b)


def test_bug_that_cannot_apply_says_so():
    model = Sequential([Dense(1, activation="sigmoid")], input_shape=(2,), seed=0)
    trace = trace_step(model, np.ones((1, 2)), np.array([1]), bug="transposed weight")
    assert trace.first_difference is None
    assert "transposed-weight bug needs a Dense layer" in trace.first_difference_text()


def test_bad_inputs_are_named():
    model = small_cnn()
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 2, 6, 6\)"):
        trace_step(model, np.ones((1, 3, 6, 6)), np.array([0]))
    with pytest.raises(ValueError, match="unknown backprop bug"):
        trace_step(model, np.ones((1, 2, 6, 6)), np.array([0]), bug="nope")
    with pytest.raises(InterruptedError):
        trace_step(model, np.ones((1, 2, 6, 6)), np.array([0]), should_stop=lambda: True)


def test_step_order():
    model = small_cnn()
    trace = trace_step(model, np.ones((1, 2, 6, 6)), np.array([0]))
    order = steps_of(trace)
    L = len(model.layers)
    assert order[:L] == [("forward", i) for i in range(L)]
    assert order[L:2 * L] == [("backward", i) for i in reversed(range(L))]
    assert order[-1] == ("update", -1)
